/**
 * Property tests for the block finder: random templates never crash it (they give blocks or one of
 * our CompressorErrors), found blocks round-trip to their source ranges, and keys do not move when
 * text outside the blocks changes.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Block, findBlocks } from '../../src/core/blocks.js'
import { CompressorError, type ErrorCode } from '../../src/core/errors.js'
import { offlineKey } from '../../src/core/key.js'
import { planBuild } from '../../src/plugin/plan.js'

const FILE = 'templates/t.html'
const BLOCK_CODES: ErrorCode[] = [
  'BLOCK_UNCLOSED',
  'BLOCK_NESTED',
  'BLOCK_UNOPENED',
  'BLOCK_ARGS',
  'BLOCK_KIND',
  'BLOCK_MODE',
  'BLOCK_NAME',
]

/** Line and column of an offset, counted independently of the code under test. */
function place(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset)
  const line = before.split('\n').length
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 }
}

// ---- arbitraries -------------------------------------------------------------------------------

const arg = fc.oneof(
  fc.constantFrom(
    'css',
    'js',
    'file',
    'inline',
    'preload',
    'main',
    'app.v2',
    ',',
    '"css"',
    "'inline'",
    '"a b"',
    'x<y',
    'a"b',
  ),
  fc.string({ maxLength: 5 }),
)

/** `{% compress … %}` and `<!-- compress … -->` with random arguments and whitespace control. */
const compressTag = fc
  .tuple(
    fc.constantFrom('{%', '{%-', '<!--'),
    fc.constantFrom('compress', 'endcompress'),
    fc.array(arg, { maxLength: 4 }),
    fc.constantFrom('%}', '-%}', '-->'),
  )
  .map(([open, name, args, close]) => `${open} ${name} ${args.join(' ')} ${close}`)

const fragment = fc.constantFrom(
  '{% compress css %}',
  '{% compress js inline %}',
  '{%- compress css file main -%}',
  '{% compress js, inline %}',
  '{% endcompress %}',
  '{%- endcompress -%}',
  '{% endcompress js %}',
  '<!-- compress css -->',
  '<!--compress js inline main-->',
  '<!-- endcompress -->',
  '{# ',
  ' #}',
  '{# {% compress css %} #}',
  '{% comment %}',
  '{% endcomment %}',
  '{% verbatim %}',
  '{% endverbatim %}',
  '{%- raw -%}',
  '{% endraw %}',
  '<!--',
  '-->',
  '{%',
  '%}',
  '{#',
  '#}',
  '{{ x }}',
  "{% static 'a.css' %}",
  '{% if x %}',
  '<style>a{}</style>',
  '<script>a()</script>',
  '<link rel="stylesheet" href="/static/a.css">',
  '\n',
  '\r\n',
  '  ',
)

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.string({ unit: fc.constantFrom('{', '}', '%', '#', '<', '!', '-', '>', ' ', '\n', 'c'), maxLength: 8 }),
)

const chaos = fc
  .array(
    fc.oneof({ arbitrary: fragment, weight: 4 }, { arbitrary: compressTag, weight: 2 }, { arbitrary: text, weight: 3 }),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''))

/** Text that cannot start a tag or comment (no `{`, no `<`): any unicode otherwise. */
const plain = fc.string({ unit: 'grapheme', maxLength: 10 }).map((s) => s.replace(/[{<]/g, '_'))

/** Template code that is not a compress tag and opens no region. */
const harmless = fc.constantFrom(
  '{{ x }}',
  '{# c #}',
  '<!-- note -->',
  "{% static 'a.css' %}",
  '{% if x %}',
  '{% endif %}',
  '<style>a{}</style>',
  '<script>a()</script>',
  '<link rel="stylesheet" href="/static/a.css">',
  '\n',
  '\r\n',
  ' \t ',
)

const OPEN_TAGS = [
  '{% compress css %}',
  '{%- compress js inline -%}',
  '{% compress css, preload %}',
  '{% compress js file main %}',
  '{%compress css%}',
  '{% compress "css" \'inline\' -%}',
]
const OPEN_COMMENTS = ['<!-- compress css -->', '<!--compress js inline app-->', '<!--  compress css file a.b  -->']
const CLOSE_TAGS = ['{% endcompress %}', '{%- endcompress %}', '{%endcompress%}', '{%- endcompress -%}']
const CLOSE_COMMENTS = ['<!-- endcompress -->', '<!--endcompress-->']

interface Generated {
  source: string
  blocks: { tag: string; content: string }[]
}

/** Mostly well-formed templates: noise, blocks with bodies, and now and then a chaotic fragment. */
const blocky = fc
  .array(
    fc.tuple(
      fc.array(fc.oneof(plain, harmless), { maxLength: 4 }),
      fc.boolean(),
      fc.nat(),
      fc.nat(),
      fc.array(fc.oneof(plain, harmless), { maxLength: 5 }),
    ),
    { maxLength: 5 },
  )
  .map(([...parts]): Generated => {
    let source = ''
    const blocks: Generated['blocks'] = []
    for (const [noise, comment, o, c, body] of parts) {
      source += noise.join('')
      const open = comment
        ? (OPEN_COMMENTS[o % OPEN_COMMENTS.length] as string)
        : (OPEN_TAGS[o % OPEN_TAGS.length] as string)
      const close = comment
        ? (CLOSE_COMMENTS[c % CLOSE_COMMENTS.length] as string)
        : (CLOSE_TAGS[c % CLOSE_TAGS.length] as string)
      let content = body.join('')
      source += open + content + close
      if (open.endsWith('-%}')) content = content.replace(/^\s+/, '')
      if (close.startsWith('{%-')) content = content.replace(/\s+$/, '')
      blocks.push({ tag: open, content })
    }
    return { source, blocks }
  })

/** Random templates: pure chaos, or mostly well-formed with chaos mixed in. */
const template = fc.oneof(
  chaos,
  blocky.map((g) => g.source),
  fc.tuple(blocky, fc.nat(), chaos).map(([g, at, noise]) => {
    const cut = g.source.length === 0 ? 0 : at % g.source.length
    return g.source.slice(0, cut) + noise + g.source.slice(cut)
  }),
)

// ---- properties -------------------------------------------------------------------------------

/** findBlocks, or the CompressorError it threw; anything else fails the property. */
function run(source: string): Block[] | CompressorError {
  try {
    return findBlocks(source, FILE)
  } catch (err) {
    if (err instanceof CompressorError) return err
    throw err
  }
}

describe('property: findBlocks on random templates', () => {
  it('never crashes: returns blocks or throws a CompressorError with a block code and file:line:column', () => {
    fc.assert(
      fc.property(template, (source) => {
        const result = run(source)
        if (!(result instanceof CompressorError)) return
        expect(BLOCK_CODES).toContain(result.code)
        const loc = result.loc
        expect(loc?.file).toBe(FILE)
        expect(loc?.line).toBeGreaterThanOrEqual(1)
        expect(loc?.column).toBeGreaterThanOrEqual(1)
        expect(loc?.line).toBeLessThanOrEqual(source.split('\n').length)
        expect(result.message.startsWith(`${FILE}:${loc?.line}:${loc?.column}: `)).toBe(true)
      }),
      { numRuns: 1500 },
    )
  })

  it('found blocks round-trip: the source range starts with the tag and holds the content, in order', () => {
    fc.assert(
      fc.property(template, (source) => {
        const result = run(source)
        if (result instanceof CompressorError) return
        let previousEnd = 0
        for (const block of result) {
          expect(block.start).toBeGreaterThanOrEqual(previousEnd)
          expect(block.start).toBeLessThanOrEqual(block.contentStart)
          expect(block.contentStart).toBeLessThanOrEqual(block.contentEnd)
          expect(block.contentEnd).toBeLessThanOrEqual(block.end)
          expect(block.end).toBeLessThanOrEqual(source.length)
          const range = source.slice(block.start, block.end)
          expect(range.startsWith(block.tag)).toBe(true)
          expect(block.content).toBe(source.slice(block.contentStart, block.contentEnd))
          expect(['css', 'js']).toContain(block.kind)
          expect(['file', 'inline', 'preload']).toContain(block.mode)
          expect(block.loc).toEqual({ file: FILE, ...place(source, block.start) })
          // The closing tag is what follows the content (after whitespace control).
          const closing = source.slice(block.contentEnd, block.end).trimStart()
          expect(closing).toMatch(block.syntax === 'tag' ? /^\{%-?\s*endcompress\b/ : /^<!--\s*endcompress\b/)
          previousEnd = block.end
        }
      }),
      { numRuns: 1500 },
    )
  })

  it('well-formed templates: every generated block is found, with its tag and exact content (after whitespace control)', () => {
    fc.assert(
      fc.property(blocky, ({ source, blocks }) => {
        const found = findBlocks(source, FILE)
        expect(found.map((b) => ({ tag: b.tag, content: b.content }))).toEqual(blocks)
      }),
      { numRuns: 1000 },
    )
  })

  it('is deterministic, and finds the same blocks when the template is scanned as a suffix after a block', () => {
    fc.assert(
      fc.property(template, (source) => {
        const first = run(source)
        const second = run(source)
        if (first instanceof CompressorError) {
          expect(second).toBeInstanceOf(CompressorError)
          expect((second as CompressorError).message).toBe(first.message)
          return
        }
        expect(second).toEqual(first)
        const last = first[first.length - 1]
        if (!last) return
        // The text after the last block, scanned alone, has no blocks: nothing was skipped or merged.
        const tail = run(source.slice(last.end))
        if (!(tail instanceof CompressorError)) expect(tail).toEqual([])
      }),
      { numRuns: 500 },
    )
  })
})

// ---- keys under unrelated edits ------------------------------------------------------------------

/** Text that cannot start a tag or comment: no `{` and no `<`. Any unicode otherwise. */
const outsideText = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[{<]/g, '_'))

/** Unrelated template code outside blocks: text, variables, other tags, comments. */
const outside = fc
  .array(
    fc.oneof(
      outsideText,
      outsideText.map((s) => `{# ${s.replace(/#/g, '')} #}`),
      outsideText.map((s) => `<!-- ${s.replace(/-/g, '')} -->`),
      fc.constantFrom(
        '{% if user %}',
        '{% endif %}',
        '{{ title }}',
        '{% block content %}',
        '{% endblock %}',
        '<p>',
        '</p>',
        '\n',
        '\r\n',
        '{% comment %}{% compress css %}{% endcomment %}',
      ),
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(''))

const bodyText = fc.string({ unit: 'grapheme', maxLength: 10 }).map((s) => s.replace(/[{<]/g, '_'))

const body = fc
  .array(
    fc.oneof(
      bodyText,
      fc.constantFrom(
        '<link rel="stylesheet" href="/static/a.css">',
        '<link rel="stylesheet" href="{% static \'b.css\' %}" media="print">',
        '<style>a{color:red}</style>',
        '<script src="/static/a.js"></script>',
        '<script src="{{ STATIC_URL }}b.js" defer></script>',
        '<script>var a = 1</script>',
        '{# note #}',
        '\n',
      ),
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(''))

const block = fc
  .tuple(
    fc.constantFrom('css', 'js'),
    fc.constantFrom('', ' file', ' inline', ' preload', ' file main'),
    fc.boolean(),
    body,
  )
  .map(([kind, args, comment, content]) =>
    comment
      ? `<!-- compress ${kind}${args} -->${content}<!-- endcompress -->`
      : `{% compress ${kind}${args} %}${content}{% endcompress %}`,
  )

/** A well-formed template: outside, block, outside, block, …, outside. */
const wellFormed = fc
  .array(block, { minLength: 1, maxLength: 4 })
  .chain((blocks) =>
    fc.tuple(
      fc.constant(blocks),
      fc.array(outside, { minLength: blocks.length + 1, maxLength: blocks.length + 1 }),
      fc.array(outside, { minLength: blocks.length + 1, maxLength: blocks.length + 1 }),
    ),
  )

function assemble(blocks: string[], outsides: string[]): string {
  return outsides.map((o, i) => o + (blocks[i] ?? '')).join('')
}

function keys(source: string): string[] {
  const plan = planBuild([{ file: FILE, source }], {
    staticUrl: '/static/',
    contexts: [{ STATIC_URL: '/static/' }],
    external: 'error',
    resolve: (url) => ({ path: `/fake${url}`, name: url.slice('/static/'.length) }),
  })
  return plan.blocks.map((b) => b.key)
}

describe('property: keys are stable under unrelated edits outside blocks', () => {
  it('changing every piece of text outside the blocks leaves the set of keys unchanged', () => {
    fc.assert(
      fc.property(wellFormed, ([blocks, before, after]) => {
        const a = assemble(blocks, before)
        const b = assemble(blocks, after)
        expect(findBlocks(a, FILE)).toHaveLength(blocks.length)
        expect(keys(b)).toEqual(keys(a))
      }),
      { numRuns: 400 },
    )
  })

  it('each block keeps its key (offlineKey of its content) wherever it sits', () => {
    fc.assert(
      fc.property(wellFormed, ([blocks, before, after]) => {
        const a = findBlocks(assemble(blocks, before), FILE).map((bl) => offlineKey(bl.content, '/static/'))
        const b = findBlocks(assemble(blocks, after), FILE).map((bl) => offlineKey(bl.content, '/static/'))
        expect(b).toEqual(a)
      }),
      { numRuns: 400 },
    )
  })

  it('CRLF line endings give the same keys as LF (templates are read with universal newlines)', () => {
    fc.assert(
      fc.property(wellFormed, ([blocks, before]) => {
        const lf = assemble(blocks, before).replace(/\r\n?/g, '\n')
        expect(keys(lf.replace(/\n/g, '\r\n'))).toEqual(keys(lf))
      }),
      { numRuns: 200 },
    )
  })
})
