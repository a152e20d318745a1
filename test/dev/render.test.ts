/** The pure parts of development mode: rendering blocks for the dev server, its file, its origin. */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { corsAllows, devServerInfo, servedPath, serverOrigin, writeHotFile } from '../../src/plugin/dev.js'
import {
  createDevRenderer,
  type DevServer,
  devRendererFor,
  devServerFile,
  parseDevServer,
  readDevServer,
  renderDevBlock,
} from '../../src/runtime/dev.js'
import { createPageState } from '../../src/runtime/page.js'

const DEV: DevServer = {
  origin: 'http://127.0.0.1:5173',
  base: '/static/',
  staticUrl: '/static/',
  url: 'http://127.0.0.1:5173/static/',
  client: 'http://127.0.0.1:5173/static/@vite/client',
}
const CLIENT = '<script type="module" src="http://127.0.0.1:5173/static/@vite/client"></script>'
const dirs: string[] = []
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-devunit-'))
  dirs.push(d)
  return d
}
/** Replaces a file as the plugin does (a new inode), so a change is seen even within one mtime tick. */
const replace = (file: string, text: string) => {
  fs.writeFileSync(`${file}.tmp`, text)
  fs.renameSync(`${file}.tmp`, file)
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

describe('renderDevBlock', () => {
  it("writes Vite's client once per page when the engine tracks the page", () => {
    const css = '<link rel="stylesheet" href="/static/css/a.css">'
    const page = createPageState()
    const first = renderDevBlock(css, { kind: 'css', page }, DEV)
    const second = renderDevBlock(css.replace('a.css', 'b.css'), { kind: 'css', page }, DEV)
    expect(first.startsWith(CLIENT)).toBe(true)
    expect(second).toBe('<link rel="stylesheet" href="http://127.0.0.1:5173/static/css/b.css">')
    expect(renderDevBlock(css, { kind: 'css', page: createPageState() }, DEV).startsWith(CLIENT)).toBe(true)
  })

  it('points stylesheets at the dev server, keeping attributes, inline styles and other URLs', () => {
    const content = [
      '',
      '<link rel="stylesheet" href="/static/css/a.css">',
      '<link rel="stylesheet" href="/static/css/theme.scss?v=1&amp;x=2" media="print" data-x>',
      '<style>p { color: red }</style>',
      '<link rel="stylesheet" href="https://cdn.example.com/x.css">',
      '',
    ].join('\n')
    expect(renderDevBlock(content, { kind: 'css' }, DEV)).toBe(
      `${CLIENT}\n` +
        '<link rel="stylesheet" href="http://127.0.0.1:5173/static/css/a.css">\n' +
        '<link rel="stylesheet" href="http://127.0.0.1:5173/static/css/theme.scss?v=1&amp;x=2" media="print" data-x>\n' +
        '<style>p { color: red }</style>\n' +
        '<link rel="stylesheet" href="https://cdn.example.com/x.css">\n',
    )
  })

  it('sends module scripts to Vite and classic scripts with ?classic; inline scripts stay', () => {
    const content =
      '<script src="/static/js/a.js" defer></script><script type="module" src="/static/js/main.ts"></script>' +
      '<script>var x = 1</script><script src="/static/js/b.js?v=2"></script>'
    expect(renderDevBlock(content, { kind: 'js' }, DEV)).toBe(
      CLIENT +
        '<script src="http://127.0.0.1:5173/static/js/a.js?classic" defer></script>' +
        '<script type="module" src="http://127.0.0.1:5173/static/js/main.ts"></script>' +
        '<script>var x = 1</script>' +
        '<script src="http://127.0.0.1:5173/static/js/b.js?v=2&amp;classic"></script>',
    )
  })

  it('renders a preload block as preload links to the same URLs, and nothing else', () => {
    const css = '<link rel="stylesheet" href="/static/css/g.css"><style>p{}</style>'
    expect(renderDevBlock(css, { kind: 'css', mode: 'preload' }, DEV)).toBe(
      `${CLIENT}<link rel="preload" href="http://127.0.0.1:5173/static/css/g.css" as="style">`,
    )
    const js = '<script src="/static/js/a.js"></script>\n<script type="module" src="/static/js/m.js"></script>'
    expect(renderDevBlock(js, { kind: 'js', mode: 'preload' }, DEV)).toBe(
      `${CLIENT}<link rel="preload" href="http://127.0.0.1:5173/static/js/a.js?classic" as="script">` +
        '<link rel="modulepreload" href="http://127.0.0.1:5173/static/js/m.js">',
    )
  })

  it('inline mode renders like file mode (links, so stylesheets hot-update)', () => {
    const content = '<link rel="stylesheet" href="/static/css/c.css">'
    expect(renderDevBlock(content, { kind: 'css', mode: 'inline' }, DEV)).toBe(
      renderDevBlock(content, { kind: 'css', mode: 'file' }, DEV),
    )
  })

  it('puts the nonce on every tag', () => {
    const html = renderDevBlock(
      '<link rel="stylesheet" href="/static/a.css"><style>p{}</style>',
      { kind: 'css', nonce: 'n"1' },
      DEV,
    )
    expect(html).toBe(
      '<script nonce="n&quot;1" type="module" src="http://127.0.0.1:5173/static/@vite/client"></script>' +
        '<link nonce="n&quot;1" rel="stylesheet" href="http://127.0.0.1:5173/static/a.css"><style nonce="n&quot;1">p{}</style>',
    )
  })
})

describe('the dev server file', () => {
  it('is what the plugin writes and the runtime reads', () => {
    const info = devServerInfo('http://127.0.0.1:5173', '/static/', '/static/')
    expect(parseDevServer(JSON.stringify(info))).toEqual({ ...DEV, pid: process.pid, hostname: os.hostname() })
  })

  it('is refused when it is not one, naming the file', () => {
    expect(() => parseDevServer('{', 'x.json')).toThrow(/^x\.json: not JSON/)
    expect(() => parseDevServer('[]', 'x.json')).toThrow('x.json: not a JSON object')
    expect(() => parseDevServer(JSON.stringify({ ...DEV, client: 3 }), 'x.json')).toThrow(
      '`client` must be a non-empty string',
    )
    expect(() => parseDevServer(JSON.stringify({ ...DEV, url: 'http://x/static' }), 'x.json')).toThrow(
      "must end with '/'",
    )
  })

  it('sits beside the manifest', () => {
    expect(devServerFile('/srv/dist/CACHE/manifest.json')).toBe('/srv/dist/CACHE/dev-server.json')
    expect(devServerFile(new URL('file:///srv/dist/CACHE/manifest.json'))).toBe('/srv/dist/CACHE/dev-server.json')
  })

  it('is written atomically and removed by its writer only, which unhooks its signal handlers', () => {
    const file = path.join(tmp(), 'CACHE', 'dev-server.json')
    const before = process.listenerCount('SIGINT')
    const remove = writeHotFile(file, devServerInfo('http://localhost:5173', '/', '/static/'))
    expect(readDevServer(file)?.url).toBe('http://localhost:5173/static/')
    expect(process.listenerCount('SIGINT')).toBe(before + 1)
    remove()
    expect(fs.existsSync(file)).toBe(false)
    expect(process.listenerCount('SIGINT')).toBe(before)

    // Another dev server wrote it since: leave it alone.
    const removeFirst = writeHotFile(file, devServerInfo('http://localhost:5173', '/', '/static/'))
    const removeSecond = writeHotFile(file, devServerInfo('http://localhost:5174', '/', '/static/'))
    removeFirst()
    expect(readDevServer(file)?.origin).toBe('http://localhost:5174')
    removeSecond()
    expect(fs.existsSync(file)).toBe(false)
  })
})

describe('createDevRenderer', () => {
  it('follows the file: none, started, restarted elsewhere, stopped', () => {
    const file = path.join(tmp(), 'dev-server.json')
    const dev = createDevRenderer(file, { interval: 0 })
    const block = '<link rel="stylesheet" href="/static/a.css">'
    expect(dev.render(block, { kind: 'css' })).toBeUndefined()
    replace(file, JSON.stringify(devServerInfo('http://127.0.0.1:5173', '/static/', '/static/')))
    expect(dev.render(block, { kind: 'css' })).toContain('href="http://127.0.0.1:5173/static/a.css"')
    replace(file, JSON.stringify(devServerInfo('http://127.0.0.1:5999', '/static/', '/static/')))
    expect(dev.render(block, { kind: 'css', nonce: 'abc' })).toContain(
      '<link nonce="abc" rel="stylesheet" href="http://127.0.0.1:5999/static/a.css">',
    )
    fs.rmSync(file)
    expect(dev.render(block, { kind: 'css' })).toBeUndefined()
  })

  it('looks at the file at most once per interval', () => {
    const file = path.join(tmp(), 'dev-server.json')
    const dev = createDevRenderer(file, { interval: 60_000 })
    expect(dev.current()).toBeUndefined()
    replace(file, JSON.stringify(DEV))
    expect(dev.current()).toBeUndefined()
  })

  it('ignores a corrupt file and a file left by a process that is gone, with a warning', () => {
    const file = path.join(tmp(), 'dev-server.json')
    const warnings: string[] = []
    const dev = createDevRenderer(file, { interval: 0, logger: { warn: (m) => warnings.push(m) } })
    replace(file, '{"origin":')
    expect(dev.current()).toBeUndefined()
    expect(warnings[0]).toMatch(/ignoring the dev server file: .*not JSON/)
    const gone = spawnSync(process.execPath, ['-e', '0']).pid as number
    replace(file, JSON.stringify({ ...DEV, pid: gone, hostname: os.hostname() }))
    expect(dev.current()).toBeUndefined()
    expect(dev.current()).toBeUndefined()
    expect(warnings).toHaveLength(2)
    expect(warnings[1]).toContain(`names dev server process ${gone}, which is not running`)
    // Written on another host (a container): taken at its word.
    replace(file, JSON.stringify({ ...DEV, pid: gone, hostname: 'elsewhere' }))
    expect(dev.current()?.origin).toBe(DEV.origin)
  })
})

describe('devRendererFor', () => {
  it('is only for development, and needs a file to follow', () => {
    expect(devRendererFor({ enabled: true, manifest: '/srv/CACHE/manifest.json' })).toBeUndefined()
    expect(devRendererFor({ enabled: false, manifest: '/srv/CACHE/manifest.json', dev: false })).toBeUndefined()
    expect(devRendererFor({ enabled: false, manifest: {} })).toBeUndefined()
    expect(devRendererFor({ enabled: false, manifest: '/srv/CACHE/manifest.json' })?.file).toBe(
      '/srv/CACHE/dev-server.json',
    )
    expect(devRendererFor({ enabled: false, manifest: {}, dev: '/run/vite.json' })?.file).toBe('/run/vite.json')
  })
})

describe('dev server addresses', () => {
  it('serves static files at the base when the base is the static URL, else under it', () => {
    expect(servedPath('/static/', '/static/')).toBe('/')
    expect(servedPath('/', '/static/')).toBe('/static/')
    expect(servedPath('/app/', 'https://cdn.example.com/static/')).toBe('/static/')
    expect(devServerInfo('http://h:1', '/app/', '/static/')).toMatchObject({
      url: 'http://h:1/app/static/',
      client: 'http://h:1/app/@vite/client',
    })
  })

  it('uses server.origin, else the configured host, else the address (localhost for a wildcard)', () => {
    const at = { address: '127.0.0.1', port: 5173 }
    expect(serverOrigin({ origin: 'https://dev.example.com/' }, at)).toBe('https://dev.example.com')
    expect(serverOrigin({}, at)).toBe('http://127.0.0.1:5173')
    expect(serverOrigin({ host: true }, { address: '::', port: 5173 })).toBe('http://localhost:5173')
    expect(serverOrigin({ host: '0.0.0.0' }, { address: '0.0.0.0', port: 1 })).toBe('http://localhost:1')
    expect(serverOrigin({ host: 'vite.local', https: {} }, at)).toBe('https://vite.local:5173')
    expect(serverOrigin({}, { address: '::1', port: 2 })).toBe('http://[::1]:2')
  })

  it("reads Vite's server.cors like Vite does", () => {
    const local = /^https?:\/\/(?:(?:[^:]+\.)?localhost|127\.0\.0\.1|\[::1\])(?::\d+)?$/
    expect(corsAllows({ origin: local }, 'http://127.0.0.1:3000')).toBe(true)
    expect(corsAllows({ origin: local }, 'https://evil.example')).toBe(false)
    expect(corsAllows(true, 'https://a.example')).toBe(true)
    expect(corsAllows(false, 'http://localhost')).toBe(false)
    expect(corsAllows({ origin: ['https://a.example', /b\.example$/] }, 'https://b.example')).toBe(true)
    expect(corsAllows({ origin: 'https://a.example' }, 'https://c.example')).toBe(false)
  })
})
