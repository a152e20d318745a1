import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { CompressorError } from '../../src/core/errors.js'
import { offlineKey } from '../../src/core/key.js'
import { createCompressor, MissingBlockError, qualifiedKey } from '../../src/runtime/index.js'
import { cleanup, entry, tempDir, writeManifest } from './helpers.js'

afterAll(cleanup)

const CSS = '\n<link rel="stylesheet" href="/static/css/a.css">\n<link rel="stylesheet" href="/static/css/b.css">\n'
const JS = '\n<script src="/static/js/a.js"></script>\n'

describe('createCompressor', () => {
  it('renders a block as the manifest html with the static URL filled in', async () => {
    const manifest = await writeManifest([entry(CSS, 'css', 'file')])
    const c = createCompressor({ manifest, enabled: true })
    expect(c.render(CSS, { kind: 'css' })).toBe(
      '<link rel="stylesheet" href="/static/CACHE/css/output.0123456789ab.css" type="text/css">',
    )
    expect(c.manifest).toBe(manifest)
  })

  it('fills a CDN url while the key still drops the local static URL', async () => {
    const manifest = await writeManifest([entry(JS, 'js', 'file')])
    const c = createCompressor({ manifest, enabled: true, url: 'https://cdn.example.com/static/' })
    expect(c.staticUrl).toBe('/static/')
    expect(c.render(JS, { kind: 'js' })).toBe(
      '<script src="https://cdn.example.com/static/CACHE/js/output.0123456789ab.js"></script>',
    )
  })

  it('computes the key without staticUrl, like django-compressor', async () => {
    const content = '<link rel="stylesheet" href="/assets/x.css">'
    const c = createCompressor({ manifest: new Map(), enabled: true, url: '/assets/' })
    expect(c.staticUrl).toBe('/assets/')
    expect(c.key(content)).toBe(offlineKey('<link rel="stylesheet" href="x.css">', ''))
  })

  it('accepts an already-parsed manifest object or Map', () => {
    const [key, html] = entry(CSS, 'css', 'preload')
    for (const manifest of [{ [key]: html }, new Map([[key, html]])]) {
      const c = createCompressor({ manifest, enabled: true })
      expect(c.render(CSS, { kind: 'css', mode: 'preload' })).toBe(
        '<link rel="preload" href="/static/CACHE/css/output.0123456789ab.css" as="style" />',
      )
    }
  })

  it('renders a precomputed key with renderKey', () => {
    const [key, html] = entry(CSS, 'css', 'file')
    const c = createCompressor({ manifest: { [key]: html }, enabled: true })
    expect(c.renderKey(key, CSS, { kind: 'css' })).toBe(c.render(CSS, { kind: 'css' }))
  })

  it('prefers a qualified key when the same content is used with another kind, mode or name', () => {
    const [key, plain] = entry(CSS, 'css', 'file')
    const [, inline] = entry(CSS, 'css', 'inline', { content: 'a{color:red}' })
    const c = createCompressor({
      manifest: { [key]: plain, [qualifiedKey(key, 'css', 'inline', 'main')]: inline },
      enabled: true,
    })
    expect(c.render(CSS, { kind: 'css', mode: 'inline', name: 'main' })).toBe(
      '<style type="text/css">a{color:red}</style>',
    )
    expect(c.render(CSS, { kind: 'css', mode: 'file' })).toContain('<link rel="stylesheet"')
    expect(qualifiedKey('ab', 'js', 'file', undefined)).toBe('ab:js:file:')
  })

  it('throws MissingBlockError naming the key, template, line and what to do', () => {
    const c = createCompressor({ manifest: new Map(), enabled: true })
    const key = offlineKey(JS, '/static/')
    let error: unknown
    try {
      c.render(JS, { kind: 'js', template: 'templates/base.html', line: 12 })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(MissingBlockError)
    expect(error).toBeInstanceOf(CompressorError)
    const err = error as MissingBlockError
    expect(err.code).toBe('MISSING_BLOCK')
    expect(err.key).toBe(key)
    expect(err.template).toBe('templates/base.html')
    expect(err.line).toBe(12)
    expect(err.content).toBe(JS)
    expect(err.message).toMatch(/^templates\/base\.html:12:1: \{% compress js %\} block: /)
    expect(err.message).toContain(key)
    expect(err.message).toContain('vite build')
    expect(err.message).toContain('`context`')
  })

  it('with strict: false renders the content as it is and warns once per key', () => {
    const warn = vi.fn()
    const c = createCompressor({ manifest: new Map(), enabled: true, strict: false, logger: { warn } })
    expect(c.render(JS, { kind: 'js' })).toBe(JS)
    expect(c.render(JS, { kind: 'js' })).toBe(JS)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(warn.mock.calls[0]?.[0]).toContain(offlineKey(JS, '/static/'))
    c.render(CSS, { kind: 'css' })
    expect(warn).toHaveBeenCalledTimes(2)
  })

  it('with enabled: false passes content through and never reads the manifest', () => {
    const c = createCompressor({ manifest: '/nonexistent/manifest.json', enabled: false })
    expect(c.render(CSS, { kind: 'css' })).toBe(CSS)
    expect(c.renderKey('whatever', JS, { kind: 'js' })).toBe(JS)
  })

  it('defaults enabled to NODE_ENV === production', () => {
    vi.stubEnv('NODE_ENV', 'development')
    try {
      expect(createCompressor({ manifest: '/nonexistent.json' }).enabled).toBe(false)
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('fails at creation, naming the path, for a missing, empty or corrupt manifest', async () => {
    const dir = await tempDir()
    const missing = join(dir, 'CACHE', 'manifest.json')
    const cases: [string, RegExp][] = [
      [missing, /not found; run `vite build`/],
      [await writeManifest(''), /is empty/],
      [await writeManifest('{"abc": "<link'), /not valid JSON/],
      [await writeManifest('["x"]'), /must be a JSON object/],
      [await writeManifest('{"abc": 1}'), /value of key abc is not a string/],
    ]
    for (const [manifest, message] of cases) {
      let error: CompressorError | undefined
      try {
        createCompressor({ manifest, enabled: true })
      } catch (e) {
        error = e as CompressorError
      }
      expect(error?.code, manifest).toBe('MANIFEST')
      expect(error?.message).toContain(manifest)
      expect(error?.message).toMatch(message)
    }
  })

  it('rejects a url or staticUrl without a trailing slash', () => {
    expect(() => createCompressor({ manifest: {}, enabled: true, url: 'https://cdn.example.com/static' })).toThrow(
      /url must end with '\/'/,
    )
    expect(() => createCompressor({ manifest: {}, enabled: true, staticUrl: '/static' })).toThrow(
      /staticUrl must end with '\/'/,
    )
  })

  it('adds an escaped nonce to every emitted script, style and link tag', () => {
    const [key, html] = entry(JS, 'js', 'inline', { content: 'document.write("<script")' })
    const [key2, html2] = entry(CSS, 'css', 'file')
    const c = createCompressor({ manifest: { [key]: html, [key2]: html2 }, enabled: true })
    expect(c.render(JS, { kind: 'js', mode: 'inline', nonce: 'a"b' })).toBe(
      '<script nonce="a&quot;b">document.write("<script")</script>',
    )
    expect(c.render(CSS, { kind: 'css', nonce: 'n1' })).toBe(
      '<link nonce="n1" rel="stylesheet" href="/static/CACHE/css/output.0123456789ab.css" type="text/css">',
    )
    // The nonce is per render, not remembered.
    expect(c.render(CSS, { kind: 'css' })).not.toContain('nonce')
  })

  it('adds the nonce to uncompressed content too, so a CSP still lets it run', () => {
    const c = createCompressor({ manifest: {}, enabled: false })
    expect(c.render(JS, { kind: 'js', nonce: 'n1' })).toBe('\n<script nonce="n1" src="/static/js/a.js"></script>\n')
  })
})
