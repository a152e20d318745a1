import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli.js'
import { listManifests, pruneOutDir, verifyManifest, verifyOutDir } from '../../src/deploy/index.js'
import { listFiles, writeTree } from '../helpers/fixture.js'
import { buildVersion, captureIO, tmpDir } from './helpers.js'

/** Three builds into one outDir, as three releases on a shared disk leave it. */
async function threeReleases(): Promise<{ root: string; outDir: string }> {
  const root = tmpDir()
  await buildVersion(root, 1)
  await buildVersion(root, 2)
  const outDir = await buildVersion(root, 3)
  return { root, outDir }
}

const copy = (from: string) => {
  const to = tmpDir()
  fs.cpSync(from, to, { recursive: true, preserveTimestamps: true })
  return to
}

let releases: { root: string; outDir: string }

beforeAll(async () => {
  releases = await threeReleases()
})

describe('verify', () => {
  it('does not take the dev server file (written while `vite` runs) for a manifest', async () => {
    const outDir = copy(releases.outDir)
    fs.writeFileSync(path.join(outDir, 'CACHE/dev-server.json'), JSON.stringify({ origin: 'http://127.0.0.1:5173', pid: 1 }))
    const r = await verifyOutDir(outDir)
    expect(r.problems).toEqual([])
    expect(r.manifests).not.toContain('CACHE/dev-server.json')
  })

  it('passes on a real build with several versioned manifests, in-process and through the CLI', async () => {
    const r = await verifyOutDir(releases.outDir)
    expect(r.problems).toEqual([])
    expect(r.manifests).toEqual(['CACHE/manifest.v1.json', 'CACHE/manifest.v2.json', 'CACHE/manifest.v3.json'])
    // 3 × (css, 2 module outputs, classic, logo, shared chunk) + 1 bg shared by all
    expect(r.files).toBe(3 * 6 + 1)
    const { io, out, err } = captureIO(releases.root)
    expect(await main(['verify', '--outDir', 'dist'], io)).toBe(0)
    expect(err).toEqual([])
    expect(out).toEqual(['verify: 3 manifest(s), 19 file(s) in dist: ok'])
    const one = captureIO(releases.root)
    expect(await main(['verify', '--manifest', 'manifest.[version].json', '--version', 'v2'], one.io)).toBe(0)
    expect(one.out).toEqual(['verify: 1 manifest(s), 7 file(s) in dist: ok'])
  })

  it('names a missing asset, a changed output and a missing output, one line each, and exits 1', async () => {
    const outDir = copy(releases.outDir)
    const m = JSON.parse(fs.readFileSync(path.join(outDir, 'CACHE/manifest.v3.json'), 'utf8')) as Record<string, string>
    const css = Object.values(m).flatMap((html) =>
      [...html.matchAll(/CACHE\/css\/[\w.]+\.css/g)].map((x) => x[0]),
    )[0] as string
    const cssText = fs.readFileSync(path.join(outDir, css), 'utf8')
    const logo = `assets/${/logo-[\w-]+\.png/.exec(cssText)?.[0]}`
    fs.rmSync(path.join(outDir, logo))
    fs.appendFileSync(path.join(outDir, css), '/* edited on the server */')
    const classic = Object.values(m).flatMap((html) =>
      [...html.matchAll(/CACHE\/js\/classic\.\w+\.js/g)].map((x) => x[0]),
    )[0] as string
    fs.rmSync(path.join(outDir, classic))
    const { io, err } = captureIO()
    expect(await main(['verify', '--outDir', outDir, '--manifest', 'manifest.v3.json'], io)).toBe(1)
    expect(err).toHaveLength(4)
    expect(err).toContainEqual(`CACHE/manifest.v3.json: ${css}: ${logo} is missing`)
    expect(err.find((l) => l.includes(classic))).toMatch(
      /^CACHE\/manifest\.v3\.json: key [0-9a-f]{12}: CACHE\/js\/classic\.\w+\.js is missing$/,
    )
    expect(err.find((l) => l.includes('does not match the hash'))).toContain(
      `${css}: content does not match the hash in its name`,
    )
    expect(err.at(-1)).toMatch(/3 problem\(s\)$/)
  })

  it('checks integrity attributes when present, and refuses references that leave outDir', async () => {
    const outDir = tmpDir()
    const js = 'window.x = 1\n'
    const name = `CACHE/js/output.${createHash('sha256').update(js).digest('hex').slice(0, 12)}.js`
    const sri = (algo: string, text: string) => `${algo}-${createHash(algo).update(text).digest('base64')}`
    writeTree({ [name]: js }, outDir)
    const tag = (integrity: string) =>
      `<script src="/__compressor_url_placeholder__/${name}" integrity="${integrity}" crossorigin="anonymous"></script>`
    const good = await verifyManifest(outDir, [['a'.repeat(64), tag(sri('sha384', js))]])
    expect(good.problems).toEqual([])
    const bad = await verifyManifest(outDir, [
      ['b'.repeat(64), tag(sri('sha384', 'something else'))],
      ['c'.repeat(64), '<link rel="stylesheet" href="/__compressor_url_placeholder__/../../etc/passwd">'],
    ])
    expect(bad.problems).toEqual([
      'CACHE/manifest.json: key cccccccccccc: /__compressor_url_placeholder__/../../etc/passwd is not a path inside the output folder',
      `CACHE/manifest.json: key bbbbbbbbbbbb: integrity "${sri('sha384', 'something else')}" does not match ${name}`,
    ])
  })

  it('reports an outDir without a manifest', async () => {
    const { io, err } = captureIO()
    expect(await main(['verify', '--outDir', tmpDir()], io)).toBe(1)
    expect(err[0]).toMatch(/no manifest in/)
  })
})

describe('prune', () => {
  it('keeps the newest N manifests and every file they reference; removes the rest and nothing else', async () => {
    const outDir = copy(releases.outDir)
    // Files that are not outputs: a user's file in outDir, an unreferenced asset, a file beside outDir.
    writeTree({ 'robots.txt': 'User-agent: *', 'assets/unrelated-AbCdEf12.png': 'x', 'CACHE/notes.txt': 'n' }, outDir)
    const outside = path.join(path.dirname(outDir), `${path.basename(outDir)}-outside.css`)
    fs.writeFileSync(outside, 'x')
    const before = listFiles(outDir)
    for (const v of [2, 3]) {
      const r = await verifyOutDir(outDir, { manifest: `manifest.v${v}.json` })
      expect(r.problems).toEqual([])
    }
    const { io, out } = captureIO()
    expect(await main(['prune', '--outDir', outDir, '--keep', '2', '--dry-run'], io)).toBe(0)
    expect(listFiles(outDir)).toEqual(before)
    const r = await pruneOutDir(outDir, { keep: 2 })
    expect(out.slice(0, -1)).toEqual([...r.removedManifests, ...r.removed].map((f) => `would remove ${f}`))
    expect(r.kept).toEqual(['CACHE/manifest.v3.json', 'CACHE/manifest.v2.json'])
    expect(r.removedManifests).toEqual(['CACHE/manifest.v1.json'])
    // Version 1's own CSS, two module outputs, classic script, logo and shared chunk; not the shared background.
    expect(r.removed).toHaveLength(6)
    expect(r.removed.filter((f) => f.startsWith('assets/'))).toEqual([
      expect.stringMatching(/^assets\/logo-[\w-]+\.png$/),
      expect.stringMatching(/^assets\/shared-[\w-]+\.js$/),
    ])
    const after = listFiles(outDir)
    expect(after).toEqual(before.filter((f) => !r.removed.includes(f) && f !== 'CACHE/manifest.v1.json'))
    for (const keep of ['robots.txt', 'assets/unrelated-AbCdEf12.png', 'CACHE/notes.txt']) expect(after).toContain(keep)
    expect(after.filter((f) => f.startsWith('assets/bg-'))).toHaveLength(1)
    expect(fs.existsSync(outside)).toBe(true)
    expect((await verifyOutDir(outDir)).problems).toEqual([])
    // Again: nothing more to do.
    const again = await pruneOutDir(outDir, { keep: 2 })
    expect([...again.removedManifests, ...again.removed]).toEqual([])
  })

  it('keeps protected versions, never removes manifests that do not match --manifest, and refuses --keep 0', async () => {
    const outDir = copy(releases.outDir)
    fs.copyFileSync(path.join(outDir, 'CACHE/manifest.v1.json'), path.join(outDir, 'CACHE/manifest.json'))
    const old = new Date(Date.UTC(2000, 0, 1))
    fs.utimesSync(path.join(outDir, 'CACHE/manifest.json'), old, old)
    const { io, out } = captureIO()
    expect(
      await main(
        ['prune', '--outDir', outDir, '--keep=1', '--manifest', 'manifest.[version].json', '--protect', 'v2'],
        io,
      ),
    ).toBe(0)
    expect(out.at(-1)).toBe(
      'prune: kept 3 manifest(s) (CACHE/manifest.v3.json, CACHE/manifest.v2.json, CACHE/manifest.json); removed 1 manifest(s) and 0 file(s)',
    )
    // manifest.json (same content as v1) still needs v1's files.
    expect((await verifyOutDir(outDir)).problems).toEqual([])
    expect(listManifests(outDir).map((m) => m.name)).toEqual(['manifest.v3.json', 'manifest.v2.json', 'manifest.json'])
    const bad = captureIO()
    expect(await main(['prune', '--outDir', outDir, '--keep', '0'], bad.io)).toBe(2)
    expect(bad.err[0]).toMatch(/--keep must be a whole number of manifests to keep, at least 1/)
    expect(await main(['prune', '--outDir', outDir], bad.io)).toBe(2)
    expect(bad.err.at(-1)).toMatch(/prune needs --keep N/)
  })

  it('never follows a symlink out of outDir, nor removes one', async () => {
    const outDir = tmpDir()
    const outside = path.join(tmpDir(), 'precious.png')
    fs.writeFileSync(outside, 'keep me')
    const css = 'a{background:url(../../assets/link-AAAAAAAA.png)}'
    const name = `CACHE/css/output.${createHash('sha256').update(css).digest('hex').slice(0, 12)}.css`
    writeTree({ [name]: css, 'CACHE/manifest.json': '{}\n' }, outDir)
    fs.mkdirSync(path.join(outDir, 'assets'))
    fs.symlinkSync(outside, path.join(outDir, 'assets/link-AAAAAAAA.png'))
    const r = await pruneOutDir(outDir, { keep: 1 })
    expect(r.removed).toEqual([name])
    expect(fs.readFileSync(outside, 'utf8')).toBe('keep me')
    expect(fs.lstatSync(path.join(outDir, 'assets/link-AAAAAAAA.png')).isSymbolicLink()).toBe(true)
  })

  it('removes nothing when a manifest it keeps is unreadable', async () => {
    const outDir = copy(releases.outDir)
    fs.writeFileSync(path.join(outDir, 'CACHE/manifest.v3.json'), '{ "truncated": ')
    const t = new Date(Date.UTC(2031, 0, 1))
    fs.utimesSync(path.join(outDir, 'CACHE/manifest.v3.json'), t, t)
    const before = listFiles(outDir)
    await expect(pruneOutDir(outDir, { keep: 1 })).rejects.toThrow(
      /manifest CACHE\/manifest\.v3\.json is not valid JSON/,
    )
    expect(listFiles(outDir)).toEqual(before)
  })
})

describe('prune --min-age', () => {
  it('keeps outputs younger than the given age even when no manifest names them', async () => {
    const outDir = copy(releases.outDir)
    // An output of online compression (or of a build still running): named by no manifest.
    const fresh = path.join(outDir, 'CACHE/css/output.0123456789ab.css')
    fs.writeFileSync(fresh, '.online{}')
    const { io } = captureIO(outDir)
    expect(await main(['prune', '--outDir', outDir, '--keep', '1', '--min-age', '3600'], io)).toBe(0)
    expect(fs.existsSync(fresh)).toBe(true)
    expect(await main(['prune', '--outDir', outDir, '--keep', '1'], io)).toBe(0)
    expect(fs.existsSync(fresh)).toBe(false)
  })
})
