/**
 * Load with a release swap (issue 9, item 4): two builds of the playground (v1, then v2 with one
 * stylesheet and one script changed) write versioned manifests into ONE outDir. A release of the
 * playground server runs as its own process and reads only its own manifest
 * (`manifest.[version].json`, VITE_COMPRESSOR_VERSION). A small proxy on 127.0.0.1 fronts it; a
 * bounded load (fixed concurrency, each page followed by every static file it names, as a browser
 * would) runs while the proxy is switched from v1 to v2 like a rolling deploy: v2 started, new
 * requests routed to v2, v1 stopped once its in-flight requests are done.
 *
 * Asserted: no failed request over the whole run; every page names the files of exactly one
 * release (the one that served it); both releases served pages; no request that began after the
 * switch reached v1; and every file either manifest names is still in the outDir at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import compressor from '../../src/plugin/index.js'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const PLAYGROUND = path.join(REPO, 'playground')
const RUNNER = fileURLToPath(new URL('./swap-server.mjs', import.meta.url))
const PAGES = ['/', '/about', '/gallery']
const PLACEHOLDER = '/__compressor_url_placeholder__/'
/** Load: this many clients, each visiting pages one after another. */
const CONCURRENCY = 16
/** The run: load on v1, the swap, then load on v2 (each phase at least this long). */
const PHASE_MS = 2_500
const REQUEST_TIMEOUT_MS = 5_000
const DRAIN_TIMEOUT_MS = 5_000

type Release = 'v1' | 'v2'

/** Builds the playground's blocks from `root` into `outDir`, as playground/vite.config.ts does. */
async function buildRelease(root: string, outDir: string, version: Release): Promise<void> {
  await build({
    configFile: false,
    root,
    base: '/static/',
    logLevel: 'silent',
    build: { outDir },
    plugins: [
      compressor({
        templates: 'templates/**/*.njk',
        staticRoot: 'static',
        staticUrl: '/static/',
        manifest: 'manifest.[version].json',
        version,
      }),
    ],
  })
}

/** Every file a manifest names (`CACHE/…`, `assets/…`), relative to the outDir. */
function manifestFiles(file: string): Set<string> {
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>
  const out = new Set<string>()
  const re = new RegExp(`${PLACEHOLDER.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}([^"'()\\s<>]+)`, 'g')
  for (const html of Object.values(manifest)) for (const m of html.matchAll(re)) out.add(m[1] as string)
  return out
}

/** The static files a rendered page names (what a browser fetches), relative to /static/. */
function pageFiles(html: string): string[] {
  return [...new Set([...html.matchAll(/\/static\/((?:CACHE|assets)\/[^"'()\s<>]+)/g)].map((m) => m[1] as string))]
}

interface Backend {
  version: Release
  child: ChildProcess
  port: number
  agent: http.Agent
  inflight: number
  served: number
  exited: Promise<number | null>
}

function startRelease(version: Release, outDir: string): Promise<Backend> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        MANIFEST: path.join(outDir, 'CACHE', 'manifest.[version].json'),
        OUT_DIR: outDir,
        VITE_COMPRESSOR_VERSION: version,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    let out = ''
    let err = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${version} did not start within 20 s: ${err}`))
    }, 20_000)
    child.stdout?.on('data', (d) => {
      out += d
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (!line) return
      clearTimeout(timer)
      const info = JSON.parse(line) as { url: string; manifest: string }
      if (path.basename(info.manifest) !== `manifest.${version}.json`) {
        child.kill('SIGKILL')
        reject(new Error(`${version} read ${info.manifest}`))
        return
      }
      const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 })
      resolve({ version, child, port: Number(new URL(info.url).port), agent, inflight: 0, served: 0, exited })
    })
    child.stderr?.on('data', (d) => {
      err += d
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${version} exited with ${code}: ${err}`))
    })
  })
}

async function stopRelease(b: Backend): Promise<void> {
  if (b.child.exitCode === null && b.child.signalCode === null) {
    b.child.kill('SIGTERM')
    const killer = setTimeout(() => b.child.kill('SIGKILL'), 5_000)
    await b.exited
    clearTimeout(killer)
  }
  b.agent.destroy()
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade'])
const strip = (h: http.IncomingHttpHeaders) => Object.fromEntries(Object.entries(h).filter(([k]) => !HOP.has(k)))

/** A forwarding proxy: every request goes to the backend `active` names when it arrives. */
function startProxy(state: { active: Backend; errors: string[] }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const b = state.active
    b.inflight++
    b.served++
    let done = false
    const finish = () => {
      if (done) return
      done = true
      b.inflight--
    }
    res.once('close', finish)
    const up = http.request(
      {
        host: '127.0.0.1',
        port: b.port,
        method: req.method,
        path: req.url,
        headers: strip(req.headers),
        agent: b.agent,
      },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, { ...strip(ur.headers), 'x-release': b.version })
        ur.pipe(res)
        ur.once('error', () => res.destroy())
      },
    )
    up.setTimeout(REQUEST_TIMEOUT_MS, () => up.destroy(new Error('upstream timeout')))
    up.once('error', (e) => {
      state.errors.push(`proxy → ${b.version} ${req.url}: ${e.message}`)
      if (!res.headersSent) res.writeHead(502, { 'x-release': b.version })
      res.end()
    })
    req.pipe(up)
  })
  server.keepAliveTimeout = 30_000
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('load with a versioned manifest swap in the middle', () => {
  let tmp: string
  let outDir: string
  let proxy: http.Server | undefined
  let base: string
  const backends: Backend[] = []
  const releases = new Map<Release, Set<string>>()
  const state: { active: Backend; errors: string[] } = { active: undefined as never, errors: [] }

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-load-'))
    outDir = path.join(tmp, 'out')
    // v1: the playground as it is.
    await buildRelease(PLAYGROUND, outDir, 'v1')
    // v2: a copy of the playground with one stylesheet and one script changed, into the same outDir.
    const v2 = path.join(tmp, 'v2')
    fs.cpSync(path.join(PLAYGROUND, 'templates'), path.join(v2, 'templates'), { recursive: true })
    fs.cpSync(path.join(PLAYGROUND, 'static'), path.join(v2, 'static'), { recursive: true })
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(v2, 'node_modules'), 'dir')
    fs.appendFileSync(path.join(v2, 'static/css/base.css'), '\n.release-v2 { outline: 1px solid rgb(1, 2, 3) }\n')
    fs.appendFileSync(path.join(v2, 'static/js/app.js'), "\nwindow.PLAYGROUND_RELEASE = 'v2'\n")
    await buildRelease(v2, outDir, 'v2')

    for (const v of ['v1', 'v2'] as const)
      releases.set(v, manifestFiles(path.join(outDir, 'CACHE', `manifest.${v}.json`)))

    const v1 = await startRelease('v1', outDir)
    backends.push(v1)
    state.active = v1
    proxy = await startProxy(state)
    base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await Promise.all(backends.map((b) => stopRelease(b)))
    proxy?.closeAllConnections()
    await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)))
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
  })

  it('the two builds differ and share one outDir', () => {
    const v1 = releases.get('v1') as Set<string>
    const v2 = releases.get('v2') as Set<string>
    expect(v1.size).toBeGreaterThan(3)
    const only1 = [...v1].filter((f) => !v2.has(f))
    const only2 = [...v2].filter((f) => !v1.has(f))
    expect(only1.some((f) => f.endsWith('.css'))).toBe(true)
    expect(only1.some((f) => f.endsWith('.js'))).toBe(true)
    expect(only2.length).toBe(only1.length)
    for (const f of [...v1, ...v2]) expect(fs.existsSync(path.join(outDir, f)), f).toBe(true)
  })

  it('serves every request during a rolling switch from v1 to v2, each page from one release', async () => {
    const failures: string[] = []
    const pages: { page: string; release: string | null; files: string[]; startedAt: number }[] = []
    let requests = 0
    let assets = 0
    let stop = false
    let switchedAt = Number.POSITIVE_INFINITY

    const get = async (url: string) => {
      requests++
      try {
        const r = await fetch(base + url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
        const body = Buffer.from(await r.arrayBuffer())
        if (r.status !== 200) failures.push(`${url}: HTTP ${r.status} ${body.toString().slice(0, 200)}`)
        return { ok: r.status === 200, release: r.headers.get('x-release'), body }
      } catch (err) {
        failures.push(`${url}: ${(err as Error).message}`)
        return { ok: false, release: null, body: Buffer.alloc(0) }
      }
    }

    const client = async (n: number) => {
      for (let i = n; !stop; i++) {
        const page = PAGES[i % PAGES.length] as string
        const startedAt = performance.now()
        const r = await get(page)
        if (!r.ok) continue
        const files = pageFiles(r.body.toString('utf8'))
        pages.push({ page, release: r.release, files, startedAt })
        // Like a browser: the page's files, together.
        await Promise.all(
          files.map(async (f) => {
            const a = await get(`/static/${f}`)
            assets++
            const hash = /\.([0-9a-f]{12})\.(?:css|js)$/.exec(f)?.[1]
            if (a.ok && f.startsWith('CACHE/') && hash) {
              const actual = createHash('sha256').update(a.body).digest('hex').slice(0, 12)
              if (actual !== hash) failures.push(`/static/${f}: content hash ${actual}`)
            }
          }),
        )
      }
    }

    const started = performance.now()
    const load = Promise.all(Array.from({ length: CONCURRENCY }, (_, n) => client(n)))
    let drained = false
    try {
      await sleep(PHASE_MS)
      // The rolling deploy: start v2, send new requests to it, stop v1 once its requests are done.
      const v1 = state.active
      const v2 = await startRelease('v2', outDir)
      backends.push(v2)
      state.active = v2
      switchedAt = performance.now()
      const deadline = Date.now() + DRAIN_TIMEOUT_MS
      while (v1.inflight > 0 && Date.now() < deadline) await sleep(10)
      drained = v1.inflight === 0
      await stopRelease(v1)
      await sleep(PHASE_MS)
    } finally {
      stop = true
      await load
    }
    const seconds = (performance.now() - started) / 1000

    const served = Object.fromEntries(backends.map((b) => [b.version, b.served]))
    console.log(
      `load: ${requests} requests (${pages.length} pages, ${assets} static files) in ${seconds.toFixed(1)} s, ` +
        `${Math.round(requests / seconds)} req/s, ${CONCURRENCY} concurrent; served by ${JSON.stringify(served)}`,
    )

    expect(drained, 'v1 finished its in-flight requests before it was stopped').toBe(true)
    expect([...failures, ...state.errors].slice(0, 20)).toEqual([])
    expect(requests).toBe(pages.length + assets)

    const v1Files = releases.get('v1') as Set<string>
    const v2Files = releases.get('v2') as Set<string>
    const counts: Record<string, number> = {}
    for (const p of pages) {
      const cache = p.files.filter((f) => f.startsWith('CACHE/'))
      expect(cache.length, p.page).toBeGreaterThanOrEqual(2)
      const inV1 = p.files.every((f) => v1Files.has(f))
      const inV2 = p.files.every((f) => v2Files.has(f))
      // Exactly one release's files, and that release is the one that rendered the page.
      expect(inV1 !== inV2, `${p.page} names ${p.files.join(' ')}`).toBe(true)
      expect(inV1 ? 'v1' : 'v2', p.page).toBe(p.release)
      if (p.startedAt > switchedAt) expect(p.release, `${p.page} requested after the switch`).toBe('v2')
      counts[p.release as string] = (counts[p.release as string] ?? 0) + 1
    }
    expect(counts.v1 ?? 0).toBeGreaterThan(0)
    expect(counts.v2 ?? 0).toBeGreaterThan(0)
    expect(seconds).toBeLessThan(20)

    // Nothing either release names was removed by the second build or the swap.
    for (const f of [...v1Files, ...v2Files]) expect(fs.existsSync(path.join(outDir, f)), f).toBe(true)
  })
})
