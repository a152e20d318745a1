import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFixture, writeTree } from '../helpers/fixture.js'

const STATIC = {
  'static/css/a.css': '.a { color: red }',
  'static/js/a.js': 'var a = 1',
}

describe('templates rewritten at build', () => {
  it('replaces each block and keeps every other byte, line endings and encoding included', async () => {
    const django = '{% load compress %}\r\n<head>\r\n{% compress css %}\r\n<link rel="stylesheet" href="/static/css/a.css">\r\n{% endcompress %}\r\n</head>\r\n'
    const nunjucks = '{% extends "base.njk" %}\n{%- compress js -%}\n<script src="/static/js/a.js"></script>\n{%- endcompress %}\n{{ body | safe }}\n'
    const php = '<?php $title = "Café"; ?>\n<!-- compress css -->\n<link rel="stylesheet" href="/static/css/a.css">\n<!-- endcompress -->\n<h1><?= $title ?></h1>\n'
    const latin1 = Buffer.from('<p>caf\xe9</p>\n<!-- compress js inline --><script src="/static/js/a.js"></script><!-- endcompress -->\n', 'latin1')
    const root = writeTree({
      'templates/page.html': django,
      'templates/page.njk': nunjucks,
      'templates/page.php': php,
      'templates/latin1.html': latin1,
      'templates/plain.html': '<p>no blocks</p>\n',
      ...STATIC,
    })
    await buildFixture(root, { templates: 'templates/*', rewrite: { outDir: 'dist/templates' } })
    const out = (f: string) => fs.readFileSync(path.join(root, 'dist/templates', f))
    const d = out('page.html').toString()
    expect(d).toMatch(/^\{% load compress %\}\r\n<head>\r\n<link rel="stylesheet" href="\/static\/CACHE\/css\/output\.[0-9a-f]{12}\.css" type="text\/css">\r\n<\/head>\r\n$/)
    const n = out('page.njk').toString()
    expect(n).toMatch(/^\{% extends "base.njk" %\}\n<script src="\/static\/CACHE\/js\/output\.[0-9a-f]{12}\.js"><\/script>\n\{\{ body \| safe \}\}\n$/)
    const p = out('page.php').toString()
    expect(p.startsWith('<?php $title = "Café"; ?>\n<link rel="stylesheet" href="/static/CACHE/css/output.')).toBe(true)
    expect(p.endsWith('>\n<h1><?= $title ?></h1>\n')).toBe(true)
    const l = out('latin1.html')
    expect(l.subarray(0, 11)).toEqual(Buffer.from('<p>caf\xe9</p>', 'latin1'))
    expect(l.toString('latin1')).toContain('<script>var a=1;</script>')
    expect(out('plain.html').toString()).toBe('<p>no blocks</p>\n')
    // sources untouched
    expect(fs.readFileSync(path.join(root, 'templates/page.html'), 'utf8')).toBe(django)
  })

  it('fills URLs with a given base (a CDN)', async () => {
    const root = writeTree({
      'templates/a.html': '{% compress css %}<link rel="stylesheet" href="/static/css/a.css">{% endcompress %}',
      ...STATIC,
    })
    await buildFixture(root, { templates: 'templates/*', rewrite: { outDir: 'out', base: 'https://cdn.example.com/s/' } })
    expect(fs.readFileSync(path.join(root, 'out/a.html'), 'utf8')).toMatch(
      /^<link rel="stylesheet" href="https:\/\/cdn\.example\.com\/s\/CACHE\/css\/output\.\w{12}\.css" type="text\/css">$/,
    )
  })

  it('refuses blocks that differ between offline contexts, naming them', async () => {
    const root = writeTree({
      'templates/a.html': '\n{% compress css %}<link rel="stylesheet" href="/static/css/{{ theme }}.css">{% endcompress %}',
      'static/css/dark.css': '.d{color:#000}',
      'static/css/light.css': '.l{color:#fff}',
    })
    await expect(
      buildFixture(root, {
        templates: 'templates/*',
        context: [{ theme: 'dark' }, { theme: 'light' }],
        rewrite: { outDir: 'out' },
      }),
    ).rejects.toThrow(/cannot rewrite templates\/a\.html: these blocks render differently in each offline context.*templates\/a\.html:2:1 \{% compress css %\}/)
  })

  it('replaces blocks in Vite HTML entries through transformIndexHtml', async () => {
    const page = (title: string) =>
      `<!doctype html>\n<html><head><title>${title}</title>\n<!-- compress css -->\n<link rel="stylesheet" href="/static/css/a.css">\n<style>h1{margin:0}</style>\n<!-- endcompress -->\n</head><body><h1>${title}</h1>\n<!-- compress js --><script src="/static/js/a.js"></script><!-- endcompress -->\n</body></html>\n`
    const root = writeTree({ 'index.html': page('Home'), 'about/index.html': page('About'), ...STATIC })
    const ok = await buildFixture(
      root,
      { staticRoot: 'static' },
      { base: '/', build: { rolldownOptions: { input: ['index.html', 'about/index.html'] } } as never },
    )
    const home = ok.read('index.html')
    expect(home).toMatch(/<title>Home<\/title>\n<link rel="stylesheet" href="\/CACHE\/css\/output\.\w{12}\.css" type="text\/css">\n<\/head>/)
    expect(home).toMatch(/<h1>Home<\/h1>\n<script src="\/CACHE\/js\/output\.\w{12}\.js"><\/script>\n<\/body>/)
    expect(ok.read('about/index.html')).toContain('<h1>About</h1>')
    expect(ok.read('index.html')).not.toContain('/static/css/a.css')
    expect(Object.keys(ok.manifest)).toHaveLength(2)
  })
})
