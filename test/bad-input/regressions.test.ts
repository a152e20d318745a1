import fs from 'node:fs'
import path from 'node:path'
import vm from 'node:vm'
import { expect, it } from 'vitest'
import { CompressorError } from '../../src/core/errors.js'
import { parseElements } from '../../src/core/items.js'
import { findBlocks } from '../../src/core/blocks.js'
import { createCompressor, replaceBlocks } from '../../src/runtime/index.js'
import { entry } from '../runtime/helpers.js'
import { buildFixture, type Files, writeTree } from '../helpers/fixture.js'
const head = '{% load compress %}\n<html>\n'
async function fail(files: Files) {
  try {
    await buildFixture(writeTree(files), { templates: 'templates/*.html' })
  } catch (e) {
    const x = ((e as { errors?: unknown[] }).errors?.[0] ?? e) as Error & { pluginCode?: string; code?: string }
    return { error: x, code: x.pluginCode ?? x.code }
  }
  throw new Error('the build succeeded')
}
it('inline CSS syntax error names the template line of the error', async () => {
  const { error, code } = await fail({
    'templates/a.html': `${head}{% compress css %}\n<style>.a { color: red;\n}}} @media {</style>{% endcompress %}`,
  })
  expect(code).toBe('CSS_SYNTAX')
  expect(error.message).toBe(
    'templates/a.html:4:1: {% compress css %} block: templates/a.html:5:2: CSS syntax error: Invalid empty selector',
  )
})
it('inline JS syntax error names the template line of the error', async () => {
  const { error } = await fail({
    'templates/a.html': `${head}{% compress js %}\n<script>var a = 1\nvar b = ;\n</script>{% endcompress %}`,
  })
  expect(error.message).toBe('templates/a.html:4:1: {% compress js %} block: templates/a.html:5:9: Unexpected token')
})
it('latin-1 CSS → CompressorError FILE_READ at the template place', async () => {
  const { error, code } = await fail({
    'templates/a.html': `${head}{% compress css %}<link rel="stylesheet" href="/static/latin1.css">{% endcompress %}`,
    'static/latin1.css': Buffer.from('.a::after{content:"caf\xe9"}', 'latin1'),
  })
  expect(error).toBeInstanceOf(CompressorError)
  expect(code).toBe('FILE_READ')
  expect(error.message).toMatch(
    /^templates\/a\.html:3:19: \{% compress css %\} block: static\/latin1\.css is not valid UTF-8/,
  )
})
it('latin-1 JS file → build fails (FILE_READ), not U+FFFD', async () => {
  const { error, code } = await fail({
    'templates/a.html': `${head}{% compress js %}<script src="/static/latin1.js"></script>{% endcompress %}`,
    'static/latin1.js': Buffer.from('var s = "caf\xe9"', 'latin1'),
  })
  expect(code).toBe('FILE_READ')
  expect(error.message).toMatch(/static\/latin1\.js is not valid UTF-8/)
})
it('latin-1 template → build fails (FILE_READ), not U+FFFD', async () => {
  const { error, code } = await fail({
    'templates/a.html': Buffer.from(
      `${head}{% compress js %}<script>var s = "caf\xe9"</script>{% endcompress %}`,
      'latin1',
    ),
  })
  expect(code).toBe('FILE_READ')
  expect(error.message).toMatch(/templates\/a\.html is not valid UTF-8/)
})
it('inline js: <!-- inside a u-flag regex still parses after escaping', async () => {
  const built = await buildFixture(
    writeTree({
      'templates/a.html': `${head}{% compress js inline %}<script src="/static/a.js"></script>{% endcompress %}`,
      'static/a.js': 'var r = /<!--/u.test("<!--")',
    }),
    { templates: 'templates/*.html' },
  )
  const html = Object.values(built.manifest)[0] as string
  expect(html).not.toContain('<!--')
  const sandbox: Record<string, unknown> = {}
  vm.runInNewContext(parseElements(html)[0]?.content as string, sandbox)
  expect(sandbox.r).toBe(true)
})
it('dist/CACHE regular file → CompressorError OUTPUT naming dist/CACHE', async () => {
  const { error, code } = await fail({
    'templates/a.html': `${head}{% compress css %}<style>a{color:red}</style>{% endcompress %}`,
    'dist/CACHE': 'x',
  })
  expect(code).toBe('OUTPUT')
  expect(error.message).not.toContain('please report this problem')
  expect(error.message).toMatch(/dist\/CACHE is not a directory/)
})
it('a rebuild does not rewrite in place an output the previous manifest names', async () => {
  const root = writeTree({
    'templates/a.html': `${head}{% compress css %}<link rel="stylesheet" href="/static/a.css">{% endcompress %}{% compress js %}<script src="/static/a.js"></script>{% endcompress %}`,
    'static/a.css': 'a{color:red}',
    'static/a.js': 'var a = 1',
  })
  const b = await buildFixture(root, { templates: 'templates/*.html' })
  const css = b.urls(Object.values(b.manifest).find((v) => v.includes('.css')) as string)[0] as string
  const before = fs.statSync(path.join(b.outDir, css))
  await new Promise((r) => setTimeout(r, 20))
  fs.writeFileSync(path.join(root, 'static/a.js'), 'var a = 2')
  await buildFixture(root, { templates: 'templates/*.html' })
  const after = fs.statSync(path.join(b.outDir, css))
  expect(
    after.ino !== before.ino || after.mtimeMs === before.mtimeMs,
    'same inode, new mtime: truncated and rewritten in place',
  ).toBe(true)
})

// ---- S9: replaceBlocks and user text
const CSS = '\n  <link rel="stylesheet" href="/static/css/a.css">\n'
const [k, h] = entry(CSS, 'css', 'file')
const c = createCompressor({ manifest: { [k]: h }, enabled: true })
const block = `<!-- compress css -->${CSS}<!-- endcompress -->`
const out = '<link rel="stylesheet" href="/static/CACHE/css/output.0123456789ab.css" type="text/css">'
it.each([['{% endcompress %}'], ['{% comment %}'], ['{% verbatim %}'], ['{# '], ['{% compress css %}']])(
  'S9 user text %s in a rendered page neither fails the page nor hides the blocks',
  (user) => {
    const escaped = user // already HTML-escaped: none of these characters change
    expect(replaceBlocks(`<head>${block}</head><p>${escaped}</p>`, c)).toBe(`<head>${out}</head><p>${escaped}</p>`)
    expect(replaceBlocks(`<p>${escaped}</p>${block}`, c)).toBe(`<p>${escaped}</p>${out}`)
  },
)

// ---- S10: /static/.. references inside static files
it.each([
  [
    'css url(/static/../…/etc/hostname)',
    'static/css/a.css',
    '.x{background:url(/static/../../../../../../etc/hostname)}',
    '{% compress css %}<link rel="stylesheet" href="/static/css/a.css">{% endcompress %}',
  ],
  [
    'css url(/static/img/../../secret.png)',
    'static/css/a.css',
    '.x{background:url(/static/img/../../secret.png)}',
    '{% compress css %}<link rel="stylesheet" href="/static/css/a.css">{% endcompress %}',
  ],
  [
    'module import "/static/../secret.js"',
    'static/js/m.js',
    'import "/static/../secret.js"',
    '{% compress js %}<script type="module" src="/static/js/m.js"></script>{% endcompress %}',
  ],
])('S10 %s inside a static file → PATH_ESCAPE, nothing outside the roots is copied', async (_n, file, text, block) => {
  const root = writeTree({
    'templates/a.html': head + block,
    [file]: text,
    'secret.png': 'PNGSECRET',
    'secret.js': 'console.log("SECRET")',
  })
  let err: unknown
  try {
    await buildFixture(root, { templates: 'templates/*.html' }, { build: { assetsInlineLimit: 0 } })
  } catch (e) {
    err = e
  }
  expect(fs.existsSync(path.join(root, 'dist/assets')), 'no file from outside the static roots is published').toBe(
    false,
  )
  expect((err as { errors?: { pluginCode?: string }[] } | undefined)?.errors?.[0]?.pluginCode).toBe('PATH_ESCAPE')
})

// ---- S11: unclosed {#
it('an unclosed {# does not silently hide the blocks after it', () => {
  const source = '<p>{# oops</p>\n{% compress css %}<style>a{}</style>{% endcompress %}'
  const blocks = findBlocks(source, 't.html')
  expect(blocks).toHaveLength(1)
  const [block] = blocks as [(typeof blocks)[number]]
  expect(block.kind).toBe('css')
  expect(block.content).toBe('<style>a{}</style>')
  expect(block.loc).toMatchObject({ file: 't.html', line: 2, column: 1 })
})
