import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import vm from 'node:vm'
import { describe, expect, it } from 'vitest'
import { buildFailure, buildFixture, only, writeTree } from '../helpers/fixture.js'

const PNG = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(6000, 7)])
const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const P = '/__compressor_url_placeholder__/'

function page(body: string, head = '{% load compress %}\n'): string {
  return `${head}<html><head>\n${body}\n</head></html>\n`
}

describe('django-compressor examples, built by vite build', () => {
  it('joins linked and inline CSS of a block into one file, keyed like django-compressor', async () => {
    const block = `
<link rel="stylesheet" href="/static/css/one.css" type="text/css">
<style type="text/css">p { border:5px solid green;}</style>
<link rel="stylesheet" href="/static/css/two.css" type="text/css">
`
    const root = writeTree({
      'templates/index.html': page(`{% compress css %}${block}{% endcompress %}`),
      'static/css/one.css': 'body { background: #990; }\n',
      'static/css/two.css': 'body { color: #fff; }\n',
    })
    const built = await buildFixture(root, { templates: 'templates/**/*.html' })
    const key = sha(block.replaceAll('/static/', ''))
    const html = built.manifest[key] as string
    expect(html).toMatch(/^<link rel="stylesheet" href="\/__compressor_url_placeholder__\/CACHE\/css\/output\.[0-9a-f]{12}\.css" type="text\/css">$/)
    const [file] = built.urls(html) as [string]
    const css = built.read(file)
    expect(css).toBe('body{background:#990}p{border:5px solid green}body{color:#fff}')
    expect(file).toBe(`CACHE/css/output.${sha(css).slice(0, 12)}.css`)
  })

  it('makes one output per run of equal media, in order, joined as django-compressor joins them', async () => {
    const root = writeTree({
      'templates/index.html': page(`{% compress css %}
<link rel="stylesheet" href="/static/css/a.css">
<link rel="stylesheet" href="/static/css/b.css">
<link rel="stylesheet" href="/static/css/print.css" media="print">
<link rel="stylesheet" href="/static/css/c.css">
{% endcompress %}`),
      'static/css/a.css': '.a{color:red}',
      'static/css/b.css': '.b{color:blue}',
      'static/css/print.css': '.p{display:none}',
      'static/css/c.css': '.c{color:green}',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    const html = only(built.manifest)
    const tags = html.split('><').length
    expect(tags).toBe(3)
    expect(html).toContain('type="text/css" media="print">')
    const files = built.urls(html).map((u) => built.read(u))
    expect(files).toEqual(['.a{color:red}.b{color:#00f}', '.p{display:none}', '.c{color:green}'])
  })

  it('groups scripts by async/defer, joins the tags with newlines and keeps a named block name', async () => {
    const root = writeTree({
      'templates/index.html': page(`{% compress js file site %}
<script src="/static/js/one.js"></script>
<script>obj.value = "value";</script>
<script src="/static/js/two.js" defer></script>
<script src="/static/js/three.js" async></script>
{% endcompress %}`),
      'static/js/one.js': 'var obj = {}',
      'static/js/two.js': 'window.two = 2',
      'static/js/three.js': 'window.three = 3',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    const lines = only(built.manifest).split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^<script src="\/__compressor_url_placeholder__\/CACHE\/js\/site\.[0-9a-f]{12}\.js"><\/script>$/)
    expect(lines[1]).toMatch(/site\.[0-9a-f]{12}\.js" defer><\/script>$/)
    expect(lines[2]).toMatch(/site\.[0-9a-f]{12}\.js" async><\/script>$/)
  })

  it('writes inline and preload blocks with django-compressor templates', async () => {
    const root = writeTree({
      'templates/index.html': page(`{% compress css inline %}
<link rel="stylesheet" href="/static/css/one.css" media="screen">
{% endcompress %}
{% compress js inline %}
<script src="/static/js/one.js"></script>
{% endcompress %}
{% compress css preload %}
<link rel="stylesheet" href="/static/css/one.css">
{% endcompress %}
{% compress js preload %}
<script src="/static/js/one.js"></script>
{% endcompress %}`),
      'static/css/one.css': '.x{background:url(../img/big.png)}',
      'static/img/big.png': PNG,
      'static/js/one.js': 'var one = 1;\nvar s = "</script>";',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    const values = Object.values(built.manifest).sort()
    expect(values).toContain(`<link rel="preload" href="${P}${values.find((v) => v.includes('as="style"'))?.match(/CACHE\/css\/[^"]+/)?.[0]}" as="style" />`)
    const cssInline = values.find((v) => v.startsWith('<style')) as string
    expect(cssInline).toMatch(/^<style type="text\/css" media="screen">\.x\{background:url\(\/__compressor_url_placeholder__\/assets\/big-[\w-]+\.png\)\}<\/style>$/)
    const jsInline = values.find((v) => v.startsWith('<script>')) as string
    expect(jsInline).toContain('<\\/script>')
    expect(jsInline).not.toMatch(/<\/script>.*<\/script>/)
    expect(values.some((v) => /^<link rel="preload" href="[^"]+\.js" as="script" \/>$/.test(v))).toBe(true)
    // inline blocks write no file; preload blocks do
    const preloaded = built.urls(values.filter((v) => v.includes('preload')).join(''))
    for (const f of preloaded) expect(fs.existsSync(path.join(built.outDir, f))).toBe(true)
    expect(fs.readdirSync(path.join(built.outDir, 'CACHE/css'))).toHaveLength(1)
  })
})

describe('CSS through Vite', () => {
  it('rebases relative url()s to the output, emits hashed assets, handles BOM, @charset, SCSS and @import', async () => {
    const root = writeTree({
      'templates/index.html': page(`{% compress css %}
<link rel="stylesheet" href="/static/css/site/main.css">
<link rel="stylesheet" href="/static/scss/theme.scss">
<style>.abs{background:url(/static/img/big.png)}</style>
{% endcompress %}`),
      'static/css/site/main.css': '\uFEFF@charset "utf-8";\n@import "./part.css";\n.m{background:url(../../img/big.png) no-repeat}\n.u::after{content:"→ é"}',
      'static/css/site/part.css': '.part{background-image:url("../../img/big.png")}',
      'static/scss/theme.scss': '$c: #123456;\n.t { color: $c; .n { color: darken($c, 5%) } }',
      'static/img/big.png': PNG,
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    const [file] = built.urls(only(built.manifest)) as [string]
    const css = built.read(file)
    expect(css.startsWith('@charset "UTF-8";')).toBe(true)
    expect(css).not.toContain('\uFEFF')
    expect(css.match(/@charset/g)).toHaveLength(1)
    expect(css).toContain('content:"→ é"')
    expect(css).toContain('.t{color:#123456}')
    expect(css).toContain('.t .n{')
    const urls = [...css.matchAll(/url\(([^)]+)\)/g)].map((m) => (m[1] as string).replace(/"/g, ''))
    expect(urls).toHaveLength(3)
    for (const u of urls) {
      expect(u).toMatch(/^\.\.\/\.\.\/assets\/big-[\w-]+\.png$/)
      expect(fs.readFileSync(path.resolve(built.outDir, 'CACHE/css', u))).toEqual(PNG)
    }
    expect(css.indexOf('.part')).toBeLessThan(css.indexOf('.m{'))
  })

  it('builds each source once, however many blocks use it', async () => {
    const templates: Record<string, string> = {}
    for (let i = 0; i < 6; i++) {
      templates[`templates/p${i}.html`] = page(`{% compress css %}
<link rel="stylesheet" href="/static/css/shared.css">${i % 2 ? `\n<style>.p${i}{color:red}</style>` : ''}
{% endcompress %}`)
    }
    let loads = 0
    const root = writeTree({ ...templates, 'static/css/shared.css': '.shared{color:blue}' })
    const built = await buildFixture(
      root,
      { templates: 'templates/*.html' },
      { plugins: [{ name: 'count', transform: (_c, id) => void (id.endsWith('shared.css') && loads++) }] },
    )
    expect(loads).toBe(1)
    expect(Object.keys(built.manifest)).toHaveLength(4)
    expect(built.info.join('\n')).toMatch(/6 blocks in 6 templates, 4 unique/)
  })
})

describe('JavaScript', () => {
  it('keeps classic scripts classic: globals behave as the original scripts, licenses stay', async () => {
    const sources = {
      'static/js/lib.js': '/*! lib v1 | MIT */\nvar counter = 0;\nfunction bump(n) { counter += n; return counter }\n',
      'static/js/app.js':
        '// this ordinary comment is dropped by minification\n(function () {\n  window.result = bump(2) + bump(3)\n})()\nvar later = typeof counter',
    }
    const inline = 'var fromInline = counter * 10'
    const root = writeTree({
      'templates/index.html': page(`{% compress js %}
<script src="/static/js/lib.js"></script>
<script src="/static/js/app.js"></script>
<script>${inline}</script>
{% endcompress %}`),
      ...sources,
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    const [file] = built.urls(only(built.manifest)) as [string]
    const code = built.read(file)
    expect(code).toContain('/*! lib v1 | MIT */')
    const run = (scripts: string[]) => {
      const ctx: Record<string, unknown> = {}
      ctx.window = ctx
      vm.createContext(ctx)
      for (const s of scripts) vm.runInContext(s, ctx)
      const { window: _w, ...rest } = ctx
      return rest
    }
    const original = run([sources['static/js/lib.js'], sources['static/js/app.js'], inline])
    const compressed = run([code])
    expect(Object.keys(compressed).sort()).toEqual(Object.keys(original).sort())
    expect(compressed.result).toBe(original.result)
    expect(compressed.fromInline).toBe(50)
    expect(typeof compressed.bump).toBe('function')
    expect(code).not.toContain('ordinary comment')
  })

  it('bundles module scripts (TypeScript, node_modules) and shares chunks across blocks', async () => {
    const root = writeTree({
      'templates/a.html': page(`{% compress js %}
<script type="module" src="/static/js/a.ts"></script>
{% endcompress %}`),
      'templates/b.html': page(`{% compress js %}
<script type="module" src="/static/js/b.ts"></script>
<script type="module">window.inlineRan = true</script>
{% endcompress %}`),
      'static/js/shared.ts': 'import { nanoid } from "nanoid"\nexport const id: (n: number) => string = (n) => nanoid(n)\nexport const big = "x".repeat(2000)',
      'static/js/a.ts': 'import { id, big } from "./shared"\n;(window as any).a = id(5) + big.length',
      'static/js/b.ts': 'import { id, big } from "./shared"\n;(window as any).b = id(7) + big.length',
    })
    fs.symlinkSync(path.resolve('node_modules'), path.join(root, 'node_modules'))
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    const values = Object.values(built.manifest)
    expect(values).toHaveLength(2)
    for (const v of values) expect(v).toMatch(/^<script type="module" src="\/__compressor_url_placeholder__\/CACHE\/js\/output\.[0-9a-f]{12}\.js"><\/script>$/)
    const codes = values.map((v) => built.read(built.urls(v)[0] as string))
    for (const code of codes) {
      expect(code).not.toMatch(/from\s*["']nanoid["']/)
      expect(code).not.toContain('x'.repeat(100))
      expect(code).toMatch(/from["']\.\.\/\.\.\/assets\/[\w-]+\.js["']/)
    }
    expect(codes.join('')).toContain('inlineRan')
  })
})

describe('mixed blocks and inline modules', () => {
  it('keeps document order in a mixed block: classic, module, classic tags; classic outputs still share globals', async () => {
    const root = writeTree({
      'templates/index.html': page(`{% compress js %}
<script src="/static/js/first.js"></script>
<script type="module" src="/static/js/mod.js"></script>
<script src="/static/js/last.js"></script>
{% endcompress %}`),
      'static/js/first.js': 'var counter = 40\nfunction bump(n) { counter += n; return counter }\n',
      'static/js/mod.js': 'import { twice } from "./twice.js"\nwindow.fromModule = twice(21)\n',
      'static/js/twice.js': 'export const twice = (n) => n * 2\n',
      'static/js/last.js': 'var answer = bump(2)\n',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    const html = only(built.manifest)
    const tags = [...html.matchAll(/<script\b([^>]*)><\/script>/g)].map((m) => m[1] as string)
    expect(tags).toHaveLength(3)
    expect(html.replace(/<script\b[^>]*><\/script>/g, '')).toMatch(/^\s*$/)
    expect(tags.map((t) => t.includes('type="module"'))).toEqual([false, true, false])
    const [first, mod, last] = built.urls(html) as [string, string, string]
    expect(new Set([first, mod, last]).size).toBe(3)
    // The classic outputs, run one after the other as the browser would: globals carry over.
    const ctx: Record<string, unknown> = {}
    vm.createContext(ctx)
    vm.runInContext(built.read(first), ctx)
    vm.runInContext(built.read(last), ctx)
    expect(ctx.answer).toBe(42)
    expect(typeof ctx.bump).toBe('function')
    // The module output is on disk, bundled (its import inlined), with the module's code.
    const code = built.read(mod)
    expect(code).toContain('fromModule')
    expect(code).not.toMatch(/from\s*["'][^"']*twice/)
  })

  it('refuses to inline a module block that imports a chunk shared with another block, naming the block', async () => {
    const root = writeTree({
      'templates/a.html': page(`<p>first</p>
{% compress js inline %}<script type="module" src="/static/js/a.js"></script>{% endcompress %}`),
      'templates/b.html': page('{% compress js %}<script type="module" src="/static/js/b.js"></script>{% endcompress %}'),
      'static/js/shared.js': `export const big = ${JSON.stringify('shared '.repeat(200))}\n`,
      'static/js/a.js': 'import { big } from "./shared.js"\nwindow.a = big.length\n',
      'static/js/b.js': 'import { big } from "./shared.js"\nwindow.b = big.length + 1\n',
    })
    const { error, code } = await buildFailure(root, { templates: 'templates/*.html' })
    expect(code).toBe('OUTPUT')
    expect(error.message).toBe(
      'templates/a.html:4:1: {% compress js inline %} block: a module script that imports shared chunks or stylesheets cannot be inlined; use file mode for this block',
    )
    expect(fs.existsSync(path.join(root, 'dist/CACHE/manifest.json'))).toBe(false)
  })
})

describe('offline context', () => {
  it('renders {% static %}, {{ STATIC_URL }} and context variables, one manifest entry per variant', async () => {
    const body = `
<link rel="stylesheet" href="{% static 'css/base.css' %}">
<link rel="stylesheet" href="{{ STATIC_URL }}css/{{ theme }}.css">
`
    const root = writeTree({
      'templates/index.html': page(`{% compress css %}${body}{% endcompress %}`, '{% load compress static %}\n'),
      'static/css/base.css': '.base{margin:0}',
      'static/css/dark.css': '.dark{color:#fff}',
      'static/css/light.css': '.light{color:#000}',
    })
    const built = await buildFixture(root, {
      templates: 'templates/*.html',
      context: [{ theme: 'dark' }, { theme: 'light' }],
    })
    for (const theme of ['dark', 'light']) {
      const rendered = `\n<link rel="stylesheet" href="/static/css/base.css">\n<link rel="stylesheet" href="/static/css/${theme}.css">\n`
      const html = built.manifest[sha(rendered.replaceAll('/static/', ''))]
      expect(html, theme).toBeDefined()
      expect(built.read(built.urls(html as string)[0] as string)).toContain(`.${theme}{`)
    }
  })
})
