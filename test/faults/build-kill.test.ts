/**
 * Faults, build side: a real `vite build` (a child process running the compiled plugin) killed
 * with SIGKILL at random points never leaves a broken release behind: the manifest is always a
 * complete one (the previous or the new), and every file of a release that was on disk before the
 * kill is still there, byte for byte.
 */
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listFiles, writeTree } from '../helpers/fixture.js'

const repo = path.resolve(import.meta.dirname, '../..')
/** A private compile of src (gitignored .tmp), so this test never races other users of dist/. */
const distDir = path.join(repo, '.tmp', `faults-dist-${process.pid}`)
const TRIALS = 12

/** The child: Vite's build() with the compiled plugin, quiet; paths come from the environment. */
const CHILD = `
const { build } = await import('vite')
const { default: compressor } = await import(process.env.VC_PLUGIN)
process.stdout.write('start\\n')
await build({
  root: process.env.VC_ROOT,
  configFile: false,
  logLevel: 'silent',
  base: '/static/',
  build: { outDir: 'dist', assetsInlineLimit: 0 },
  plugins: [compressor({ templates: 'templates/*.html' })],
})
process.stdout.write('done\\n')
`

interface Release {
  manifest: string
  /** Every file under dist/ after a clean build of this version, by path. */
  files: Map<string, Buffer>
}

const template = `{% load compress %}
{% compress css %}
<link rel="stylesheet" href="/static/css/base.css">
<link rel="stylesheet" href="/static/css/theme.css">
<style>.inline{color:green}</style>
{% endcompress %}
{% compress css inline %}<link rel="stylesheet" href="/static/css/print.css" media="print">{% endcompress %}
{% compress js %}
<script src="/static/js/vendor.js"></script>
<script src="/static/js/app.js"></script>
{% endcompress %}
{% compress js file modules %}<script type="module" src="/static/js/main.js"></script>{% endcompress %}
`

/** Sources of version 1 or 2: theme.css and app.js differ, the rest is shared. */
function sources(version: 1 | 2): Record<string, string | Buffer> {
  const rules = Array.from(
    { length: 3000 },
    (_, i) => `.c${i}{margin:${i}px;color:#${(i * 4099).toString(16).padStart(6, '0').slice(-6)}}`,
  )
  return {
    'templates/page.html': template,
    'static/css/base.css': `${rules.join('\n')}\n.logo{background:url(../img/dot.png)}\n`,
    'static/css/theme.css': `.theme{color:${version === 1 ? 'red' : 'blue'}}\n`,
    'static/css/print.css': 'body{color:black}\n',
    'static/img/dot.png': Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'),
    'static/js/vendor.js': `var vendor = {${Array.from({ length: 2000 }, (_, i) => `k${i}: ${i}`).join(', ')}};\n`,
    'static/js/app.js': `var app = ${version};\nconsole.log(vendor.k1 + app);\n`,
    'static/js/main.js': `import { shared } from './shared.js'\nconsole.log(shared(${version}))\n`,
    'static/js/shared.js': 'export function shared(x) { return x * 2 }\n',
  }
}

/**
 * Runs the child build, killed `killAfter` ms after it printed `start` (Vite and the plugin loaded,
 * build() about to run), or run to the end; resolves with its exit code and signal and what it
 * printed (`done` once build() returned). Timing the kill from `start` leaves out Node's start-up
 * and module loading, whose length varies most with the machine's load.
 */
function runBuild(
  root: string,
  killAfter?: number,
): Promise<{
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
  stdout: string
  /** How long build() ran: from `start` to `done`, when both were printed. */
  buildMs?: number
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      cwd: repo,
      env: { ...process.env, VC_ROOT: root, VC_PLUGIN: pathToFileURL(path.join(distDir, 'plugin/index.js')).href },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    let stdout = ''
    let startedAt: number | undefined
    let buildMs: number | undefined
    let timer: NodeJS.Timeout | undefined
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.stdout.on('data', (d) => {
      stdout += d
      if (startedAt === undefined && stdout.includes('start')) {
        startedAt = Date.now()
        if (killAfter !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfter)
      }
      if (buildMs === undefined && startedAt !== undefined && stdout.includes('done')) buildMs = Date.now() - startedAt
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stderr, stdout, buildMs })
    })
  })
}

function snapshot(root: string): Map<string, Buffer> {
  const dist = path.join(root, 'dist')
  return new Map(listFiles(dist).map((f) => [f, fs.readFileSync(path.join(dist, f))]))
}

function writeVersion(root: string, version: 1 | 2): void {
  writeTree(sources(version), root)
}

const roots: string[] = []
const releases = new Map<1 | 2, Release>()

beforeAll(async () => {
  execFileSync(
    process.execPath,
    [
      path.join(repo, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      distDir,
      '--declaration',
      'false',
      '--sourceMap',
      'false',
    ],
    {
      cwd: repo,
      stdio: 'pipe',
    },
  )
  // Reference releases: each version built to completion in its own folder (builds are byte-identical across folders).
  for (const version of [1, 2] as const) {
    const root = writeTree(sources(version))
    roots.push(root)
    const result = await runBuild(root)
    expect(result.code, result.stderr).toBe(0)
    const files = snapshot(root)
    releases.set(version, { manifest: (files.get('CACHE/manifest.json') as Buffer).toString('utf8'), files })
  }
}, 120_000)

afterAll(() => {
  fs.rmSync(distDir, { recursive: true, force: true })
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true })
})

describe('faults: SIGKILL during vite build', () => {
  it('the two reference releases differ, and each manifest names files that exist in its release', () => {
    const one = releases.get(1) as Release
    const two = releases.get(2) as Release
    expect(one.manifest).not.toBe(two.manifest)
    for (const release of [one, two]) {
      const html = Object.values(JSON.parse(release.manifest) as Record<string, string>).join('\n')
      const named = [...html.matchAll(/__compressor_url_placeholder__\/([^"]+)"/g)].map((m) => m[1] as string)
      expect(named.length).toBeGreaterThanOrEqual(3)
      for (const name of named) expect(release.files.has(name), name).toBe(true)
    }
  })

  it(`${TRIALS} builds killed at random points spread over build() and a little past it: the manifest is always a whole release and no file of a release on disk changes`, {
    timeout: 120_000,
  }, async () => {
    const root = writeTree(sources(1))
    roots.push(root)
    const first = await runBuild(root)
    expect(first.code, first.stderr).toBe(0)
    const manifestPath = path.join(root, 'dist/CACHE/manifest.json')
    const versionOf = (text: string): 1 | 2 | undefined =>
      text === releases.get(1)?.manifest ? 1 : text === releases.get(2)?.manifest ? 2 : undefined
    // Kill points cover build() — timed on the build above and on a rebuild to the other version in
    // this folder, what each trial does — through the writes at its end and a little past it (some
    // builds then finish): trial i is killed at a random point of the i-th slice of that window.
    // Killing before Vite is loaded tests nothing.
    writeVersion(root, 2)
    const timed = await runBuild(root)
    expect(timed.code, timed.stderr).toBe(0)
    expect(versionOf(fs.readFileSync(manifestPath, 'utf8'))).toBe(2)
    expect(timed.buildMs, timed.stdout).toBeGreaterThan(0)
    expect(first.buildMs, first.stdout).toBeGreaterThan(0)
    // The shorter of two full builds: one slowed down by the machine's load does not stretch the window.
    const span = Math.ceil(Math.min(first.buildMs as number, timed.buildMs as number) * 1.25)
    const log: string[] = []
    let killedDuring = 0
    for (let trial = 0; trial < TRIALS; trial++) {
      const current = versionOf(fs.readFileSync(manifestPath, 'utf8'))
      expect(current, `trial ${trial}: the manifest before the trial is a whole release`).toBeDefined()
      // Files of either release that are on disk now: none of them may change.
      const onDisk = new Map<string, Buffer>()
      for (const release of releases.values()) {
        for (const [name, bytes] of release.files) {
          if (name !== 'CACHE/manifest.json' && fs.existsSync(path.join(root, 'dist', name))) onDisk.set(name, bytes)
        }
      }
      const next = current === 1 ? 2 : 1
      writeVersion(root, next)
      const delay = Math.floor(((trial + Math.random()) * span) / TRIALS)
      const result = await runBuild(root, delay)
      // Where the kill landed: before Vite was loaded, during build(), or after it returned.
      const phase = result.stdout.includes('done') ? 'after the build' : result.stdout.includes('start') ? 'during the build' : 'before the build'
      if (result.signal !== null && phase === 'during the build') killedDuring++
      log.push(`trial ${trial}: v${current}→v${next}, kill ${delay} ms into build(), ${result.signal ?? `exit ${result.code}`}, ${phase}`)
      const where = log.join('\n')

      // 1. The manifest is one whole release, never a part.
      const manifest = fs.readFileSync(manifestPath, 'utf8')
      const version = versionOf(manifest)
      expect(version, `${where}\nmanifest is not a whole release: ${manifest.slice(0, 200)}`).toBeDefined()
      expect(JSON.parse(manifest)).toBeTypeOf('object')
      // 2. Every file of that release is there and byte-identical.
      for (const [name, bytes] of (releases.get(version as 1 | 2) as Release).files) {
        const file = path.join(root, 'dist', name)
        expect(fs.existsSync(file), `${where}\n${name} is missing`).toBe(true)
        expect(fs.readFileSync(file).equals(bytes), `${where}\n${name} changed`).toBe(true)
      }
      // 3. Files that were on disk before the kill (the previous release's) are untouched.
      for (const [name, bytes] of onDisk) {
        expect(fs.readFileSync(path.join(root, 'dist', name)).equals(bytes), `${where}\n${name} changed`).toBe(true)
      }
      // 4. A build that was not killed switched the manifest to the new release.
      if (process.env.VC_KILL_LOG) console.log(log[log.length - 1])
      if (result.signal === null) expect(version, `${where}\n${result.stderr}`).toBe(next)
    }

    // The test is not vacuous: a good share of the kills hit a build that was running.
    expect(killedDuring, `builds killed while build() ran:\n${log.join('\n')}`).toBeGreaterThanOrEqual(Math.ceil(TRIALS / 3))

    // After all that, a build run to completion gives exactly the release of the sources.
    const current = versionOf(fs.readFileSync(manifestPath, 'utf8')) as 1 | 2
    writeVersion(root, current === 1 ? 2 : 1)
    const last = await runBuild(root)
    expect(last.code, last.stderr).toBe(0)
    const final = releases.get(current === 1 ? 2 : 1) as Release
    expect(fs.readFileSync(manifestPath, 'utf8')).toBe(final.manifest)
    // Leftovers of killed builds are at most temporary manifest files, never a broken manifest.
    const extra = listFiles(path.join(root, 'dist')).filter(
      (f) => !releases.get(1)?.files.has(f) && !releases.get(2)?.files.has(f),
    )
    for (const f of extra) expect(f, `unexpected leftover ${f}`).toMatch(/^CACHE\/manifest\.json\.\d+\.[0-9a-z]+\.tmp$/)
  })
})
