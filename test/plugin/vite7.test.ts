import { describe, expect, it } from 'vitest'
// Vite 7 bundles with Rollup; scripts/test.sh installs it in compat/vite7, apart from the main tree.
import { build as build7, version } from '../../compat/vite7/node_modules/vite/dist/node/index.js'
import { buildFixture, writeTree } from '../helpers/fixture.js'

describe('Vite 7 (Rollup) smoke test', () => {
  it('builds CSS, classic and module blocks into the same manifest shape', async () => {
    expect(version.startsWith('7.')).toBe(true)
    const root = writeTree({
      'templates/a.html': `{% load compress %}
{% compress css %}<link rel="stylesheet" href="/static/a.css"><style>.i{color:red}</style>{% endcompress %}
{% compress js %}<script src="/static/a.js"></script>{% endcompress %}
{% compress js %}<script type="module" src="/static/m.js"></script>{% endcompress %}`,
      'static/a.css': '.a { color: blue }',
      'static/a.js': 'var a = 1',
      'static/m.js': 'window.m = 1',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' }, {}, build7 as never)
    const values = Object.values(built.manifest).sort()
    expect(values).toHaveLength(3)
    const css = values.find((v) => v.startsWith('<link')) as string
    expect(built.read(built.urls(css)[0] as string)).toBe('.a{color:#00f}.i{color:red}')
    const classic = values.find((v) => v.startsWith('<script src')) as string
    expect(built.read(built.urls(classic)[0] as string)).toMatch(/^var a\s*=\s*1;?\n$/)
    const mod = values.find((v) => v.startsWith('<script type="module"')) as string
    expect(built.read(built.urls(mod)[0] as string)).toContain('window.m')
  })
})
