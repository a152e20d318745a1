import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFixture, listFiles, writeTree } from '../helpers/fixture.js'

const PNG = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(5000, 3)])

function site(order: 'forward' | 'reverse') {
  const files: Record<string, string | Uint8Array> = {
    'static/css/a.css': '.a{background:url(../img/bg.png)}',
    'static/css/b.scss': '$x: 2px; .b { margin: $x }',
    'static/js/lib.js': 'var lib = { n: 1 }',
    'static/js/mod.ts': 'import { shared } from "./shared"\nexport const m: number = shared + 1\n;(window as any).m = m',
    'static/js/mod2.ts': 'import { shared } from "./shared"\n;(window as any).m2 = shared',
    'static/js/shared.ts': 'export const shared = 41',
    'static/img/bg.png': PNG,
  }
  for (let i = 0; i < 8; i++) {
    files[`templates/page${i}.html`] = `{% load compress %}
{% compress css %}<link rel="stylesheet" href="/static/css/a.css"><link rel="stylesheet" href="/static/css/b.scss">${i % 3 ? `<style>.p${i % 3}{color:red}</style>` : ''}{% endcompress %}
{% compress js file page %}<script src="/static/js/lib.js"></script><script>lib.n = ${i % 2}</script>{% endcompress %}
{% compress js %}<script type="module" src="/static/js/${i % 2 ? 'mod' : 'mod2'}.ts"></script>{% endcompress %}
`
  }
  const entries = Object.entries(files)
  return Object.fromEntries(order === 'forward' ? entries : entries.reverse())
}

describe('deterministic output', () => {
  it('two builds in different folders, written in a different order, are byte-identical', async () => {
    const a = writeTree(site('forward'))
    const b = writeTree(site('reverse'), fs.mkdtempSync(path.join(a, '..', 'vc-other-place-')))
    const builtA = await buildFixture(a, { templates: 'templates/**/*.html' })
    const builtB = await buildFixture(b, { templates: 'templates/**/*.html' })
    const filesA = listFiles(builtA.outDir)
    expect(filesA).toEqual(listFiles(builtB.outDir))
    expect(filesA.length).toBeGreaterThan(6)
    for (const f of filesA) {
      expect(fs.readFileSync(path.join(builtB.outDir, f)).equals(fs.readFileSync(path.join(builtA.outDir, f))), f).toBe(true)
    }
    for (const f of filesA) {
      const text = fs.readFileSync(path.join(builtA.outDir, f), 'latin1')
      expect(text, f).not.toContain(a)
    }
  })
})
