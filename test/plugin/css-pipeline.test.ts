import { describe, expect, it } from 'vitest'
import { buildFixture, only, writeTree } from '../helpers/fixture.js'

describe("CSS goes through Vite's pipeline", () => {
  it('honours the project PostCSS config', async () => {
    const root = writeTree({
      'templates/a.html': '{% compress css %}<link rel="stylesheet" href="/static/a.css">{% endcompress %}',
      'static/a.css': '.a { color: red }',
      // A PostCSS plugin written inline: every `color` becomes rebeccapurple.
      'postcss.config.mjs':
        "export default { plugins: [{ postcssPlugin: 'purple', Declaration: { color: (d) => { d.value = 'rebeccapurple' } } }] }\n",
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    expect(built.read(built.urls(only(built.manifest))[0] as string)).toBe('.a{color:#639}')
  })

  it('compiles .less items', async () => {
    const root = writeTree({
      'templates/a.html': '{% compress css %}<link rel="stylesheet" href="/static/a.less">{% endcompress %}',
      'static/a.less': '@c: #123456;\n.a { .b { color: @c } }',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    expect(built.read(built.urls(only(built.manifest))[0] as string)).toBe('.a .b{color:#123456}')
  })

  it('minifies per build.cssMinify', async () => {
    const root = writeTree({
      'templates/a.html': '{% compress css %}<link rel="stylesheet" href="/static/a.css"><style>.b { color: blue }</style>{% endcompress %}',
      'static/a.css': '.a {\n  color: red;\n}\n',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' }, { build: { cssMinify: false } })
    const css = built.read(built.urls(only(built.manifest))[0] as string)
    expect(css).toContain('.a {\n  color: red;\n}')
    expect(css).toContain('.b { color: blue }')
  })
})
