import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFixture, writeTree } from '../helpers/fixture.js'

interface Map3 {
  version: number
  file?: string
  sources?: string[]
  sourcesContent?: string[]
  mappings?: string
  sections?: { offset: { line: number; column: number }; map: Map3 }[]
}

const SOURCES = {
  'templates/a.html': `{% compress js %}
<script src="/static/js/lib.js"></script>
<script>var fromPage = lib.n + 1</script>
{% endcompress %}
{% compress js %}<script type="module" src="/static/js/app.ts"></script>{% endcompress %}`,
  'static/js/lib.js': '// the library\nvar lib = {\n  n: 41,\n}\n',
  'static/js/app.ts': 'const answer: number = 42\n;(window as unknown as { answer: number }).answer = answer\n',
}

describe('source maps per build.sourcemap', () => {
  it('writes a map beside each JS output, naming the original files, and keeps the content hash', async () => {
    const built = await buildFixture(writeTree(SOURCES), { templates: 'templates/*.html' }, { build: { sourcemap: true } })
    const files = Object.values(built.manifest).flatMap((v) => built.urls(v))
    expect(files).toHaveLength(2)
    for (const file of files) {
      const code = built.read(file)
      const base = path.posix.basename(file)
      expect(code.endsWith(`\n//# sourceMappingURL=${base}.map\n`)).toBe(true)
      // the name's hash is of the code before the map comment
      const hashed = code.slice(0, code.lastIndexOf('//# sourceMappingURL='))
      expect(base).toContain(createHash('sha256').update(hashed).digest('hex').slice(0, 12))
      const map = JSON.parse(built.read(`${file}.map`)) as Map3
      expect(map.file).toBe(base)
      const maps = map.sections ? map.sections.map((s) => s.map) : [map]
      const sources = maps.flatMap((m) => m.sources ?? [])
      const dir = path.join(built.outDir, path.posix.dirname(file))
      const resolved = sources.map((s) => path.relative(built.root, path.resolve(dir, s)))
      if (map.sections) {
        expect(resolved).toEqual(['static/js/lib.js', 'templates/a.html'])
        expect(map.sections.map((s) => s.offset.line)).toEqual([0, 1])
        expect(maps[0]?.sourcesContent).toEqual([SOURCES['static/js/lib.js']])
        expect(maps[1]?.sourcesContent).toEqual(['var fromPage = lib.n + 1'])
        for (const m of maps) expect(m.mappings).not.toBe('')
      } else {
        expect(resolved).toContain('static/js/app.ts')
      }
    }
  })

  it('writes no map and no comment without build.sourcemap', async () => {
    const built = await buildFixture(writeTree(SOURCES), { templates: 'templates/*.html' })
    for (const file of Object.values(built.manifest).flatMap((v) => built.urls(v))) {
      expect(built.read(file)).not.toContain('sourceMappingURL')
      expect(fs.existsSync(path.join(built.outDir, `${file}.map`))).toBe(false)
    }
  })
})
