/// <reference lib="dom" />
/**
 * In-request (online) compression: two playground server processes sharing one real Redis serve a
 * burst of concurrent first requests, compress each block exactly once between them, and serve
 * pages identical to the offline build's (its files byte-identical too); Chromium sees the same page.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Playground } from '../../playground/server.js'
import * as runtime from '../../src/runtime/index.js'
import { launchChromium } from '../helpers/browser.js'
import { listFiles } from '../helpers/fixture.js'
import { type RedisServer, startRedis } from '../helpers/redis.js'

const PLAYGROUND = fileURLToPath(new URL('../../playground/', import.meta.url))
const RUNNER = fileURLToPath(new URL('./online-server.mjs', import.meta.url))
const PAGES = ['/', '/about', '/gallery']

function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout?.on('data', (d) => {
      out += d
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) resolve({ child, url: JSON.parse(line).url })
    })
    child.stderr?.on('data', (d) => {
      err += d
    })
    child.once('exit', (code) => reject(new Error(`online server exited with ${code}: ${err}`)))
  })
}

describe('online compression with two processes and Redis', () => {
  let redis: RedisServer
  let onlineDir: string
  let offlineDir: string
  let offline: Playground
  const procs: ChildProcess[] = []
  let urls: string[] = []

  beforeAll(async () => {
    redis = await startRedis()
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-online-'))
    onlineDir = path.join(tmp, 'online')
    offlineDir = path.join(tmp, 'offline')
    // The offline reference: `vite build` with the playground's own config.
    await build({
      configFile: path.join(PLAYGROUND, 'vite.config.ts'),
      logLevel: 'silent',
      build: { outDir: offlineDir },
    })
    offline = await createServer({
      port: 0,
      manifestPath: path.join(offlineDir, 'CACHE/manifest.json'),
      runtime: runtime as never,
    })
    const started = await Promise.all([0, 1].map(() => startProcess({ OUT_DIR: onlineDir, REDIS_URL: redis.url })))
    for (const s of started) procs.push(s.child)
    urls = started.map((s) => s.url)
  })

  afterAll(async () => {
    for (const p of procs) p.kill('SIGTERM')
    await offline?.close()
    await redis?.stop()
  })

  it('compresses each block once across both processes and serves the offline pages', async () => {
    // A burst: every page, 8 times, from both processes at once, before anything is compressed.
    const requests = PAGES.flatMap((page) => Array.from({ length: 8 }, (_, i) => ({ page, base: urls[i % 2] as string })))
    const responses = await Promise.all(
      requests.map(async ({ page, base }) => {
        const r = await fetch(new URL(page.slice(1), base))
        return { page, status: r.status, html: await r.text() }
      }),
    )
    for (const r of responses) expect(r.status, `${r.page}: ${r.html.slice(0, 300)}`).toBe(200)
    const offlinePages = new Map<string, string>()
    for (const page of PAGES) offlinePages.set(page, await (await fetch(new URL(page.slice(1), offline.url))).text())
    for (const r of responses) expect(r.html, r.page).toBe(offlinePages.get(r.page))
    expect(offlinePages.get('/')).toMatch(/\/static\/CACHE\/css\/output\.[0-9a-f]{12}\.css/)

    const stats = await Promise.all(urls.map(async (u) => (await fetch(new URL('__vite-compressor/stats', u))).json()))
    const compressed = stats.reduce((n, s) => n + (s as { compressions: number }).compressions, 0)
    const unique = Object.keys(JSON.parse(fs.readFileSync(path.join(offlineDir, 'CACHE/manifest.json'), 'utf8')))
    expect(compressed).toBe(unique.length)

    // The files the pages name are the offline build's, byte for byte.
    const named = [...offlinePages.values()].flatMap((h) => [...h.matchAll(/\/static\/(CACHE\/[^"]+)"/g)].map((m) => m[1] as string))
    expect(named.length).toBeGreaterThan(5)
    for (const f of new Set(named)) {
      expect(fs.readFileSync(path.join(onlineDir, f)).equals(fs.readFileSync(path.join(offlineDir, f))), f).toBe(true)
    }
    expect(listFiles(onlineDir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('the online page looks the same as the offline page in Chromium', async () => {
    const browser = await launchChromium()
    try {
      const look = async (base: string) => {
        const page = await browser.newPage()
        const failed: string[] = []
        page.on('response', (r) => {
          if (r.status() >= 400) failed.push(r.url())
        })
        await page.goto(base, { waitUntil: 'load' })
        const style = await page.evaluate(() => {
          const h1 = getComputedStyle(document.querySelector('h1') as Element)
          return { color: h1.color, font: h1.fontFamily, bg: getComputedStyle(document.body).backgroundImage !== 'none' }
        })
        await page.close()
        return { style, failed }
      }
      const a = await look(urls[0] as string)
      const b = await look(offline.url)
      expect(a.failed).toEqual([])
      expect(a.style).toEqual(b.style)
      expect(a.style.bg).toBe(true)
    } finally {
      await browser.close()
    }
  })
})
