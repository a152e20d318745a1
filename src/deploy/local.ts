import fs from 'node:fs'
import path from 'node:path'
import { CompressorError } from '../core/errors.js'
import { parseManifest } from '../core/manifest.js'
import type { FileSource } from './graph.js'
import { insideOutDir } from './refs.js'
import { DEV_SERVER_FILE } from '../core/dev.js'
import { manifestNameMatcher } from '../core/version.js'

/** Where a build's outputs and manifests live inside its outDir. */
export interface LayoutOptions {
  /** The plugin's `outputDir`. Default `CACHE`. */
  outputDir?: string
  /**
   * The manifest's file name in `outputDir`, possibly with `[version]` (all versions match).
   * Default: every `*.json` file directly in `outputDir`.
   */
  manifest?: string
}

/** A manifest found on disk. */
export interface ManifestFile {
  /** File name in outputDir, e.g. `manifest.3f1c9e2.json`. */
  name: string
  /** Posix path under outDir, e.g. `CACHE/manifest.3f1c9e2.json`. */
  path: string
  version: string | undefined
  mtimeMs: number
}

export function outputDirOf(options: LayoutOptions): string {
  const dir = (options.outputDir ?? 'CACHE').replace(/^\/+|\/+$/g, '')
  if (insideOutDir(dir) === undefined) {
    throw new CompressorError(
      'OPTIONS',
      `outputDir must be a relative path inside outDir, got ${JSON.stringify(options.outputDir)}`,
    )
  }
  return dir
}

/** The manifests in `<outDir>/<outputDir>/`, newest first (modification time, then name). */
export function listManifests(outDir: string, options: LayoutOptions = {}): ManifestFile[] {
  const outputDir = outputDirOf(options)
  const dir = path.join(outDir, outputDir)
  const match = options.manifest
    ? manifestNameMatcher(options.manifest)
    : (name: string) => (name.endsWith('.json') && name !== DEV_SERVER_FILE ? { version: undefined } : undefined)
  let names: fs.Dirent[]
  try {
    names = fs.readdirSync(dir, { withFileTypes: true })
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw cause
  }
  const out: ManifestFile[] = []
  for (const e of names) {
    if (!e.isFile()) continue
    const m = match(e.name)
    if (!m) continue
    out.push({
      name: e.name,
      path: `${outputDir}/${e.name}`,
      version: m.version,
      mtimeMs: fs.statSync(path.join(dir, e.name)).mtimeMs,
    })
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0))
}

/** Reads and parses a manifest under outDir; CompressorError('MANIFEST') naming it otherwise. */
export function readManifestFile(outDir: string, file: string): Map<string, string> {
  const full = path.join(outDir, file)
  let text: string
  try {
    text = fs.readFileSync(full, 'utf8')
  } catch (cause) {
    throw new CompressorError(
      'MANIFEST',
      `manifest ${file} could not be read (${(cause as NodeJS.ErrnoException).code ?? cause})`,
      { cause },
    )
  }
  return parseManifest(text, file)
}

/** Reads files under outDir by posix path, refusing symlinks that lead out of it. */
export function localSource(
  outDir: string,
): FileSource & { readSync(file: string): Buffer | undefined; sizeSync(file: string): number | undefined } {
  const root = fs.realpathSync.native(outDir)
  const resolve = (file: string): string | undefined => {
    const full = path.join(root, ...file.split('/'))
    let real: string
    try {
      real = fs.realpathSync.native(full)
    } catch {
      return undefined
    }
    if (real !== root && !real.startsWith(root + path.sep)) return undefined
    return fs.statSync(real).isFile() ? real : undefined
  }
  const readSync = (file: string) => {
    const full = resolve(file)
    return full === undefined ? undefined : fs.readFileSync(full)
  }
  return {
    readSync,
    sizeSync: (file) => {
      const full = resolve(file)
      return full === undefined ? undefined : fs.statSync(full).size
    },
    read: async (file) => readSync(file),
    exists: async (file) => resolve(file) !== undefined,
  }
}
