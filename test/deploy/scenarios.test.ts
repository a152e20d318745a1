import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli.js'
import { listManifests, verifyOutDir } from '../../src/deploy/index.js'
import { listFiles } from '../helpers/fixture.js'
import { buildVersion, captureIO, guideShellLines, serveStatic, tmpDir } from './helpers.js'
import { CREDENTIALS, startS3 } from './s3.js'

/** The `vite-compressor` commands of docs/scenarios.md, by section number, as argv. */
function guideCommands(): Map<number, string[][]> {
  const out = new Map<number, string[][]>()
  for (const [section, lines] of guideShellLines()) {
    for (const line of lines.filter((l) => l.includes('vite-compressor '))) {
      const words = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => (m[1] ?? m[2]) as string)
      expect(words[0], line).toBe('npx')
      expect(words[1], line).toBe('vite-compressor')
      out.set(section, [...(out.get(section) ?? []), words.slice(2)])
    }
  }
  return out
}

const commands = guideCommands()
const ran: string[] = []
const closers: (() => Promise<void>)[] = []
afterAll(async () => {
  for (const close of closers) await close()
})

/** Runs a guide command with host names and folders swapped for the test's own. */
async function run(argv: string[], swap: Record<string, string>, cwd: string, env: NodeJS.ProcessEnv = {}) {
  const args = argv.map((a) => swap[a] ?? a)
  const { io, out, err } = captureIO(cwd)
  io.env = env
  const code = await main(args, io)
  ran.push(argv.join(' '))
  return { code, out, err }
}

describe('docs/scenarios.md, every command as written', () => {
  it('has commands in each of the four scenarios', () => {
    expect([...commands.keys()]).toEqual([1, 2, 3, 4])
    expect([...commands.values()].flat()).toHaveLength(8)
  })

  it('1. one front-end server: verify', async () => {
    const root = tmpDir()
    await buildVersion(root, 1, false)
    for (const argv of commands.get(1) ?? []) {
      const r = await run(argv, {}, root)
      expect(r.err).toEqual([])
      expect(r.code).toBe(0)
      expect(r.out).toEqual(['verify: 1 manifest(s), 7 file(s) in dist: ok'])
    }
  })

  it('2. several servers sharing static files: versioned manifests, verify, prune', async () => {
    const root = tmpDir()
    for (const v of [1, 2, 3]) await buildVersion(root, v)
    const shared = path.join(root, 'dist')
    const before = listFiles(shared)
    const results = []
    for (const argv of commands.get(2) ?? []) results.push(await run(argv, { '/srv/shared/static': shared }, root))
    expect(results.map((r) => r.code)).toEqual([0, 0, 0])
    expect(results[0]?.out).toEqual([`verify: 3 manifest(s), 19 file(s) in ${path.relative(root, shared)}: ok`])
    expect(results[1]?.out.at(-1)).toMatch(/would remove 1 manifest\(s\) and 6 file\(s\)$/)
    expect(results[2]?.out.at(-1)).toBe(
      'prune: kept 2 manifest(s) (CACHE/manifest.v3.json, CACHE/manifest.v2.json); removed 1 manifest(s) and 6 file(s)',
    )
    expect(listManifests(shared).map((m) => m.name)).toEqual(['manifest.v3.json', 'manifest.v2.json'])
    expect(listFiles(shared)).toHaveLength(before.length - 7)
    expect((await verifyOutDir(shared)).ok).toBe(true)
  })

  it('3. several servers with their own static files: check after deploy', async () => {
    const built = await buildVersion(tmpDir(), 2, false)
    const swap: Record<string, string> = {}
    for (const n of [1, 2, 3]) {
      const copy = tmpDir()
      fs.cpSync(built, copy, { recursive: true })
      const s = await serveStatic(copy)
      closers.push(s.close)
      swap[`https://web${n}.example.com/static/`] = s.url
    }
    for (const argv of commands.get(3) ?? []) {
      expect(argv.filter((a) => swap[a])).toHaveLength(3)
      const r = await run(argv, swap, tmpDir())
      expect(r.err).toEqual([])
      expect(r.code).toBe(0)
      expect(r.out).toEqual(['check: 3 server(s), 7 file(s): every server has the same manifest and every file'])
    }
  })

  it('4. static files on S3 and a CDN: upload, upload to a compatible endpoint, check through the CDN', async () => {
    const s3 = await startS3(['my-site-static'])
    closers.push(s3.close)
    const root = tmpDir()
    await buildVersion(root, 1, false)
    const env = {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: 'eu-west-3',
      // Stands in for AWS itself in the command without --endpoint.
      AWS_ENDPOINT_URL_S3: s3.endpoint,
    }
    // The CDN's origin is the bucket (path-style: endpoint/bucket/key).
    const swap = {
      'https://minio.example.com': s3.endpoint,
      'https://cdn.example.com/static/': `${s3.endpoint}/my-site-static/static/`,
    }
    const results = []
    for (const argv of commands.get(4) ?? []) results.push({ argv, ...(await run(argv, swap, root, env)) })
    expect(results.map((r) => r.argv[0])).toEqual(['upload', 'upload', 'check'])
    for (const r of results) {
      expect(r.err).toEqual([])
      expect(r.code).toBe(0)
    }
    expect(results[0]?.out.at(-1)).toBe(
      'upload: s3://my-site-static/static/CACHE/manifest.json published; 7 file(s) uploaded, 0 already there',
    )
    expect(results[1]?.out.at(-1)).toBe(
      'upload: s3://my-site-static/static/CACHE/manifest.json already published; 0 file(s) uploaded, 7 already there',
    )
    expect(results[2]?.out).toEqual([
      'check: 1 server(s), 7 file(s): every server has the same manifest and every file',
    ])
  })

  it('ran every command of the guide', () => {
    expect(ran).toEqual([...commands.values()].flat().map((argv) => argv.join(' ')))
  })
})

beforeAll(() => {
  expect(commands.size).toBeGreaterThan(0)
})
