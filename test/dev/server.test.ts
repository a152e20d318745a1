/**
 * The dev plugin in a real Vite dev server, without a browser: the dev server file, static URLs
 * served and compiled by Vite, classic scripts as they are, path confinement, CORS for the app's
 * origin, and the file's removal on close.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devServer, portOf } from '../helpers/dev.js'
import { type DevServer, readDevServer } from '../../src/runtime/dev.js'
import { writeTree } from '../helpers/fixture.js'

function rawGet(port: number, requestPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: requestPath }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => {
          body += c
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      .on('error', reject)
  })
}

let dir: string
let vite: ViteDevServer | undefined
let hotFile: string
let info: DevServer
let sigintListeners = 0
const APP = 'http://127.0.0.1:3000'

beforeAll(async () => {
  dir = writeTree({
    'templates/page.html': [
      '{% compress css %}<link rel="stylesheet" href="/static/css/site.scss">{% endcompress %}',
      '{% compress js %}<script src="/static/js/classic.js"></script><script type="module" src="/static/js/app.ts"></script>{% endcompress %}',
    ].join('\n'),
    'assets/css/site.scss': '$c: #123456;\n.x { color: $c; background: url(../img/dot.png); }\n',
    'assets/img/dot.png': new Uint8Array([137, 80, 78, 71]),
    'assets/js/classic.js': 'var shared = 1 // import.meta is not touched\n',
    'assets/js/app.ts': 'const n: number = 2\nexport default n\n',
    'secret.txt': 'no',
  })
  const opts = { templates: 'templates/*.html', staticRoot: 'assets', staticUrl: '/static/' }
  vite = await devServer(dir, opts, { outDir: 'out' })
  sigintListeners = process.listenerCount('SIGINT')
  await vite.listen()
  hotFile = path.join(dir, 'out', 'CACHE', 'dev-server.json')
  info = readDevServer(hotFile) as DevServer
})

afterAll(async () => {
  await vite?.close()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

describe('the dev plugin in a Vite dev server', () => {
  it('writes the dev server file while it listens', () => {
    const port = portOf(vite)
    expect(info).toEqual({
      origin: `http://127.0.0.1:${port}`,
      base: '/',
      staticUrl: '/static/',
      // base '/' differs from the static URL: static files are served under /static/ on the dev server.
      url: `http://127.0.0.1:${port}/static/`,
      client: `http://127.0.0.1:${port}/@vite/client`,
      pid: process.pid,
      hostname: os.hostname(),
    })
  })

  it('serves .scss from the static roots through Vite, with CORS for a local app origin', async () => {
    const res = await fetch(`${info.url}css/site.scss`, { headers: { accept: 'text/css,*/*;q=0.1', origin: APP } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/css/)
    expect(res.headers.get('access-control-allow-origin')).toBe(APP)
    const css = await res.text()
    expect(css).toContain('color: #123456')
    // Relative url()s point at the dev server's copy of the file.
    expect(css).toMatch(/url\("?\/assets\/img\/dot\.png"?\)/)
  })

  it('compiles module scripts (TypeScript) and serves classic scripts as they are', async () => {
    const mod = await (await fetch(`${info.url}js/app.ts`, { headers: { origin: APP } })).text()
    expect(mod).toContain('const n = 2')
    const res = await fetch(`${info.url}js/classic.js?classic`, { headers: { origin: APP } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(res.headers.get('access-control-allow-origin')).toBe(APP)
    expect(await res.text()).toBe('var shared = 1 // import.meta is not touched\n')
    // An origin Vite's cors setting does not allow gets no CORS header.
    const other = await fetch(`${info.url}js/classic.js?classic`, { headers: { origin: 'https://evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('refuses URLs that leave the static roots', async () => {
    // Raw paths: fetch() would resolve `%2e%2e` itself.
    const port = portOf(vite)
    for (const bad of [
      '..%2fsecret.txt',
      '%2e%2e/secret.txt',
      '%2E%2E%2Fsecret.txt',
      'js/..\\..\\secret.txt',
      'js/missing.js',
    ]) {
      const res = await rawGet(port, `/static/${bad}?classic`)
      expect(res.status, bad).toBe(404)
      expect(res.body, bad).not.toBe('no')
    }
  })

  it('removes the file when the server closes', async () => {
    expect(fs.existsSync(hotFile)).toBe(true)
    await vite?.close()
    vite = undefined
    expect(fs.existsSync(hotFile)).toBe(false)
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners)
  })
})
