import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFixture, listFiles, writeTree } from '../helpers/fixture.js'

const head = '{% load compress %}\n<html>\n'

async function buildError(files: Record<string, string>, options = {}): Promise<Error> {
  const root = writeTree(files)
  try {
    await buildFixture(root, { templates: 'templates/**/*.html', ...options })
  } catch (err) {
    return err as Error
  }
  throw new Error('the build succeeded')
}

describe('bad input fails the build with the place named', () => {
  it('missing file: template file:line:column, the block and the static roots searched', async () => {
    const err = await buildError({
      'templates/base.html': `${head}{% compress css %}\n<link rel="stylesheet" href="/static/css/x.css">\n{% endcompress %}\n`,
      'static/.keep': '',
    })
    expect(err.message).toContain(
      'templates/base.html:4:1: {% compress css %} block: /static/css/x.css not found in static roots [static]',
    )
  })

  it.each([
    ['/static/../package.json', "tries to leave the static roots with '..'"],
    ['/static/%2e%2e/%2e%2e/etc/passwd', "tries to leave the static roots with '..'"],
    ['/static/css\\..\\..\\x.css', 'contains a NUL byte or a backslash'],
    ['/static/css/%00.css', 'contains a NUL byte or a backslash'],
    ['https://cdn.example.com/x.css', 'is not under the static URL /static/'],
  ])('refuses %s', async (href, message) => {
    const err = await buildError({
      'templates/a.html': `${head}{% compress css %}<link rel="stylesheet" href="${href}">{% endcompress %}`,
      'static/css/ok.css': '',
    })
    expect(err.message).toContain('templates/a.html:3:')
    expect(err.message).toContain(message)
  })

  it('refuses a link that points out of the static root', async () => {
    const root = writeTree({
      'templates/a.html': `${head}{% compress css %}<link rel="stylesheet" href="/static/css/evil.css">{% endcompress %}`,
      'outside.css': 'body{}',
      'static/css/.keep': '',
    })
    fs.symlinkSync(path.join(root, 'outside.css'), path.join(root, 'static/css/evil.css'))
    await expect(buildFixture(root, { templates: 'templates/*.html' })).rejects.toThrow(/outside the static root static/)
  })

  it('names unclosed, nested and unknown blocks', async () => {
    const cases: [string, RegExp][] = [
      ['{% compress css %}\n<style></style>\n', /templates\/a\.html:3:1: \{% compress css %\} block: not closed/],
      ['{% compress css %}{% compress js %}{% endcompress %}', /a compress block cannot contain another one/],
      ['{% endcompress %}', /templates\/a\.html:3:1: \{% endcompress %\} has no matching opening compress tag/],
      ['{% compress sass %}{% endcompress %}', /unknown kind 'sass'/],
      ['{% compress css fast %}{% endcompress %}', /unknown mode 'fast'/],
      ['{% compress css file a b %}{% endcompress %}', /takes one, two or three arguments/],
      ['{% compress css %}{% if x %}<style></style>{% endif %}{% endcompress %}', /template logic \{% if x %\}/],
      ['{% compress css %}{{ block.super }}{% endcompress %}', /cannot be compressed offline/],
    ]
    for (const [body, message] of cases) {
      const err = await buildError({ 'templates/a.html': head + body })
      expect(err.message, body).toMatch(message)
    }
  })

  it('reports CSS and JS syntax errors with the source file', async () => {
    const css = await buildError({
      'templates/a.html': `${head}{% compress css %}<link rel="stylesheet" href="/static/bad.css">{% endcompress %}`,
      'static/bad.css': '.a { color: red;\n.b { color: blue }\n}}} @media {',
    })
    expect(css.message).toMatch(/templates\/a\.html:3:\d+: \{% compress css %\} block: static\/bad\.css:\d+:\d+: CSS syntax error/)
    const js = await buildError({
      'templates/a.html': `${head}{% compress js %}<script src="/static/ok.js"></script><script src="/static/bad.js"></script>{% endcompress %}`,
      'static/ok.js': 'var ok = 1',
      'static/bad.js': 'var a = 1\nvar b = ;\n',
    })
    expect(js.message).toMatch(/templates\/a\.html:3:55: \{% compress js %\} block: static\/bad\.js:2:9: Unexpected token/)
  })

  it('names a stylesheet reference to a file that does not exist, with the stylesheet and the block', async () => {
    const err = await buildError({
      'templates/a.html': `${head}{% compress css %}<link rel="stylesheet" href="/static/css/a.css">{% endcompress %}`,
      'static/css/a.css': '.a{background:url(../img/nope.png)}',
    })
    expect(err.message).toContain(
      'templates/a.html:3:19: {% compress css %} block: static/css/a.css: ../img/nope.png not found (static/img/nope.png)',
    )
  })

  it('keeps external tags in place with external: "keep"', async () => {
    const root = writeTree({
      'templates/a.html': `${head}{% compress css %}
<link rel="stylesheet" href="https://cdn.example.com/reset.css">
<link rel="stylesheet" href="/static/a.css">
{% endcompress %}`,
      'static/a.css': '.a{color:red}',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html', external: 'keep' })
    const html = Object.values(built.manifest)[0] as string
    expect(html).toMatch(/^<link rel="stylesheet" href="https:\/\/cdn\.example\.com\/reset\.css"><link rel="stylesheet" href="\/__compressor_url_placeholder__\/CACHE\/css\/output\.\w{12}\.css" type="text\/css">$/)
  })

  it('a failed build leaves the previous manifest and outputs untouched', async () => {
    const root = writeTree({
      'templates/a.html': `${head}{% compress css %}<link rel="stylesheet" href="/static/a.css">{% endcompress %}`,
      'static/a.css': '.a{color:red}',
    })
    await buildFixture(root, { templates: 'templates/*.html' })
    const before = listFiles(path.join(root, 'dist')).map((f) => [f, fs.readFileSync(path.join(root, 'dist', f), 'utf8')])
    fs.writeFileSync(path.join(root, 'templates/b.html'), `${head}{% compress js %}<script src="/static/gone.js"></script>{% endcompress %}`)
    fs.writeFileSync(path.join(root, 'static/a.css'), '.a{color:blue}')
    await expect(buildFixture(root, { templates: 'templates/*.html' })).rejects.toThrow(/gone\.js not found/)
    const after = listFiles(path.join(root, 'dist')).map((f) => [f, fs.readFileSync(path.join(root, 'dist', f), 'utf8')])
    expect(after).toEqual(before)
  })

  it('refuses to empty an outDir that contains a static root', async () => {
    const root = writeTree({ 'templates/a.html': head, 'dist/static/a.css': '' })
    await expect(
      buildFixture(root, { templates: 'templates/*.html', staticRoot: 'dist/static' }, { build: { emptyOutDir: true } }),
    ).rejects.toThrow(/refusing to empty build.outDir dist: it contains the static root dist\/static/)
  })

  it('validates options with clear messages', async () => {
    const root = writeTree({ 'templates/a.html': head })
    await expect(buildFixture(root, { templates: 'templates/*.html', staticUrl: '/static' })).rejects.toThrow(
      /`staticUrl` must be a string ending in "\/"/,
    )
    await expect(buildFixture(root, { templates: [''] })).rejects.toThrow(/`templates` must be a glob/)
    await expect(buildFixture(root, { templates: 'x', outputDir: '../up' } as never)).rejects.toThrow(/inside build.outDir/)
    await expect(buildFixture(root, { templates: 'x', staticRoots: 'x' } as never)).rejects.toThrow(/unknown option `staticRoots`/)
  })

  it('warns about a block with nothing to compress and about colliding blocks', async () => {
    const root = writeTree({
      'templates/a.html': `${head}{% compress css %}<p>nothing</p>{% endcompress %}
{% compress js %}<script src="/static/a.js"></script>{% endcompress %}
{% compress js inline %}<script src="/static/a.js"></script>{% endcompress %}`,
      'static/a.js': 'var a = 1',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    const warnings = built.warnings.join('\n')
    expect(warnings).toMatch(/templates\/a\.html:3:1: \{% compress css %\} block has no <link rel="stylesheet"> or <style> to compress/)
    expect(warnings).toMatch(/\{% compress js inline %\} has the same content as \{% compress js %\}/)
    const keys = Object.keys(built.manifest)
    const plain = keys.find((k) => !k.includes(':')) as string
    expect(built.manifest[plain]).toMatch(/^<script src=/)
    expect(built.manifest[`${plain}:js:inline:`]).toBe('<script>var a=1;</script>')
  })
})
