/**
 * `vite` (the dev server) serves a Vite HTML entry's compress blocks as written: the build-time
 * replacement (one compressed tag per block output) happens only in `vite build`, and the tags in
 * the block load the source files through the dev server.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devServer, portOf } from '../helpers/dev.js'
import { buildFixture, writeTree } from '../helpers/fixture.js'

const BLOCK = `<!-- compress css -->
<link rel="stylesheet" href="/static/css/a.css">
<style>.inline { color: green }</style>
<link rel="stylesheet" href="/static/css/b.css">
<!-- endcompress -->`

const INDEX = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
${BLOCK}
</head>
<body><p class="a">hello</p></body>
</html>
`

let dir: string
let vite: ViteDevServer | undefined
let origin: string

beforeAll(async () => {
  dir = writeTree({
    'index.html': INDEX,
    'static/css/a.css': '.a { color: red }\n',
    'static/css/b.css': '.b { color: blue }\n',
  })
  vite = await devServer(dir, { staticRoot: 'static', staticUrl: '/static/' })
  await vite.listen()
  origin = `http://127.0.0.1:${portOf(vite)}`
})

afterAll(async () => {
  await vite?.close()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

describe('a Vite HTML entry under the dev server', () => {
  it('is served with the block as written, not replaced by compressed tags', async () => {
    const res = await fetch(`${origin}/`, { headers: { accept: 'text/html' } })
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain(BLOCK)
    expect(html).not.toMatch(/CACHE\/|vite-compressor:|__compressor_url_placeholder__/)
    // Vite's own dev additions are there: it is the dev server's page.
    expect(html).toContain('/@vite/client')
    // The block's stylesheets load from the dev server, as they are.
    const a = await fetch(`${origin}/static/css/a.css`, { headers: { accept: 'text/css,*/*;q=0.1' } })
    expect(a.status).toBe(200)
    expect(await a.text()).toContain('.a { color: red }')
  })

  it('the same entry is compressed by vite build (so the dev page really differs)', async () => {
    const root = writeTree({
      'index.html': INDEX,
      'static/css/a.css': '.a { color: red }\n',
      'static/css/b.css': '.b { color: blue }\n',
    })
    const built = await buildFixture(root, { staticRoot: 'static', staticUrl: '/static/' })
    const html = fs.readFileSync(path.join(built.outDir, 'index.html'), 'utf8')
    expect(html).not.toContain('compress css')
    expect(html).toMatch(/<link rel="stylesheet" href="\/static\/CACHE\/css\/output\.[0-9a-f]{12}\.css" type="text\/css">/)
  })
})
