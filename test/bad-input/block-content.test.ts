/**
 * Bad input, part 3: what is inside a block. Empty or useless blocks warn; broken CSS and JS fail
 * naming the source; text that could break out of an inline element or an attribute is escaped.
 */
import fs from 'node:fs'
import path from 'node:path'
import vm from 'node:vm'
import { describe, expect, it } from 'vitest'
import { parseElements } from '../../src/core/items.js'
import { buildFailure as failOn, buildFixture, type Files, writeTree } from '../helpers/fixture.js'

const head = '{% load compress %}\n<html>\n'

async function build(files: Files) {
  return buildFixture(writeTree(files), { templates: 'templates/*.html' })
}

/** Builds files that must fail (see buildFailure). */
async function buildFailure(files: Files) {
  return failOn(writeTree(files), { templates: 'templates/*.html' })
}

/** The build's warnings without Vite's `[plugin vite-compressor] ` prefix. */
const ours = (warnings: string[]) =>
  warnings
    .filter((w) => w.startsWith('[plugin vite-compressor] '))
    .map((w) => w.slice('[plugin vite-compressor] '.length))

const NO_CSS = 'block has no <link rel="stylesheet"> or <style> to compress; it renders as nothing'
const NO_JS = 'block has no <script> to compress; it renders as nothing'

describe('bad input: blocks with nothing to compress build, render as nothing, and warn', () => {
  it.each([
    ['empty css block', '{% compress css %}{% endcompress %}', `templates/a.html:3:1: {% compress css %} ${NO_CSS}`],
    [
      'whitespace-only js block',
      '{% compress js %}\n  \n{% endcompress %}',
      `templates/a.html:3:1: {% compress js %} ${NO_JS}`,
    ],
    [
      'css block with no usable tags (a <p> and a <script>)',
      '{% compress css inline %}<p>hi</p><script src="/static/a.js"></script>{% endcompress %}',
      `templates/a.html:3:1: {% compress css inline %} ${NO_CSS}`,
    ],
    [
      'js block with no usable tags (a template script type and a <link>)',
      '\n  {% compress js %}<script type="text/template"><p></p></script><link rel="stylesheet" href="/static/a.css">{% endcompress %}',
      `templates/a.html:4:3: {% compress js %} ${NO_JS}`,
    ],
    [
      'css block with a <link> that is not a stylesheet',
      '<!-- compress css --><link rel="icon" href="/static/a.css"><!-- endcompress -->',
      `templates/a.html:3:1: <!-- compress css --> ${NO_CSS}`,
    ],
  ])('%s → warning, manifest value ""', async (_name, body, warning) => {
    const built = await build({ 'templates/a.html': head + body, 'static/a.css': 'a{}', 'static/a.js': 'a()' })
    expect(ours(built.warnings)).toEqual([warning])
    expect(Object.values(built.manifest)).toEqual([''])
  })
})

describe('bad input: duplicate content in blocks of different mode or name', () => {
  it('same content, file and preload mode → a warning and a qualified key for the second', async () => {
    const built = await build({
      'templates/a.html': `${head}{% compress css %}<link rel="stylesheet" href="/static/a.css">{% endcompress %}
{% compress css preload %}<link rel="stylesheet" href="/static/a.css">{% endcompress %}`,
      'static/a.css': 'a{color:red}',
    })
    expect(ours(built.warnings)).toEqual([
      "templates/a.html:4:1: {% compress css preload %} has the same content as {% compress css %} at templates/a.html:3; django-compressor can't tell them apart (its manifest keeps the first); our runtime renders each correctly",
    ])
    const keys = Object.keys(built.manifest).sort()
    expect(keys).toHaveLength(2)
    const plain = keys[0] as string
    expect(plain).toMatch(/^[0-9a-f]{64}$/)
    expect(keys[1]).toBe(`${plain}:css:preload:`)
    expect(built.manifest[plain]).toMatch(
      /^<link rel="stylesheet" href="\/__compressor_url_placeholder__\/CACHE\/css\/output\.[0-9a-f]{12}\.css" type="text\/css">$/,
    )
    expect(built.manifest[`${plain}:css:preload:`]).toMatch(
      /^<link rel="preload" href="\/__compressor_url_placeholder__\/CACHE\/css\/output\.[0-9a-f]{12}\.css" as="style" \/>$/,
    )
  })

  it('same content, different names in two templates → a warning naming both places, qualified key with the name', async () => {
    const built = await build({
      'templates/a.html': `${head}{% compress js file app %}<script src="/static/a.js"></script>{% endcompress %}`,
      'templates/b.html': `${head}\n{% compress js file other %}<script src="/static/a.js"></script>{% endcompress %}`,
      'static/a.js': 'var a = 1',
    })
    expect(ours(built.warnings)).toEqual([
      "templates/b.html:4:1: {% compress js file other %} has the same content as {% compress js file app %} at templates/a.html:3; django-compressor can't tell them apart (its manifest keeps the first); our runtime renders each correctly",
    ])
    const plain = Object.keys(built.manifest).find((k) => !k.includes(':')) as string
    expect(built.manifest[plain]).toMatch(/CACHE\/js\/app\.[0-9a-f]{12}\.js/)
    expect(built.manifest[`${plain}:js:file:other`]).toMatch(/CACHE\/js\/other\.[0-9a-f]{12}\.js/)
  })

  it('same content, same kind/mode/name twice → one entry, no warning', async () => {
    const block = '{% compress js %}<script src="/static/a.js"></script>{% endcompress %}'
    const built = await build({ 'templates/a.html': `${head}${block}\n${block}`, 'static/a.js': 'var a = 1' })
    expect(ours(built.warnings)).toEqual([])
    expect(Object.keys(built.manifest)).toHaveLength(1)
  })
})

describe('bad input: CSS and JS syntax errors name the template place and the source file:line:column', () => {
  it('CSS syntax error in a static file → CSS_SYNTAX naming static/bad.css:3:2', async () => {
    const { error, code } = await buildFailure({
      'templates/a.html': `${head}{% compress css %}<link rel="stylesheet" href="/static/bad.css">{% endcompress %}`,
      'static/bad.css': '.a { color: red;\n.b { color: blue }\n}}} @media {',
    })
    expect(code).toBe('CSS_SYNTAX')
    expect(error.message).toBe(
      'templates/a.html:3:19: {% compress css %} block: static/bad.css:3:2: CSS syntax error: Invalid empty selector',
    )
    expect(error.loc).toEqual({ file: 'templates/a.html', line: 3, column: 19 })
  })

  it('CSS syntax error in an inline <style> → CSS_SYNTAX at the <style>', async () => {
    const { error, code } = await buildFailure({
      'templates/a.html': `${head}{% compress css %}\n<style>.a { color: red;\n}}} @media {</style>{% endcompress %}`,
    })
    expect(code).toBe('CSS_SYNTAX')
    expect(error.loc).toEqual({ file: 'templates/a.html', line: 4, column: 1 })
    expect(error.message).toBe(
      'templates/a.html:4:1: {% compress css %} block: templates/a.html:5:2: CSS syntax error: Invalid empty selector',
    )
  })

  it('JS syntax error in the second static file → JS_SYNTAX naming static/bad.js:2:9', async () => {
    const { error, code } = await buildFailure({
      'templates/a.html': `${head}{% compress js %}<script src="/static/ok.js"></script>\n  <script src="/static/bad.js"></script>{% endcompress %}`,
      'static/ok.js': 'var ok = 1',
      'static/bad.js': 'var a = 1\nvar b = ;\n',
    })
    expect(code).toBe('JS_SYNTAX')
    expect(error.message).toBe('templates/a.html:4:3: {% compress js %} block: static/bad.js:2:9: Unexpected token')
    expect(error.loc).toEqual({ file: 'templates/a.html', line: 4, column: 3 })
  })

  it('JS syntax error in an inline <script> → JS_SYNTAX at the <script>', async () => {
    const { error, code } = await buildFailure({
      'templates/a.html': `${head}{% compress js %}\n<script>var a = 1\nvar b = ;\n</script>{% endcompress %}`,
    })
    expect(code).toBe('JS_SYNTAX')
    expect(error.loc).toEqual({ file: 'templates/a.html', line: 4, column: 1 })
    expect(error.message).toBe('templates/a.html:4:1: {% compress js %} block: templates/a.html:5:9: Unexpected token')
  })

  it('JS syntax error in a module script → the build fails naming the file', async () => {
    const root = writeTree({
      'templates/a.html': `${head}{% compress js %}<script type="module" src="/static/m.js"></script>{% endcompress %}`,
      'static/m.js': 'export const a = ;\n',
    })
    await expect(buildFixture(root, { templates: 'templates/*.html' })).rejects.toThrow(/static\/m\.js/)
  })
})

describe('bad input: invalid UTF-8 (latin-1 without @charset)', () => {
  // Decision: sources are UTF-8 (as Django reads them); a latin-1 file is an error, not a guess.
  it('latin-1 CSS file → the build fails naming the file and "valid UTF-8"', async () => {
    const root = writeTree({
      'templates/a.html': `${head}{% compress css %}<link rel="stylesheet" href="/static/latin1.css">{% endcompress %}`,
      'static/latin1.css': Buffer.from('.a::after{content:"caf\xe9"}', 'latin1'),
    })
    await expect(buildFixture(root, { templates: 'templates/*.html' })).rejects.toThrow(
      /templates\/a\.html:3:19: \{% compress css %\} block: static\/latin1\.css is not valid UTF-8/,
    )
  })
})

describe('bad input: </script> and </style> inside inline content are escaped', () => {
  it('inline js: </script>, </SCRIPT > and <!-- in strings → one closing tag, and the script runs with the right values', async () => {
    const built = await build({
      'templates/a.html': `${head}{% compress js inline %}<script src="/static/a.js"></script>{% endcompress %}`,
      'static/a.js':
        'var s = "</script><script>alert(1)</script>"; var t = "</SCRIPT >"; var u = "<!-- x -->"; var r = /<\\/script>/.test("</script>")',
    })
    const html = Object.values(built.manifest)[0] as string
    expect(html.match(/<\/script/gi)).toHaveLength(1)
    expect(html.endsWith('</script>')).toBe(true)
    expect(html).not.toContain('<!--')
    // What an HTML parser does: the script's text runs to the first `</script`.
    const [el] = parseElements(html)
    expect(el?.name).toBe('script')
    expect(el?.end).toBe(html.length)
    const sandbox: Record<string, unknown> = {}
    vm.runInNewContext(el?.content as string, sandbox)
    expect(sandbox).toMatchObject({
      s: '</script><script>alert(1)</script>',
      t: '</SCRIPT >',
      u: '<!-- x -->',
      r: true,
    })
  })

  it('inline js in the template itself: a </script> split across concatenation stays split', async () => {
    const built = await build({
      'templates/a.html': `${head}{% compress js inline %}<script>var s = "</scr" + "ipt>"</script>{% endcompress %}`,
    })
    const html = Object.values(built.manifest)[0] as string
    expect(html.match(/<\/script/gi)).toHaveLength(1)
    const sandbox: Record<string, unknown> = {}
    vm.runInNewContext(parseElements(html)[0]?.content as string, sandbox)
    expect(sandbox.s).toBe('</script>')
  })

  it('inline css: </style> in a string → one closing tag, and the CSS string is intact', async () => {
    const built = await build({
      'templates/a.html': `${head}{% compress css inline %}<link rel="stylesheet" href="/static/a.css">{% endcompress %}`,
      'static/a.css': 'a::after{content:"</style><script>alert(1)</script>"}\nb::after{content:"</STYLE>"}',
    })
    const html = Object.values(built.manifest)[0] as string
    expect(html.match(/<\/style/gi)).toHaveLength(1)
    expect(html.endsWith('</style>')).toBe(true)
    const [el] = parseElements(html)
    expect(el?.name).toBe('style')
    expect(el?.end).toBe(html.length)
    // `\/` in a CSS string is an escaped `/`: the value is unchanged.
    expect(el?.content).toBe('a:after{content:"<\\/style><script>alert(1)</script>"}b:after{content:"<\\/STYLE>"}')
  })
})

describe('bad input: attribute values are escaped in the output (no HTML injection)', () => {
  it('a media value with quotes and markup → escaped in the <link>', async () => {
    const built = await build({
      'templates/a.html': `${head}{% compress css %}<link rel="stylesheet" href="/static/a.css" media='screen"><script>alert(1)</script>'>{% endcompress %}`,
      'static/a.css': 'a{color:red}',
    })
    const html = Object.values(built.manifest)[0] as string
    expect(html).toMatch(
      /^<link rel="stylesheet" href="\/__compressor_url_placeholder__\/CACHE\/css\/output\.[0-9a-f]{12}\.css" type="text\/css" media="screen&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;">$/,
    )
    const els = parseElements(html)
    expect(els).toHaveLength(1)
    expect(els[0]?.attrs.get('media')).toBe('screen"><script>alert(1)</script>')
  })

  it('an entity-encoded media value in inline mode → decoded once, re-escaped in the <style> tag', async () => {
    const built = await build({
      'templates/a.html': `${head}{% compress css inline %}<link rel="stylesheet" href="/static/a.css" media="x&quot;><img src=x onerror=alert(1)>">{% endcompress %}`,
      'static/a.css': 'a{color:red}',
    })
    const html = Object.values(built.manifest)[0] as string
    expect(html).toBe(
      '<style type="text/css" media="x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">a{color:red}</style>',
    )
    expect(parseElements(html).map((e) => e.name)).toEqual(['style'])
  })

  it('a context variable with markup is autoescaped before it reaches an inline script', async () => {
    const root = writeTree({
      'templates/a.html': `${head}{% compress js inline %}<script>var t = "{{ title }}"</script>{% endcompress %}`,
    })
    const built = await buildFixture(root, { templates: 'templates/*.html', context: { title: '"</script><b>' } })
    const html = Object.values(built.manifest)[0] as string
    expect(html.match(/<\/script/gi)).toHaveLength(1)
    expect(html).not.toContain('<b>')
  })

  it('file names come only from the block name and the content hash', async () => {
    const built = await build({
      'templates/a.html': `${head}{% compress css file main.v2 %}<link rel="stylesheet" href="/static/a.css">{% endcompress %}`,
      'static/a.css': 'a{color:red}',
    })
    const files = fs.readdirSync(path.join(built.outDir, 'CACHE/css'))
    expect(files).toEqual([expect.stringMatching(/^main\.v2\.[0-9a-f]{12}\.css$/)])
  })
})
