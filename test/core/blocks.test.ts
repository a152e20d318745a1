import { describe, expect, it } from 'vitest'
import { findBlocks } from '../../src/core/blocks.js'
import { CompressorError, type ErrorCode } from '../../src/core/errors.js'

/** Asserts that findBlocks throws a CompressorError with `code` whose message starts with `prefix`. */
function expectError(source: string, code: ErrorCode, prefix: string): CompressorError {
  let caught: unknown
  try {
    findBlocks(source, 'templates/t.html')
  } catch (e) {
    caught = e
  }
  expect(caught, 'findBlocks should throw').toBeInstanceOf(CompressorError)
  const error = caught as CompressorError
  expect(error.code).toBe(code)
  expect(error.message.startsWith(prefix), `message ${JSON.stringify(error.message)} starts with ${prefix}`).toBe(true)
  return error
}

describe('findBlocks: tag syntax', () => {
  it('finds blocks with their arguments, body, offsets and location', () => {
    const source =
      '{% load compress %}\n<head>\n  {% compress css %}\n<link rel="stylesheet" href="/static/a.css">\n{% endcompress %}\n</head>\n{% compress js inline %}<script>a()</script>{% endcompress js %}\n{% compress js file app.main-1 %} <script src="/static/b.js"></script> {% endcompress %}'
    const blocks = findBlocks(source, 'templates/base.html')
    expect(blocks).toHaveLength(3)
    const [css, inline, named] = blocks as [(typeof blocks)[0], (typeof blocks)[0], (typeof blocks)[0]]
    expect(css).toMatchObject({ kind: 'css', mode: 'file', name: undefined, syntax: 'tag', tag: '{% compress css %}' })
    expect(css.content).toBe('\n<link rel="stylesheet" href="/static/a.css">\n')
    expect(css.loc).toEqual({ file: 'templates/base.html', line: 3, column: 3 })
    expect(source.slice(css.start, css.end)).toBe(
      '{% compress css %}\n<link rel="stylesheet" href="/static/a.css">\n{% endcompress %}',
    )
    expect(source.slice(css.contentStart, css.contentEnd)).toBe(css.content)
    expect(inline).toMatchObject({ kind: 'js', mode: 'inline', name: undefined, content: '<script>a()</script>' })
    expect(inline.loc).toEqual({ file: 'templates/base.html', line: 7, column: 1 })
    expect(named).toMatchObject({ kind: 'js', mode: 'file', name: 'app.main-1' })
    expect(named.content).toBe(' <script src="/static/b.js"></script> ')
  })

  it('accepts Jinja2 spellings: a comma after the kind, quoted arguments, the kind after endcompress', () => {
    const blocks = findBlocks(
      '{% compress js, inline %}<script>1</script>{% endcompress js %}{% compress "css" \'preload\' %}x{% endcompress %}',
      't.html',
    )
    expect(blocks.map((b) => [b.kind, b.mode, b.content])).toEqual([
      ['js', 'inline', '<script>1</script>'],
      ['css', 'preload', 'x'],
    ])
  })

  it('applies whitespace control: -%} trims after the opening tag, {%- before the closing tag', () => {
    const source =
      '<head>\n  {%- compress css -%}\n\t <link rel="stylesheet" href="/static/a.css">\n  {%- endcompress %}\n'
    const [block] = findBlocks(source, 't.html')
    expect(block?.content).toBe('<link rel="stylesheet" href="/static/a.css">')
    expect(block?.loc).toMatchObject({ line: 2, column: 3 })
    const [left] = findBlocks('{% compress css -%}  \n a \n {% endcompress %}', 't.html')
    expect(left?.content).toBe('a \n ')
    const [right] = findBlocks('{% compress css %}  \n a \n {%- endcompress %}', 't.html')
    expect(right?.content).toBe('  \n a')
  })

  it('keeps template comments inside a block in the body (the renderer drops them)', () => {
    const [block] = findBlocks('{% compress js %}{# note #}<script src="/static/a.js"></script>{% endcompress %}', 't')
    expect(block?.content).toBe('{# note #}<script src="/static/a.js"></script>')
  })
})

describe('findBlocks: comment syntax', () => {
  it('finds <!-- compress --> blocks and ignores other HTML comments', () => {
    const source =
      '<!-- a plain comment -->\n<!-- compress css inline -->\n<link rel="stylesheet" href="/static/a.css">\n<!-- endcompress -->\n<!--compress js file app--><script src="/static/a.js"></script><!--endcompress-->'
    const blocks = findBlocks(source, 'views/page.njk')
    expect(blocks).toHaveLength(2)
    expect(blocks[0]).toMatchObject({
      syntax: 'comment',
      kind: 'css',
      mode: 'inline',
      tag: '<!-- compress css inline -->',
      content: '\n<link rel="stylesheet" href="/static/a.css">\n',
      loc: { file: 'views/page.njk', line: 2, column: 1 },
    })
    expect(blocks[1]).toMatchObject({
      syntax: 'comment',
      kind: 'js',
      mode: 'file',
      name: 'app',
      content: '<script src="/static/a.js"></script>',
    })
  })

  it('does not let a comment close a tag block, or a tag close a comment block', () => {
    expectError('{% compress css %}x<!-- endcompress -->', 'BLOCK_UNOPENED', 'templates/t.html:1:20: ')
    expectError('<!-- compress css -->x{% endcompress %}', 'BLOCK_UNOPENED', 'templates/t.html:1:23: ')
  })
})

describe('findBlocks: regions that are not template code', () => {
  it('skips compress tags inside {# #} comments', () => {
    expect(findBlocks('{# {% compress css %} #}<p>{# {% endcompress %} #}</p>', 't')).toEqual([])
  })

  it('skips compress tags inside {% comment %} … {% endcomment %}', () => {
    const source =
      '{% comment "why" %}\n{% compress css %}<link rel="stylesheet" href="/static/x.css">{% endcompress %}\n{% endcomment %}{% compress js %}a{% endcompress %}'
    const blocks = findBlocks(source, 't')
    expect(blocks).toHaveLength(1)
    expect(blocks[0]).toMatchObject({ kind: 'js', content: 'a' })
  })

  it('skips compress tags inside {% verbatim %} and Jinja2 {% raw %}', () => {
    expect(findBlocks('{% verbatim %}{% compress css %}{% endverbatim %}', 't')).toEqual([])
    expect(findBlocks('{% verbatim myblock %}{% endcompress %}{% endverbatim myblock %}', 't')).toEqual([])
    expect(findBlocks('{%- raw -%}{% compress js %}{% endcompress %}{%- endraw -%}', 't')).toEqual([])
  })

  it('reports an unclosed {% verbatim %} or {% comment %} at its opening tag', () => {
    expectError('a\n  {% verbatim %}{% compress css %}', 'BLOCK_UNCLOSED', 'templates/t.html:2:3: ')
    expectError('{% comment %}', 'BLOCK_UNCLOSED', 'templates/t.html:1:1: ')
  })
})

describe('findBlocks: errors name file:line:column', () => {
  it('unclosed block: at the opening tag', () => {
    const e = expectError(
      '<head>\n\n    {% compress css %}\n<link>\n',
      'BLOCK_UNCLOSED',
      'templates/t.html:3:5: {% compress css %} block: ',
    )
    expect(e.loc).toEqual({ file: 'templates/t.html', line: 3, column: 5 })
    expect(e.block).toBe('{% compress css %}')
    expectError('<!-- compress js -->', 'BLOCK_UNCLOSED', 'templates/t.html:1:1: <!-- compress js --> block: ')
  })

  it('nested block: at the inner opening tag, naming the outer block', () => {
    expectError(
      '{% compress css %}\n  {% compress js %}{% endcompress %}{% endcompress %}',
      'BLOCK_NESTED',
      'templates/t.html:2:3: {% compress css %} block: ',
    )
  })

  it('endcompress without a start', () => {
    expectError('<p></p>\n {% endcompress %}', 'BLOCK_UNOPENED', 'templates/t.html:2:2: ')
    expectError('<!-- endcompress -->', 'BLOCK_UNOPENED', 'templates/t.html:1:1: ')
  })

  it('unknown kind', () => {
    const e = expectError(
      '\n{% compress scss %}{% endcompress %}',
      'BLOCK_KIND',
      'templates/t.html:2:1: {% compress scss %} block: ',
    )
    expect(e.detail).toContain("'scss'")
  })

  it('unknown mode', () => {
    const e = expectError('{% compress css embed %}{% endcompress %}', 'BLOCK_MODE', 'templates/t.html:1:1: ')
    expect(e.detail).toContain("'embed'")
  })

  it('too many (or too few) arguments', () => {
    expectError('x {% compress css file main extra %}{% endcompress %}', 'BLOCK_ARGS', 'templates/t.html:1:3: ')
    expectError('{% compress %}{% endcompress %}', 'BLOCK_ARGS', 'templates/t.html:1:1: ')
    expectError('{% compress css %}{% endcompress css js %}', 'BLOCK_ARGS', 'templates/t.html:1:19: ')
  })

  it('bad name', () => {
    const e = expectError('{% compress js file ../evil %}{% endcompress %}', 'BLOCK_NAME', 'templates/t.html:1:1: ')
    expect(e.detail).toContain("'../evil'")
    expectError('<!-- compress css file a/b -->x<!-- endcompress -->', 'BLOCK_NAME', 'templates/t.html:1:1: ')
  })

  it('counts lines with \\r\\n endings and columns in UTF-16 units from 1', () => {
    expectError('é\r\nà {% compress xx %}', 'BLOCK_KIND', 'templates/t.html:2:3: ')
  })
})

describe('findBlocks: rendered pages', () => {
  it('reads a tag that does not close before the next one as running to the first %}, with or without compress tags', () => {
    const page = '<p>{% foo {% compress css %}<style>a{}</style>{% endcompress %}</p>'
    // The first tag runs to the first `%}`: the compress opener is inside it, so there is no block.
    expect(findBlocks(page, 'page.html', { rendered: true, tags: true })).toEqual([])
    const ok = '<p>{% foo %}{% compress css %}<style>a{}</style>{% endcompress %}</p>'
    expect(findBlocks(ok, 'page.html', { rendered: true, tags: true }).map((b) => b.content)).toEqual(['<style>a{}</style>'])
    expect(findBlocks(ok, 'page.html', { rendered: true })).toEqual([])
  })
})
