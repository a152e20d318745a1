import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { InlineConfig } from 'vite'
import { expect } from 'vitest'
import { CompressorError, type ErrorCode } from '../../src/core/errors.js'
import compressor, { type CompressorOptions } from '../../src/plugin/index.js'

export type Files = Record<string, string | Uint8Array>

/** Writes files into a fresh folder under the system temp dir and returns its path. */
export function writeTree(files: Files, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-'))): string {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, content)
  }
  return dir
}

/** Every file under `dir`, as sorted relative paths with `/`. */
export function listFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name)
      if (e.isDirectory()) walk(full)
      else out.push(path.relative(dir, full).split(path.sep).join('/'))
    }
  }
  if (fs.existsSync(dir)) walk(dir)
  return out.sort()
}

export interface Built {
  root: string
  outDir: string
  manifest: Record<string, string>
  /** Reads a file under outDir. */
  read: (name: string) => string
  /** Output files named by the manifest values, in order of appearance. */
  urls: (html: string) => string[]
  warnings: string[]
  info: string[]
}

type BuildFn = (config: InlineConfig) => Promise<unknown>

/** Runs a real `vite build` of a fixture folder with the plugin, quietly, collecting log lines. */
export async function buildFixture(
  root: string,
  options: CompressorOptions,
  extra: InlineConfig = {},
  buildFn?: BuildFn,
): Promise<Built> {
  const warnings: string[] = []
  const info: string[] = []
  // Vite colours its messages when CI is set; tests read the text.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape codes are the point
  const plain = (msg: string) => msg.replace(/\x1b\[[0-9;]*m/g, '')
  const logger = {
    info: (msg: string) => {
      info.push(plain(msg))
    },
    warn: (msg: string) => {
      warnings.push(plain(msg))
    },
    warnOnce: (msg: string) => {
      warnings.push(plain(msg))
    },
    error: (msg: string) => {
      warnings.push(plain(msg))
    },
    clearScreen: () => {},
    hasErrorLogged: () => false,
    hasWarned: false,
  }
  const build = buildFn ?? (await import('vite')).build
  await build({
    root,
    configFile: false,
    logLevel: 'info',
    customLogger: logger,
    base: '/static/',
    ...extra,
    build: { outDir: 'dist', ...extra.build },
    plugins: [compressor(options), ...(extra.plugins ?? [])],
  })
  const outDir = path.join(root, 'dist')
  const manifest = JSON.parse(fs.readFileSync(path.join(outDir, 'CACHE/manifest.json'), 'utf8'))
  return {
    root,
    outDir,
    manifest,
    read: (name) => fs.readFileSync(path.join(outDir, name), 'utf8'),
    urls: (html) => [...html.matchAll(/(?:href|src)="\/__compressor_url_placeholder__\/([^"]+)"/g)].map((m) => m[1] as string),
    warnings,
    info,
  }
}

/** The manifest value for the only block, or fails. */
export function only(manifest: Record<string, string>): string {
  const values = Object.values(manifest)
  if (values.length !== 1) throw new Error(`expected one manifest entry, got ${values.length}`)
  return values[0] as string
}

/**
 * Builds a fixture folder that must fail; returns our CompressorError (Rolldown wraps it: its
 * `errors[0]`, with our `code` moved to `pluginCode`) and the outer message.
 */
export async function buildFailure(
  root: string,
  options: Partial<CompressorOptions> = {},
): Promise<{ error: CompressorError; code: ErrorCode; outer: string }> {
  let caught: unknown
  try {
    await buildFixture(root, { templates: 'templates/**/*.html', ...options })
  } catch (err) {
    caught = err
  }
  expect(caught, 'the build should fail').toBeInstanceOf(Error)
  const outer = caught as Error & { errors?: unknown[] }
  const error = (outer.errors?.[0] ?? outer) as CompressorError & { pluginCode?: ErrorCode }
  expect(error).toBeInstanceOf(CompressorError)
  return { error, code: error.pluginCode ?? error.code, outer: outer.message }
}
