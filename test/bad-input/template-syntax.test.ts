/**
 * Bad input, part 1: malformed blocks and template logic. Every case runs a real `vite build` and
 * asserts the error's class, code, full message and the template file:line:column it names.
 */
import { describe, expect, it } from 'vitest'
import type { ErrorCode, SourceLocation } from '../../src/core/errors.js'
import type { CompressorOptions } from '../../src/plugin/index.js'
import { buildFailure as failOn, type Files, writeTree } from '../helpers/fixture.js'

const head = '{% load compress %}\n<html>\n'

/** Builds template files that must fail (see buildFailure). */
async function buildFailure(files: Files, options: Partial<CompressorOptions> = {}) {
  return failOn(writeTree(files), options)
}

interface Case {
  /** What the case is, as it reads in the test name. */
  name: string
  /** Template text after `{% load compress %}\n<html>\n` (so line 3 is the first line here). */
  body: string
  code: ErrorCode
  message: string
  loc: SourceLocation
}

const at = (line: number, column: number): SourceLocation => ({ file: 'templates/a.html', line, column })

const blockCases: Case[] = [
  {
    name: 'unclosed {% compress %} block: named at its opening tag',
    body: '{% compress css %}\n<style>a{}</style>\n',
    code: 'BLOCK_UNCLOSED',
    message: 'templates/a.html:3:1: {% compress css %} block: not closed: {% endcompress %} is missing',
    loc: at(3, 1),
  },
  {
    name: 'unclosed <!-- compress --> block: the comment closer is named',
    body: '<p>\n  <!-- compress js -->\n<script>a()</script>',
    code: 'BLOCK_UNCLOSED',
    message: 'templates/a.html:4:3: <!-- compress js --> block: not closed: <!-- endcompress --> is missing',
    loc: at(4, 3),
  },
  {
    name: 'nested block: named at the inner tag, with the outer block',
    body: '{% compress css %}\n  {% compress js %}{% endcompress %}{% endcompress %}',
    code: 'BLOCK_NESTED',
    message:
      'templates/a.html:4:3: {% compress css %} block: a compress block cannot contain another one ({% compress js %} at line 4); close the first with {% endcompress %} before opening the next',
    loc: at(4, 3),
  },
  {
    name: '{% endcompress %} without a start',
    body: '<p></p>\n {% endcompress %}',
    code: 'BLOCK_UNOPENED',
    message: 'templates/a.html:4:2: {% endcompress %} has no matching opening compress tag',
    loc: at(4, 2),
  },
  {
    name: '<!-- endcompress --> without a start',
    body: '<!-- endcompress -->',
    code: 'BLOCK_UNOPENED',
    message: 'templates/a.html:3:1: <!-- endcompress --> has no matching opening compress tag',
    loc: at(3, 1),
  },
  {
    name: '<!-- endcompress --> cannot close a {% compress %} block',
    body: '{% compress css %}<style>a{}</style><!-- endcompress -->',
    code: 'BLOCK_UNOPENED',
    message:
      'templates/a.html:3:37: {% compress css %} block: <!-- endcompress --> does not close this block; use {% endcompress %}',
    loc: at(3, 37),
  },
  {
    name: 'unknown kind (scss)',
    body: '\n{% compress scss %}{% endcompress %}',
    code: 'BLOCK_KIND',
    message: "templates/a.html:4:1: {% compress scss %} block: unknown kind 'scss'; expected one of: css, js",
    loc: at(4, 1),
  },
  {
    name: 'unknown mode (embed)',
    body: '  {% compress css embed %}{% endcompress %}',
    code: 'BLOCK_MODE',
    message:
      "templates/a.html:3:3: {% compress css embed %} block: unknown mode 'embed'; expected one of: file, inline, preload",
    loc: at(3, 3),
  },
  {
    name: 'too many arguments (4)',
    body: '{% compress css file main extra %}{% endcompress %}',
    code: 'BLOCK_ARGS',
    message:
      'templates/a.html:3:1: {% compress css file main extra %} block: the compress tag takes one, two or three arguments (kind [mode [name]]), got 4',
    loc: at(3, 1),
  },
  {
    name: 'no arguments',
    body: '{% compress %}{% endcompress %}',
    code: 'BLOCK_ARGS',
    message:
      'templates/a.html:3:1: {% compress %} block: the compress tag takes one, two or three arguments (kind [mode [name]]), got 0',
    loc: at(3, 1),
  },
  {
    name: '{% endcompress %} with arguments other than the kind',
    body: '{% compress css %}<style>a{}</style>{% endcompress js %}',
    code: 'BLOCK_ARGS',
    message:
      'templates/a.html:3:37: {% compress css %} block: {% endcompress js %} takes no arguments (besides the kind)',
    loc: at(3, 37),
  },
  {
    name: 'unclosed {% verbatim %} that hides a block',
    body: '{% verbatim %}{% compress css %}',
    code: 'BLOCK_UNCLOSED',
    message: 'templates/a.html:3:1: {% verbatim %} is not closed ({% endverbatim %} is missing)',
    loc: at(3, 1),
  },
]

/** Quotes and `<` in a block name: the name becomes part of a file name and of messages. */
const nameCases: Case[] = [
  {
    name: 'block name with "<" (quoted): rejected',
    body: '{% compress css file "a<b" %}<style>a{}</style>{% endcompress %}',
    code: 'BLOCK_NAME',
    message:
      "templates/a.html:3:1: {% compress css file \"a<b\" %} block: block name 'a<b' must be letters, digits, '_', '.' or '-' (it becomes part of a file name)",
    loc: at(3, 1),
  },
  {
    name: 'block name with a double quote and markup: rejected',
    body: '{% compress js inline x"><script>alert(1)</script> %}{% endcompress %}',
    code: 'BLOCK_NAME',
    message:
      "templates/a.html:3:1: {% compress js inline x\"><script>alert(1)</script> %} block: block name 'x\"><script>alert(1)</script>' must be letters, digits, '_', '.' or '-' (it becomes part of a file name)",
    loc: at(3, 1),
  },
  {
    name: 'block name with a single quote: rejected',
    body: "<!-- compress css file it's -->x<!-- endcompress -->",
    code: 'BLOCK_NAME',
    message:
      "templates/a.html:3:1: <!-- compress css file it's --> block: block name 'it's' must be letters, digits, '_', '.' or '-' (it becomes part of a file name)",
    loc: at(3, 1),
  },
  {
    name: 'block name with a path (../evil): rejected',
    body: '{% compress js file ../evil %}{% endcompress %}',
    code: 'BLOCK_NAME',
    message:
      "templates/a.html:3:1: {% compress js file ../evil %} block: block name '../evil' must be letters, digits, '_', '.' or '-' (it becomes part of a file name)",
    loc: at(3, 1),
  },
]

const logic = (tag: string) =>
  `template logic ${tag} inside a compress block cannot be compressed offline; move it outside the block, or give the block one variant per case with the \`context\` option`

/** Template logic inside a block: it depends on the request, so it can't be compressed offline. */
const logicCases: Case[] = [
  {
    name: 'template logic {% if %} inside a block',
    body: '{% compress css %}\n  {% if dark %}<style>a{}</style>{% endif %}\n{% endcompress %}',
    code: 'TEMPLATE_LOGIC',
    message: `templates/a.html:4:3: {% compress css %} block: ${logic('{% if dark %}')}`,
    loc: at(4, 3),
  },
  {
    name: 'template logic {% for %} inside a block',
    body: '{% compress js %}{% for s in scripts %}<script src="{{ s }}"></script>{% endfor %}{% endcompress %}',
    code: 'TEMPLATE_LOGIC',
    message: `templates/a.html:3:18: {% compress js %} block: ${logic('{% for s in scripts %}')}`,
    loc: at(3, 18),
  },
  {
    name: 'template logic {% include %} inside a block',
    body: '{% compress js %}\n\n    {% include "scripts.html" %}{% endcompress %}',
    code: 'TEMPLATE_LOGIC',
    message: `templates/a.html:5:5: {% compress js %} block: ${logic('{% include "scripts.html" %}')}`,
    loc: at(5, 5),
  },
  {
    name: '{{ block.super }} inside a block',
    body: '{% compress css %}{{ block.super }}{% endcompress %}',
    code: 'TEMPLATE_LOGIC',
    message:
      'templates/a.html:3:19: {% compress css %} block: {{ block.super }} depends on the parent template at render time and cannot be compressed offline',
    loc: at(3, 19),
  },
  {
    name: 'a filter other than |safe inside a block',
    body: '{% compress css %}\n<style>a{color:{{ c|upper }}}</style>{% endcompress %}',
    code: 'TEMPLATE_LOGIC',
    message:
      'templates/a.html:4:16: {% compress css %} block: {{ c|upper }}: the filter |upper cannot be compressed offline (only |safe)',
    loc: at(4, 16),
  },
  {
    name: '{% static %} with an "as" variable inside a block',
    body: "{% compress js %}{% static 'a.js' as url %}{% endcompress %}",
    code: 'TEMPLATE_LOGIC',
    message: `templates/a.html:3:18: {% compress js %} block: {% static 'a.js' as url %}: only {% static 'path' %} can be compressed offline (no "as" variable)`,
    loc: at(3, 18),
  },
  {
    name: 'an expression that is not a plain variable inside a block',
    body: '{% compress js %}<script>var a = {{ a + 1 }}</script>{% endcompress %}',
    code: 'TEMPLATE_LOGIC',
    message:
      'templates/a.html:3:34: {% compress js %} block: {{ a + 1 }}: only plain variables can be compressed offline',
    loc: at(3, 34),
  },
]

describe('bad input: malformed blocks fail the build at file:line:column', () => {
  it.each(blockCases)('$name → $code', async (c) => {
    const { error, code } = await buildFailure({ 'templates/a.html': head + c.body })
    expect(code).toBe(c.code)
    expect(error.message).toBe(c.message)
    expect(error.loc).toEqual(c.loc)
  })
})

describe('bad input: quotes and < in a block name are rejected (no HTML or path injection)', () => {
  it.each(nameCases)('$name → $code', async (c) => {
    const { error, code } = await buildFailure({ 'templates/a.html': head + c.body })
    expect(code).toBe(c.code)
    expect(error.message).toBe(c.message)
    expect(error.loc).toEqual(c.loc)
  })
})

describe('bad input: template logic inside a block fails the build at the tag', () => {
  it.each(logicCases)('$name → $code', async (c) => {
    const { error, code } = await buildFailure({ 'templates/a.html': head + c.body })
    expect(code).toBe(c.code)
    expect(error.message).toBe(c.message)
    expect(error.loc).toEqual(c.loc)
  })

  it('the build error text (as Vite prints it) carries the same file:line:column and message', async () => {
    const c = logicCases[0] as Case
    const { outer } = await buildFailure({ 'templates/a.html': head + c.body })
    expect(outer).toContain('[plugin vite-compressor] templates/a.html:4:3')
    expect(outer).toContain(c.message)
  })

  it('the error names the template by its path under the Vite root, in a sub-folder too', async () => {
    const { error, code } = await buildFailure({
      'templates/pages/deep/b.html': `${head}\n{% compress css bogus %}{% endcompress %}`,
    })
    expect(code).toBe('BLOCK_MODE')
    expect(error.loc).toEqual({ file: 'templates/pages/deep/b.html', line: 4, column: 1 })
    expect(error.message.startsWith('templates/pages/deep/b.html:4:1: {% compress css bogus %} block: ')).toBe(true)
  })
})
