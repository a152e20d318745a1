/**
 * Property tests for the tag parser and the escaping helpers: parseElements never throws on any
 * text, and escaping always removes what could end an element or an attribute early.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeEntities, escapeHtml } from '../../src/core/escape.js'
import { escapeInline } from '../../src/core/html.js'
import { blockItems, groupItems, parseElements } from '../../src/core/items.js'

const piece = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '<link',
      '<LINK rel="stylesheet" href="/static/a.css">',
      '<link rel=stylesheet href=/static/b.css media=print />',
      '<style',
      '<style media="screen">',
      '</style>',
      '</STYLE >',
      '<script',
      '<script src="/static/a.js" defer>',
      '<script type="module">',
      '</script>',
      '<!--',
      '-->',
      '<',
      '>',
      '/>',
      '"',
      "'",
      '=',
      ' ',
      '\n',
      'href',
      '&amp;',
      '&#x3c;',
      '&#99999999;',
      '&#x110000;',
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
)

const html = fc.array(piece, { maxLength: 40 }).map((parts) => parts.join(''))

describe('property: parseElements on random HTML', () => {
  it('never throws, and returns elements in order, inside the text, starting with their tag', () => {
    fc.assert(
      fc.property(html, (text) => {
        const elements = parseElements(text)
        let previousEnd = 0
        for (const el of elements) {
          expect(['link', 'style', 'script']).toContain(el.name)
          expect(el.start).toBeGreaterThanOrEqual(previousEnd)
          expect(el.end).toBeGreaterThan(el.start)
          expect(el.end).toBeLessThanOrEqual(text.length)
          expect(text.slice(el.start, el.start + 1 + el.name.length).toLowerCase()).toBe(`<${el.name}`)
          if (el.name === 'link') expect(el.content).toBeUndefined()
          else expect(typeof el.content).toBe('string')
          previousEnd = el.end
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('blockItems and groupItems never throw, and every item comes from a parsed element', () => {
    fc.assert(
      fc.property(html, fc.constantFrom('css' as const, 'js' as const), (text, kind) => {
        const { items, ignored } = blockItems(kind, text)
        expect(items.length + ignored.length).toBe(parseElements(text).length)
        const groups = groupItems(items)
        expect(groups.flatMap((g) => g.items)).toEqual(items)
      }),
      { numRuns: 1000 },
    )
  })
})

describe('property: escaping', () => {
  const anyText = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), html)

  it('escapeInline(script) leaves no </script (any case) and no <!--', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const out = escapeInline(text, 'script')
        expect(out).not.toMatch(/<\/script/i)
        expect(out).not.toContain('<!--')
      }),
      { numRuns: 1000 },
    )
  })

  it('escapeInline(style) leaves no </style (any case)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(escapeInline(text, 'style')).not.toMatch(/<\/style/i)
      }),
      { numRuns: 1000 },
    )
  })

  it('escapeHtml leaves no < > " \' and decodes back to the same text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const out = escapeHtml(text)
        expect(out).not.toMatch(/[<>"']/)
        expect(decodeEntities(out)).toBe(text)
      }),
      { numRuns: 1000 },
    )
  })

  it('an escaped attribute value parses back to the same value', () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const [el] = parseElements(`<link rel="stylesheet" href="/x.css" media="${escapeHtml(value)}">`)
        expect(el?.attrs.get('media')).toBe(value)
      }),
      { numRuns: 1000 },
    )
  })
})
