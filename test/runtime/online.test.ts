import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { memoryCache, redisCache } from '../../src/runtime/cache.js'
import { createCompressor } from '../../src/runtime/index.js'
import { writeTree } from '../helpers/fixture.js'
import { startRedis } from '../helpers/redis.js'

const CSS_BLOCK = '\n<link rel="stylesheet" href="/static/css/a.css">\n'

function site() {
  const root = writeTree({ 'static/css/a.css': '.a { color: red }', 'static/js/a.js': 'var a = 1' })
  return root
}

function online(root: string, extra: object = {}) {
  const warnings: string[] = []
  const compressor = createCompressor({
    enabled: true,
    offline: false,
    manifest: path.join(root, 'dist/CACHE/manifest.json'),
    logger: { warn: (m: string) => void warnings.push(m) },
    online: {
      root,
      configFile: false,
      compressor: { staticRoot: 'static' },
      vite: { base: '/static/', build: { outDir: 'dist' } },
      mtimeDelayMs: 0,
      ...extra,
    },
  })
  return { compressor, warnings }
}

describe('online compression', () => {
  it('compresses a new block on its first request, then serves it from memory', async () => {
    const root = site()
    const { compressor } = online(root)
    const page = `<head>${compressor.render(CSS_BLOCK, { kind: 'css' })}</head>`
    expect(page).toMatch(/^<head><!--vite-compressor:pending:\d+--><\/head>$/)
    const html = await compressor.resolve(page)
    expect(html).toMatch(/^<head><link rel="stylesheet" href="\/static\/CACHE\/css\/output\.[0-9a-f]{12}\.css" type="text\/css"><\/head>$/)
    const file = (html.match(/\/static\/(CACHE\/[^"]+)/) as RegExpMatchArray)[1] as string
    expect(fs.readFileSync(path.join(root, 'dist', file), 'utf8')).toBe('.a{color:red}')
    // second request: a hit, no pending marker, nothing compressed again
    expect(compressor.render(CSS_BLOCK, { kind: 'css' })).toBe(html.slice(6, -7))
    expect(compressor.online?.stats.compressions).toBe(1)
  })

  it('recompresses a block whose source file changed', async () => {
    const root = site()
    const { compressor } = online(root)
    const first = await compressor.resolve(compressor.render(CSS_BLOCK, { kind: 'css' }))
    const css = path.join(root, 'static/css/a.css')
    fs.writeFileSync(css, '.a { color: blue }')
    fs.utimesSync(css, new Date(), new Date(Date.now() + 5000))
    const marker = compressor.render(CSS_BLOCK, { kind: 'css' })
    expect(marker).toMatch(/pending/)
    const second = await compressor.resolve(marker)
    expect(second).not.toBe(first)
    const file = (second.match(/\/static\/(CACHE\/[^"]+)/) as RegExpMatchArray)[1] as string
    expect(fs.readFileSync(path.join(root, 'dist', file), 'utf8')).toBe('.a{color:#00f}')
    expect(compressor.online?.stats.compressions).toBe(2)
  })

  it('compresses concurrent requests for one new block once', async () => {
    const root = site()
    const cache = memoryCache()
    const a = online(root, { cache }).compressor
    const b = online(root, { cache }).compressor
    const pages = [a, b, a, b].map((c) => c.resolve(c.render(CSS_BLOCK, { kind: 'css' })))
    const html = await Promise.all(pages)
    expect(new Set(html).size).toBe(1)
    expect((a.online?.stats.compressions ?? 0) + (b.online?.stats.compressions ?? 0)).toBe(1)
  })

  it('a compression error: a clear error in development, the block as written in production (logged once)', async () => {
    const root = site()
    const bad = '\n<link rel="stylesheet" href="/static/css/missing.css">\n'
    const { compressor, warnings } = online(root)
    await expect(compressor.resolve(compressor.render(bad, { kind: 'css' }))).rejects.toThrow(/missing\.css not found in static roots \[static\]/)
    const env = process.env.NODE_ENV
    process.env.NODE_ENV = 'production'
    try {
      for (let i = 0; i < 2; i++) expect(await compressor.resolve(compressor.render(bad, { kind: 'css' }))).toBe(bad)
    } finally {
      process.env.NODE_ENV = env
    }
    expect(warnings.filter((w) => w.includes('missing.css'))).toHaveLength(1)
  })
})

describe('Redis cache', () => {
  const stops: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const s of stops) await s()
  })

  it('shares entries and locks, degrades to memory when Redis goes away, and recovers', async () => {
    const server = await startRedis()
    stops.push(server.stop)
    const warnings: string[] = []
    const logger = { warn: (m: string) => void warnings.push(m), info: (m: string) => void warnings.push(m) }
    const one = await redisCache({ url: server.url, logger, timeoutMs: 300 })
    const two = await redisCache({ url: server.url, logger, timeoutMs: 300 })
    await one.set('k', { html: '<x>', sources: [] })
    expect(await two.get('k')).toEqual({ html: '<x>', sources: [] })
    const token = await one.lock('k', 5000)
    expect(token).toBeTypeOf('string')
    expect(await two.lock('k', 5000)).toBeUndefined()
    await one.unlock('k', token as string)
    expect(await two.lock('k', 5000)).toBeTypeOf('string')

    await server.stop()
    await one.set('offline', { html: '<y>', sources: [] })
    expect(await one.get('offline')).toEqual({ html: '<y>', sources: [] })
    expect(warnings.some((w) => /Redis .* failed .*using this process's memory/.test(w))).toBe(true)

    const again = await startRedis(server.port)
    stops.push(again.stop)
    let back = false
    for (let i = 0; i < 60 && !back; i++) {
      await new Promise((r) => setTimeout(r, 100))
      await one.set('after', { html: '<z>', sources: [] })
      back = JSON.stringify(await two.get('after')) === JSON.stringify({ html: '<z>', sources: [] })
    }
    expect(back).toBe(true)
    expect(warnings.some((w) => /Redis answers again/.test(w))).toBe(true)
    await one.close?.()
    await two.close?.()
  })
})
