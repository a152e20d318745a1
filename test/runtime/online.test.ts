import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { memoryCache, redisCache } from '../../src/runtime/cache.js'
import { createCompressor, qualifiedKey } from '../../src/runtime/index.js'
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
    expect(html).toMatch(
      /^<head><link rel="stylesheet" href="\/static\/CACHE\/css\/output\.[0-9a-f]{12}\.css" type="text\/css"><\/head>$/,
    )
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

  it('checks sources at most every mtimeDelayMs: an edit within the delay keeps serving the cached output', async () => {
    const root = site()
    const { compressor } = online(root, { mtimeDelayMs: 60_000 })
    const first = await compressor.resolve(compressor.render(CSS_BLOCK, { kind: 'css' }))
    expect(first).toMatch(/href="\/static\/CACHE\/css\/output\.[0-9a-f]{12}\.css"/)
    const css = path.join(root, 'static/css/a.css')
    fs.writeFileSync(css, '.a { color: blue }')
    fs.utimesSync(css, new Date(), new Date(Date.now() + 5000))
    // Within the delay: the cached tag as it was, no pending marker, nothing compressed again.
    for (let i = 0; i < 3; i++) {
      const again = compressor.render(CSS_BLOCK, { kind: 'css' })
      expect(again).not.toMatch(/pending/)
      expect(again).toBe(first)
      expect(await compressor.resolve(again)).toBe(first)
    }
    expect(compressor.online?.stats.compressions).toBe(1)
    const file = (first.match(/\/static\/(CACHE\/[^"]+)/) as RegExpMatchArray)[1] as string
    expect(fs.readFileSync(path.join(root, 'dist', file), 'utf8')).toBe('.a{color:red}')
  })

  it('waits for a process holding the lock and uses its result', async () => {
    const root = site()
    const cache = memoryCache()
    const { compressor } = online(root, { cache, lockTimeoutMs: 30_000 })
    const key = qualifiedKey(compressor.key(CSS_BLOCK), 'css', 'file', undefined) // the cache's key of a css file block
    const token = await cache.lock(key, 30_000)
    expect(token).toBeTypeOf('string')
    const theirs =
      '<link rel="stylesheet" href="/__compressor_url_placeholder__/CACHE/css/output.0123456789ab.css" type="text/css">'
    // The other process finishes a moment later (its entry appears in the shared cache).
    setTimeout(() => void cache.set(key, { html: theirs, sources: [] }), 100)
    const html = await compressor.resolve(compressor.render(CSS_BLOCK, { kind: 'css' }))
    expect(html).toBe(theirs.replace('/__compressor_url_placeholder__/', '/static/'))
    expect(compressor.online?.stats.compressions).toBe(0)
  })

  it('compresses the block itself when the lock holder never finishes and its lock expires', {
    timeout: 10_000,
  }, async () => {
    const root = site()
    const cache = memoryCache()
    const { compressor } = online(root, { cache, lockTimeoutMs: 300 })
    const key = qualifiedKey(compressor.key(CSS_BLOCK), 'css', 'file', undefined)
    // A process that took the lock and died: never released, never set.
    expect(await cache.lock(key, 300)).toBeTypeOf('string')
    const html = await compressor.resolve(compressor.render(CSS_BLOCK, { kind: 'css' }))
    expect(html).toMatch(
      /^<link rel="stylesheet" href="\/static\/CACHE\/css\/output\.[0-9a-f]{12}\.css" type="text\/css">$/,
    )
    const file = (html.match(/\/static\/(CACHE\/[^"]+)/) as RegExpMatchArray)[1] as string
    expect(fs.readFileSync(path.join(root, 'dist', file), 'utf8')).toBe('.a{color:red}')
    expect(compressor.online?.stats.compressions).toBe(1)
    // Its result is shared: another process finds it in the cache and compresses nothing.
    expect((await cache.get(key))?.html).toContain('/__compressor_url_placeholder__/CACHE/css/output.')
    const other = online(root, { cache }).compressor
    expect(await other.resolve(other.render(CSS_BLOCK, { kind: 'css' }))).toBe(html)
    expect(other.online?.stats.compressions).toBe(0)
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
    await expect(compressor.resolve(compressor.render(bad, { kind: 'css' }))).rejects.toThrow(
      /missing\.css not found in static roots \[static\]/,
    )
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
