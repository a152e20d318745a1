import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { memoryCache } from '../../src/runtime/cache.js'
import { createCompressor } from '../../src/runtime/index.js'
import { writeTree } from '../helpers/fixture.js'

function server(root: string, cache = memoryCache()) {
  return createCompressor({
    enabled: true,
    offline: false,
    manifest: path.join(root, 'dist/CACHE/manifest.json'),
    online: {
      root,
      cache,
      configFile: false,
      compressor: { staticRoot: 'static' },
      vite: { base: '/static/', build: { outDir: 'dist' } },
      mtimeDelayMs: 0,
    },
  })
}

const render = async (c: ReturnType<typeof server>, content: string, kind: 'css' | 'js' = 'css') =>
  c.resolve(c.render(content, { kind }))

describe('online compression: what counts as a change', () => {
  it('another server with other mtimes for the same files reuses the shared entry', async () => {
    const root = writeTree({ 'static/a.css': '.a{color:red}' })
    const cache = memoryCache()
    const one = server(root, cache)
    const block = '<link rel="stylesheet" href="/static/a.css">'
    const html = await render(one, block)
    // The second server's copy of the file: the same bytes, another mtime.
    fs.utimesSync(path.join(root, 'static/a.css'), new Date(), new Date(Date.now() + 60_000))
    const two = server(root, cache)
    expect(await render(two, block)).toBe(html)
    expect(two.online?.stats.compressions).toBe(0)
  })

  it("an edit to a module script's import is noticed", async () => {
    const root = writeTree({
      'static/m.js': 'import { v } from "./dep.js"\nwindow.v = v',
      'static/dep.js': 'export const v = "first"',
    })
    const c = server(root)
    const block = '<script type="module" src="/static/m.js"></script>'
    const first = await render(c, block, 'js')
    fs.writeFileSync(path.join(root, 'static/dep.js'), 'export const v = "second"')
    const second = await render(c, block, 'js')
    expect(second).not.toBe(first)
    const file = (second.match(/\/static\/(CACHE\/js\/[^"]+)/) as RegExpMatchArray)[1] as string
    expect(fs.readFileSync(path.join(root, 'dist', file), 'utf8')).toContain('second')
  })

  it('rendered text with template syntax in it is compressed as it is', async () => {
    const root = writeTree({})
    const c = server(root)
    const html = await render(c, '<script>var t = "{% endcompress %} {# not a comment #}"</script>', 'js')
    const file = (html.match(/\/static\/(CACHE\/js\/[^"]+)/) as RegExpMatchArray)[1] as string
    expect(fs.readFileSync(path.join(root, 'dist', file), 'utf8')).toContain('{% endcompress %} {# not a comment #}')
  })
})

describe('online compression: equal content in different blocks', () => {
  it('file and inline blocks with the same body each get their own output', async () => {
    const root = writeTree({ 'static/a.css': '.a{color:red}' })
    const c = server(root)
    const body = '<link rel="stylesheet" href="/static/a.css">'
    const page = `${c.render(body, { kind: 'css' })}|${c.render(body, { kind: 'css', mode: 'inline' })}`
    const [file, inline] = (await c.resolve(page)).split('|')
    expect(file).toMatch(/^<link rel="stylesheet" href="\/static\/CACHE\/css\/output\.\w{12}\.css" type="text\/css">$/)
    expect(inline).toBe('<style type="text/css">.a{color:red}</style>')
    // and again, from memory
    expect(c.render(body, { kind: 'css', mode: 'inline' })).toBe(inline)
    expect(c.render(body, { kind: 'css' })).toBe(file)
  })
})
