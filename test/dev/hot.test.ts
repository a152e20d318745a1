/**
 * Development, end to end in real headless Chromium: a copy of the playground served by the Vite dev
 * server (with the plugins) and by an Express + Nunjucks app whose runtime is in development mode,
 * on another port. Editing a `.scss` or `.css` file changes the page's computed style without a
 * navigation; editing a classic script or a template reloads the page. Never skipped: without
 * Chromium the test fails and says how to install it.
 */
import fs from 'node:fs'
import type { Server } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import express from 'express'
import nunjucks from 'nunjucks'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../helpers/browser.js'
import type { ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devServer, portOf } from '../helpers/dev.js'
import { devRendererFor } from '../../src/runtime/dev.js'
import { createCompressor, nunjucksExtension } from '../../src/runtime/index.js'

const PLAYGROUND = fileURLToPath(new URL('../../playground/', import.meta.url))
const REPO = fileURLToPath(new URL('../../', import.meta.url))
const WAIT = 15_000

/** Polls `check` (which may throw while the page navigates) until it returns true, for at most `ms`. */
async function until(what: string, check: () => Promise<boolean>, ms = WAIT): Promise<void> {
  const end = Date.now() + ms
  let last: unknown
  while (Date.now() < end) {
    try {
      if (await check()) return
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(
    `timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
  )
}

let dir: string
let vite: ViteDevServer | undefined
let app: Server | undefined
let appUrl: string
let browser: Browser | undefined
let page: Page
let navigations = 0
const problems: string[] = []
const consoleLines: string[] = []
const edit = (file: string, from: string | RegExp, to: string) => {
  const full = path.join(dir, file)
  const text = fs.readFileSync(full, 'utf8')
  const next = text.replace(from, to)
  expect(next, `${file} should contain ${from}`).not.toBe(text)
  fs.writeFileSync(full, next)
}
const evaluate = <T>(expression: string): Promise<T> => page.evaluate(expression) as Promise<T>

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-hot-'))
  for (const sub of ['templates', 'static'])
    fs.cpSync(path.join(PLAYGROUND, sub), path.join(dir, sub), { recursive: true })
  // The module script imports `nanoid`: let Vite find the repo's node_modules from the copy.
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'))

  const opts = { templates: 'templates/**/*.njk', staticRoot: 'static', staticUrl: '/static/' }
  vite = await devServer(dir, opts, { base: '/static/' })
  await vite.listen()

  // The app server: the playground's pages, the runtime in development (enabled: false).
  const manifest = path.join(dir, 'dist', 'CACHE', 'manifest.json')
  const runtime = createCompressor({ manifest, url: '/static/', enabled: false })
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(dir, 'templates'), { noCache: true }), {
    autoescape: true,
  })
  env.addExtension('compress', nunjucksExtension(runtime))
  env.addGlobal('STATIC_URL', '/static/')
  env.addGlobal('compressed', false)
  const site = express()
  site.get('/', (_req, res) => {
    res.type('html').send(env.render('index.njk', { page: 'index' }))
  })
  site.use('/static/', express.static(path.join(dir, 'static'), { index: false }))
  app = await new Promise<Server>((resolve, reject) => {
    const s = site.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)))
  })
  appUrl = `http://127.0.0.1:${(app.address() as { port: number }).port}/`

  browser = await launchChromium()
  page = await browser.newPage()
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations++
  })
  page.on('console', (msg) => {
    consoleLines.push(msg.text())
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`)
  })
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('requestfailed', (req) => {
    // A stylesheet replaced while it loads, or a request cut by a reload, is aborted: not a problem.
    if (req.failure()?.errorText !== 'net::ERR_ABORTED')
      problems.push(`failed: ${req.url()} ${req.failure()?.errorText}`)
  })
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`${res.status()}: ${res.url()}`)
  })
})

afterAll(async () => {
  await browser?.close()
  await new Promise<void>((resolve) => {
    if (!app) return resolve()
    app.closeAllConnections()
    app.close(() => resolve())
  })
  await vite?.close()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

describe('development with the Vite dev server', () => {
  it('renders blocks pointing at the dev server, which compiles them', async () => {
    const response = await page.goto(appUrl)
    const html = (await response?.text()) ?? ''
    const devUrl = `http://127.0.0.1:${portOf(vite)}/static/`
    expect(html).toContain(`<script type="module" src="${devUrl}@vite/client"></script>`)
    expect(html).toContain(`<link rel="stylesheet" href="${devUrl}css/theme.scss">`)
    expect(html).toContain(`<link rel="stylesheet" href="${devUrl}css/print.css" media="print">`)
    expect(html).toContain(`<script src="${devUrl}js/app.js?classic"></script>`)
    expect(html).toContain(`<script type="module" src="${devUrl}js/main.js"></script>`)
    expect(html).toContain('.banner strong { letter-spacing: 0.04em; }') // inline <style> kept

    // Classic scripts shared their globals, the module ran (nanoid from node_modules, via Vite).
    await until(
      'the scripts to run',
      async () => (await evaluate<string>('document.documentElement.dataset.marks')) === 'app inline module ready',
    )
    expect(await evaluate<string>('document.getElementById("session-id").textContent')).toMatch(/^[\w-]{12}$/)
    // Vite compiled the Sass theme: h1 has its accent colour.
    expect(await evaluate<string>('getComputedStyle(document.querySelector("h1")).color')).toBe('rgb(217, 72, 15)')
    await until("Vite's client to connect", async () => consoleLines.some((l) => l.includes('[vite] connected')))
    expect(problems).toEqual([])
  })

  it('updates the page when a .scss or .css file changes, without a navigation', async () => {
    await evaluate('window.__vcMarker = "kept"')
    const before = navigations

    edit('static/css/theme.scss', '$accent: #d9480f;', '$accent: #2b8a3e;')
    await until(
      'h1 to turn green',
      async () =>
        (await evaluate<string>('getComputedStyle(document.querySelector("h1")).color')) === 'rgb(43, 138, 62)',
    )

    fs.appendFileSync(path.join(dir, 'static/css/critical.css'), '\n.banner { outline: 3px dashed rgb(1, 2, 3); }\n')
    await until(
      'the banner outline',
      async () =>
        (await evaluate<string>('getComputedStyle(document.querySelector(".banner")).outlineStyle')) === 'dashed',
    )

    expect(await evaluate<string>('window.__vcMarker')).toBe('kept')
    expect(navigations).toBe(before)
    expect(problems).toEqual([])
  })

  it('reloads the page when a classic script changes', async () => {
    const before = navigations
    edit('static/js/app.js', 'Hello from app.js', 'Hot hello from app.js')
    await until('the page to reload with the new script', async () =>
      (await evaluate<string>('document.querySelector("[data-greeting]").textContent')).startsWith(
        'Hot hello from app.js',
      ),
    )
    expect(await evaluate<unknown>('window.__vcMarker')).toBeUndefined()
    expect(navigations).toBeGreaterThan(before)
    // The edited stylesheets are what the reloaded page gets.
    expect(await evaluate<string>('getComputedStyle(document.querySelector("h1")).color')).toBe('rgb(43, 138, 62)')
  })

  it('reloads the page when a template changes', async () => {
    await until("Vite's client to connect again", async () => (await evaluate<unknown>('window.__vcMarker2 = 1')) === 1)
    await until('the client', async () => consoleLines.filter((l) => l.includes('[vite] connected')).length >= 2)
    edit('templates/index.njk', 'Fresh blocks, served hot', 'Edited while running')
    await until(
      'the page to reload with the new template',
      async () => (await evaluate<string>('document.querySelector("h1").textContent')) === 'Edited while running',
    )
    expect(await evaluate<unknown>('window.__vcMarker2')).toBeUndefined()
    expect(problems).toEqual([])
  })

  it('removes the dev server file when the dev server closes', async () => {
    const hotFile = path.join(dir, 'dist', 'CACHE', 'dev-server.json')
    expect(fs.existsSync(hotFile)).toBe(true)
    await vite?.close()
    vite = undefined
    expect(fs.existsSync(hotFile)).toBe(false)
    // The runtime notices: blocks render as written again.
    const dev = devRendererFor({ enabled: false, manifest: path.join(dir, 'dist', 'CACHE', 'manifest.json') })
    expect(dev?.current()).toBeUndefined()
  })
})
