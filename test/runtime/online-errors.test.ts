import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createCompressor } from '../../src/runtime/index.js'
import { writeTree } from '../helpers/fixture.js'

describe('online compression errors', () => {
  it('point at the template and line the engine rendered the block from', async () => {
    const root = writeTree({ 'static/css/a.css': '.a{}' })
    const compressor = createCompressor({
      enabled: true,
      offline: false,
      online: { root, configFile: false, compressor: { staticRoot: 'static' }, vite: { build: { outDir: 'dist' } } },
      manifest: path.join(root, 'dist/CACHE/manifest.json'),
    })
    const page = compressor.render('<link rel="stylesheet" href="/static/css/gone.css">', {
      kind: 'css',
      template: 'templates/page.njk',
      line: 7,
      column: 3,
    })
    await expect(compressor.resolve(page)).rejects.toThrow(
      /^templates\/page\.njk:7:\d+: \{% compress css %\} block: \/static\/css\/gone\.css not found in static roots \[static\]/,
    )
  })
})
