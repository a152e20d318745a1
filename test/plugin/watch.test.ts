import fs from 'node:fs'
import path from 'node:path'
import { build } from 'vite'
import { describe, expect, it } from 'vitest'
import compressor from '../../src/plugin/index.js'
import { writeTree } from '../helpers/fixture.js'

const quiet = { info() {}, warn() {}, warnOnce() {}, error() {}, clearScreen() {}, hasErrorLogged: () => false, hasWarned: false }

describe('vite build --watch', () => {
  it('rebuilds the manifest after a stylesheet edit and after a template edit', async () => {
    const root = writeTree({
      'templates/a.html': '{% compress css %}<link rel="stylesheet" href="/static/a.css">{% endcompress %}',
      'static/a.css': '.a{color:red}',
      'static/b.css': '.b{color:blue}',
    })
    const manifest = () => JSON.parse(fs.readFileSync(path.join(root, 'dist/CACHE/manifest.json'), 'utf8')) as Record<string, string>
    const output = (m: Record<string, string>) => {
      const url = (Object.values(m)[0] as string).match(/CACHE\/css\/[^"]+/)?.[0] as string
      return fs.readFileSync(path.join(root, 'dist', url), 'utf8')
    }
    let ended: (() => void) | undefined
    let failed: ((e: Error) => void) | undefined
    const next = () =>
      new Promise<void>((resolve, reject) => {
        ended = resolve
        failed = reject
        setTimeout(() => reject(new Error('no rebuild within 20 s')), 20_000)
      })
    let done = next()
    const watcher = (await build({
      root,
      configFile: false,
      base: '/static/',
      customLogger: quiet,
      build: { outDir: 'dist', watch: {} },
      plugins: [compressor({ templates: 'templates/*.html' })],
    })) as unknown as { on(e: 'event', f: (ev: { code: string; error?: Error; result?: { close(): void } }) => void): void; close(): Promise<void> }
    watcher.on('event', (e) => {
      if (e.code === 'BUNDLE_END') e.result?.close()
      if (e.code === 'END') ended?.()
      if (e.code === 'ERROR') failed?.(e.error as Error)
    })
    try {
      await done
      expect(output(manifest())).toBe('.a{color:red}')
      const settle = () => new Promise((r) => setTimeout(r, 300))

      await settle()
      done = next()
      fs.writeFileSync(path.join(root, 'static/a.css'), '.a{color:green}')
      await done
      expect(output(manifest())).toBe('.a{color:green}')

      await settle()
      done = next()
      fs.writeFileSync(path.join(root, 'templates/a.html'), '{% compress css %}<link rel="stylesheet" href="/static/b.css">{% endcompress %}')
      await done
      const m = manifest()
      expect(Object.keys(m)).toHaveLength(1)
      expect(output(m)).toBe('.b{color:#00f}')
    } finally {
      await watcher.close()
    }
  })
})
