import { serializeManifest } from '../core/manifest.js'
import { type FileSource, walkReferences } from './graph.js'
import { outputDirOf } from './local.js'
import { mapLimit } from './pool.js'
import { hashMatches, manifestReferences, outputHash, type Reference, shortKey } from './refs.js'
import { manifestFileName } from '../core/version.js'
import { parseManifest } from '../core/manifest.js'

/** Options of {@link checkServers}. */
export interface CheckOptions {
  /** The plugin's `outputDir`. Default `CACHE`. */
  outputDir?: string
  /** The manifest's name, possibly with `[version]`. Default `manifest.json`. */
  manifest?: string
  /** Fills `[version]` in `manifest`. */
  version?: string
  /** Requests in flight at once. Default 8. */
  concurrency?: number
  /** Timeout of each request. Default 10 s. */
  timeoutMs?: number
  /** Differences listed per server before they are summed up. Default 20. */
  maxDiffLines?: number
  fetch?: typeof fetch
}

export interface CheckResult {
  ok: boolean
  servers: string[]
  /** Distinct files every server was asked for. */
  files: number
  /** One line per problem. */
  problems: string[]
}

interface Fetched {
  status: number
  bytes?: Uint8Array
  length?: string | null
  error?: string
}

/** Normalizes a server's static URL: http(s), ending in `/`. */
export function staticBaseUrl(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(url)} (expected e.g. https://web1.example.com/static/)`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`not an http(s) URL: ${url}`)
  if (u.search || u.hash) throw new Error(`a static URL has no query or fragment: ${url}`)
  return u.href.endsWith('/') ? u.href : `${u.href}/`
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (e?.name === 'TimeoutError') return 'timed out'
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err)
}

/**
 * `vite-compressor check URL…`: fetches the manifest from every server (`URL` + outputDir +
 * manifest name), reports where they differ (against the manifest most servers agree on), then asks
 * every server for every file any of the manifests references (and the files those reference),
 * checking each output's content against the hash in its name. One line per problem.
 */
export async function checkServers(urls: readonly string[], options: CheckOptions = {}): Promise<CheckResult> {
  if (urls.length === 0) throw new Error('check: give at least one server URL')
  const servers = [...new Set(urls.map(staticBaseUrl))]
  const outputDir = outputDirOf(options)
  const manifestPath = `${outputDir}/${manifestFileName(options.manifest ?? 'manifest.json', options.version)}`
  const doFetch = options.fetch ?? fetch
  const timeoutMs = options.timeoutMs ?? 10_000
  const limit = options.concurrency ?? 8
  const maxDiff = options.maxDiffLines ?? 20
  const problems: string[] = []

  const cache = new Map<string, Promise<Fetched>>()
  const get = (server: string, file: string, method: 'GET' | 'HEAD' = 'GET'): Promise<Fetched> => {
    const id = `${method} ${server}${file}`
    let p = cache.get(id)
    if (!p) {
      p = (async (): Promise<Fetched> => {
        try {
          const res = await doFetch(server + file.split('/').map(encodeURIComponent).join('/'), {
            method,
            redirect: 'follow',
            signal: AbortSignal.timeout(timeoutMs),
          })
          if (method === 'HEAD' || !res.ok) {
            await res.body?.cancel()
            return { status: res.status, length: res.headers.get('content-length') }
          }
          const bytes = new Uint8Array(await res.arrayBuffer())
          return { status: res.status, bytes, length: String(bytes.length) }
        } catch (err) {
          return { status: 0, error: describe(err) }
        }
      })()
      cache.set(id, p)
    }
    return p
  }

  // 1. Every server's manifest.
  const manifests = await mapLimit(servers, limit, async (server) => {
    const r = await get(server, manifestPath)
    if (r.status === 0) {
      problems.push(`${server}: manifest ${manifestPath}: request failed (${r.error})`)
      return undefined
    }
    if (r.status < 200 || r.status > 299 || !r.bytes) {
      problems.push(`${server}: manifest ${manifestPath}: HTTP ${r.status}`)
      return undefined
    }
    try {
      return parseManifest(Buffer.from(r.bytes).toString('utf8'), server + manifestPath)
    } catch (err) {
      problems.push(`${server}: ${(err as Error).message}`)
      return undefined
    }
  })

  // 2. Differences, against the manifest most servers agree on (the first server's on a tie).
  const groups = new Map<string, number[]>()
  manifests.forEach((m, i) => {
    if (!m) return
    const text = serializeManifest(m)
    groups.set(text, [...(groups.get(text) ?? []), i])
  })
  const majority = [...groups.values()].sort((a, b) => b.length - a.length || (a[0] as number) - (b[0] as number))[0]
  if (majority && groups.size > 1) {
    const refIndex = majority[0] as number
    const ref = manifests[refIndex] as Map<string, string>
    const refName = `${servers[refIndex]}${majority.length > 1 ? ` and ${majority.length - 1} other server(s)` : ''}`
    manifests.forEach((m, i) => {
      if (!m || majority.includes(i)) return
      const lines: string[] = []
      for (const [key, html] of ref) {
        if (!m.has(key)) lines.push(`${shortKey(key)} is missing (present on ${refName})`)
        else if (m.get(key) !== html) lines.push(`${shortKey(key)} has different HTML than on ${refName}`)
      }
      for (const key of m.keys()) if (!ref.has(key)) lines.push(`${shortKey(key)} is not on ${refName}`)
      const shown = lines.slice(0, maxDiff)
      for (const line of shown) problems.push(`${servers[i]}: manifest differs: ${line}`)
      if (lines.length > shown.length)
        problems.push(`${servers[i]}: manifest differs: … and ${lines.length - shown.length} more differences`)
    })
  }

  // 3. The files the manifests reference, and the files those reference (read from any server that has them).
  const union = new Map<string, Reference>()
  for (let i = 0; i < servers.length; i++) {
    const m = manifests[i]
    if (!m) continue
    const order = [servers[i] as string, ...servers.filter((_, j) => j !== i)]
    const source: FileSource = {
      read: async (file) => {
        for (const s of order) {
          const r = await get(s, file)
          if (r.bytes && r.status >= 200 && r.status < 300) return r.bytes
        }
        return undefined
      },
      exists: async () => true,
    }
    const start = manifestReferences(m)
    for (const b of start.bad) problems.push(`${servers[i]}: ${b.from}: ${b.ref} ${b.reason}`)
    const graph = await walkReferences(start.refs, source, { weak: false })
    for (const b of graph.bad) problems.push(`${servers[i]}: ${b.from}: ${b.ref} ${b.reason}`)
    for (const ref of [...graph.files.values(), ...graph.missing]) if (!union.has(ref.path)) union.set(ref.path, ref)
  }

  // 4. Every server, every file.
  const files = [...union.values()].sort((a, b) => (a.path < b.path ? -1 : 1))
  const jobs = servers.flatMap((server) => files.map((ref) => ({ server, ref })))
  const sizes = new Map<string, Map<string, string>>()
  const results = await mapLimit(jobs, limit, async ({ server, ref }) => {
    const hash = outputHash(ref.path, outputDir)
    const followed = /\.(css|m?js)$/.test(ref.path)
    let r = await get(server, ref.path, hash || followed ? 'GET' : 'HEAD')
    if (r.status === 405 || r.status === 501) r = await get(server, ref.path, 'GET')
    if (r.status === 0) return `${server}: ${ref.path}: request failed (${r.error}) (named by ${ref.from})`
    if (r.status < 200 || r.status > 299) return `${server}: ${ref.path}: HTTP ${r.status} (named by ${ref.from})`
    if (hash && r.bytes && !hashMatches(hash, r.bytes)) {
      return `${server}: ${ref.path}: content does not match the hash in its name (a different or damaged file)`
    }
    if (r.length != null) {
      const bySize = sizes.get(ref.path) ?? new Map<string, string>()
      bySize.set(server, r.length)
      sizes.set(ref.path, bySize)
    }
    return undefined
  })
  for (const line of results) if (line) problems.push(line)
  for (const [file, bySize] of sizes) {
    if (new Set(bySize.values()).size > 1) {
      problems.push(
        `${file}: size differs between servers: ${[...bySize].map(([s, n]) => `${s} ${n} bytes`).join(', ')}`,
      )
    }
  }
  return { ok: problems.length === 0, servers, files: files.length, problems }
}
