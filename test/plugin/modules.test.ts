import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFixture, writeTree } from '../helpers/fixture.js'

describe('module scripts with shared and lazy chunks', () => {
  it('a module block with a dynamic import builds, and every file its chunks import exists', async () => {
    const root = writeTree({
      'templates/a.html': '{% compress js %}<script type="module" src="/static/js/app.js"></script>{% endcompress %}',
      'static/js/app.js':
        'import { util } from "./util.js"\nwindow.app = util("app")\nwindow.later = () => import("./lazy.js")\n',
      'static/js/util.js': 'export const util = (s) => ("<" + s + ">").repeat(3)\n',
      'static/js/lazy.js': 'import { util } from "./util.js"\nexport const lazy = util("lazy")\n',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    const [file] = built.urls(Object.values(built.manifest)[0] as string) as [string]
    // Every relative import in every JS file written resolves to a file that exists.
    const js = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) =>
          e.isDirectory() ? js(path.join(dir, e.name)) : e.name.endsWith('.js') ? [path.join(dir, e.name)] : [],
        )
    const files = js(built.outDir)
    expect(files.length).toBeGreaterThanOrEqual(2)
    for (const f of files) {
      for (const m of fs.readFileSync(f, 'utf8').matchAll(/(?:from|import\()\s*["'](\.[^"']+)["']/g)) {
        expect(
          fs.existsSync(path.resolve(path.dirname(f), m[1] as string)),
          `${path.relative(built.outDir, f)} → ${m[1]}`,
        ).toBe(true)
      }
    }
    expect(fs.existsSync(path.join(built.outDir, file))).toBe(true)
  })

  it('links the stylesheets a module imports through a chunk shared with another block', async () => {
    const root = writeTree({
      'templates/a.html': `{% compress js %}<script type="module" src="/static/js/a.js"></script>{% endcompress %}
{% compress js %}<script type="module" src="/static/js/b.js"></script>{% endcompress %}`,
      'static/js/a.js': 'import { comp } from "./comp.js"\nwindow.a = comp',
      'static/js/b.js': 'import { comp } from "./comp.js"\nwindow.b = comp',
      'static/js/comp.js': 'import "./comp.css"\nexport const comp = "x".repeat(100)',
      'static/js/comp.css': '.comp { color: red }',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    for (const html of Object.values(built.manifest)) {
      const css = [...html.matchAll(/<link rel="stylesheet" href="\/__compressor_url_placeholder__\/([^"]+)"/g)].map(
        (m) => m[1] as string,
      )
      expect(css, html).toHaveLength(1)
      expect(built.read(css[0] as string)).toContain('.comp{color:red}')
    }
  })

  it('links the stylesheet a module imports itself', async () => {
    const root = writeTree({
      'templates/a.html': '{% compress js %}<script type="module" src="/static/js/a.js"></script>{% endcompress %}',
      'static/js/a.js': 'import "./own.css"\nwindow.a = 1',
      'static/js/own.css': '.own { color: red }',
    })
    const built = await buildFixture(root, { templates: 'templates/*.html' })
    const html = Object.values(built.manifest)[0] as string
    const [css] = [...html.matchAll(/<link rel="stylesheet" href="\/__compressor_url_placeholder__\/([^"]+)"/g)].map(
      (m) => m[1] as string,
    )
    expect(built.read(css as string).trim()).toBe('.own{color:red}')
    expect(html).toMatch(/<script type="module" src="[^"]+"><\/script>$/)
  })
})
