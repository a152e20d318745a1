import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createCompressor } from '../../src/runtime/index.js'
import { writeTree } from '../helpers/fixture.js'

describe('online compression with zero configuration', () => {
  it('createCompressor({ offline: false, root, staticRoot, cache }) compresses a site with no Vite config', async () => {
    const root = writeTree({ 'assets/site.css': '.site { margin: 0 }' })
    const compressor = createCompressor({ enabled: true, offline: false, root, staticRoot: 'assets' })
    const html = await compressor.resolve(compressor.render('<link rel="stylesheet" href="/static/site.css">', { kind: 'css' }))
    const file = (html.match(/\/static\/(CACHE\/css\/output\.[0-9a-f]{12}\.css)/) as RegExpMatchArray)[1] as string
    expect(fs.readFileSync(path.join(root, 'dist', file), 'utf8')).toBe('.site{margin:0}')
  })
})
