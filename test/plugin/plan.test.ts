/**
 * Planning many templates: a block body repeated across templates is planned once and keyed the
 * same everywhere; a warning about a variable the context lacks is given at every place it occurs.
 */
import { describe, expect, it } from 'vitest'
import { offlineKey } from '../../src/core/key.js'
import { planBuild, type TemplateSource } from '../../src/plugin/plan.js'

const options = {
  staticUrl: '/static/',
  contexts: [{ STATIC_URL: '/static/' }, { STATIC_URL: '/static/', theme: 'dark' }],
  external: 'error' as const,
  resolve: (url: string) => ({ path: `/fake${url}`, name: url.slice('/static/'.length) }),
}

describe('planBuild across templates', () => {
  it('keys a repeated body the same in every template and context, and plans it once', () => {
    const body = '<link rel="stylesheet" href="{% static \'a.css\' %}">'
    const templates: TemplateSource[] = ['a', 'b', 'c'].map((n) => ({
      file: `templates/${n}.html`,
      source: `{% load static %}\n{% compress css %}${body}{% endcompress %}\n`,
    }))
    const planned: string[] = []
    const plan = planBuild(templates, { ...options, onPlanned: (b) => planned.push(b.key) })
    const key = offlineKey('<link rel="stylesheet" href="/static/a.css">', '/static/')
    expect(plan.blocks.map((b) => b.key)).toEqual([key])
    expect(planned).toEqual([key])
    expect(plan.occurrences.map((o) => o.blocks.map((b) => b.keys))).toEqual([[[key, key]], [[key, key]], [[key, key]]])
    expect(plan.found).toBe(6)
  })

  it('renders a body with variables in each context, and warns at each place a variable is missing', () => {
    const source = '{% compress css %}<style>.x { color: {{ color }} } .t { x: "{{ theme }}" }</style>{% endcompress %}'
    const plan = planBuild(
      [
        { file: 'templates/a.html', source },
        { file: 'templates/b.html', source: `\n${source}` },
      ],
      options,
    )
    // Two contexts, two different texts ({{ theme }} differs): two blocks, each used by both templates.
    expect(plan.blocks).toHaveLength(2)
    expect(plan.occurrences.map((o) => o.blocks[0]?.keys)).toEqual([
      plan.occurrences[0]?.blocks[0]?.keys,
      plan.occurrences[0]?.blocks[0]?.keys,
    ])
    expect(plan.warnings.filter((w) => w.includes('{{ color }}'))).toEqual([
      expect.stringMatching(/^templates\/a\.html:1:\d+: \{\{ color \}\} is not in the offline context/),
      expect.stringMatching(/^templates\/b\.html:2:\d+: \{\{ color \}\} is not in the offline context/),
    ])
  })

  it('gives a repeated body of another kind, mode or name its own qualified key', () => {
    const body = '<style>.a{color:red}</style>'
    const plan = planBuild(
      [
        { file: 'templates/a.html', source: `{% compress css %}${body}{% endcompress %}` },
        { file: 'templates/b.html', source: `{% compress css inline %}${body}{% endcompress %}` },
      ],
      { ...options, contexts: [{ STATIC_URL: '/static/' }] },
    )
    const key = offlineKey(body, '/static/')
    expect(plan.blocks.map((b) => `${b.key} ${b.mode}`).sort()).toEqual([`${key} file`, `${key}:css:inline: inline`].sort())
    expect(plan.warnings.some((w) => w.includes('has the same content as'))).toBe(true)
  })
})
