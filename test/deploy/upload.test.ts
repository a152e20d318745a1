import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli.js'
import {
  CACHE_CONTROL,
  loadRemoteManifest,
  resolveS3Options,
  UploadError,
  uploadOutDir,
  verifyOutDir,
} from '../../src/deploy/index.js'
import { createCompressor } from '../../src/runtime/index.js'
import { listFiles } from '../helpers/fixture.js'
import { buildVersion, captureIO, serveStatic, tmpDir } from './helpers.js'
import { CREDENTIALS, getObject, listKeys, startFaultyProxy, startS3 } from './s3.js'

let s3: Awaited<ReturnType<typeof startS3>>
let v1: string
let v2: string
const env = {
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_REGION: 'eu-west-3',
} as NodeJS.ProcessEnv
const FAST = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 }

beforeAll(async () => {
  s3 = await startS3()
  v1 = await buildVersion(tmpDir(), 1, false)
  v2 = await buildVersion(tmpDir(), 2, false)
})
afterAll(async () => {
  await s3?.close()
})

describe('upload to S3-compatible storage', () => {
  it('puts every output and asset with its type and immutable caching, the manifest last; a rerun skips them all', async () => {
    const { io, out, err } = captureIO()
    io.env = { ...env }
    const code = await main(
      ['upload', '--outDir', v1, '--bucket', 'static', '--prefix', 'site1/static', '--endpoint', s3.endpoint],
      io,
    )
    expect(err).toEqual([])
    expect(code).toBe(0)
    const files = listFiles(v1)
    const keys = await listKeys(s3.client)
    expect(keys).toEqual(files.map((f) => `site1/static/${f}`))
    // The manifest's PUT is the last line before the summary.
    expect(out.at(-2)).toBe('uploaded site1/static/CACHE/manifest.json (manifest, last)')
    expect(out.at(-1)).toBe(
      'upload: s3://static/site1/static/CACHE/manifest.json published; 7 file(s) uploaded, 0 already there',
    )
    for (const f of files) {
      const o = await getObject(s3.client, `site1/static/${f}`)
      expect(o?.body.equals(fs.readFileSync(path.join(v1, f))), f).toBe(true)
      const type = f.endsWith('.css')
        ? 'text/css; charset=utf-8'
        : f.endsWith('.js')
          ? 'text/javascript; charset=utf-8'
          : f.endsWith('.png')
            ? 'image/png'
            : 'application/json; charset=utf-8'
      expect(o?.contentType, f).toBe(type)
      expect(o?.cacheControl, f).toBe(f.endsWith('manifest.json') ? CACHE_CONTROL.manifest : CACHE_CONTROL.hashed)
    }
    expect(CACHE_CONTROL.hashed).toBe('public, max-age=31536000, immutable')

    const again = captureIO()
    again.io.env = { ...env, VITE_COMPRESSOR_S3_BUCKET: 'static', AWS_ENDPOINT_URL_S3: s3.endpoint }
    expect(await main(['upload', '--outDir', v1, '--prefix', 'site1/static/'], again.io)).toBe(0)
    expect(again.out).toEqual([
      'upload: s3://static/site1/static/CACHE/manifest.json already published; 0 file(s) uploaded, 7 already there',
    ])
  })

  it('keeps the previous manifest published when the server fails mid-upload, and a rerun completes', async () => {
    const prefix = 'site2/'
    await uploadOutDir(v1, { bucket: 'static', prefix, endpoint: s3.endpoint, credentials: CREDENTIALS })
    const published = (await getObject(s3.client, `${prefix}CACHE/manifest.json`))?.body
    expect(published?.equals(fs.readFileSync(path.join(v1, 'CACHE/manifest.json')))).toBe(true)

    // Version 2: six new files (the background image is the same). From the third PUT on, the
    // server fails every request: 500s and dropped connections, beyond what retries cover.
    const proxy = await startFaultyProxy(s3.endpoint, (n) => (n <= 2 ? 'pass' : n % 2 ? '500' : 'drop'))
    const log: string[] = []
    const failing = uploadOutDir(v2, {
      bucket: 'static',
      prefix,
      endpoint: proxy.endpoint,
      credentials: CREDENTIALS,
      retry: FAST,
      concurrency: 2,
      log: (l) => log.push(l),
    })
    const error = await failing.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UploadError)
    expect((error as UploadError).failed).toHaveLength(4)
    expect((error as Error).message).toMatch(
      /failed for 4 file\(s\); the manifest was not uploaded, the previous one stays published/,
    )
    expect(log.filter((l) => l.startsWith('retrying PUT'))).toHaveLength(4 * 3)
    expect(proxy.puts()).toBe(2 + 4 * 4) // bounded: 4 attempts per file
    const still = (await getObject(s3.client, `${prefix}CACHE/manifest.json`))?.body
    expect(still?.equals(published as Buffer)).toBe(true)
    await proxy.close()

    // The rerun, through a server that works again: only what is missing goes up, then the manifest.
    const { io, out } = captureIO()
    io.env = { ...env }
    expect(
      await main(['upload', '--outDir', v2, '--bucket', 'static', '--prefix', prefix, '--endpoint', s3.endpoint], io),
    ).toBe(0)
    expect(out.at(-1)).toBe(
      'upload: s3://static/site2/CACHE/manifest.json published; 4 file(s) uploaded, 3 already there',
    )
    const now = (await getObject(s3.client, `${prefix}CACHE/manifest.json`))?.body
    expect(now?.equals(fs.readFileSync(path.join(v2, 'CACHE/manifest.json')))).toBe(true)
    // Both versions' files are in the bucket: servers still on version 1 keep working.
    const keys = await listKeys(s3.client)
    for (const f of [...listFiles(v1), ...listFiles(v2)].filter((f) => !f.endsWith('manifest.json'))) {
      expect(keys).toContain(prefix + f)
    }
  })

  it('retries a transient 500 and a dropped connection, then succeeds', async () => {
    const proxy = await startFaultyProxy(s3.endpoint, (n) => (n === 1 ? '500' : n === 2 ? 'drop' : 'pass'))
    const r = await uploadOutDir(v2, {
      bucket: 'static',
      prefix: 'site3/',
      endpoint: proxy.endpoint,
      credentials: CREDENTIALS,
      retry: FAST,
      concurrency: 1,
    })
    await proxy.close()
    expect(r.retries).toBe(2)
    expect(r.manifestUploaded).toBe(true)
    expect(r.uploaded).toHaveLength(7)
    expect(proxy.faults()).toBe(2)
  })

  it('refuses to upload a build that fails verification, and needs a bucket', async () => {
    const broken = tmpDir()
    fs.cpSync(v2, broken, { recursive: true })
    const css = listFiles(broken).find((f) => f.endsWith('.css')) as string
    fs.appendFileSync(path.join(broken, css), '/* changed */')
    expect((await verifyOutDir(broken)).ok).toBe(false)
    const { io, err } = captureIO()
    io.env = { ...env }
    expect(
      await main(
        ['upload', '--outDir', broken, '--bucket', 'static', '--prefix', 'broken/', '--endpoint', s3.endpoint],
        io,
      ),
    ).toBe(1)
    expect(err[0]).toMatch(
      /not uploading: the build in .* fails verification:\nCACHE\/manifest\.json: CACHE\/css\/output\.\w+\.css: content does not match/,
    )
    expect((await listKeys(s3.client)).filter((k) => k.startsWith('broken/'))).toEqual([])
    const nobucket = captureIO()
    expect(await main(['upload', '--outDir', v2], nobucket.io)).toBe(2)
    expect(nobucket.err[0]).toBe(
      'vite-compressor upload: S3: no bucket given; pass `bucket` (--bucket) or set VITE_COMPRESSOR_S3_BUCKET',
    )
  })

  it('takes endpoint, region and credentials from options first, then the AWS environment', () => {
    const fromEnv = resolveS3Options(
      { bucket: 'b', prefix: '/static' },
      { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_SESSION_TOKEN: 't' },
    )
    expect(fromEnv).toEqual({
      bucket: 'b',
      prefix: 'static/',
      endpoint: 'http://127.0.0.1:9',
      region: 'eu-west-3',
      credentials: { ...CREDENTIALS, sessionToken: 't' },
      forcePathStyle: true,
      timeoutMs: 30_000,
    })
    const given = resolveS3Options(
      { bucket: 'b', region: 'us-west-2', credentials: { accessKeyId: 'a', secretAccessKey: 's' } },
      env,
    )
    expect(given).toMatchObject({
      region: 'us-west-2',
      credentials: { accessKeyId: 'a', secretAccessKey: 's' },
      forcePathStyle: false,
      prefix: '',
    })
    expect(resolveS3Options({ bucket: 'b' }, {})).toMatchObject({
      region: 'us-east-1',
      credentials: undefined,
      endpoint: undefined,
    })
  })
})

describe('loading the manifest at start-up from a bucket or a URL', () => {
  it('reads its own version from the bucket and renders URLs under the CDN origin', async () => {
    await uploadOutDir(v2, {
      bucket: 'static',
      prefix: 'cdn/static/',
      endpoint: s3.endpoint,
      credentials: CREDENTIALS,
      manifest: 'manifest.json',
    })
    const manifest = await loadRemoteManifest({
      bucket: 'static',
      prefix: 'cdn/static/',
      endpoint: s3.endpoint,
      credentials: CREDENTIALS,
    })
    const local = JSON.parse(fs.readFileSync(path.join(v2, 'CACHE/manifest.json'), 'utf8')) as Record<string, string>
    expect(Object.fromEntries(manifest)).toEqual(local)
    const compressor = createCompressor({
      manifest,
      url: 'https://cdn.example.com/static/',
      staticUrl: '/static/',
      enabled: true,
    })
    const [key, html] = Object.entries(local).find(([, v]) => v.includes('stylesheet')) as [string, string]
    expect(compressor.renderKey(key, '', { kind: 'css' })).toBe(
      html.replace('/__compressor_url_placeholder__/', 'https://cdn.example.com/static/'),
    )
    await expect(
      loadRemoteManifest({
        bucket: 'static',
        prefix: 'nothing-here/',
        endpoint: s3.endpoint,
        credentials: CREDENTIALS,
        retry: FAST,
      }),
    ).rejects.toThrow('manifest s3://static/nothing-here/CACHE/manifest.json not found; upload the build first')
  })

  it('fetches a versioned manifest from a URL, and names the URL when it is missing', async () => {
    const dir = tmpDir()
    fs.cpSync(v2, dir, { recursive: true })
    fs.renameSync(path.join(dir, 'CACHE/manifest.json'), path.join(dir, 'CACHE/manifest.4f2a9c1.json'))
    const server = await serveStatic(dir)
    try {
      const m = await loadRemoteManifest({ url: server.url, manifest: 'manifest.[version].json', version: '4f2a9c1' })
      expect(m.size).toBe(5)
      const direct = await loadRemoteManifest(`${server.url}CACHE/manifest.4f2a9c1.json`)
      expect(direct).toEqual(m)
      await expect(loadRemoteManifest({ url: server.url, retry: FAST })).rejects.toThrow(
        `manifest ${server.url}CACHE/manifest.json: HTTP 404`,
      )
    } finally {
      await server.close()
    }
  })
})
