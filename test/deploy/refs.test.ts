import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { main, parseArgs } from '../../src/cli.js'
import {
  checkIntegrity,
  contentType,
  cssReferences,
  isHashedName,
  isTransientError,
  jsReferences,
  manifestFileName,
  manifestNameMatcher,
  manifestReferences,
  outputHash,
  resolveVersion,
  retry,
} from '../../src/deploy/index.js'
import { captureIO } from './helpers.js'

describe('versioned manifest names', () => {
  it('fills [version] from the option, else VITE_COMPRESSOR_VERSION', () => {
    expect(manifestFileName('manifest.json', undefined)).toBe('manifest.json')
    expect(manifestFileName('manifest.[version].json', '4f2a9c1')).toBe('manifest.4f2a9c1.json')
    expect(resolveVersion('v2', { VITE_COMPRESSOR_VERSION: 'v1' })).toBe('v2')
    expect(resolveVersion(undefined, { VITE_COMPRESSOR_VERSION: '4f2a9c1\n' })).toBe('4f2a9c1')
    expect(resolveVersion(undefined, {})).toBeUndefined()
    expect(() => manifestFileName('manifest.[version].json', undefined)).toThrow(/no version was given/)
    for (const bad of ['../x', 'a/b', '.hidden', 'a b', 'x'.repeat(129)]) {
      expect(() => manifestFileName('m.[version].json', bad), bad).toThrow(/cannot be part of a file name/)
    }
  })

  it('matches the names a template produces, and gives back the version', () => {
    const match = manifestNameMatcher('manifest.[version].json')
    expect(match('manifest.v2.json')).toEqual({ version: 'v2' })
    expect(match('manifest.json')).toBeUndefined()
    expect(match('manifestXv2.json')).toBeUndefined()
    expect(manifestNameMatcher('manifest.json')('manifest.json')).toEqual({ version: undefined })
  })
})

describe('references', () => {
  const P = '/__compressor_url_placeholder__/'
  it('takes every placeholder URL from manifest values, tags and inline CSS alike, once', () => {
    const r = manifestReferences([
      ['a'.repeat(64), `<link rel="stylesheet" href="${P}CACHE/css/output.0123456789ab.css?v=1" type="text/css">`],
      [
        'b'.repeat(64),
        `<style>.x{background:url(${P}assets/x-AbCd1234.png)}.y{background:url("${P}assets/x-AbCd1234.png#f")}</style>`,
      ],
      [
        `${'c'.repeat(64)}:js:file:`,
        `<script src="${P}CACHE/js/output.0123456789ab.js"></script>\n<script src="${P}CACHE/js/a%20b.0123456789ab.js"></script>`,
      ],
      ['d'.repeat(64), `<link href="${P}../outside.css">`],
    ])
    expect(r.refs.map((x) => x.path)).toEqual([
      'CACHE/css/output.0123456789ab.css',
      'assets/x-AbCd1234.png',
      'CACHE/js/output.0123456789ab.js',
      'CACHE/js/a b.0123456789ab.js',
    ])
    expect(r.refs[2]?.from).toBe('key cccccccccccc:js:file:')
    expect(r.bad).toEqual([
      { ref: `${P}../outside.css`, from: 'key dddddddddddd', reason: 'is not a path inside the output folder' },
    ])
  })

  it('follows relative url()s and @imports in CSS, not data:, absolute or external URLs', () => {
    const css = `@import "print.css";a{background:url(../../assets/a-12345678.png)}b{background:url('../../assets/b.svg#i')}
c{background:url(data:image/png;base64,AA==)}d{background:url(https://cdn.example.com/x.png)}e{background:url(/static/y.png)}
f{background:url(../../../../etc/passwd)}`
    const r = cssReferences(css, 'CACHE/css/output.0123456789ab.css')
    expect(r.refs.map((x) => x.path)).toEqual(['CACHE/css/print.css', 'assets/a-12345678.png', 'assets/b.svg'])
    expect(r.bad).toEqual([
      { ref: '../../../../etc/passwd', from: 'CACHE/css/output.0123456789ab.css', reason: 'leaves the output folder' },
    ])
  })

  it('follows imports in scripts (strong) and other relative strings (weak)', () => {
    const js = `import{t as e}from"../../assets/shared-BNOFCs8q.js";import("../../assets/lazy-AAAAAAAA.js");const u=new URL("../../assets/i-BBBBBBBB.png",import.meta.url);const deps=["../../assets/dep-CCCCCCCC.css"];import"nanoid"
//# sourceMappingURL=output.0123456789ab.js.map`
    const r = jsReferences(js, 'CACHE/js/output.0123456789ab.js')
    expect(r.refs.map((x) => [x.path, x.strong])).toEqual([
      ['assets/shared-BNOFCs8q.js', true],
      ['assets/lazy-AAAAAAAA.js', true],
      ['assets/i-BBBBBBBB.png', true],
      ['assets/dep-CCCCCCCC.css', false],
      ['CACHE/js/output.0123456789ab.js.map', false],
    ])
    // Asked for the strong ones only (a build's self-check), the same strong ones come back.
    const strong = jsReferences(js, 'CACHE/js/output.0123456789ab.js', false)
    expect(strong.refs.map((x) => x.path)).toEqual(r.refs.filter((x) => x.strong).map((x) => x.path))
  })

  it('knows which names carry our hash, and which carry any hash', () => {
    expect(outputHash('CACHE/css/output.0123456789ab.css')).toBe('0123456789ab')
    expect(outputHash('CACHE/js/site.0123456789ab.js')).toBe('0123456789ab')
    expect(outputHash('assets/shared-BNOFCs8q.js')).toBeUndefined()
    expect(outputHash('OTHER/css/output.0123456789ab.css')).toBeUndefined()
    expect(isHashedName('assets/shared-BNOFCs8q.js')).toBe(true)
    expect(isHashedName('CACHE/js/output.0123456789ab.js')).toBe(true)
    expect(isHashedName('robots.txt')).toBe(false)
  })

  it('checks SRI as browsers do: the strongest algorithm decides', () => {
    const bytes = Buffer.from('x')
    const h = (a: string) => `${a}-${createHash(a).update(bytes).digest('base64')}`
    expect(checkIntegrity(h('sha384'), bytes)).toBe('ok')
    expect(checkIntegrity(`${h('sha256')} sha512-wrong`, bytes)).toBe('mismatch')
    expect(checkIntegrity(`sha512-wrong ${h('sha512')}`, bytes)).toBe('ok')
    expect(checkIntegrity('md5-abc', bytes)).toBe('unsupported')
  })
})

describe('plumbing', () => {
  it('gives Content-Types for what builds emit', () => {
    expect(contentType('a.css')).toBe('text/css; charset=utf-8')
    expect(contentType('a.WOFF2')).toBe('font/woff2')
    expect(contentType('a.svg')).toBe('image/svg+xml')
    expect(contentType('LICENSE')).toBe('application/octet-stream')
  })

  it('retries transient errors only, a bounded number of times', async () => {
    let calls = 0
    const flaky = () => {
      calls++
      return Promise.reject(Object.assign(new Error('boom'), { $metadata: { httpStatusCode: 503 } }))
    }
    await expect(retry(flaky, isTransientError, { attempts: 3, baseDelayMs: 1 })).rejects.toThrow('boom')
    expect(calls).toBe(3)
    calls = 0
    const denied = () => {
      calls++
      return Promise.reject(Object.assign(new Error('AccessDenied'), { $metadata: { httpStatusCode: 403 } }))
    }
    await expect(retry(denied, isTransientError, { attempts: 3, baseDelayMs: 1 })).rejects.toThrow('AccessDenied')
    expect(calls).toBe(1)
    expect(isTransientError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }))).toBe(true)
    expect(isTransientError(new Error('NoSuchBucket'))).toBe(false)
  })

  it('parses the command line: --outDir and --out-dir, --keep=N, unknown options and commands', async () => {
    expect(parseArgs(['prune', '--outDir', 'dist', '--keep=3', '--dry-run']).opts).toEqual(
      new Map([
        ['out-dir', ['dist']],
        ['keep', ['3']],
        ['dry-run', ['true']],
      ]),
    )
    const cases: [string[], RegExp][] = [
      [['verify', '--bogus'], /unknown option --bogus/],
      [['deploy'], /unknown command "deploy"/],
      [['check'], /check needs at least one server URL/],
      [['check', 'ftp://x/'], /not an http\(s\) URL: ftp:\/\/x\//],
      [['verify', 'extra'], /verify takes no arguments/],
      [['prune', '--keep', 'two'], /--keep must be a whole number/],
      [['verify', '--keep', '2'], /verify does not take --keep/],
      [['upload', '--bucket'], /--bucket needs a value/],
      [[], /Usage: vite-compressor <command>/],
    ]
    for (const [argv, message] of cases) {
      const { io, err } = captureIO()
      expect(await main(argv, io), argv.join(' ')).toBe(2)
      expect(err.join('\n'), argv.join(' ')).toMatch(message)
    }
    const help = captureIO()
    expect(await main(['--help'], help.io)).toBe(0)
    expect(help.out[0]).toMatch(/^Usage: vite-compressor <command> \[options\]/)
  })
})
