import fs from 'node:fs'
import path from 'node:path'
import { build } from 'vite'
import { describe, expect, it } from 'vitest'
import compressor, { type CompressorOptions } from '../../src/plugin/index.js'
import { writeTree } from '../helpers/fixture.js'

const quiet = { info() {}, warn() {}, warnOnce() {}, error() {}, clearScreen() {}, hasErrorLogged: () => false, hasWarned: false }

type Watcher = { on(e: 'event', f: (ev: { code: string; error?: Error; result?: { close(): void } }) => void): void; close(): Promise<void> }

/**
 * A real `vite build --watch` of `root` with the plugin: `first` settles after the first build;
 * `edit` writes a file (after the watcher settles) and resolves when the rebuild it causes ends.
 */
async function watchBuild(root: string, options: CompressorOptions = { templates: 'templates/*.html' }) {
  let ended: (() => void) | undefined
  let failed: ((e: Error) => void) | undefined
  const next = () =>
    new Promise<void>((resolve, reject) => {
      ended = resolve
      failed = reject
      setTimeout(() => reject(new Error('no rebuild within 20 s')), 20_000)
    })
  const first = next()
  const watcher = (await build({
    root,
    configFile: false,
    base: '/static/',
    customLogger: quiet,
    build: { outDir: 'dist', watch: {} },
    plugins: [compressor(options)],
  })) as unknown as Watcher
  watcher.on('event', (e) => {
    if (e.code === 'BUNDLE_END') e.result?.close()
    if (e.code === 'END') ended?.()
    if (e.code === 'ERROR') failed?.(e.error as Error)
  })
  return {
    first,
    /** Writes `file` (or removes it, for `content` null) and waits for the rebuild. */
    async edit(file: string, content: string | Buffer | null) {
      await new Promise((r) => setTimeout(r, 300))
      const done = next()
      if (content === null) fs.rmSync(path.join(root, file))
      else fs.writeFileSync(path.join(root, file), content)
      await done
    },
    close: () => watcher.close(),
  }
}

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
    const watch = await watchBuild(root)
    try {
      await watch.first
      expect(output(manifest())).toBe('.a{color:red}')
      await watch.edit('static/a.css', '.a{color:green}')
      expect(output(manifest())).toBe('.a{color:green}')
      await watch.edit('templates/a.html', '{% compress css %}<link rel="stylesheet" href="/static/b.css">{% endcompress %}')
      const m = manifest()
      expect(Object.keys(m)).toHaveLength(1)
      expect(output(m)).toBe('.b{color:#00f}')
    } finally {
      await watch.close()
    }
  })

  it('rebuilds what an edited script, stylesheet or image changes, and only that', async () => {
    const png = (fill: number) => Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(6000, fill)])
    const root = writeTree({
      'templates/a.html': `{% compress css %}<link rel="stylesheet" href="/static/a.css"><link rel="stylesheet" href="/static/logo.css">{% endcompress %}
{% compress css %}<link rel="stylesheet" href="/static/a.css">{% endcompress %}
{% compress js %}<script src="/static/a.js"></script><script src="/static/b.js"></script>{% endcompress %}`,
      'static/a.css': '.a{color:red}',
      'static/logo.css': '.logo{background:url(img/logo.png)}',
      'static/img/logo.png': png(1),
      'static/a.js': 'var a = 1',
      'static/b.js': 'var b = 2',
    })
    const dist = path.join(root, 'dist')
    /** Every block's outputs, as the manifest names them, with their text. */
    const outputs = () => {
      const m = JSON.parse(fs.readFileSync(path.join(dist, 'CACHE/manifest.json'), 'utf8')) as Record<string, string>
      return Object.values(m)
        .map((html) => html.match(/CACHE\/(?:css|js)\/[^"]+/)?.[0] as string)
        .sort()
        .map((url) => ({ url, text: fs.readFileSync(path.join(dist, url), 'utf8') }))
    }
    const watch = await watchBuild(root)
    const edit = async (file: string, content: string | Buffer) => {
      await watch.edit(file, content)
      return outputs()
    }
    try {
      await watch.first
      const first = outputs()
      const texts = first.map((o) => o.text)
      expect(texts).toHaveLength(3)
      expect(texts).toContain('.a{color:red}')
      expect(texts).toContainEqual(expect.stringMatching(/^\.a\{color:red\}\.logo\{background:url\(\.\.\/\.\.\/assets\/logo-[\w-]+\.png\)\}$/))
      expect(texts).toContain('var a=1;\nvar b=2;\n')

      const script = await edit('static/b.js', 'var b = 3')
      expect(script.find((o) => o.url.includes('/js/'))?.text).toBe('var a=1;\nvar b=3;\n')
      expect(script.filter((o) => o.url.includes('/css/'))).toEqual(first.filter((o) => o.url.includes('/css/')))

      const image = await edit('static/img/logo.png', png(2))
      const logoCss = (list: typeof first) => list.find((o) => o.text.includes('.logo')) as { url: string; text: string }
      const asset = logoCss(image).text.match(/assets\/logo-[\w-]+\.png/)?.[0] as string
      expect(asset).not.toBe(logoCss(first).text.match(/assets\/logo-[\w-]+\.png/)?.[0])
      expect(fs.readFileSync(path.join(dist, asset)).equals(png(2))).toBe(true)

      const shared = await edit('static/a.css', '.a{color:green}')
      expect(shared.filter((o) => o.text.startsWith('.a{color:green}'))).toHaveLength(2)
      // Back to what it was: the same output names as before, the files as they were.
      const back = await edit('static/a.css', '.a{color:red}')
      expect(back.find((o) => o.text === '.a{color:red}')?.url).toBe(first.find((o) => o.text === '.a{color:red}')?.url)
      expect(logoCss(back).text).toBe(logoCss(image).text.replace('green', 'red'))
    } finally {
      await watch.close()
    }
  })

  it('follows a static URL to the next static root when its file goes away from the first', async () => {
    const png = (fill: number) => Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(6000, fill)])
    const root = writeTree({
      'templates/a.html': '{% compress css %}<link rel="stylesheet" href="/static/css/a.css">{% endcompress %}',
      'static/css/a.css': '.a{background:url(/static/img/a.png)}',
      'static/img/a.png': png(1),
      'more/img/a.png': png(2),
    })
    const dist = path.join(root, 'dist')
    /** The image the block's stylesheet points at, as bytes. */
    const image = () => {
      const m = JSON.parse(fs.readFileSync(path.join(dist, 'CACHE/manifest.json'), 'utf8')) as Record<string, string>
      const css = fs.readFileSync(path.join(dist, (Object.values(m)[0] as string).match(/CACHE\/css\/[^"]+/)?.[0] as string), 'utf8')
      return fs.readFileSync(path.join(dist, 'CACHE/css', css.match(/url\(([^)]+)\)/)?.[1] as string))
    }
    const watch = await watchBuild(root, { templates: 'templates/*.html', staticRoot: ['static', 'more'] })
    try {
      await watch.first
      expect(image().equals(png(1))).toBe(true)
      await watch.edit('static/img/a.png', null)
      expect(image().equals(png(2))).toBe(true)
    } finally {
      await watch.close()
    }
  })
})
