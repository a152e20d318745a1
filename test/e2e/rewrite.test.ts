/// <reference lib="dom" />
/**
 * Sites compressed by `vite build` alone (no runtime): a plain HTML multi-page site through
 * Vite's HTML entries, and PHP-style templates rewritten to a folder. Served as static files, the
 * compressed pages look and behave as the source pages in headless Chromium.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, serveStatic } from '../helpers/browser.js'
import { buildFixture, writeTree } from '../helpers/fixture.js'

const PNG = fs.readFileSync(new URL('../../playground/static/img/paper.png', import.meta.url))

const STATIC = {
  'static/css/base.css': 'body { color: rgb(10, 20, 30); background: url(../img/paper.png) }\nh1 { font-size: 40px }',
  'static/css/print.css': 'h1 { display: none }',
  'static/img/paper.png': PNG,
  'static/js/lib.js': 'var Lib = { greet: function (n) { return "hello " + n } }',
  'static/js/app.js': 'document.addEventListener("DOMContentLoaded", function () { document.querySelector("#out").textContent = Lib.greet(document.title) })',
}

const blocks = `<!-- compress css -->
<link rel="stylesheet" href="/static/css/base.css">
<link rel="stylesheet" href="/static/css/print.css" media="print">
<style>h1 { color: rgb(200, 0, 0) }</style>
<!-- endcompress -->
<!-- compress js -->
<script src="/static/js/lib.js"></script>
<script src="/static/js/app.js"></script>
<!-- endcompress -->`

interface Snapshot {
  color: string
  h1: string
  size: string
  out: string
  lib: string
  imageLoaded: boolean
  cssRequests: string[]
  failed: string[]
}

async function snapshot(browser: Browser, url: string): Promise<Snapshot> {
  const page = await browser.newPage()
  const failed: string[] = []
  const cssRequests: string[] = []
  page.on('requestfailed', (r) => failed.push(r.url()))
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`)
    if (r.request().resourceType() === 'stylesheet' || r.request().resourceType() === 'script') cssRequests.push(new URL(r.url()).pathname)
  })
  await page.goto(url, { waitUntil: 'load' })
  const result = await page.evaluate(async () => {
    const body = getComputedStyle(document.body)
    const h1 = getComputedStyle(document.querySelector('h1') as Element)
    const bg = body.backgroundImage.replace(/^url\("?|"?\)$/g, '')
    const img = new Image()
    img.src = bg
    const imageLoaded = await img.decode().then(() => img.naturalWidth > 0, () => false)
    return {
      color: body.color,
      h1: h1.color,
      size: h1.fontSize,
      out: document.querySelector('#out')?.textContent ?? '',
      lib: typeof (window as unknown as { Lib?: unknown }).Lib,
      imageLoaded,
    }
  })
  await page.close()
  return { ...result, cssRequests, failed }
}

describe('compressed by vite build alone, compared in Chromium', () => {
  let browser: Browser
  const closers: (() => Promise<void>)[] = []
  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(async () => {
    for (const close of closers) await close()
    await browser?.close()
  })

  const compare = (source: Snapshot, compressed: Snapshot, title: string) => {
    expect(source.failed).toEqual([])
    expect(compressed.failed).toEqual([])
    expect(compressed.color).toBe('rgb(10, 20, 30)')
    expect(compressed.h1).toBe('rgb(200, 0, 0)')
    expect(compressed.size).toBe('40px')
    expect(compressed.out).toBe(`hello ${title}`)
    expect(compressed.lib).toBe('object')
    expect(compressed.imageLoaded).toBe(true)
    const { cssRequests: a, failed: _a, ...restSource } = source
    const { cssRequests: b, failed: _b, ...restCompressed } = compressed
    expect(restCompressed).toEqual(restSource)
    // source: 3 stylesheets and 2 scripts (the inline <style> needs no request); compressed: one
    // CSS output per media run (screen, print, then the inline style's run) and one script
    expect(a.filter((u) => u.endsWith('.js'))).toHaveLength(2)
    expect(b.filter((u) => u.endsWith('.css'))).toHaveLength(3)
    expect(b.filter((u) => u.endsWith('.js'))).toHaveLength(1)
    for (const u of b) expect(u).toMatch(/\/CACHE\/(css|js)\/output\.[0-9a-f]{12}\.(css|js)$/)
  }

  it('a plain HTML multi-page site (Vite HTML entries)', async () => {
    const page = (title: string) => `<!doctype html>\n<html><head><title>${title}</title>\n${blocks}\n</head><body><h1>${title}</h1><p id="out"></p></body></html>\n`
    const root = writeTree({ 'index.html': page('Home'), 'about/index.html': page('About'), ...STATIC })
    await buildFixture(root, { staticRoot: 'static' }, {
      base: '/',
      build: { rolldownOptions: { input: ['index.html', 'about/index.html'] } } as never,
    })
    const source = await serveStatic([['/static', path.join(root, 'static')], ['/', root]])
    const compressed = await serveStatic([['/', path.join(root, 'dist')]])
    closers.push(source.close, compressed.close)
    for (const [p, title] of [['/', 'Home'], ['/about/', 'About']] as const) {
      compare(await snapshot(browser, source.url + p), await snapshot(browser, compressed.url + p), title)
    }
  })

  it('PHP-style templates rewritten to a folder', async () => {
    const page = (title: string) =>
      `<?php $title = '${title}'; ?>\n<!doctype html>\n<html><head><title>${title}</title>\n${blocks}\n</head><body><h1>${title}</h1><p id="out"></p><?php /* footer */ ?></body></html>\n`
    const root = writeTree({ 'templates/index.php': page('Home'), 'templates/about.php': page('About'), ...STATIC })
    await buildFixture(root, { templates: 'templates/**/*.php', rewrite: { outDir: 'dist/templates' } })
    expect(fs.readFileSync(path.join(root, 'dist/templates/index.php'), 'utf8')).toMatch(/^<\?php \$title = 'Home'; \?>\n/)
    const source = await serveStatic([['/static', path.join(root, 'static')], ['/', path.join(root, 'templates')]])
    const compressed = await serveStatic([['/static', path.join(root, 'dist')], ['/', path.join(root, 'dist/templates')]])
    closers.push(source.close, compressed.close)
    for (const [p, title] of [['/index.php', 'Home'], ['/about.php', 'About']] as const) {
      compare(await snapshot(browser, source.url + p), await snapshot(browser, compressed.url + p), title)
    }
  })
})
