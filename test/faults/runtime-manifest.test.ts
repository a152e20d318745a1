/**
 * Faults, runtime side: a missing, empty, truncated or invalid manifest fails createCompressor at
 * start-up with a CompressorError naming the path, never later per request.
 */
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { CompressorError } from '../../src/core/errors.js'
import { renderBlockHtml } from '../../src/core/html.js'
import { offlineKey } from '../../src/core/key.js'
import { serializeManifest } from '../../src/core/manifest.js'
import { createCompressor, replaceBlocks } from '../../src/runtime/index.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-faults-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const content = '\n<link rel="stylesheet" href="/static/a.css">\n'
const key = offlineKey(content, '/static/')
const good = serializeManifest([
  [
    key,
    renderBlockHtml('css', 'file', [
      { type: 'output', path: 'CACHE/css/output.0123456789ab.css', content: '', media: null, extra: '', module: false },
    ]),
  ],
  ['f'.repeat(64), '<script src="/__compressor_url_placeholder__/CACHE/js/output.ba9876543210.js"></script>'],
])

let n = 0
/** Writes a manifest file with the given bytes and returns its absolute path. */
function manifestFile(text: string | Buffer): string {
  const file = path.join(dir, `m${n++}`, 'CACHE', 'manifest.json')
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
  return file
}

/** createCompressor must throw a MANIFEST CompressorError whose message names `file` and matches `detail`. */
function expectStartupError(manifest: string | URL, file: string, detail: RegExp): CompressorError {
  let caught: unknown
  try {
    createCompressor({ manifest, enabled: true })
  } catch (err) {
    caught = err
  }
  expect(caught, 'createCompressor should throw').toBeInstanceOf(CompressorError)
  const error = caught as CompressorError
  expect(error.code).toBe('MANIFEST')
  expect(error.message.startsWith(`manifest ${file}`)).toBe(true)
  expect(error.message).toMatch(detail)
  return error
}

describe('faults: a bad manifest fails createCompressor at start-up, naming the path', () => {
  it('missing manifest → "not found; run `vite build`"', () => {
    const file = path.join(dir, 'nowhere', 'CACHE', 'manifest.json')
    const e = expectStartupError(file, file, /not found; run `vite build` to write it/)
    expect((e.cause as NodeJS.ErrnoException).code).toBe('ENOENT')
  })

  it('missing manifest given as a file: URL → the path, not the URL', () => {
    const file = path.join(dir, 'nowhere2', 'manifest.json')
    expectStartupError(pathToFileURL(file), file, /not found/)
  })

  it('missing manifest given as a relative path → resolved to an absolute path in the message', () => {
    const rel = path.relative(process.cwd(), path.join(dir, 'rel', 'manifest.json'))
    expectStartupError(rel, path.resolve(rel), /not found/)
  })

  it('empty manifest (0 bytes) → "is empty"', () => {
    const file = manifestFile('')
    expectStartupError(file, file, /is empty; run `vite build` to write it again/)
  })

  it('whitespace-only manifest → "is empty"', () => {
    const file = manifestFile(' \n\t\n')
    expectStartupError(file, file, /is empty/)
  })

  it.each([1, 2, 10, 80, 150])('truncated manifest (first %i bytes) → "not valid JSON … may be truncated"', (bytes) => {
    const file = manifestFile(good.slice(0, bytes))
    expectStartupError(file, file, /is not valid JSON \(.+\); it may be truncated: run `vite build` again/)
  })

  it('truncated manifest (all but the last closing brace) → "not valid JSON"', () => {
    const file = manifestFile(good.trimEnd().slice(0, -1))
    expectStartupError(file, file, /is not valid JSON/)
  })

  it.each([
    ['a JSON array', '["a"]', /must be a JSON object of \{ key: html \}/],
    ['JSON null', 'null', /must be a JSON object of \{ key: html \}/],
    ['a JSON string', '"<link>"', /must be a JSON object of \{ key: html \}/],
    ['a number value', '{"abc": 1}', /the value of key abc is not a string/],
    ['a nested object value', '{"abc": {"html": "x"}}', /the value of key abc is not a string/],
    ['not JSON at all (HTML)', '<html>502 Bad Gateway</html>', /is not valid JSON/],
    ['binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x80]), /is not valid JSON/],
  ])('invalid manifest: %s → a clear message', (_name, text, detail) => {
    const file = manifestFile(text)
    expectStartupError(file, file, detail)
  })

  it('a directory where the manifest should be → "could not be read (EISDIR)"', () => {
    const file = path.join(dir, 'isdir', 'manifest.json')
    fs.mkdirSync(file, { recursive: true })
    expectStartupError(file, file, /could not be read \(EISDIR\)/)
  })

  it('an object manifest with a non-string value → fails at creation', () => {
    expect(() => createCompressor({ manifest: { [key]: 1 } as never, enabled: true })).toThrow(
      /manifest \(manifest object\): the value of key [0-9a-f]{64} is not a string/,
    )
  })
})

describe('faults: the manifest is read once; requests never touch the file', () => {
  it('after start-up, deleting, truncating or corrupting the file changes nothing for requests', () => {
    const file = manifestFile(good)
    const compressor = createCompressor({ manifest: file, enabled: true, url: '/static/' })
    const expected = '<link rel="stylesheet" href="/static/CACHE/css/output.0123456789ab.css" type="text/css">'
    expect(compressor.render(content, { kind: 'css' })).toBe(expected)
    fs.writeFileSync(file, good.slice(0, 20))
    expect(compressor.render(content, { kind: 'css' })).toBe(expected)
    fs.rmSync(file)
    expect(compressor.render(content, { kind: 'css' })).toBe(expected)
    expect(compressor.renderKey(key, content, { kind: 'css', nonce: 'n0nce' })).toBe(
      '<link nonce="n0nce" rel="stylesheet" href="/static/CACHE/css/output.0123456789ab.css" type="text/css">',
    )
  })

  it('disabled (enabled: false) never reads the manifest, so a missing one is not an error', () => {
    const compressor = createCompressor({ manifest: path.join(dir, 'absent.json'), enabled: false })
    expect(compressor.render(content, { kind: 'css' })).toBe(content)
  })

  it('an unknown block is a per-request MissingBlockError (strict), not a start-up failure', () => {
    const compressor = createCompressor({ manifest: manifestFile(good), enabled: true })
    expect(() => compressor.render('<style>other</style>', { kind: 'css' })).toThrow(
      /no entry for key [0-9a-f]{64} in manifest /,
    )
  })
})

describe('faults: the offline runtime opens no network connection', () => {
  it('createCompressor, render, renderKey and replaceBlocks never connect a socket or call fetch', () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect')
    const fetch = vi.spyOn(globalThis, 'fetch')
    try {
      const compressor = createCompressor({
        manifest: manifestFile(good),
        enabled: true,
        url: 'https://cdn.example.com/static/',
      })
      expect(compressor.render(content, { kind: 'css' })).toBe(
        '<link rel="stylesheet" href="https://cdn.example.com/static/CACHE/css/output.0123456789ab.css" type="text/css">',
      )
      compressor.renderKey(key, content, { kind: 'css', nonce: 'n' })
      replaceBlocks(`<!-- compress css -->${content}<!-- endcompress -->`, compressor)
      expect(connect).not.toHaveBeenCalled()
      expect(fetch).not.toHaveBeenCalled()
    } finally {
      connect.mockRestore()
      fetch.mockRestore()
    }
  })
})
