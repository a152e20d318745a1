/**
 * The plugin's `upload` option against a real S3-compatible server (s3rver on 127.0.0.1): after
 * `vite build`, the bucket holds the manifest and every file it names, byte for byte, and the
 * files those name in turn (CSS images, shared JS chunks).
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyManifest } from '../../src/deploy/verify.js'
import { buildFixture, listFiles, writeTree } from '../helpers/fixture.js'
import { siteFiles, tmpDir } from './helpers.js'
import { CREDENTIALS, getObject, listKeys, startS3 } from './s3.js'

let s3: Awaited<ReturnType<typeof startS3>>

beforeAll(async () => {
  s3 = await startS3()
})
afterAll(async () => {
  await s3?.close()
})

describe('plugin option upload', () => {
  it('puts the manifest and every file it names in the bucket during vite build', async () => {
    const root = writeTree(siteFiles(1), tmpDir())
    const built = await buildFixture(root, {
      templates: 'templates/*.html',
      upload: {
        bucket: 'static',
        prefix: 'site/static/',
        endpoint: s3.endpoint,
        region: 'us-east-1',
        credentials: { ...CREDENTIALS },
        forcePathStyle: true,
      },
    })
    const keys = await listKeys(s3.client)
    // The manifest, byte-identical to the one on disk.
    const manifest = await getObject(s3.client, 'site/static/CACHE/manifest.json')
    expect(manifest, keys.join('\n')).toBeDefined()
    expect(manifest?.body.equals(fs.readFileSync(path.join(built.outDir, 'CACHE/manifest.json')))).toBe(true)
    // Every file the manifest names, and every file those name (url()s, chunk imports).
    const named = Object.values(built.manifest).flatMap((html) => built.urls(html))
    expect(named.length).toBeGreaterThanOrEqual(4)
    const { problems, files } = await verifyManifest(built.outDir, Object.entries(built.manifest))
    expect(problems).toEqual([])
    for (const f of named) expect(files, f).toContain(f)
    expect(files.some((f) => f.endsWith('.png')), 'an image referenced by CSS').toBe(true)
    expect(files.some((f) => f.startsWith('assets/') && f.endsWith('.js')), 'a shared chunk').toBe(true)
    for (const f of files) {
      const object = await getObject(s3.client, `site/static/${f}`)
      expect(object, `${f} in the bucket`).toBeDefined()
      expect(object?.body.equals(fs.readFileSync(path.join(built.outDir, f))), f).toBe(true)
    }
    // Nothing but the build's files, all under the prefix.
    expect(keys).toEqual(listFiles(built.outDir).map((f) => `site/static/${f}`))
    // The build's log names each upload, the manifest last.
    const uploads = built.info.flatMap((m) => m.split('\n')).filter((l) => l.startsWith('uploaded '))
    expect(uploads.map((l) => l.replace(/^uploaded /, '').replace(/ \(manifest, last\)$/, '')).sort()).toEqual(keys)
    expect(uploads.at(-1)).toBe('uploaded site/static/CACHE/manifest.json (manifest, last)')
  })
})
