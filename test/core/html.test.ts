import { describe, expect, it } from 'vitest'
import { escapeInline, renderBlockHtml } from '../../src/core/html.js'
import { offlineKey } from '../../src/core/key.js'
import { fillUrl, parseManifest, serializeManifest, URL_PLACEHOLDER } from '../../src/core/manifest.js'

const P = URL_PLACEHOLDER
const part = (path: string, extra: Partial<{ media: string | null; extra: '' | ' async' | ' defer'; module: boolean; content: string }> = {}) => ({
  type: 'output' as const,
  path,
  content: extra.content ?? '',
  media: extra.media ?? null,
  extra: extra.extra ?? '',
  module: extra.module ?? false,
})

describe("django-compressor's output templates", () => {
  it('css file, with media, joined without separator', () => {
    expect(renderBlockHtml('css', 'file', [part('CACHE/css/a.css'), part('CACHE/css/b.css', { media: 'print' })])).toBe(
      `<link rel="stylesheet" href="${P}CACHE/css/a.css" type="text/css"><link rel="stylesheet" href="${P}CACHE/css/b.css" type="text/css" media="print">`,
    )
  })

  it('js file with async/defer, joined with newlines; preload; inline with media', () => {
    expect(renderBlockHtml('js', 'file', [part('CACHE/js/a.js'), part('CACHE/js/b.js', { extra: ' defer' })])).toBe(
      `<script src="${P}CACHE/js/a.js"></script>\n<script src="${P}CACHE/js/b.js" defer></script>`,
    )
    expect(renderBlockHtml('css', 'preload', [part('CACHE/css/a.css')])).toBe(`<link rel="preload" href="${P}CACHE/css/a.css" as="style" />`)
    expect(renderBlockHtml('js', 'preload', [part('CACHE/js/a.js')])).toBe(`<link rel="preload" href="${P}CACHE/js/a.js" as="script" />`)
    expect(renderBlockHtml('css', 'inline', [part('x', { media: 'a"b', content: 'p{}' })])).toBe(
      '<style type="text/css" media="a&quot;b">p{}</style>',
    )
  })

  it('escapes closing tags and <!-- in inline content', () => {
    expect(escapeInline('a="</script><!--"', 'script')).toBe('a="<\\/script>\\x3C!--"')
    expect(escapeInline('p{content:"</STYLE>"}', 'style')).toBe('p{content:"<\\/STYLE>"}')
  })
})

describe('keys and manifests', () => {
  it('keys are sha256 of the text with every STATIC_URL removed', () => {
    expect(offlineKey('<link href="/static/a.css">/static/', '/static/')).toBe(offlineKey('<link href="a.css">', ''))
    expect(offlineKey('x', '/static/')).toBe('2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881')
  })

  it('serializes with sorted keys, parses back, fills the URL', () => {
    const text = serializeManifest([['b', `<x href="${P}y">`], ['a', '1']])
    expect(text.indexOf('"a"')).toBeLessThan(text.indexOf('"b"'))
    const parsed = parseManifest(text, 'm.json')
    expect(fillUrl(parsed.get('b') as string, 'https://cdn/s/')).toBe('<x href="https://cdn/s/y">')
    expect(() => parseManifest('{"a":', 'm.json')).toThrow(/manifest m\.json is not valid JSON/)
    expect(() => parseManifest('[]', 'm.json')).toThrow(/must be a JSON object/)
  })
})

describe('keys of CRLF text', () => {
  it('are the keys of the LF text, as Django reads templates with universal newlines', () => {
    expect(offlineKey('\r\n<link href="/static/a.css">\r\n', '/static/')).toBe(offlineKey('\n<link href="/static/a.css">\n', '/static/'))
  })
})
