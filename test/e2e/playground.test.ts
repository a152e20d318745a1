/**
 * End to end, in real headless Chromium: the playground site (Express 5 + Nunjucks) built by a real
 * `vite build` with our plugin, served twice — blocks as written (enabled: false, the source files)
 * and compressed (enabled: true, the built manifest) — must look and behave the same on every page,
 * while the compressed pages load one file per block output and nothing else.
 * Never skipped: without Chromium the test fails and says how to install it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../helpers/browser.js'
import { colourCount, decodePng, differingPixels, type Png } from '../helpers/png.js'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Playground } from '../../playground/server.js'
import compressor from '../../src/plugin/index.js'
import * as runtime from '../../src/runtime/index.js'

const PLAYGROUND = fileURLToPath(new URL('../../playground/', import.meta.url))
const SCREENSHOT = '/tmp/playground.png'

/** Elements whose computed style must match between the two servers, on every page. */
const COMMON = [
  'body',
  '.banner',
  '.banner strong',
  '.site-header',
  '.site-nav a',
  '.site-nav a.current',
  'h1',
  '.card',
  'code',
]
const PROPS = [
  'color',
  'background-color',
  'background-image',
  'font-family',
  'font-size',
  'font-weight',
  'display',
  'padding-top',
  'border-radius',
  'border-left-width',
  'letter-spacing',
  'grid-template-columns',
  'outline-style',
]

interface PageSpec {
  path: string
  page: string
  probes: string[]
  /** Text that scripts write, by selector. */
  texts: Record<string, string | RegExp>
  /** `data-marks` on <html>: which scripts ran, in order. */
  marks: string
  /** Files under /static/CACHE/ the compressed page loads: one per block output. */
  outputs: number
}

const GREETING = 'Hello from app.js (dollar.js 0.1.0)'
const PAGES: PageSpec[] = [
  {
    path: '/',
    page: 'index',
    probes: [...COMMON, '.menu li'],
    texts: { '[data-greeting]': GREETING, '#session-id': /^[\w-]{12}$/ },
    marks: 'app inline module ready',
    // base.njk: css (screen + print outputs), css inline (none), js file app, js module.
    outputs: 4,
  },
  {
    path: '/about',
    page: 'about',
    probes: [...COMMON, '.facts', '.facts li', '.fact-count'],
    texts: { '[data-greeting]': GREETING, '#session-id': /^[\w-]{12}$/, '#fact-count': '4 facts, counted by about.js' },
    marks: 'app inline module ready about',
    // + about.css ({{ STATIC_URL }} block); about.js is inlined.
    outputs: 5,
  },
  {
    path: '/gallery',
    page: 'gallery',
    probes: [...COMMON, '.tiles', '.tile', '.tile:nth-child(2)', '.tile:nth-child(3)'],
    texts: { '[data-greeting]': GREETING, '#session-id': /^[\w-]{12}$/, '#tile-count': '6 tiles, wired by gallery.js' },
    marks: 'app inline module gallery ready',
    // + gallery.css (preloaded and linked: one file) and the deferred gallery.js.
    outputs: 6,
  },
]

/** What a page shows and did, in a form that is equal for the two servers when all is well. */
interface Snapshot {
  styles: Record<string, Record<string, string>>
  heights: Record<string, number>
  texts: Record<string, string>
  fonts: string[]
  fontCheck: boolean
  globals: Record<string, string>
  marks: string
  current: string | null
}

interface Visit {
  html: string
  snapshot: Snapshot
  print: Record<string, Record<string, string>>
  /** Every request the page made: its URL path and resource type. */
  requests: { path: string; type: string }[]
  /** Failed requests, responses >= 400, page errors and console errors. */
  problems: string[]
  page: Page
}

// The few DOM APIs the in-page functions use (the tsconfig has no DOM lib). The functions passed to
// page.evaluate run in the browser: they may use only their arguments and browser globals.
interface DomElement {
  textContent: string | null
  getAttribute(name: string): string | null
  getBoundingClientRect(): { height: number }
  dataset: Record<string, string | undefined>
}
interface BrowserWindow {
  document: {
    querySelector(selector: string): DomElement | null
    documentElement: DomElement
    fonts: { ready: Promise<unknown>; check(font: string): boolean } & Iterable<{ family: string; status: string }>
  }
  location: { pathname: string }
  getComputedStyle(el: DomElement): { getPropertyValue(name: string): string }
  Image: new () => { src: string; decode(): Promise<void>; naturalWidth: number; naturalHeight: number }
  [name: string]: unknown
}

/** Computed styles; each url() in a value is replaced by what loading it gives (`image 64x64`). */
async function readStyles(arg: { probes: string[]; props: string[] }): Promise<Record<string, Record<string, string>>> {
  const w = globalThis as unknown as BrowserWindow
  const out: Record<string, Record<string, string>> = {}
  for (const selector of arg.probes) {
    const el = w.document.querySelector(selector)
    if (!el) {
      out[selector] = { missing: 'true' }
      continue
    }
    const style = w.getComputedStyle(el)
    const values: Record<string, string> = {}
    for (const prop of arg.props) {
      let value = style.getPropertyValue(prop)
      for (const m of [...value.matchAll(/url\("?([^")]*)"?\)/g)]) {
        const img = new w.Image()
        img.src = m[1] as string
        const loaded = await img.decode().then(
          () => `image ${img.naturalWidth}x${img.naturalHeight}`,
          () => `broken image ${m[1]}`,
        )
        value = value.replace(m[0], loaded)
      }
      values[prop] = value
    }
    out[selector] = values
  }
  return out
}

async function readPage(arg: { probes: string[]; texts: string[] }): Promise<Omit<Snapshot, 'styles'>> {
  const w = globalThis as unknown as BrowserWindow
  await w.document.fonts.ready
  const heights: Record<string, number> = {}
  for (const selector of arg.probes) {
    const el = w.document.querySelector(selector)
    heights[selector] = el ? Math.round(el.getBoundingClientRect().height) : -1
  }
  const texts: Record<string, string> = {}
  for (const selector of arg.texts) texts[selector] = w.document.querySelector(selector)?.textContent ?? '(missing)'
  return {
    heights,
    texts,
    fonts: [...w.document.fonts].map((f) => `${f.family.replace(/["']/g, '')}: ${f.status}`).sort(),
    fontCheck: w.document.fonts.check('17px "Playground Sans"'),
    globals: {
      $: typeof w.$,
      'typeof Dollar': typeof w.Dollar,
      DOLLAR_VERSION: String(w.DOLLAR_VERSION),
      '$.version': String((w.$ as { version?: string } | undefined)?.version),
      'typeof Playground': typeof w.Playground,
      PLAYGROUND_PAGE: String(w.PLAYGROUND_PAGE),
      'data-module': String(w.document.documentElement.dataset.module),
    },
    marks: w.document.documentElement.getAttribute('data-marks') ?? '',
    current: w.document.querySelector('.site-nav a.current')?.getAttribute('href') ?? null,
  }
}

/**
 * Puts the same text where the two servers differ by design: the banner and footer say whether the
 * page is compressed, and the module script writes a random session id.
 */
function normalizeTexts(): void {
  type Node = { textContent: string | null; lastChild: Node | null }
  const d = (globalThis as unknown as { document: { querySelector(s: string): Node | null } }).document
  const set = (node: Node | null | undefined, text: string) => {
    if (!node) throw new Error('normalizeTexts: an element is missing')
    node.textContent = text
  }
  set(d.querySelector('#session-id'), 'AbCdEfGhIjKl')
  set(d.querySelector('#mode'), 'either way')
  set(d.querySelector('.banner')?.lastChild, ' · blocks are served either way')
}

let outDir: string
let browser: Browser
let plain: Playground
let compressed: Playground

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'vc-playground-'))
  // The same settings as playground/vite.config.ts, with the plugin from source and a temp outDir.
  await build({
    configFile: false,
    root: PLAYGROUND,
    base: '/static/',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: false },
    plugins: [compressor({ templates: 'templates/**/*.njk', staticRoot: 'static', staticUrl: '/static/' })],
  })
  const manifestPath = join(outDir, 'CACHE', 'manifest.json')
  plain = await createServer({ enabled: false, port: 0, manifestPath, runtime })
  compressed = await createServer({ enabled: true, port: 0, manifestPath, runtime })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await plain?.close()
  await compressed?.close()
  if (outDir) rmSync(outDir, { recursive: true, force: true })
})

/** Loads a page in a fresh browser context (no shared cache) and reads everything we compare. */
async function visit(site: Playground, spec: PageSpec): Promise<Visit> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
  const page = await context.newPage()
  const requests: Visit['requests'] = []
  const problems: string[] = []
  const origin = new URL(site.url).origin
  page.on('request', (r) => {
    const url = new URL(r.url())
    requests.push({ path: url.origin === origin ? url.pathname : url.href, type: r.resourceType() })
  })
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`))
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`)
  })
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`)
  })
  const response = await page.goto(new URL(spec.path, site.url).href, { waitUntil: 'load' })
  expect(response?.status(), `${site.url} ${spec.path}`).toBe(200)
  const html = (await response?.text()) ?? ''
  // The module script and the DOMContentLoaded handlers have run once `ready` is marked.
  await page
    .waitForFunction(
      (expected: string) =>
        (globalThis as unknown as BrowserWindow).document.documentElement.getAttribute('data-marks') === expected,
      spec.marks,
      { timeout: 10_000 },
    )
    .catch(() => undefined)
  const rest = await page.evaluate(readPage, { probes: spec.probes, texts: Object.keys(spec.texts) })
  const styles = await page.evaluate(readStyles, { probes: spec.probes, props: PROPS })
  await page.emulateMedia({ media: 'print' })
  const print = await page.evaluate(readStyles, {
    probes: ['body', '.site-nav', '.banner', '.site-footer', 'h1'],
    props: ['display', 'color', 'background-image'],
  })
  await page.emulateMedia({ media: 'screen' })
  return { html, snapshot: { styles, ...rest }, print, requests, problems, page }
}

const isCode = (r: { type: string }) => r.type === 'stylesheet' || r.type === 'script'

describe('playground in Chromium: uncompressed and compressed pages match', () => {
  for (const spec of PAGES) {
    describe(spec.path, () => {
      let before: Visit
      let after: Visit

      beforeAll(async () => {
        before = await visit(plain, spec)
        after = await visit(compressed, spec)
      })
      afterAll(async () => {
        await before?.page.context().close()
        await after?.page.context().close()
      })

      it('loads without failed requests or errors, both ways', () => {
        expect(before.problems).toEqual([])
        expect(after.problems).toEqual([])
      })

      it('serves blocks as written when disabled, and compressed when enabled', () => {
        expect(before.html).toContain('href="/static/css/base.css"')
        expect(before.html).toContain('src="/static/js/lib/dollar.js"')
        expect(before.html).not.toContain('/static/CACHE/')
        expect(before.requests.filter(isCode).some((r) => r.path === '/static/css/theme.scss')).toBe(true)

        expect(after.html).not.toMatch(/\/static\/(css|js)\//)
        expect(after.html).not.toMatch(/endcompress|__compressor_url_placeholder__/)
        expect(after.html).toContain('<link rel="stylesheet" href="/static/CACHE/css/')
        expect(after.html).toContain('<script src="/static/CACHE/js/app.')
        expect(after.html).toContain('<style type="text/css">.banner')
      })

      it('loads exactly one file per block output, each once, and no other CSS or JS', () => {
        const tags = [...after.html.matchAll(/<(?:link|script)\b[^>]*?\b(?:href|src)="([^"]+)"/g)]
          .map((m) => m[1] as string)
          .filter((u) => u.startsWith('/static/CACHE/'))
        const outputs = [...new Set(tags)].sort()
        expect(outputs).toHaveLength(spec.outputs)
        const code = after.requests.filter(isCode)
        expect(code.map((r) => r.path).sort()).toEqual(outputs)
        const cached = after.requests.filter((r) => r.path.startsWith('/static/CACHE/')).map((r) => r.path)
        expect(cached.sort()).toEqual(outputs)
        // Uncompressed, the same page needs more requests (one per source file).
        expect(before.requests.filter(isCode).length).toBeGreaterThan(code.length)
      })

      it('has the same computed styles, images and layout', () => {
        expect(after.snapshot.styles).toEqual(before.snapshot.styles)
        expect(after.snapshot.heights).toEqual(before.snapshot.heights)
        expect(after.print).toEqual(before.print)
        for (const probe of spec.probes) expect(before.snapshot.styles[probe], probe).not.toHaveProperty('missing')
        expect(JSON.stringify(after.snapshot.styles)).not.toContain('broken image')
        expect(after.snapshot.styles.body?.['background-image']).toBe('image 64x64')
        expect(after.snapshot.styles['.banner']?.['background-image']).toBe('image 64x64')
        expect(after.snapshot.styles.h1?.color).toBe('rgb(217, 72, 15)')
        expect(after.print['.site-nav']?.display).toBe('none')
        expect(after.print.body?.['background-image']).toBe('none')
      })

      it('applies the web font', () => {
        for (const v of [before, after]) {
          expect(v.snapshot.styles.body?.['font-family']).toBe('"Playground Sans", sans-serif')
          expect(v.snapshot.fonts).toEqual(['Playground Sans: loaded'])
          expect(v.snapshot.fontCheck).toBe(true)
        }
      })

      it('runs the scripts the same way: shared globals, inline and module scripts', () => {
        expect(after.snapshot.marks).toBe(spec.marks)
        expect(after.snapshot.marks).toBe(before.snapshot.marks)
        expect(after.snapshot.globals).toEqual(before.snapshot.globals)
        expect(after.snapshot.globals).toEqual({
          $: 'function',
          'typeof Dollar': 'function',
          DOLLAR_VERSION: '0.1.0',
          '$.version': '0.1.0',
          'typeof Playground': 'object',
          PLAYGROUND_PAGE: spec.page,
          'data-module': 'ran',
        })
        expect(after.snapshot.current).toBe(spec.path)
        for (const v of [before, after]) {
          for (const [selector, expected] of Object.entries(spec.texts)) {
            if (typeof expected === 'string') expect(v.snapshot.texts[selector], selector).toBe(expected)
            else expect(v.snapshot.texts[selector], selector).toMatch(expected)
          }
        }
      })

      if (spec.page === 'gallery') {
        it('wires the deferred script to the tiles', async () => {
          for (const v of [before, after]) {
            await v.page.click('.tile:nth-child(2)')
            const outline = await v.page.evaluate((selector: string) => {
              const w = globalThis as unknown as BrowserWindow
              const el = w.document.querySelector(selector)
              return el ? w.getComputedStyle(el).getPropertyValue('outline-style') : 'missing'
            }, '.tile:nth-child(2)')
            expect(outline).toBe('solid')
          }
        })
      }

      if (spec.page === 'index') {
        it('looks the same: a screenshot of the compressed page matches the uncompressed one', async () => {
          const shots: Buffer[][] = []
          for (const v of [before, after]) {
            await v.page.evaluate(normalizeTexts)
            await v.page.evaluate(async () => {
              await (globalThis as unknown as BrowserWindow).document.fonts.ready
            })
            const taken: Buffer[] = []
            // Three shots each: the comparison below is only meaningful if a page's shots are stable.
            for (let i = 0; i < 3; i++) taken.push(await v.page.screenshot({ type: 'png', fullPage: true, animations: 'disabled' }))
            shots.push(taken)
          }
          const [plainShots, compressedShots] = shots as [Buffer[], Buffer[]]
          await after.page.screenshot({ path: SCREENSHOT, fullPage: true })
          const [reference, ...others] = [...plainShots, ...compressedShots].map(decodePng) as [Png, ...Png[]]
          expect(reference.width).toBe(1100)
          expect(reference.height).toBeGreaterThanOrEqual(900)
          for (const image of others) expect([image.width, image.height]).toEqual([reference.width, reference.height])
          // Each page's shots are stable, so a difference between the two pages is the pages'.
          const [plainImages, compressedImages] = [others.slice(0, 2), others.slice(2)] as [Png[], Png[]]
          for (const image of plainImages) expect(differingPixels(image, reference), 'stable shots').toBe(0)
          for (const image of compressedImages.slice(1)) {
            expect(differingPixels(image, compressedImages[0] as Png), 'stable shots').toBe(0)
          }
          // The page really rendered: text, images, colours — not one flat colour.
          expect(colourCount(reference)).toBeGreaterThan(50)
          // Same rendering, same pixels: shots of one page are byte-stable, so any difference counts
          // (a changed colour, a missing image, a shifted line all show here).
          const diff = differingPixels(compressedImages[0] as Png, reference)
          expect(diff, `${diff} of ${reference.width * reference.height} pixels differ (compressed page: ${SCREENSHOT})`).toBe(0)
        })
      }
    })
  }
})
