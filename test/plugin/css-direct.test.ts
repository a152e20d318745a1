/**
 * The direct CSS path (src/plugin/css-direct.ts): plain stylesheets minified once with lightningcss
 * and their assets emitted by the plugin must give exactly what Vite's CSS pipeline gives, and the
 * path must step aside when something else would change the stylesheets.
 */
import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { transform } from 'lightningcss'
import { describe, expect, it } from 'vitest'
import {
  assetDataUrl,
  directCssBlocker,
  lightningTargets,
  minifyDirect,
  postcssConfig,
  serializeCssUrl,
} from '../../src/plugin/css-direct.js'
import { buildFixture, listFiles, writeTree } from '../helpers/fixture.js'

/** Deterministic bytes that do not compress to nothing. */
const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed * 17 + ((i * i) >> 3)) & 0xff))

function site() {
  return writeTree({
    'templates/a.html': `{% load compress %}
{% compress css %}
<link rel="stylesheet" href="/static/css/a.css">
<style>.inline { background: url(img/small.png) } .q { background: url("img/my icon.png") }</style>
<link rel="stylesheet" href="/static/css/b.css" media="print">
{% endcompress %}
{% compress css %}<link rel="stylesheet" href="/static/css/a.css"><link rel="stylesheet" href="/static/css/c.scss"><link rel="stylesheet" href="/static/css/vars.css">{% endcompress %}
`,
    'static/css/a.css': `@font-face { font-family: F; src: url("../fonts/big.woff2?v=1#iefix") format("woff2"), url('../fonts/big.woff2') }
.small { background: url(../img/small.png) no-repeat }
.svg { background-image: url(../img/icon.svg) }
.frag { mask: url('../img/icon.svg#shape') }
.text { background: url(../img/text.svg) }
.static { background: url(/static/img/big.png) }
.data { background: url(data:image/gif;base64,R0lGODlhAQABAAAAACw=) }
.remote { background: url(https://cdn.example.com/x.png) }
.nest { & .child { color: rgb(255 0 0 / 50%) } }
.same1 { background: url(../img/big.png) }
.same2 { background: url(./../img/big.png) }
.twin1 { background: url(../img/twin1.png) }
.twin2 { background: url(../img/twin2.png) }
.decoded { background: url(../img/my%20icon.png?v=%31) }
`,
    'static/css/vars.css': ':root { --bg: url(../img/small.png) }\n.v { background: var(--bg) }\n',
    'static/img/twin1.png': bytes(7000, 5),
    'static/img/twin2.png': bytes(7000, 5),
    'static/css/b.css': '.print { background: url(../img/big.png) }\n',
    'static/css/c.scss': '$c: #123456;\n.s { color: $c; background: url(../img/small.png) }\n',
    'static/img/small.png': bytes(300, 1),
    'static/img/big.png': bytes(6000, 2),
    'static/img/my icon.png': bytes(5000, 3),
    'static/img/icon.svg': '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1">\n  <path id="shape" d="M0 0h1v1z" fill="#f00"/>\n</svg>\n',
    'static/img/text.svg': '<svg xmlns="http://www.w3.org/2000/svg"><text x="0" y="10">Hi</text></svg>',
    'static/fonts/big.woff2': bytes(9000, 4),
  })
}

/** Every file under outDir with its bytes. */
function snapshot(outDir: string): Map<string, string> {
  return new Map(listFiles(outDir).map((f) => [f, fs.readFileSync(path.join(outDir, f)).toString('base64')]))
}

describe('direct CSS path', () => {
  it('writes byte for byte what Vite’s CSS pipeline writes: assets, data: URLs, queries, fragments, names', async () => {
    const direct = await buildFixture(site(), { templates: 'templates/*.html' })
    const vite = await buildFixture(site(), { templates: 'templates/*.html', cssPipeline: 'vite' })
    // vars.css (a relative url() in a custom property) and c.scss take Vite's pipeline.
    expect(direct.info.join('\n')).toContain(
      "stylesheets: 3 minified directly with lightningcss, 2 through Vite's CSS pipeline (static/css/c.scss: not plain CSS; static/css/vars.css: a relative url() in a custom property)",
    )
    expect(vite.info.join('\n')).toContain('stylesheets: 5 through Vite\'s CSS pipeline (cssPipeline is "vite")')
    expect(snapshot(direct.outDir)).toEqual(snapshot(vite.outDir))
    expect(direct.manifest).toEqual(vite.manifest)
    // And what the files hold is what a browser needs: hashed assets beside, small ones inlined.
    // The first block's output (a.css and the inline <style>).
    const outputs = Object.values(direct.manifest).map((html) => direct.read(direct.urls(html)[0] as string))
    const css = outputs.find((text) => text.includes('.inline')) as string
    expect(css).toMatch(/url\(\.\.\/\.\.\/assets\/big-[\w-]+\.woff2\?v=1#iefix\)/)
    expect(css).toContain('url(data:image/png;base64,')
    expect(css).toContain("data:image/svg+xml,%3csvg%20xmlns='http://www.w3.org/2000/svg'")
    expect(css).toMatch(/url\(\.\.\/\.\.\/assets\/icon-[\w-]+\.svg#shape\)/)
    expect(css).toContain('data:image/svg+xml;base64,')
    expect(css).toMatch(/url\(\.\.\/\.\.\/assets\/my%20icon-[\w-]+\.png\)/)
    expect(css).toContain('url(https://cdn.example.com/x.png)')
    // Two url()s of one file, and two files with the same bytes, end as one URL: one rule, as Vite.
    expect(css).toMatch(/\.same1,\.same2\{background:url\(\.\.\/\.\.\/assets\/big-[\w-]+\.png\)\}/)
    expect(css).toMatch(/\.twin1,\.twin2\{background:url\(\.\.\/\.\.\/assets\/twin[12]-[\w-]+\.png\)\}/)
    // Decoded as Vite decodes a url(): the path encoded again, the query as decoded.
    expect(css).toMatch(/\.decoded\{background:url\(\.\.\/\.\.\/assets\/my%20icon-[\w-]+\.png\?v=1\)\}/)
    for (const ref of css.matchAll(/url\("?(\.\.\/\.\.\/assets\/[^)"?#]+)/g)) {
      expect(fs.existsSync(path.join(direct.outDir, 'CACHE/css', decodeURI(ref[1] as string))), ref[1]).toBe(true)
    }
  })

  it('steps aside for a PostCSS config, and for another plugin that transforms stylesheets', async () => {
    // (That the config's plugins then run is css-pipeline.test.ts's concern.)
    const plain = () =>
      writeTree({
        'templates/a.html': '{% compress css %}<link rel="stylesheet" href="/static/a.css">{% endcompress %}',
        'static/a.css': '.a { color: red }',
      })
    const withConfig = writeTree({ '.postcssrc.json': '{"plugins":{}}' }, plain())
    const configured = await buildFixture(withConfig, { templates: 'templates/*.html' })
    expect(configured.info.join('\n')).toMatch(/1 through Vite's CSS pipeline \(a PostCSS config applies \(.*\.postcssrc\.json\)\)/)

    // A plugin that turns every "red" in a stylesheet into "blue".
    const bluer = {
      name: 'bluer',
      transform(code: string, id: string) {
        return id.endsWith('.css') ? code.replaceAll('red', 'blue') : null
      },
    }
    const cssOf = (b: Awaited<ReturnType<typeof buildFixture>>) => Object.values(b.manifest).map((h) => b.read(b.urls(h)[0] as string))
    const auto = await buildFixture(plain(), { templates: 'templates/*.html' }, { plugins: [bluer] })
    expect(auto.info.join('\n')).toContain('(the plugin bluer may transform stylesheets)')
    expect(cssOf(auto)).toEqual(['.a{color:#00f}'])
    // A plugin whose filter rules stylesheets out does not count…
    const jsOnly = { name: 'js-only', transform: { filter: { id: /\.js$/ }, handler: () => null } }
    const filtered = await buildFixture(plain(), { templates: 'templates/*.html' }, { plugins: [jsOnly] })
    expect(filtered.info.join('\n')).toContain('1 minified directly')
    // …but one whose filter takes this stylesheet's path does, for that stylesheet.
    const bluerHere = { name: 'bluer-here', transform: { filter: { id: /static\/a\.css$/ }, handler: bluer.transform } }
    const seen = await buildFixture(plain(), { templates: 'templates/*.html' }, { plugins: [bluerHere] })
    expect(seen.info.join('\n')).toContain('1 through Vite')
    expect(cssOf(seen)).toEqual(['.a{color:#00f}'])
    // A plugin given to Rolldown itself (build.rolldownOptions.plugins) is not in Vite's list: it
    // counts too (this one loads the stylesheet with other text).
    const loader = { name: 'loader', load: (id: string) => (id.endsWith('/static/a.css') ? '.a { color: blue }' : null) }
    const viaRolldown = await buildFixture(plain(), { templates: 'templates/*.html' }, { build: { rolldownOptions: { plugins: [loader] } } })
    expect(viaRolldown.info.join('\n')).toContain('(build.rolldownOptions has plugins of its own)')
    expect(cssOf(viaRolldown)).toEqual(['.a{color:#00f}'])
    // …and 'lightningcss' is the user saying no plugin needs to see them.
    const forced = await buildFixture(plain(), { templates: 'templates/*.html', cssPipeline: 'lightningcss' }, { plugins: [bluer] })
    expect(cssOf(forced)).toEqual(['.a{color:red}'])
  })

  it('follows css.lightningcss.errorRecovery on both paths: a broken rule is dropped, the build goes on', async () => {
    const broken = () =>
      writeTree({
        'templates/a.html': '{% compress css %}<link rel="stylesheet" href="/static/a.css">{% endcompress %}',
        'static/a.css': '.a { color: red }\n.b {{ color: blue }\n.c { color: green }\n',
      })
    const extra = { css: { lightningcss: { errorRecovery: true } } }
    for (const cssPipeline of ['auto', 'vite'] as const) {
      const built = await buildFixture(broken(), { templates: 'templates/*.html', cssPipeline }, extra)
      const css = Object.values(built.manifest).map((h) => built.read(built.urls(h)[0] as string))
      expect(css, cssPipeline).toEqual([expect.stringContaining('.a{color:red}')])
    }
    // Without it, both fail naming the stylesheet.
    for (const cssPipeline of ['auto', 'vite'] as const) {
      await expect(buildFixture(broken(), { templates: 'templates/*.html', cssPipeline })).rejects.toThrow(/static\/a\.css:2:\d+: CSS syntax error/)
    }
  })

  it('names the stylesheet and block of an asset that is missing', async () => {
    const missing = writeTree({
      'templates/a.html': '\n{% compress css %}<style>.a { background: url(img/none.png) }</style>{% endcompress %}',
      'static/x.css': '',
    })
    await expect(buildFixture(missing, { templates: 'templates/*.html' })).rejects.toThrow(
      /templates\/a\.html:2:\d+: \{% compress css %\} block: templates\/a\.html: img\/none\.png not found/,
    )
  })
})

describe('direct CSS path, pieces', () => {
  it('writes url() as lightningcss does when minifying', () => {
    const quoted = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\a ')}"`
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '/', '.', ' ', '"', "'", '(', ')', '\\', '#', '?', 'é', '\t', '%', '-') }), (url) => {
        fc.pre(url.trim() !== '' && !/^[a-z]+:/i.test(url))
        const css = transform({ filename: 'a.css', code: Buffer.from(`a{background:url(${quoted(url)})}`), minify: true })
        expect(css.code.toString()).toBe(`a{background:${serializeCssUrl(url)}}`)
      }),
      { numRuns: 300 },
    )
  })

  it('leaves to Vite what only Vite does: CSS modules, lightningcss as transformer, odd MIME types, queries', async () => {
    const options = { targets: undefined, lightningcss: undefined }
    expect(await minifyDirect('.a{color:red}', '/p/static/x.module.css', options)).toEqual({ fallback: 'a CSS module' })
    expect(await minifyDirect('.a{background:url(a.png?inline)}', '/p/static/x.css', options)).toMatchObject({ fallback: expect.stringContaining('query') })
    for (const [css, why] of [
      ['@property --bg { syntax: "<url>"; inherits: false; initial-value: url(x.png) }', '@property'],
      ['.a { background: URL(x.png) }', 'URL( not in lower case'],
      ['.a { background: url(\\61.png) }', 'an escape inside url()'],
    ]) {
      expect(await minifyDirect(css as string, '/p/static/x.css', options), css).toEqual({ fallback: why })
    }
    // A syntax error is one, whatever lightningcss calls it.
    expect(await minifyDirect('.a{b:c}}}}', '/p/static/x.css', options)).toMatchObject({ syntax: { line: 1 } })
    expect(await minifyDirect('@media ( {', '/p/static/x.css', options)).toMatchObject({ syntax: { line: 1 } })
    expect(assetDataUrl('/p/a.jfif', Buffer.from('x'))).toBeUndefined() // Vite writes application/octet-stream
    expect(assetDataUrl('/p/a.png', Buffer.from('x'))).toBe('data:image/png;base64,eA==')
    const base = { mode: 'auto' as const, root: writeTree({}), postcss: undefined, cssMinify: true, cssTarget: ['chrome111'], lib: false, userRenderBuiltUrl: false, bundlerPlugins: false, plugins: [] }
    expect(directCssBlocker({ ...base, transformer: 'postcss' })).toBeUndefined()
    expect(directCssBlocker({ ...base, transformer: 'lightningcss' })).toBe('css.transformer is lightningcss')
    expect(directCssBlocker({ ...base, transformer: 'postcss', cssMinify: 'esbuild' })).toBe('build.cssMinify is not lightningcss')
    expect(directCssBlocker({ ...base, transformer: 'postcss', postcss: { parser: 'postcss-scss' } })).toBe('a PostCSS config applies (css.postcss)')
    expect(directCssBlocker({ ...base, transformer: 'postcss', bundlerPlugins: true })).toBe('build.rolldownOptions has plugins of its own')
  })

  it('converts build.cssTarget as Vite does, and refuses what it cannot convert', () => {
    expect(lightningTargets(['chrome111', 'edge111', 'firefox114', 'safari16.4', 'ios16.4'])).toEqual({
      chrome: 111 << 16,
      edge: 111 << 16,
      firefox: 114 << 16,
      safari: (16 << 16) | (4 << 8),
      ios_saf: (16 << 16) | (4 << 8),
    })
    expect(lightningTargets('esnext')).toBeUndefined()
    expect(lightningTargets(['es2020'])).toBeNull()
  })

  it('finds a PostCSS config as postcss-load-config does: files, package.json, parent folders', () => {
    const root = writeTree({ 'app/x.txt': '', 'package.json': '{"postcss":{"plugins":{}}}' })
    expect(postcssConfig(undefined, path.join(root, 'app'))).toBe(path.join(root, 'package.json'))
    const none = writeTree({ 'app/x.txt': '' })
    expect(postcssConfig({ plugins: [] }, none)).toBeUndefined()
    expect(postcssConfig({ plugins: [{ postcssPlugin: 'x' }] }, none)).toBe('css.postcss')
    fs.writeFileSync(path.join(none, 'app', '.postcssrc.json'), '{}')
    expect(postcssConfig(undefined, path.join(none, 'app'))).toBe(path.join(none, 'app', '.postcssrc.json'))
  })
})
