import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli.js'
import { checkServers } from '../../src/deploy/index.js'
import { buildVersion, captureIO, serveStatic, tmpDir } from './helpers.js'

const copy = (from: string) => {
  const to = tmpDir()
  fs.cpSync(from, to, { recursive: true })
  return to
}

/** An Express server with `express.static` under /static/, as a Node site would serve its files. */
async function serveExpress(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express()
  app.use('/static', express.static(dir, { fallthrough: false }))
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/static/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

let current: string
let stale: string
const closers: (() => Promise<void>)[] = []

beforeAll(async () => {
  stale = await buildVersion(tmpDir(), 1, false)
  current = await buildVersion(tmpDir(), 2, false)
})
afterAll(async () => {
  for (const close of closers) await close()
})

interface Served {
  url: string
  close: () => Promise<void>
  requests?: string[]
}

/** Serves each folder: even ones with node:http, odd ones with Express. */
async function servers(...dirs: string[]): Promise<Served[]> {
  const out: Served[] = []
  for (const [i, dir] of dirs.entries()) {
    const s = i % 2 === 1 ? await serveExpress(dir) : await serveStatic(dir)
    closers.push(s.close)
    out.push(s)
  }
  return out
}

describe('check URL…', () => {
  it('passes when every server serves its own copy of the same build', async () => {
    const [a, b, c] = (await servers(copy(current), copy(current), copy(current))) as [Served, Served, Served]
    const { io, out, err } = captureIO()
    expect(await main(['check', a.url, b.url, c.url], io)).toBe(0)
    expect(err).toEqual([])
    // css, 2 module outputs, classic script, logo, background, shared chunk
    expect(out).toEqual(['check: 3 server(s), 7 file(s): every server has the same manifest and every file'])
    const requests = a.requests ?? []
    expect(requests).toContain('GET /static/CACHE/manifest.json')
    expect(requests.filter((r) => r.startsWith('HEAD /static/assets/')).length).toBe(2)
    expect(requests.filter((r) => r.startsWith('GET /static/CACHE/')).length).toBe(5)
  })

  it('reports the stale server: its manifest differences and the files each server lacks, one line each; exit 1', async () => {
    const [a, b, old] = (await servers(copy(current), copy(current), copy(stale))) as [Served, Served, Served]
    const { io, err } = captureIO()
    expect(await main(['check', a.url, b.url, old.url], io)).toBe(1)
    const oldUrl = old.url
    const differ = err.filter((l) => l.startsWith(`${oldUrl}: manifest differs: `))
    // Version 2 changed the CSS block's text (the inline <style>), so its key is new; the module
    // and classic blocks have the same text and key but name new files.
    expect(differ).toHaveLength(5)
    expect(
      differ.filter((l) =>
        /key [0-9a-f]{12} is missing \(present on http:\/\/127\.0\.0\.1:\d+\/static\/ and 1 other server\(s\)\)$/.test(
          l,
        ),
      ),
    ).toHaveLength(1)
    expect(differ.filter((l) => /key [0-9a-f]{12} is not on /.test(l))).toHaveLength(1)
    expect(differ.filter((l) => /key [0-9a-f]{12} has different HTML than on /.test(l))).toHaveLength(3)
    // The stale server lacks version 2's files; the new ones lack version 1's (a page rendered by
    // the stale server may ask them for its files during a rolling deploy).
    const missing = err.filter((l) => / HTTP 404 \(named by /.test(l))
    expect(missing.filter((l) => l.startsWith(oldUrl))).toHaveLength(6)
    expect(missing.filter((l) => l.startsWith(a.url))).toHaveLength(6)
    expect(missing.filter((l) => l.startsWith(b.url))).toHaveLength(6)
    expect(err.at(-1)).toBe(`check: 3 server(s), 13 file(s): ${err.length - 1} problem(s)`)
    for (const line of err) expect(line).not.toContain('\n')
  })

  it('names a file missing on one server, a damaged output, and a server that does not answer', async () => {
    const broken = copy(current)
    const manifest = JSON.parse(fs.readFileSync(path.join(broken, 'CACHE/manifest.json'), 'utf8')) as Record<
      string,
      string
    >
    const classic = Object.values(manifest)
      .join('')
      .match(/CACHE\/js\/classic\.\w+\.js/)?.[0] as string
    fs.appendFileSync(path.join(broken, classic), '\nwindow.tampered = 1')
    const bg = fs.readdirSync(path.join(broken, 'assets')).find((f) => f.startsWith('bg-')) as string
    fs.rmSync(path.join(broken, 'assets', bg))
    const logo = fs.readdirSync(path.join(broken, 'assets')).find((f) => f.startsWith('logo-')) as string
    fs.writeFileSync(path.join(broken, 'assets', logo), 'not the image')
    const [a, b] = (await servers(copy(current), broken)) as [Served, Served]
    const down = await serveStatic(tmpDir())
    await down.close()
    const r = await checkServers([a.url, b.url, down.url], { timeoutMs: 5000 })
    expect(r.ok).toBe(false)
    expect(r.problems).toContain(
      `${b.url}: ${classic}: content does not match the hash in its name (a different or damaged file)`,
    )
    expect(r.problems.filter((l) => l.startsWith(`${b.url}: assets/${bg}: HTTP 404 (named by key `))).toHaveLength(1)
    expect(r.problems[0]).toMatch(
      new RegExp(
        `^${down.url.replace(/[./]/g, '\\$&')}: manifest CACHE/manifest\\.json: request failed \\(ECONNREFUSED\\)$`,
      ),
    )
    // The manifest and the 7 files: each a line, "request failed (ECONNREFUSED)".
    expect(
      r.problems.filter((l) => l.startsWith(`${down.url}`) && l.includes('request failed (ECONNREFUSED)')),
    ).toHaveLength(8)
    // An asset's name carries Rolldown's hash, which can't be checked from outside; its size can.
    expect(r.problems.filter((l) => l.includes('size differs between servers'))).toEqual([
      `assets/${logo}: size differs between servers: ${a.url} 6008 bytes, ${b.url} 13 bytes`,
    ])
  })

  it('reads a versioned manifest name and a custom output folder', async () => {
    const dir = copy(current)
    fs.renameSync(path.join(dir, 'CACHE'), path.join(dir, 'COMPRESSED'))
    fs.renameSync(path.join(dir, 'COMPRESSED/manifest.json'), path.join(dir, 'COMPRESSED/manifest.abc123.json'))
    // The manifest still names CACHE/…: rewrite it as a build with outputDir COMPRESSED would have.
    const file = path.join(dir, 'COMPRESSED/manifest.abc123.json')
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replaceAll('/CACHE/', '/COMPRESSED/'))
    for (const css of fs.readdirSync(path.join(dir, 'COMPRESSED/css'))) {
      expect(fs.readFileSync(path.join(dir, 'COMPRESSED/css', css), 'utf8')).toContain('../../assets/')
    }
    const [a] = (await servers(dir)) as [Served]
    const { io, out, err } = captureIO()
    const code = await main(
      ['check', a.url, '--output-dir', 'COMPRESSED', '--manifest', 'manifest.[version].json', '--version', 'abc123'],
      io,
    )
    expect(err).toEqual([])
    expect(code).toBe(0)
    expect(out[0]).toMatch(/^check: 1 server\(s\), 7 file\(s\)/)
    const missingVersion = captureIO()
    expect(await main(['check', a.url, '--manifest', 'manifest.[version].json'], missingVersion.io)).toBe(2)
    expect(missingVersion.err[0]).toMatch(
      /contains \[version\] but no version was given; pass the `version` option or set VITE_COMPRESSOR_VERSION/,
    )
  })
})
