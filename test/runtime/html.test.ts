import { describe, expect, it } from 'vitest'
import { findBlocks } from '../../src/core/blocks.js'
import { createCompressor, createPageState, MissingBlockError, replaceBlocks } from '../../src/runtime/index.js'
import { entry } from './helpers.js'

const CSS = '\n  <link rel="stylesheet" href="/static/css/a.css">\n'
const JS = '\n  <script src="/static/js/a.js"></script>\n'

describe('replaceBlocks', () => {
  const [cssKey, cssHtml] = entry(CSS, 'css', 'file')
  const [jsKey, jsHtml] = entry(JS, 'js', 'file')
  const c = createCompressor({ manifest: { [cssKey]: cssHtml, [jsKey]: jsHtml }, enabled: true })

  it('replaces every comment block in a rendered page, and left-over tag blocks when asked', () => {
    const page = `<head><!-- compress css -->${CSS}<!-- endcompress --></head>\n<body>{% compress js %}${JS}{% endcompress %}</body>`
    expect(replaceBlocks(page, c, { tags: true })).toBe(
      '<head><link rel="stylesheet" href="/static/CACHE/css/output.0123456789ab.css" type="text/css"></head>\n' +
        '<body><script src="/static/CACHE/js/output.0123456789ab.js"></script></body>',
    )
    // By default `{% … %}` is text (a user may have written it): only the comment block is replaced.
    expect(replaceBlocks(page, c)).toBe(
      '<head><link rel="stylesheet" href="/static/CACHE/css/output.0123456789ab.css" type="text/css"></head>\n' +
        `<body>{% compress js %}${JS}{% endcompress %}</body>`,
    )
  })

  it('uses the same block content as core findBlocks', () => {
    const page = `<!-- compress css file main -->${CSS}<!-- endcompress -->`
    const [block] = findBlocks(page, 'x')
    expect(c.key(block?.content as string)).toBe(cssKey)
  })

  it('leaves a page without blocks alone and keeps other comments', () => {
    const page = '<!-- a comment --><p>compress me</p>'
    expect(replaceBlocks(page, c)).toBe(page)
  })

  it('adds the nonce and names the template and line of a missing block', () => {
    expect(replaceBlocks(`<!-- compress js -->${JS}<!-- endcompress -->`, c, { nonce: 'n' })).toContain(
      '<script nonce="n" src=',
    )
    const page = '<html>\n<head>\n<!-- compress css -->\n<style>p{}</style>\n<!-- endcompress -->'
    expect(() => replaceBlocks(page, c, { template: 'views/home.ejs' })).toThrow(MissingBlockError)
    expect(() => replaceBlocks(page, c, { template: 'views/home.ejs' })).toThrow(/^views\/home\.ejs:3:1: /)
  })

  it('removes the markers and keeps the content when disabled', () => {
    const off = createCompressor({ manifest: 'missing.json', enabled: false })
    expect(replaceBlocks(`<!-- compress css -->${CSS}<!-- endcompress -->`, off)).toBe(CSS)
  })

  it('emits a file once per call when two blocks share it', () => {
    const page = `<!-- compress css -->${CSS}<!-- endcompress --><p>x</p><!-- compress css -->${CSS}<!-- endcompress -->`
    const tag = '<link rel="stylesheet" href="/static/CACHE/css/output.0123456789ab.css" type="text/css">'
    expect(replaceBlocks(page, c)).toBe(`${tag}<p>x</p>`)
    expect(replaceBlocks(page, c, { nonce: 'n' })).toBe(`${tag.replace('<link', '<link nonce="n"')}<p>x</p>`)
    const shared = createPageState()
    expect(replaceBlocks(page, c, { page: shared })).toBe(`${tag}<p>x</p>`)
    expect(replaceBlocks(page, c, { page: shared })).toBe('<p>x</p>')
  })
})
