#!/usr/bin/env node
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CompressorError } from './core/errors.js'
import { checkServers } from './deploy/check.js'
import { pruneOutDir } from './deploy/prune.js'
import { UploadError, uploadOutDir } from './deploy/s3.js'
import { verifyOutDir } from './deploy/verify.js'
import { manifestFileName } from './core/version.js'

/** Where the command writes, and what it resolves paths against; tests pass their own. */
export interface CliIO {
  out: (line: string) => void
  err: (line: string) => void
  cwd?: string
  env?: NodeJS.ProcessEnv
}

const USAGE = `Usage: vite-compressor <command> [options]

Commands:
  verify [--outDir dist]            check that every file every manifest names exists and matches
                                    its hash (and integrity attribute)
  prune --keep N [--outDir dist]    remove manifests older than the N newest, and the outputs and
                                    assets no remaining manifest references
        [--protect NAME|VERSION]…   also keep these manifests  [--dry-run] only list what would go
        [--min-age SECONDS]         keep outputs younger than this (a running build, online mode)
  check URL… [--timeout MS]         compare the manifests of several servers (URL = their static
                                    URL, e.g. https://web1.example.com/static/) and ask each for
                                    every file; exit 1 on any difference or missing file
  upload --bucket NAME [--prefix static/] [--endpoint URL] [--region R] [--path-style]
         [--outDir dist]            put the build into an S3 bucket, manifest last

Common options:
  --output-dir CACHE                the plugin's outputDir
  --manifest NAME                   the manifest's name; may contain [version]
  --version V                       fills [version] (default: $VITE_COMPRESSOR_VERSION)

Exit status: 0 fine, 1 problems found, 2 bad usage or error.
Credentials, region and endpoint for upload also come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL_S3; the bucket from VITE_COMPRESSOR_S3_BUCKET.`

class UsageError extends Error {}

interface Parsed {
  command: string | undefined
  args: string[]
  opts: Map<string, string[]>
}

const FLAGS = new Set(['dry-run', 'path-style', 'help'])
const VALUED = new Set([
  'out-dir',
  'output-dir',
  'manifest',
  'version',
  'keep',
  'min-age',
  'protect',
  'timeout',
  'bucket',
  'prefix',
  'endpoint',
  'region',
  'concurrency',
])
const ALLOWED: Record<string, string[]> = {
  verify: ['out-dir', 'output-dir', 'manifest', 'version'],
  prune: ['out-dir', 'output-dir', 'manifest', 'keep', 'protect', 'dry-run', 'min-age'],
  check: ['output-dir', 'manifest', 'version', 'timeout', 'concurrency'],
  upload: [
    'out-dir',
    'output-dir',
    'manifest',
    'version',
    'bucket',
    'prefix',
    'endpoint',
    'region',
    'path-style',
    'concurrency',
  ],
}

/** `--outDir` and `--out-dir` are the same option. */
function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

export function parseArgs(argv: readonly string[]): Parsed {
  const opts = new Map<string, string[]>()
  const args: string[] = []
  let command: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--') {
      args.push(...argv.slice(i + 1))
      break
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      const name = kebab(a.slice(2, eq === -1 ? undefined : eq))
      let value: string
      if (FLAGS.has(name)) {
        if (eq !== -1) throw new UsageError(`--${name} takes no value`)
        value = 'true'
      } else if (VALUED.has(name)) {
        if (eq !== -1) value = a.slice(eq + 1)
        else {
          const next = argv[i + 1]
          if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`)
          value = next
          i++
        }
      } else {
        throw new UsageError(`unknown option ${a}`)
      }
      opts.set(name, [...(opts.get(name) ?? []), value])
    } else if (a === '-h') {
      opts.set('help', ['true'])
    } else if (command === undefined) {
      command = a
    } else {
      args.push(a)
    }
  }
  return { command, args, opts }
}

function one(p: Parsed, name: string): string | undefined {
  const v = p.opts.get(name)
  if (v && v.length > 1) throw new UsageError(`--${name} given more than once`)
  return v?.[0]
}

function int(p: Parsed, name: string): number | undefined {
  const v = one(p, name)
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(v)}`)
  return Number(v)
}

/**
 * The `vite-compressor` command. `argv` is what follows the program name. Returns the exit
 * status: 0 fine, 1 problems found, 2 bad usage or an error that stopped the command.
 */
export async function main(argv: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  let p: Parsed
  try {
    p = parseArgs(argv)
    if (p.opts.has('help') || p.command === 'help' || p.command === undefined) {
      ;(p.command === undefined && !p.opts.has('help') ? io.err : io.out)(USAGE)
      return p.command === undefined && !p.opts.has('help') ? 2 : 0
    }
    const allowed = ALLOWED[p.command]
    if (!allowed) throw new UsageError(`unknown command ${JSON.stringify(p.command)}`)
    for (const name of p.opts.keys()) {
      if (!allowed.includes(name)) throw new UsageError(`${p.command} does not take --${name}`)
    }
    if (p.command !== 'check' && p.args.length > 0)
      throw new UsageError(`${p.command} takes no arguments, got ${p.args.join(' ')}`)
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`vite-compressor: ${err.message}\n\n${USAGE}`)
      return 2
    }
    throw err
  }
  const cwd = io.cwd ?? process.cwd()
  const env = io.env ?? process.env
  const outDir = path.resolve(cwd, one(p, 'out-dir') ?? 'dist')
  const layout = { outputDir: one(p, 'output-dir'), manifest: one(p, 'manifest') }
  const version = one(p, 'version') ?? env.VITE_COMPRESSOR_VERSION
  try {
    switch (p.command) {
      case 'verify': {
        if (!fs.existsSync(outDir))
          throw new CompressorError(
            'OPTIONS',
            `outDir ${outDir} does not exist; run \`vite build\` first or pass --outDir`,
          )
        // With --version, only that version's manifest; without, every version's.
        const manifest =
          layout.manifest && one(p, 'version') !== undefined
            ? manifestFileName(layout.manifest, one(p, 'version'))
            : layout.manifest
        const r = await verifyOutDir(outDir, { ...layout, manifest })
        for (const line of r.problems) io.err(line)
        const summary = `verify: ${r.manifests.length} manifest(s), ${r.files} file(s) in ${path.relative(cwd, outDir) || '.'}`
        if (r.ok) io.out(`${summary}: ok`)
        else io.err(`${summary}: ${r.problems.length} problem(s)`)
        return r.ok ? 0 : 1
      }
      case 'prune': {
        const keep = int(p, 'keep')
        if (keep === undefined) throw new UsageError('prune needs --keep N (how many of the newest manifests to keep)')
        const r = await pruneOutDir(outDir, {
          ...layout,
          keep,
          protect: p.opts.get('protect') ?? [],
          dryRun: p.opts.has('dry-run'),
          minAge: int(p, 'min-age') ?? 0,
        })
        const verb = r.dryRun ? 'would remove' : 'removed'
        for (const m of r.removedManifests) io.out(`${verb} ${m}`)
        for (const f of r.removed) io.out(`${verb} ${f}`)
        io.out(
          `prune: kept ${r.kept.length} manifest(s) (${r.kept.join(', ') || 'none'}); ${verb} ${r.removedManifests.length} manifest(s) and ${r.removed.length} file(s)`,
        )
        return 0
      }
      case 'check': {
        if (p.args.length === 0)
          throw new UsageError('check needs at least one server URL, e.g. https://web1.example.com/static/')
        const r = await checkServers(p.args, {
          ...layout,
          version,
          timeoutMs: int(p, 'timeout'),
          concurrency: int(p, 'concurrency'),
        })
        for (const line of r.problems) io.err(line)
        const summary = `check: ${r.servers.length} server(s), ${r.files} file(s)`
        if (r.ok) io.out(`${summary}: every server has the same manifest and every file`)
        else io.err(`${summary}: ${r.problems.length} problem(s)`)
        return r.ok ? 0 : 1
      }
      case 'upload': {
        const r = await uploadOutDir(outDir, {
          ...layout,
          version,
          // Unset ones come from the environment, in resolveS3Options.
          bucket: one(p, 'bucket'),
          prefix: one(p, 'prefix'),
          endpoint: one(p, 'endpoint'),
          region: one(p, 'region'),
          env,
          forcePathStyle: p.opts.has('path-style') ? true : undefined,
          concurrency: int(p, 'concurrency'),
          log: io.out,
        })
        io.out(
          `upload: s3://${r.bucket}/${r.manifestKey} ${r.manifestUploaded ? 'published' : 'already published'}; ${r.uploaded.length} file(s) uploaded, ${r.skipped.length} already there${r.retries ? `, ${r.retries} retried request(s)` : ''}`,
        )
        return 0
      }
    }
    return 2
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`vite-compressor: ${err.message}\n\n${USAGE}`)
      return 2
    }
    if (err instanceof UploadError) {
      io.err(`vite-compressor upload: ${err.message}`)
      return 1
    }
    io.err(`vite-compressor ${p.command}: ${(err as Error).message}`)
    return 2
  }
}

function defaultIO(): CliIO {
  return { out: (line) => console.log(line), err: (line) => console.error(line) }
}

/** True when this file is the program being run (also through npm's `bin` symlink). */
function isMain(): boolean {
  const script = process.argv[1]
  if (!script) return false
  try {
    return fs.realpathSync(script) === fs.realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isMain()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (err: unknown) => {
      console.error(err)
      process.exitCode = 2
    },
  )
}
