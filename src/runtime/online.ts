import fs from 'node:fs'
import path from 'node:path'
import type { RenderedBlock } from '../plugin/online.js'
import { CompressorError } from '../core/errors.js'
import { sha256Hex } from '../core/key.js'
import { qualifiedKey } from '../core/qualified.js'
import { type CacheEntry, type CompressCache, memoryCache } from './cache.js'

/** Options of online compression (`createCompressor({ offline: false, online: { … } })`). */
export interface OnlineOptions {
  /** The Vite root of the site: where its `vite.config.*` is. */
  root: string
  /** The Vite config file; default: the one Vite finds in `root`. `false` for none (then give `compressor`). */
  configFile?: string | false
  /** The plugin's options, when there is no Vite config file that adds the plugin. */
  compressor?: Record<string, unknown>
  /** More Vite config for the build (base, build.outDir…), as `vite build` would be given it. */
  vite?: { base?: string; build?: Record<string, unknown>; [key: string]: unknown }
  /** Where results are shared: `memoryCache()` (default, this process) or `await redisCache({ url })`. */
  cache?: CompressCache
  /** How long a process may hold the lock of a block it compresses (COMPRESS_MINT_DELAY). Default 30 s. */
  lockTimeoutMs?: number
  /** How often a cached block's source files are checked for changes (COMPRESS_MTIME_DELAY). Default 10 s. */
  mtimeDelayMs?: number
}

/** A block of a served page to compress, with its key. */
export interface OnlineRequest extends RenderedBlock {
  key: string
}

export interface Online {
  /** Compressed entries for the requests, compressing what no process has compressed yet. */
  ensure(requests: readonly OnlineRequest[]): Promise<Map<string, CacheEntry>>
  /** Whether a cached entry's sources changed since it was compressed (one stat per source). */
  changed(entry: CacheEntry): boolean
  readonly mtimeDelayMs: number
  /** Blocks this process compressed (not counting those it found in the cache). */
  readonly stats: { compressions: number; builds: number }
  close(): Promise<void>
}

/**
 * In-request compression through the same pipeline as `vite build`: a new block is built with the
 * site's Vite config (outputs byte-identical to the offline build's), its files written atomically
 * into the outDir, and its HTML cached. One process compresses a block; the others wait for it.
 */
export function createOnline(options: OnlineOptions): Online {
  const cache = options.cache ?? memoryCache()
  const lockTimeoutMs = options.lockTimeoutMs ?? 30_000
  const mtimeDelayMs = options.mtimeDelayMs ?? 10_000
  const inflight = new Map<string, Promise<CacheEntry>>()
  const stats = { compressions: 0, builds: 0 }

  // Same mtime: unchanged (one stat). Another mtime (a file deployed to another server, or
  // touched): compare the content, and remember this machine's mtime when it is the same.
  const changed = (entry: CacheEntry): boolean =>
    entry.sources.some((source) => {
      const [file, mtime, hash] = source
      try {
        const now = fs.statSync(file).mtimeMs
        if (now === mtime) return false
        if (sha256Hex(fs.readFileSync(file)) !== hash) return true
        source[1] = now
        return false
      } catch {
        return true
      }
    })

  /** Builds the requests, by id; blocks with equal content but another kind/mode/name go in a build of their own. */
  const compile = async (requests: readonly OnlineRequest[]): Promise<Map<string, CacheEntry>> => {
    const out = new Map<string, CacheEntry>()
    const rounds: OnlineRequest[][] = []
    for (const r of requests) {
      const round = rounds.find((batch) => !batch.some((o) => o.key === r.key))
      if (round) round.push(r)
      else rounds.push([r])
    }
    for (const round of rounds) for (const [id, entry] of await compileRound(round)) out.set(id, entry)
    return out
  }

  const compileRound = async (requests: readonly OnlineRequest[]): Promise<Map<string, CacheEntry>> => {
    const built = await buildBlocks(requests, options)
    stats.builds++
    stats.compressions += requests.length
    const out = new Map<string, CacheEntry>()
    for (const r of requests) {
      const html = built.entries.get(r.key)
      if (html === undefined) throw new Error(`vite-compressor: the online build gave no output for block ${r.key}`)
      const sources = (built.sources.get(r.key) ?? []).map((f): [string, number, string] => [
        f,
        fs.statSync(f).mtimeMs,
        sha256Hex(fs.readFileSync(f)),
      ])
      out.set(idOf(r), { html, sources })
    }
    return out
  }

  /** Waits for another process's result, up to the lock timeout. */
  const waitFor = async (key: string): Promise<CacheEntry | undefined> => {
    const until = Date.now() + lockTimeoutMs
    for (let delay = 20; Date.now() < until; delay = Math.min(delay * 2, 250)) {
      await new Promise((r) => setTimeout(r, delay))
      const entry = await cache.get(key)
      if (entry && !changed(entry)) return entry
    }
    return undefined
  }

  const ensure = async (requests: readonly OnlineRequest[]): Promise<Map<string, CacheEntry>> => {
    const result = new Map<string, CacheEntry>()
    const unique = [...new Map(requests.map((r) => [idOf(r), r])).values()]
    const waiting: Promise<void>[] = []
    const todo: OnlineRequest[] = []
    for (const r of unique) {
      const running = inflight.get(idOf(r))
      if (running) {
        waiting.push(running.then((e) => void result.set(idOf(r), e)))
        continue
      }
      const cached = await cache.get(idOf(r))
      if (cached && !changed(cached)) result.set(idOf(r), cached)
      else todo.push(r)
    }
    if (todo.length > 0) {
      const mine: { r: OnlineRequest; token: string }[] = []
      const theirs: OnlineRequest[] = []
      for (const r of todo) {
        const token = await cache.lock(idOf(r), lockTimeoutMs)
        if (token) mine.push({ r, token })
        else theirs.push(r)
      }
      if (mine.length > 0) {
        const job = compile(mine.map((m) => m.r)).then(async (entries) => {
          for (const [key, entry] of entries) await cache.set(key, entry)
          return entries
        })
        const release = job.finally(async () => {
          for (const m of mine) {
            inflight.delete(idOf(m.r))
            await cache.unlock(idOf(m.r), m.token)
          }
        })
        for (const m of mine) {
          const one = job.then((entries) => entries.get(idOf(m.r)) as CacheEntry)
          one.catch(() => {}) // the batch's error is reported once, below
          inflight.set(idOf(m.r), one)
        }
        waiting.push(
          job.then((entries) => {
            for (const [k, e] of entries) result.set(k, e)
          }),
        )
        waiting.push(release.then(() => {}))
      }
      for (const r of theirs) {
        waiting.push(
          waitFor(idOf(r)).then(async (entry) => {
            // The holder finished, or died and its lock ran out: compress it here.
            const got = entry ?? (await compile([r])).get(idOf(r))
            if (!entry && got) await cache.set(idOf(r), got)
            if (got) result.set(idOf(r), got)
          }),
        )
      }
    }
    await Promise.all(waiting)
    return result
  }

  return {
    ensure,
    changed,
    mtimeDelayMs,
    stats,
    close: async () => {
      await cache.close?.()
    },
  }
}

/** One `vite build` of the given blocks with the site's config; writes the outputs, returns the entries. */
async function buildBlocks(
  requests: readonly OnlineRequest[],
  options: OnlineOptions,
): Promise<{ entries: Map<string, string>; sources: Map<string, string[]> }> {
  const vite = await import('vite')
  const { onlineBlocks } = await import('../plugin/online.js')
  let result: { entries: Map<string, string>; sources: Map<string, string[]> } | undefined
  let outDir = ''
  const plugins: import('vite').PluginOption[] = [
    onlineBlocks(requests, (r) => {
      result = r
    }),
    {
      name: 'vite-compressor:online-outdir',
      configResolved(config) {
        outDir = path.resolve(config.root, config.build.outDir)
      },
    },
  ]
  if (options.compressor) {
    const { default: compressor } = await import('../plugin/index.js')
    plugins.unshift(compressor(options.compressor))
  }
  const output = await vite
    .build({
      ...options.vite,
      root: options.root,
      configFile: options.configFile,
      logLevel: 'silent',
      build: { ...options.vite?.build, write: false, emptyOutDir: false },
      plugins: [...((options.vite?.plugins as import('vite').PluginOption[]) ?? []), ...plugins],
    })
    .catch((err: unknown) => {
      // Rolldown wraps plugin errors; ours (naming the template and block) is the useful one.
      const inner = (err as { errors?: unknown[] }).errors?.find((e) => e instanceof CompressorError)
      throw inner ?? err
    })
  if (!result)
    throw new Error('vite-compressor: the online build did not run the compressor plugin; add it to the Vite config')
  const { writeFileAtomic } = await import('../plugin/write.js')
  for (const out of Array.isArray(output) ? output : [output as { output: unknown[] }]) {
    for (const item of (
      out as { output: { fileName: string; type: string; code?: string; source?: string | Uint8Array }[] }
    ).output) {
      const file = path.join(outDir, item.fileName)
      const bytes = item.type === 'chunk' ? (item.code as string) : (item.source as string | Uint8Array)
      // Content-hashed names: a file that exists already has these bytes.
      if (!fs.existsSync(file)) writeFileAtomic(file, bytes)
    }
  }
  return result
}

/** A request's identity: its key with kind, mode and name (equal content may be two blocks). */
export function idOf(r: OnlineRequest): string {
  return qualifiedKey(r.key, r.kind, r.mode, r.name)
}
