/**
 * Bad input, part 4: a 100 MB stylesheet. It must build (or fail with a clear message) within the
 * test's time, not die of memory. Measured here: ~41 s and ~5.6 GB peak RSS on 2 cores, most of it
 * in the plugin's strict CSS syntax check (see the report of issue #9).
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFixture, writeTree } from '../helpers/fixture.js'

const MB = 1024 * 1024

describe('bad input: huge file', () => {
  it('a 100 MB CSS file builds to one hashed output within the time limit', { timeout: 240_000 }, async () => {
    const root = writeTree({
      'templates/a.html':
        '{% load compress %}\n{% compress css %}<link rel="stylesheet" href="/static/big.css">{% endcompress %}',
    })
    // Generated in a few hundred ms: one rule copied over a 100 MB buffer.
    const unit = Buffer.from('.a{color:red;background:blue}\n')
    const count = Math.ceil((100 * MB) / unit.length)
    const big = Buffer.allocUnsafe(unit.length * count)
    for (let i = 0; i < count; i++) unit.copy(big, i * unit.length)
    fs.mkdirSync(path.join(root, 'static'))
    fs.writeFileSync(path.join(root, 'static/big.css'), big)

    const built = await buildFixture(root, { templates: 'templates/*.html' })
    const html = Object.values(built.manifest)[0] as string
    const [file] = built.urls(html)
    expect(file).toMatch(/^CACHE\/css\/output\.[0-9a-f]{12}\.css$/)
    const size = fs.statSync(path.join(built.outDir, file as string)).size
    expect(size).toBeGreaterThan(0)
    expect(size).toBeLessThanOrEqual(big.length)
    const fd = fs.openSync(path.join(built.outDir, file as string), 'r')
    const start = Buffer.alloc(64)
    fs.readSync(fd, start, 0, 64, 0)
    fs.closeSync(fd)
    expect(start.toString('utf8')).toMatch(/^\.a\{color:red;background:/)
    fs.rmSync(root, { recursive: true, force: true })
  })
})
