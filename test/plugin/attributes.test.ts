import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFixture, writeTree } from '../helpers/fixture.js'

describe('output tags', () => {
  it('adds subresource integrity of the output bytes to file-mode tags with sri', async () => {
    const root = writeTree({
      'templates/a.html': `{% compress css %}<link rel="stylesheet" href="/static/a.css">{% endcompress %}
{% compress js %}<script src="/static/a.js" crossorigin="use-credentials"></script>{% endcompress %}
{% compress js preload %}<script src="/static/a.js"></script>{% endcompress %}`,
      'static/a.css': '.a{color:red}',
      'static/a.js': 'var a = 1',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html', sri: true })
    const values = Object.values(built.manifest)
    const css = values.find((v) => v.includes('stylesheet')) as string
    const js = values.find((v) => v.includes('<script')) as string
    for (const html of [css, js]) {
      const file = built.urls(html)[0] as string
      const digest = createHash('sha384').update(fs.readFileSync(path.join(built.outDir, file))).digest('base64')
      expect(html).toContain(` integrity="sha384-${digest}"`)
    }
    expect(css).toContain('crossorigin="anonymous"')
    // the original tag's crossorigin is kept, not doubled
    expect(js.match(/crossorigin/g)).toHaveLength(1)
    expect(js).toContain('crossorigin="use-credentials"')
    expect(values.find((v) => v.includes('preload'))).not.toContain('integrity')
  })

  it('carries over id, data-* and crossorigin shared by the tags of a group, escaped', async () => {
    const root = writeTree({
      'templates/a.html': `{% compress js %}
<script src="/static/a.js" id="main" data-page="home" data-x='a"b<c'></script>
{% endcompress %}
{% compress js %}
<script src="/static/a.js" id="one" data-page="home"></script>
<script src="/static/b.js" id="two" data-page="home" data-only-b="1"></script>
{% endcompress %}`,
      'static/a.js': 'var a = 1',
      'static/b.js': 'var b = 2',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    const values = Object.values(built.manifest)
    const single = values.find((v) => v.includes('id=')) as string
    expect(single).toMatch(/<script src="[^"]+" id="main" data-page="home" data-x="a&quot;b&lt;c"><\/script>/)
    const pair = values.find((v) => !v.includes('id=')) as string
    expect(pair).toMatch(/<script src="[^"]+" data-page="home"><\/script>/)
    expect(pair).not.toContain('data-only-b')
  })
})
