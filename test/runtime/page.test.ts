import { describe, expect, it } from 'vitest'
import { offlineKey } from '../../src/core/key.js'
import { URL_PLACEHOLDER } from '../../src/core/manifest.js'
import { createCompressor, createPageState } from '../../src/runtime/index.js'

const P = URL_PLACEHOLDER
const SITE_CSS = `<link rel="stylesheet" href="${P}CACHE/css/site.111111111111.css" type="text/css">`
const PAGE_CSS = `<link rel="stylesheet" href="${P}CACHE/css/page.222222222222.css" type="text/css">`
const PRELOAD_CSS = `<link rel="preload" href="${P}CACHE/css/site.111111111111.css" as="style" />`
const PRINT_CSS = `<link rel="stylesheet" href="${P}CACHE/css/site.111111111111.css" type="text/css" media="print">`
const VENDOR_JS = `<script src="${P}CACHE/js/vendor.333333333333.js" defer></script>`
const APP_JS = `<script src="${P}CACHE/js/app.444444444444.js" defer></script>`
const MODULE_VENDOR = `<script type="module" src="${P}CACHE/js/vendor.333333333333.js"></script>`
const STYLE = '<style type="text/css">p{color:red}</style>'
const SCRIPT = '<script>go()</script>'

/** A compressor whose manifest maps block contents 'a', 'b' … to the given html. */
function compressor(blocks: Record<string, string>) {
  const manifest = Object.fromEntries(Object.entries(blocks).map(([content, html]) => [offlineKey(content, ''), html]))
  return createCompressor({ manifest, enabled: true, url: '/s/' })
}
const filled = (html: string) => html.replaceAll(P, '/s/')

describe('page state: a file emitted once per page', () => {
  it('leaves out a tag an earlier block of the page emitted, and only on that page', () => {
    const c = compressor({ layout: SITE_CSS, page: SITE_CSS + PAGE_CSS })
    const page = createPageState()
    expect(c.render('layout', { kind: 'css', page })).toBe(filled(SITE_CSS))
    expect(c.render('page', { kind: 'css', page })).toBe(filled(PAGE_CSS))
    expect(c.render('layout', { kind: 'css', page })).toBe('')
    const next = createPageState()
    expect(c.render('page', { kind: 'css', page: next })).toBe(filled(SITE_CSS + PAGE_CSS))
    expect(c.render('layout', { kind: 'css', page: next })).toBe('')
  })

  it('renders every block in full without page state', () => {
    const c = compressor({ a: SITE_CSS, b: SITE_CSS + PAGE_CSS })
    expect(c.render('a', { kind: 'css' })).toBe(filled(SITE_CSS))
    expect(c.render('b', { kind: 'css' })).toBe(filled(SITE_CSS + PAGE_CSS))
  })

  it('keeps a preload and a stylesheet of one file, and two media of one file', () => {
    const c = compressor({ a: PRELOAD_CSS, b: SITE_CSS, d: PRINT_CSS })
    const page = createPageState()
    expect(c.render('a', { kind: 'css', mode: 'preload', page })).toBe(filled(PRELOAD_CSS))
    expect(c.render('b', { kind: 'css', page })).toBe(filled(SITE_CSS))
    expect(c.render('d', { kind: 'css', page })).toBe(filled(PRINT_CSS))
    expect(c.render('b', { kind: 'css', page })).toBe('')
  })

  it('never leaves out inline bodies', () => {
    const c = compressor({ a: STYLE, b: SCRIPT, d: `${SCRIPT}\n${VENDOR_JS}` })
    const page = createPageState()
    expect(c.render('a', { kind: 'css', mode: 'inline', page })).toBe(STYLE)
    expect(c.render('a', { kind: 'css', mode: 'inline', page })).toBe(STYLE)
    expect(c.render('b', { kind: 'js', mode: 'inline', page })).toBe(SCRIPT)
    expect(c.render('d', { kind: 'js', page })).toBe(filled(`${SCRIPT}\n${VENDOR_JS}`))
    expect(c.render('d', { kind: 'js', page })).toBe(SCRIPT)
  })

  it('drops a shared script with the newline before it, keeps the others in order', () => {
    const c = compressor({
      layout: VENDOR_JS,
      page: `${APP_JS}\n${VENDOR_JS}`,
      rev: `${VENDOR_JS}\n${APP_JS}`,
      mod: MODULE_VENDOR,
    })
    const page = createPageState()
    expect(c.render('layout', { kind: 'js', page })).toBe(filled(VENDOR_JS))
    expect(c.render('page', { kind: 'js', page })).toBe(filled(APP_JS))
    // When the first tag is left out, the newline after it goes too.
    const other = createPageState()
    expect(c.render('layout', { kind: 'js', page: other })).toBe(filled(VENDOR_JS))
    expect(c.render('rev', { kind: 'js', page: other })).toBe(filled(APP_JS))
    // A module script and a classic script of one URL are different scripts to the browser.
    expect(c.render('mod', { kind: 'js', page })).toBe(filled(MODULE_VENDOR))
  })

  it('leaves out a second copy of a tag inside one block (a CSS chunk two modules import)', () => {
    const html = `${SITE_CSS}<script type="module" src="${P}a.js"></script>\n${SITE_CSS}<script type="module" src="${P}b.js"></script>`
    const c = compressor({ a: html })
    expect(c.render('a', { kind: 'js', page: createPageState() })).toBe(
      // The left-out link takes the newline before it along.
      filled(`${SITE_CSS}<script type="module" src="${P}a.js"></script><script type="module" src="${P}b.js"></script>`),
    )
  })

  it('adds the nonce to the tags it keeps, with renderKey too', () => {
    const c = compressor({ layout: SITE_CSS, page: `${SITE_CSS}${STYLE}${PAGE_CSS}` })
    const page = createPageState()
    c.renderKey(offlineKey('layout', ''), 'layout', { kind: 'css', page, nonce: 'n"1' })
    expect(c.renderKey(offlineKey('page', ''), 'page', { kind: 'css', page, nonce: 'n"1' })).toBe(
      '<style nonce="n&quot;1" type="text/css">p{color:red}</style>' +
        '<link nonce="n&quot;1" rel="stylesheet" href="/s/CACHE/css/page.222222222222.css" type="text/css">',
    )
  })

  it('does not touch blocks rendered as written (disabled, or missing with strict: false)', () => {
    const off = createCompressor({ manifest: 'missing.json', enabled: false })
    const page = createPageState()
    const link = '<link rel="stylesheet" href="/static/a.css">'
    expect(off.render(link, { kind: 'css', page })).toBe(link)
    expect(off.render(link, { kind: 'css', page })).toBe(link)
    const lax = createCompressor({ manifest: {}, enabled: true, strict: false, logger: { warn() {} } })
    expect(lax.render(link, { kind: 'css', page })).toBe(link)
    expect(lax.render(link, { kind: 'css', page })).toBe(link)
  })
})
