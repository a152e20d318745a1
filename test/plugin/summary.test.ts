/**
 * The after-build summary printed through Vite's logger: every output file with its size and, when
 * Vite reports compressed sizes (`build.reportCompressedSize`, on by default), its gzip size — the
 * numbers a user reads must be those of the files on disk.
 */
import fs from 'node:fs'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { buildFixture, listFiles, writeTree } from '../helpers/fixture.js'

const kB = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`

/** Sources large enough that their sizes in kB are not all 0.00, and compress unevenly. */
function site() {
  const rules = Array.from({ length: 400 }, (_, i) => `.c${i}{margin:${i}px;color:#${(i * 7919).toString(16).padStart(6, '0').slice(-6)}}`)
  const words = Array.from({ length: 300 }, (_, i) => `w${i}: ${(i * 2654435761) % 1000003}`)
  return writeTree({
    'templates/index.html': `{% load compress %}
{% compress css %}<link rel="stylesheet" href="/static/css/a.css">{% endcompress %}
{% compress css %}<link rel="stylesheet" href="/static/css/b.css" media="print">{% endcompress %}
{% compress js %}<script src="/static/js/a.js"></script>{% endcompress %}
{% compress js inline %}<script>var inlined = 1</script>{% endcompress %}
`,
    'static/css/a.css': rules.join('\n'),
    'static/css/b.css': 'body{color:black}',
    'static/js/a.js': `var table = {${words.join(', ')}};\nwindow.total = Object.keys(table).length\n`,
  })
}

/** The summary's file lines: name, size and gzip size as printed. */
function fileLines(info: string[]) {
  const summary = info.find((m) => m.startsWith('vite-compressor: '))
  expect(summary, info.join('\n')).toBeDefined()
  const lines = (summary as string).split('\n')
  return {
    head: lines[0] as string,
    files: lines
      .slice(1)
      .filter((l) => !l.trim().startsWith('manifest:') && !l.trim().startsWith('stylesheets:'))
      .map((l) => {
        const m = l.match(/^\s+(\S+)\s+(\d+\.\d\d kB)(?: │ gzip:\s+(\d+\.\d\d kB))?$/)
        expect(m, `summary line ${JSON.stringify(l)}`).not.toBeNull()
        const [, name, size, gzip] = m as RegExpMatchArray
        return { name: name as string, size: size as string, gzip }
      }),
    manifest: lines.at(-1) as string,
  }
}

describe('build summary', () => {
  it('lists every output file with its size and gzip size, as measured on the files written', async () => {
    const built = await buildFixture(site(), { templates: 'templates/*.html' })
    const { head, files, manifest } = fileLines(built.info)
    expect(head).toBe('vite-compressor: 4 blocks in 1 template, 4 unique, 3 output files')
    expect(manifest).toBe('  manifest: dist/CACHE/manifest.json (4 entries)')
    // The files listed are exactly the output files under CACHE/ (the inline block has none).
    const outputs = listFiles(path.join(built.outDir, 'CACHE')).filter((f) => f !== 'manifest.json').map((f) => `CACHE/${f}`)
    expect(files.map((f) => f.name).sort()).toEqual(outputs)
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(built.outDir, f.name))
      expect(f.size, f.name).toBe(kB(bytes.length))
      expect(f.gzip, f.name).toBe(kB(gzipSync(bytes).length))
    }
    // Not all trivially small: the big stylesheet shows a real size, and gzip makes it smaller.
    const css = files.find((f) => fs.readFileSync(path.join(built.outDir, f.name)).length > 5000)
    expect(css, 'a large output').toBeDefined()
    expect(Number.parseFloat(css?.gzip as string)).toBeLessThan(Number.parseFloat(css?.size as string))
  })

  it('has no gzip column with build.reportCompressedSize: false, and still lists the sizes', async () => {
    const built = await buildFixture(site(), { templates: 'templates/*.html' }, { build: { reportCompressedSize: false } })
    const { files } = fileLines(built.info)
    expect(files).toHaveLength(3)
    for (const f of files) {
      expect(f.gzip, f.name).toBeUndefined()
      expect(f.size, f.name).toBe(kB(fs.statSync(path.join(built.outDir, f.name)).size))
    }
    expect(built.info.join('\n')).not.toContain('gzip:')
  })

  it('lists the ten largest of many outputs, with the total, and leaves gzip sizes to Vite', async () => {
    // 60 blocks, each its own stylesheet of a different size: 60 outputs.
    const blocks = Array.from({ length: 60 }, (_, i) => `{% compress css %}<style>${`.b${i}{margin:${i}px}`.repeat(i + 1)}</style>{% endcompress %}`)
    const built = await buildFixture(writeTree({ 'templates/many.html': blocks.join('\n') }), { templates: 'templates/*.html' })
    const summary = built.info.find((m) => m.startsWith('vite-compressor: ')) as string
    const lines = summary.split('\n')
    expect(lines[0]).toBe('vite-compressor: 60 blocks in 1 template, 60 unique, 60 output files')
    const listed = lines.filter((l) => /^\s+CACHE\/css\//.test(l))
    expect(listed).toHaveLength(10)
    expect(summary).not.toContain('gzip:')
    const sizes = listFiles(path.join(built.outDir, 'CACHE/css')).map((f) => fs.statSync(path.join(built.outDir, 'CACHE/css', f)).size)
    const largest = [...sizes].sort((a, b) => b - a).slice(0, 10)
    expect(listed.map((l) => l.trim().split(/\s+/)[1])).toEqual(largest.map((b) => (b / 1000).toFixed(2)))
    const total = sizes.reduce((a, b) => a + b, 0)
    expect(summary).toContain(`… the 10 largest of 60 outputs (${(total / 1e6).toFixed(2)} MB in all)`)
  })
})
