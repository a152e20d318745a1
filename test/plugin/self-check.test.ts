/**
 * The build's self-check before it publishes the manifest: when a file the manifest needs is not
 * written (here a later plugin drops the image a stylesheet references), the build fails naming
 * that file, and no manifest is published — a previous manifest stays as it was.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Plugin } from 'vite'
import { describe, expect, it } from 'vitest'
import { buildFixture, listFiles, writeTree } from '../helpers/fixture.js'

const PNG = (fill: number) => Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(6000, fill)])

const template = `{% load compress %}
{% compress css %}<link rel="stylesheet" href="/static/css/site.css">{% endcompress %}
`

/** A user plugin that runs after ours and removes every emitted PNG from the bundle; records them. */
function dropPngs(dropped: string[]): Plugin {
  return {
    name: 'drop-pngs',
    enforce: 'post',
    generateBundle: {
      order: 'post',
      handler(_output, bundle) {
        for (const name of Object.keys(bundle)) {
          if (/^assets\/.*\.png$/.test(name)) {
            dropped.push(name)
            delete bundle[name]
          }
        }
      },
    },
  }
}

async function failingBuild(root: string, dropped: string[]): Promise<Error> {
  try {
    await buildFixture(root, { templates: 'templates/*.html' }, { plugins: [dropPngs(dropped)] })
  } catch (err) {
    return err as Error
  }
  throw new Error('the build succeeded')
}

describe('self-check before the manifest is published', () => {
  it('fails naming the missing file, and writes no manifest', async () => {
    const root = writeTree({
      'templates/page.html': template,
      'static/css/site.css': '.logo{background:url(../img/logo.png)}\n',
      'static/img/logo.png': PNG(1),
    })
    const dropped: string[] = []
    const err = await failingBuild(root, dropped)
    expect(dropped).toHaveLength(1)
    const missing = dropped[0] as string
    expect(missing).toMatch(/^assets\/logo-[\w-]+\.png$/)
    expect(err.message).toContain('self-check failed, manifest not written')
    expect(err.message).toMatch(new RegExp(`CACHE/manifest\\.json: CACHE/css/output\\.[0-9a-f]{12}\\.css: ${missing.replace(/[.]/g, '\\.')} is missing`))
    const files = listFiles(path.join(root, 'dist'))
    expect(files).not.toContain('CACHE/manifest.json')
    expect(files.filter((f) => f.startsWith('CACHE/manifest'))).toEqual([])
    expect(files).not.toContain(missing)
  })

  it('leaves the previous manifest byte-identical, and the previous release whole', async () => {
    const root = writeTree({
      'templates/page.html': template,
      'static/css/site.css': '.logo{background:url(../img/logo.png)}\n',
      'static/img/logo.png': PNG(1),
    })
    const first = await buildFixture(root, { templates: 'templates/*.html' })
    const manifestPath = path.join(first.outDir, 'CACHE/manifest.json')
    const before = fs.readFileSync(manifestPath)
    const release = new Map(listFiles(first.outDir).map((f) => [f, fs.readFileSync(path.join(first.outDir, f))]))
    // A new release: another image (another hashed name) and another stylesheet.
    writeTree({ 'static/css/site.css': '.logo{background:url(../img/logo.png);color:red}\n', 'static/img/logo.png': PNG(2) }, root)
    const dropped: string[] = []
    const err = await failingBuild(root, dropped)
    const missing = dropped[0] as string
    expect(release.has(missing), 'the new image has a new name').toBe(false)
    expect(err.message).toContain('self-check failed, manifest not written')
    expect(err.message).toContain(`${missing} is missing`)
    expect(fs.readFileSync(manifestPath).equals(before)).toBe(true)
    for (const [name, bytes] of release) {
      expect(fs.readFileSync(path.join(first.outDir, name)).equals(bytes), name).toBe(true)
    }
    expect(listFiles(first.outDir).filter((f) => f.startsWith('CACHE/manifest'))).toEqual(['CACHE/manifest.json'])
  })

  it('fails when an output on disk is not what the build made of it (a later plugin rewrote it)', async () => {
    const root = writeTree({
      'templates/page.html': template,
      'static/css/site.css': '.logo{color:red}\n',
    })
    // User plugins that change every CSS output after ours named it by its hash: one appends a
    // banner, one swaps a colour for another of the same length (the size alone would not tell).
    const rewriting = (name: string, change: (css: string) => string): Plugin => ({
      name,
      enforce: 'post',
      generateBundle: {
        order: 'post',
        handler(_output, bundle) {
          for (const item of Object.values(bundle)) {
            if (item.type === 'asset' && item.fileName.endsWith('.css')) item.source = change(String(item.source))
          }
        },
      },
    })
    for (const plugin of [rewriting('banner', (css) => `/* banner */${css}`), rewriting('tan', (css) => css.replace('red', 'tan'))]) {
      const err = await buildFixture(root, { templates: 'templates/*.html' }, { plugins: [plugin] }).then(
        () => new Error('the build succeeded'),
        (e: Error) => e,
      )
      expect(err.message, plugin.name).toContain('self-check failed, manifest not written')
      expect(err.message, plugin.name).toMatch(/CACHE\/css\/output\.[0-9a-f]{12}\.css: content does not match the hash in its name/)
      expect(listFiles(path.join(root, 'dist')).filter((f) => f.startsWith('CACHE/manifest'))).toEqual([])
    }
  })
})
