/**
 * Bad input, part 2: URLs inside blocks. Only files under the static URL, found inside the static
 * roots, are read; everything else fails the build naming the template place and the URL.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ErrorCode } from '../../src/core/errors.js'
import { buildFailure, buildFixture, type Files, writeTree } from '../helpers/fixture.js'

const head = '{% load compress %}\n<html>\n'

/** Builds a fixture that must fail; returns our CompressorError (Rolldown moves `code` to `pluginCode`). */

/** A tree with a real file inside the static root and a secret file beside it, outside. */
const tree = (template: string, extra: Files = {}): string =>
  writeTree({
    'templates/a.html': head + template,
    'static/css/ok.css': '.ok{color:red}',
    'static/js/ok.js': 'var ok = 1',
    'secret.css': '.secret{color:red}',
    ...extra,
  })

const css = (href: string) => `{% compress css %}\n<link rel="stylesheet" href="${href}">{% endcompress %}`
const js = (src: string) => `{% compress js %}\n<script src="${src}"></script>{% endcompress %}`

const LEAVE = "tries to leave the static roots with '..'"
const SLASH = 'contains a NUL byte or a backslash'
const external = (url: string) =>
  `${url} is not under the static URL /static/ and can't be compressed; serve it from the static roots, move it out of the block, or set \`external: 'keep'\``

/** [case, block body, code, detail]. The item is on line 4, column 1 of templates/a.html. */
const urlCases: [string, string, ErrorCode, string][] = [
  [
    'missing file (css)',
    css('/static/css/x.css'),
    'FILE_MISSING',
    '/static/css/x.css not found in static roots [static]',
  ],
  ['missing file (js)', js('/static/js/x.js'), 'FILE_MISSING', '/static/js/x.js not found in static roots [static]'],
  [
    'directory instead of a file',
    css('/static/css'),
    'FILE_MISSING',
    '/static/css names a directory (static/css), not a file',
  ],
  [
    'directory instead of a file (trailing slash)',
    js('/static/js/'),
    'FILE_MISSING',
    '/static/js/ names a directory (static/js), not a file',
  ],
  ['the static URL itself (no file)', css('/static/'), 'FILE_MISSING', '/static/ names no file'],
  [
    'path traversal /static/../../etc/passwd',
    css('/static/../../etc/passwd'),
    'PATH_ESCAPE',
    `/static/../../etc/passwd ${LEAVE}`,
  ],
  [
    'path traversal to a file beside the root (/static/../secret.css)',
    css('/static/../secret.css'),
    'PATH_ESCAPE',
    `/static/../secret.css ${LEAVE}`,
  ],
  [
    'path traversal in a script src',
    js('/static/js/../../secret.css'),
    'PATH_ESCAPE',
    `/static/js/../../secret.css ${LEAVE}`,
  ],
  [
    'percent-encoded traversal %2e%2e%2f',
    css('/static/%2e%2e%2fsecret.css'),
    'PATH_ESCAPE',
    `/static/%2e%2e%2fsecret.css ${LEAVE}`,
  ],
  [
    'percent-encoded traversal, upper case %2E%2E%2F',
    css('/static/css/%2E%2E%2F%2E%2E%2Fsecret.css'),
    'PATH_ESCAPE',
    `/static/css/%2E%2E%2F%2E%2E%2Fsecret.css ${LEAVE}`,
  ],
  ['half-encoded traversal ..%2f', css('/static/..%2fsecret.css'), 'PATH_ESCAPE', `/static/..%2fsecret.css ${LEAVE}`],
  [
    'entity-encoded traversal &#46;&#46;/ (decoded like a browser)',
    css('/static/&#46;&#46;/secret.css'),
    'PATH_ESCAPE',
    `/static/../secret.css ${LEAVE}`,
  ],
  [
    'backslashes /static/css\\..\\..\\secret.css',
    css('/static/css\\..\\..\\secret.css'),
    'PATH_ESCAPE',
    `/static/css\\..\\..\\secret.css ${SLASH}`,
  ],
  [
    'percent-encoded backslash %5c',
    css('/static/css%5c..%5c..%5csecret.css'),
    'PATH_ESCAPE',
    `/static/css%5c..%5c..%5csecret.css ${SLASH}`,
  ],
  [
    'NUL byte, percent-encoded %00',
    css('/static/css/ok.css%00.png'),
    'PATH_ESCAPE',
    `/static/css/ok.css%00.png ${SLASH}`,
  ],
  [
    'NUL byte, raw in the template',
    css('/static/css/ok.css\0.png'),
    'PATH_ESCAPE',
    `/static/css/ok.css\0.png ${SLASH}`,
  ],
  [
    'invalid percent-encoding %E0%A4%A',
    css('/static/%E0%A4%A.css'),
    'PATH_ESCAPE',
    '/static/%E0%A4%A.css has an invalid percent-encoding',
  ],
  [
    'external URL (https)',
    css('https://cdn.example.com/x.css'),
    'EXTERNAL_URL',
    external('https://cdn.example.com/x.css'),
  ],
  [
    'external URL (protocol-relative //)',
    js('//cdn.example.com/x.js'),
    'EXTERNAL_URL',
    external('//cdn.example.com/x.js'),
  ],
  ['data: URL', css('data:text/css,a{color:red}'), 'EXTERNAL_URL', external('data:text/css,a{color:red}')],
  ['javascript: URL', js('javascript:alert(1)'), 'EXTERNAL_URL', external('javascript:alert(1)')],
  ['a URL relative to the page (no static URL)', css('css/ok.css'), 'EXTERNAL_URL', external('css/ok.css')],
]

describe('bad input: URLs that are missing or would leave the static roots fail the build', () => {
  it.each(urlCases)('%s → %s', async (_name, body, code, detail) => {
    const { error, code: actual } = await buildFailure(tree(body))
    expect(actual).toBe(code)
    expect(error.detail).toBe(detail)
    expect(error.loc).toEqual({ file: 'templates/a.html', line: 4, column: 1 })
    expect(error.message).toBe(`templates/a.html:4:1: ${body.slice(0, body.indexOf('\n'))} block: ${detail}`)
  })

  it('traversal through {% static %} → PATH_ESCAPE', async () => {
    const { error, code } = await buildFailure(
      tree('{% compress css %}<link rel="stylesheet" href="{% static \'../secret.css\' %}">{% endcompress %}'),
    )
    expect(code).toBe('PATH_ESCAPE')
    expect(error.detail).toBe(`/static/../secret.css ${LEAVE}`)
    expect(error.message.startsWith('templates/a.html:3:1: {% compress css %} block: ')).toBe(true)
  })

  it('traversal through an offline-context variable → PATH_ESCAPE', async () => {
    const { error, code } = await buildFailure(
      tree('{% compress js %}<script src="/static/{{ file }}"></script>{% endcompress %}'),
      { context: { file: '../../../etc/passwd' } },
    )
    expect(code).toBe('PATH_ESCAPE')
    expect(error.detail).toBe(`/static/../../../etc/passwd ${LEAVE}`)
    expect(error.message.startsWith('templates/a.html:3:1: {% compress js %} block: ')).toBe(true)
  })

  it('a symlinked file pointing out of the static root → PATH_ESCAPE', async () => {
    const root = tree(css('/static/css/evil.css'))
    fs.symlinkSync(path.join(root, 'secret.css'), path.join(root, 'static/css/evil.css'))
    const { error, code } = await buildFailure(root)
    expect(code).toBe('PATH_ESCAPE')
    expect(error.detail).toBe(
      `/static/css/evil.css resolves through a link to ${fs.realpathSync(path.join(root, 'secret.css'))}, outside the static root static`,
    )
    expect(error.loc).toEqual({ file: 'templates/a.html', line: 4, column: 1 })
  })

  it('a symlinked directory pointing out of the static root (to /etc) → PATH_ESCAPE', async () => {
    const root = tree(js('/static/etc/passwd'))
    fs.symlinkSync('/etc', path.join(root, 'static/etc'))
    const { error, code } = await buildFailure(root)
    expect(code).toBe('PATH_ESCAPE')
    expect(error.detail).toBe(
      '/static/etc/passwd resolves through a link to /etc/passwd, outside the static root static',
    )
  })

  it('a symlink that stays inside the static root is followed', async () => {
    const root = tree(css('/static/alias.css'))
    fs.symlinkSync(path.join(root, 'static/css/ok.css'), path.join(root, 'static/alias.css'))
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    const [file] = built.urls(Object.values(built.manifest)[0] as string)
    expect(built.read(file as string)).toBe('.ok{color:red}')
  })

  it('a second static root is searched, and traversal is refused there too', async () => {
    const root = writeTree({
      'templates/a.html': head + css('/static/b.css'),
      'static/a.css': '',
      'assets/b.css': '.b{color:red}',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html', staticRoot: ['static', 'assets'] })
    expect(Object.keys(built.manifest)).toHaveLength(1)
    fs.writeFileSync(path.join(root, 'templates/a.html'), head + css('/static/missing.css'))
    const { error, code } = await buildFailure(root, { staticRoot: ['static', 'assets'] })
    expect(code).toBe('FILE_MISSING')
    expect(error.detail).toBe('/static/missing.css not found in static roots [static, assets]')
  })

  it('external: "keep" keeps an external tag as written, and still refuses traversal', async () => {
    const { code } = await buildFailure(tree(css('/static/../secret.css')), { external: 'keep' })
    expect(code).toBe('PATH_ESCAPE')
  })
})
