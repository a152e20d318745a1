import { readFile, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import express from 'express'
import nunjucks from 'nunjucks'
import { afterAll, describe, expect, it } from 'vitest'
import { type Compressor, compressorMiddleware, createCompressor, nunjucksExtension } from '../../src/runtime/index.js'
import { cleanup, entry, tempDir, writeManifest } from './helpers.js'

afterAll(cleanup)

const CSS = '\n<link rel="stylesheet" href="/static/css/site.css">\n'

/** Starts `app` on 127.0.0.1, runs `fn` with its base URL, and closes it. */
async function serve(app: express.Express, fn: (base: string) => Promise<void>): Promise<void> {
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject))
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
}

/** A tiny view engine without custom tags: replaces `{{name}}` with the option's value. */
async function views(): Promise<string> {
  const dir = await tempDir()
  await writeFile(join(dir, 'home.tpl'), `<head><!-- compress css -->${CSS}<!-- endcompress --></head><p>{{who}}</p>`)
  await writeFile(join(dir, 'broken.tpl'), '<head>\n<!-- compress css --><style>x{}</style><!-- endcompress -->')
  return dir
}

function app(compressor: Compressor, dir: string): express.Express {
  const a = express()
  a.engine('tpl', (path, options, callback) => {
    readFile(path, 'utf8').then(
      (text) =>
        callback(
          null,
          text.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => String((options as Record<string, unknown>)[k])),
        ),
      callback,
    )
  })
  a.set('views', dir)
  a.set('view engine', 'tpl')
  a.use(compressorMiddleware(compressor))
  return a
}

describe('compressorMiddleware', () => {
  it('replaces blocks in pages rendered by an engine without custom tags', async () => {
    const manifest = await writeManifest([entry(CSS, 'css', 'file')])
    const a = app(createCompressor({ manifest, enabled: true, url: 'https://cdn.example.com/static/' }), await views())
    a.get('/', (_req, res) => {
      res.locals.cspNonce = 'abc'
      res.render('home', { who: 'me' })
    })
    a.get('/cb', (_req, res) => res.render('home', { who: 'cb' }, (err, html) => res.send(`[${err ?? html}]`)))
    await serve(a, async (base) => {
      const res = await fetch(`${base}/`)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe(
        '<head><link nonce="abc" rel="stylesheet" href="https://cdn.example.com/static/CACHE/css/output.0123456789ab.css" type="text/css"></head><p>me</p>',
      )
      expect(await (await fetch(`${base}/cb`)).text()).toMatch(/^\[<head><link rel="stylesheet" .*<p>cb<\/p>\]$/)
    })
  })

  it('sends a missing block to the error handler with the view and advice', async () => {
    const manifest = await writeManifest([entry(CSS, 'css', 'file')])
    const a = app(createCompressor({ manifest, enabled: true }), await views())
    a.get('/', (_req, res) => res.render('broken'))
    a.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).send(err.message)
    })
    await serve(a, async (base) => {
      const res = await fetch(`${base}/`)
      expect(res.status).toBe(500)
      const text = await res.text()
      expect(text).toMatch(/^broken:2:1: <!-- compress css --> block: no entry for key [0-9a-f]{64}/)
      expect(text).toContain('vite build')
    })
  })

  it('works with Nunjucks as the view engine and the extension doing the blocks', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'page.njk'), `{% compress css %}${CSS}{% endcompress %}<i>{{ who }}</i>`)
    const c = createCompressor({ manifest: await writeManifest([entry(CSS, 'css', 'file')]), enabled: true })
    const a = express()
    const env = nunjucks.configure(dir, { express: a, autoescape: true })
    env.addExtension('compress', nunjucksExtension(c))
    a.set('view engine', 'njk')
    a.use(compressorMiddleware(c, { replace: false }))
    a.get('/', (_req, res) => {
      res.locals.cspNonce = 'n0'
      res.render('page', { who: '<you>' })
    })
    await serve(a, async (base) => {
      expect(await (await fetch(`${base}/`)).text()).toBe(
        '<link nonce="n0" rel="stylesheet" href="/static/CACHE/css/output.0123456789ab.css" type="text/css"><i>&lt;you&gt;</i>',
      )
    })
  })

  it('emits a file once per response when two blocks share it', async () => {
    const dir = await views()
    await writeFile(
      join(dir, 'twice.tpl'),
      `<head><!-- compress css -->${CSS}<!-- endcompress --></head><!-- compress css -->${CSS}<!-- endcompress -->{{who}}`,
    )
    const a = app(createCompressor({ manifest: await writeManifest([entry(CSS, 'css', 'file')]), enabled: true }), dir)
    a.get('/', (_req, res) => res.render('twice', { who: 'me' }))
    const tag = '<link rel="stylesheet" href="/static/CACHE/css/output.0123456789ab.css" type="text/css">'
    await serve(a, async (base) => {
      const [one, two] = await Promise.all([fetch(`${base}/`), fetch(`${base}/`)])
      expect(await one.text()).toBe(`<head>${tag}</head>me`)
      expect(await two.text()).toBe(`<head>${tag}</head>me`)
    })
  })
})
