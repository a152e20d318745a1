// `npm run bench`: vite-compressor against django-compressor 4.0, plus the runtime, the
// playground under load, and watch-mode rebuilds. Not part of the tests. See docs/benchmarks.md.
//
//   npm run build && npm run bench            # everything (≈ 5–8 min on 2 cores)
//   npm run bench -- --quick                  # a ≈ 2 min subset (50 and 500 templates, shorter runs)
//   npm run bench -- --only build,runtime     # sections: build, runtime, rps, watch, profile
//   npm run bench -- --profile                # also a --cpu-prof of our largest build, summarised
//   npm run bench -- --json out.json          # also write every figure as JSON
//   npm run bench -- --keep                   # keep the generated sites (under os.tmpdir())
//
// Every measured build runs in its own child process, so each has its own peak memory
// (/usr/bin/time -v, else process.resourceUsage().maxRSS from the child).
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { generateSite } from './generate.js'
import { dirBytes, fmtBytes, fmtMB, fmtMs, lastJson, median, TIME_BIN, table, timed } from './lib.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(HERE, '..')
const PYTHON = '/usr/bin/python3'
const argv = process.argv.slice(2)
const flag = (name) => argv.includes(`--${name}`)
const value = (name) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : undefined
}
const QUICK = flag('quick')
const SECTIONS = new Set((value('only') ?? 'build,runtime,rps,watch').split(','))
if (flag('profile')) SECTIONS.add('profile')
const SIZES = QUICK ? [50, 500] : [50, 500, 2000]
const RUNS = () => (QUICK ? 3 : 5)
const RPS_SECONDS = QUICK ? 2 : 5
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-bench-'))
const results = { startedAt: new Date().toISOString(), quick: QUICK, machine: machine() }
const started = performance.now()

const log = (...a) => console.log(...a)
const section = (title) => log(`\n## ${title}\n`)

if (!fs.existsSync(path.join(REPO, 'dist', 'plugin', 'index.js')) || !fs.existsSync(path.join(REPO, 'dist', 'runtime', 'index.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first')
  process.exit(1)
}

log('# vite-compressor benchmarks')
log(`machine: ${results.machine.cpus}× ${results.machine.cpuModel}, ${results.machine.memGB} GB RAM, load ${results.machine.loadavg}`)
log(`node ${process.version}, vite ${results.machine.vite}, django-compressor ${results.machine.djangoCompressor ?? 'not installed'}`)
log(`peak memory from: ${TIME_BIN ? '/usr/bin/time -v (max RSS)' : 'process.resourceUsage().maxRSS of the child'}`)
log('figures are noisy on a shared 2-core machine: compare ratios from the same run, and rerun.')

try {
  if (SECTIONS.has('build')) await buildSection()
  if (SECTIONS.has('runtime')) await runtimeSection()
  if (SECTIONS.has('rps')) await rpsSection()
  if (SECTIONS.has('watch')) await watchSection()
  if (SECTIONS.has('profile')) await profileSection()
  targets()
} finally {
  results.totalSeconds = Math.round((performance.now() - started) / 1000)
  log(`\ntotal: ${results.totalSeconds} s`)
  if (value('json')) fs.writeFileSync(path.resolve(value('json')), `${JSON.stringify(results, null, 2)}\n`)
  if (flag('keep')) log(`generated sites kept in ${WORK}`)
  else fs.rmSync(WORK, { recursive: true, force: true })
}

function machine() {
  const cpus = os.cpus()
  const django = spawnSync(PYTHON, ['-c', 'import compressor, django; print(compressor.__version__ if hasattr(compressor, "__version__") else "?", django.get_version())'], {
    encoding: 'utf8',
  })
  let vite = '?'
  try {
    vite = JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', 'vite', 'package.json'), 'utf8')).version
  } catch {}
  const [dc, dj] = django.status === 0 ? django.stdout.trim().split(' ') : []
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? '?',
    memGB: Math.round(os.totalmem() / 2 ** 30),
    loadavg: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    node: process.version,
    vite,
    djangoCompressor: dc,
    django: dj,
  }
}

// ---------------------------------------------------------------------------------------------
// 1. vite build with our plugin vs manage.py compress --force

async function buildSection() {
  section('Build: vite build + vite-compressor vs django-compressor `manage.py compress --force`')
  const haveDjango = results.machine.djangoCompressor !== undefined
  if (!haveDjango) log('django-compressor is not installed (Debian python3-django-compressor, /usr/bin/python3): our figures alone.\n')
  results.build = []
  for (const size of SIZES) {
    const g0 = performance.now()
    const site = generateSite(size, path.join(WORK, `site-${size}`))
    const genMs = performance.now() - g0
    log(
      `site ${size}: ${site.layouts} layouts + ${site.pages} pages, ${site.blockUses} block uses, ${site.uniqueBlocks} unique blocks, ` +
        `${fmtBytes(site.vendorBytes)} vendor CSS/JS + ${site.genFiles} generated files (${fmtBytes(site.genBytes)}); generated in ${fmtMs(genMs)}`,
    )
    const ours = []
    const theirs = []
    if (size === SIZES[0]) {
      // One untimed run of each tool first: the OS file cache and Python's bytecode cache warm up.
      await timed(process.execPath, [path.join(HERE, 'vite-build.js'), site.dir, path.join(WORK, 'warm-out')], { cwd: REPO })
      if (haveDjango) {
        await timed(PYTHON, ['manage.py', 'compress', '--force'], { cwd: path.join(site.dir, 'django'), env: { BENCH_COMPRESS_ROOT: path.join(WORK, 'warm-dj') } })
      }
    }
    for (let run = 0; run < RUNS(size); run++) {
      // Interleaved, so drift in the machine's load hits both sides alike.
      const outDir = path.join(WORK, `out-${size}-${run}`)
      const o = await timed(process.execPath, [path.join(HERE, 'vite-build.js'), site.dir, outDir], { cwd: REPO })
      if (o.code !== 0) throw new Error(`vite build of the ${size}-template site failed:\n${o.stderr || o.stdout}`)
      const report = lastJson(o.stdout)
      ours.push({ wallMs: o.wallMs, buildMs: report.buildMs, maxRssKb: o.maxRssKb, outDir })
      if (haveDjango) {
        const root = path.join(WORK, `dj-${size}-${run}`)
        const t = await timed(PYTHON, ['manage.py', 'compress', '--force'], {
          cwd: path.join(site.dir, 'django'),
          env: { BENCH_COMPRESS_ROOT: root, PYTHONDONTWRITEBYTECODE: '1' },
        })
        if (t.code !== 0) throw new Error(`manage.py compress failed on the ${size}-template site:\n${t.stderr || t.stdout}`)
        theirs.push({ wallMs: t.wallMs, maxRssKb: t.maxRssKb, root })
      }
    }
    const ourOut = outputStats(path.join(ours[0].outDir, 'CACHE'))
    const row = {
      size,
      site,
      runs: ours.length,
      ours: {
        wallMs: median(ours.map((r) => r.wallMs)),
        buildMs: median(ours.map((r) => r.buildMs)),
        maxRssKb: Math.max(...ours.map((r) => r.maxRssKb ?? 0)) || undefined,
        all: ours.map((r) => Math.round(r.wallMs)),
        ...ourOut,
      },
    }
    if (haveDjango) {
      const theirOut = outputStats(path.join(theirs[0].root, 'CACHE'))
      row.theirs = {
        wallMs: median(theirs.map((r) => r.wallMs)),
        maxRssKb: Math.max(...theirs.map((r) => r.maxRssKb ?? 0)) || undefined,
        all: theirs.map((r) => Math.round(r.wallMs)),
        ...theirOut,
      }
      row.ratio = row.ours.wallMs / row.theirs.wallMs
      // Same blocks, same keys: every key django-compressor writes is in our manifest; ours may also
      // have qualified keys (`key:kind:mode:name`) for equal content in blocks of different names.
      const mine = new Set(ourOut.keys)
      const missing = theirOut.keys.filter((k) => !mine.has(k))
      const extra = ourOut.keys.filter((k) => !theirOut.keys.includes(k))
      row.keys = { ours: ourOut.keys.length, theirs: theirOut.keys.length, missing: missing.length, extraQualified: extra.filter((k) => k.includes(':')).length, extraOther: extra.filter((k) => !k.includes(':')).length }
      delete row.theirs.keys
    }
    delete row.ours.keys
    results.build.push(row)
    for (const r of ours) fs.rmSync(r.outDir, { recursive: true, force: true })
    for (const r of theirs) fs.rmSync(r.root, { recursive: true, force: true })
  }
  const rows = []
  for (const r of results.build) {
    rows.push([
      r.size,
      `${fmtMs(r.ours.wallMs)} (build ${fmtMs(r.ours.buildMs)})`,
      r.theirs ? fmtMs(r.theirs.wallMs) : '—',
      r.ratio ? `${r.ratio.toFixed(2)}×` : '—',
      fmtMB(r.ours.maxRssKb),
      r.theirs ? fmtMB(r.theirs.maxRssKb) : '—',
      `${fmtBytes(r.ours.bytes)} / gz ${fmtBytes(r.ours.gzip)}`,
      r.theirs ? `${fmtBytes(r.theirs.bytes)} / gz ${fmtBytes(r.theirs.gzip)}` : '—',
      r.keys ? `${r.keys.ours} / ${r.keys.theirs}${r.keys.missing ? ` (${r.keys.missing} MISSING)` : ''}` : '—',
    ])
  }
  log(`\nmedian of ${SIZES.map(RUNS).join('/')} runs, wall clock of the whole process (node + import + build; python + django setup + compress)`)
  log(table(['templates', 'ours', 'django-compressor', 'ours/theirs', 'our peak RSS', 'their peak RSS', 'our output (CSS+JS)', 'their output', 'manifest keys ours/theirs'], rows))
  for (const r of results.build) {
    log(`  ${r.size}: ours runs ${r.ours.all.join(', ')} ms${r.theirs ? `; theirs ${r.theirs.all.join(', ')} ms` : ''}${r.keys?.extraQualified ? `; ${r.keys.extraQualified} extra qualified keys in ours (same content, different block name)` : ''}`)
  }
  const b500 = results.build.find((r) => r.size === 500)
  const b2000 = results.build.find((r) => r.size === 2000)
  if (b500 && b2000) {
    results.growth = b2000.ours.wallMs / b500.ours.wallMs
    log(`growth 500 → 2000 templates: ours ${results.growth.toFixed(2)}×${b2000.theirs ? `, theirs ${(b2000.theirs.wallMs / b500.theirs.wallMs).toFixed(2)}×` : ''}`)
  }
}

/** Bytes (raw and gzip) of the CSS/JS outputs under a CACHE folder, and the manifest's keys. */
function outputStats(cache) {
  let bytes = 0
  let gzip = 0
  const { files } = dirBytes(cache, (f) => {
    if (!/\.(css|js)$/.test(f)) return false
    const data = fs.readFileSync(f)
    bytes += data.length
    gzip += gzipSync(data).length
    return true
  })
  const manifest = JSON.parse(fs.readFileSync(path.join(cache, 'manifest.json'), 'utf8'))
  return { bytes, gzip, files, keys: Object.keys(manifest) }
}

// ---------------------------------------------------------------------------------------------
// 2. Runtime: render() / renderKey() and a loaded manifest's memory

async function runtimeSection() {
  section('Runtime (dist/runtime): time per block render, memory of a loaded manifest')
  const speed = await child(['--expose-gc', path.join(HERE, 'runtime.js'), 'speed', ...(QUICK ? ['--quick'] : [])])
  const memory = await child(['--expose-gc', path.join(HERE, 'runtime.js'), 'memory', '10000'])
  results.runtime = { speed, memory }
  const ns = (us) => `${(us * 1000).toFixed(0)} ns`
  log(
    table(
      ['manifest entries', 'renderKey() (precomputed key)', 'renderKey() + CSP nonce', `render() (sha256 of ${speed['1000'].contentBytes} B)`],
      ['1000', '10000'].map((n) => [n, ns(speed[n].renderKeyUs), ns(speed[n].renderKeyNonceUs), ns(speed[n].renderUs)]),
    ),
  )
  log(
    `\n10,000-entry manifest (${fmtBytes(memory.fileBytes)} of JSON): loaded in ${fmtMs(memory.loadMs)}, ` +
      `+${fmtBytes(memory.heapBytes)} heap, +${fmtBytes(memory.rssBytes)} RSS`,
  )
}

function child(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    p.stdout.on('data', (d) => {
      out += d
    })
    p.on('error', reject)
    p.on('close', (code) => (code === 0 ? resolve(lastJson(out)) : reject(new Error(`${args.join(' ')} exited ${code}:\n${out}`))))
  })
}

// ---------------------------------------------------------------------------------------------
// 3. Requests per second of the playground, with and without the compressor

async function rpsSection() {
  section(`Playground under load: autocannon, 10 connections, ${RPS_SECONDS} s per round, 127.0.0.1`)
  const { default: autocannon } = await import('autocannon')
  const outDir = path.join(WORK, 'playground')
  await child([path.join(HERE, 'playground.js'), 'build', outDir])
  const round = async (mode) => {
    const server = spawn(process.execPath, [path.join(HERE, 'playground.js'), 'serve', outDir, mode], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] })
    const info = await new Promise((resolve, reject) => {
      let buf = ''
      server.stdout.on('data', (d) => {
        buf += d
        const j = lastJson(buf)
        if (j?.url) resolve(j)
      })
      server.on('close', (code) => reject(new Error(`playground server exited ${code}`)))
    })
    const requests = [{ path: '/' }, { path: '/about' }, { path: '/gallery' }]
    try {
      await autocannon({ url: info.url, connections: 10, duration: 1, requests }) // warm-up
      const r = await autocannon({ url: info.url, connections: 10, duration: RPS_SECONDS, requests })
      return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx, server: info.server }
    } finally {
      server.kill('SIGTERM')
      await new Promise((res) => (server.exitCode !== null ? res() : server.once('close', res)))
    }
  }
  // Alternating rounds (off, on, off, on): both modes see the same drift in the machine's load.
  const off = []
  const on = []
  for (let i = 0; i < (QUICK ? 1 : 2); i++) {
    off.push(await round('off'))
    on.push(await round('on'))
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
  results.rps = {
    server: on[0].server,
    off: mean(off.map((r) => r.rps)),
    on: mean(on.map((r) => r.rps)),
    offRounds: off.map((r) => Math.round(r.rps)),
    onRounds: on.map((r) => Math.round(r.rps)),
    p99: { off: Math.max(...off.map((r) => r.p99)), on: Math.max(...on.map((r) => r.p99)) },
    errors: [...off, ...on].reduce((a, r) => a + r.errors, 0),
  }
  results.rps.ratio = results.rps.on / results.rps.off
  log(`server: ${results.rps.server}; pages /, /about, /gallery in turn`)
  log(
    table(
      ['compressor', 'requests/s (mean of rounds)', 'rounds', 'p99 latency'],
      [
        ['off (blocks as written)', Math.round(results.rps.off), results.rps.offRounds.join(', '), `${results.rps.p99.off} ms`],
        ['on (manifest)', Math.round(results.rps.on), results.rps.onRounds.join(', '), `${results.rps.p99.on} ms`],
      ],
    ),
  )
  log(`on/off: ${(results.rps.ratio * 100).toFixed(1)}%${results.rps.errors ? `; ${results.rps.errors} errors/non-2xx` : ''}`)
}

// ---------------------------------------------------------------------------------------------
// 4. Watch: rebuild after editing one CSS file

async function watchSection() {
  const size = QUICK ? 50 : 500
  section(`Watch: vite build --watch on the ${size}-template site, edit one CSS file`)
  const site = generateSite(size, path.join(WORK, `watch-${size}`))
  const r = await child([path.join(HERE, 'watch.js'), site.dir, path.join(WORK, `watch-out-${size}`), QUICK ? '2' : '3'])
  const full = results.build?.find((b) => b.size === size)?.ours.buildMs
  results.watch = { size, ...r, rebuildMedianMs: median(r.rebuildMs), fullBuildMs: full }
  results.watch.ratio = results.watch.rebuildMedianMs / r.initialMs
  log(
    table(
      ['initial build (in watch)', 'rebuilds after one CSS edit', 'median rebuild', 'rebuild / initial', 'full build (build section, same size)', 'manifest updated'],
      [
        [
          fmtMs(r.initialMs),
          r.rebuildMs.map((x) => fmtMs(x)).join(', '),
          fmtMs(results.watch.rebuildMedianMs),
          `${results.watch.ratio.toFixed(2)}×`,
          full ? `${fmtMs(full)} (rebuild/full ${(results.watch.rebuildMedianMs / full).toFixed(2)}×)` : '—',
          r.manifestChanged.every(Boolean) ? 'yes, every time' : r.manifestChanged.join(', '),
        ],
      ],
    ),
  )
}

// ---------------------------------------------------------------------------------------------
// 5. CPU profile of our largest build

async function profileSection() {
  const size = SIZES[SIZES.length - 1]
  section(`CPU profile of one build of the ${size}-template site (main thread)`)
  const site = fs.existsSync(path.join(WORK, `site-${size}`, 'site.json')) ? { dir: path.join(WORK, `site-${size}`) } : generateSite(size, path.join(WORK, `site-${size}`))
  const dir = path.join(WORK, 'prof')
  await child(['--cpu-prof', `--cpu-prof-dir=${dir}`, path.join(HERE, 'vite-build.js'), site.dir, path.join(WORK, 'prof-out')])
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  const { summarize } = await import('./profile.js')
  const s = summarize(path.join(dir, file), 12)
  results.profile = s
  log(`main thread: ${s.totalMs} ms sampled ((idle) = waiting for Rolldown/oxc native threads)`)
  log(table(['category', 'self ms'], s.categories))
  log('')
  log(table(['top functions, self', 'ms'], s.self))
  log('')
  log(table(['our functions, inclusive', 'ms'], s.ours))
}

// ---------------------------------------------------------------------------------------------

function targets() {
  section('Targets (issue #8)')
  const rows = []
  const b2000 = results.build?.find((r) => r.size === 2000)
  const mark = (ok) => (ok ? 'met' : 'MISSED')
  if (b2000?.ratio) rows.push(['2000 templates: ours/theirs ≤ 0.3× (aim 0.2×)', `${b2000.ratio.toFixed(2)}×`, mark(b2000.ratio <= 0.3)])
  if (b2000) rows.push(['2000 templates: peak memory ≤ 250 MB', fmtMB(b2000.ours.maxRssKb), mark(b2000.ours.maxRssKb <= 250 * 1024)])
  if (results.growth) rows.push(['500 → 2000 templates: our time grows ≤ 3×', `${results.growth.toFixed(2)}×`, mark(results.growth <= 3)])
  if (results.runtime) {
    const s = results.runtime.speed['10000']
    rows.push(['context-free render ≤ 1 µs (10k manifest)', `${(s.renderKeyUs * 1000).toFixed(0)} ns`, mark(s.renderKeyUs <= 1)])
    rows.push(['render with hashing ≤ 5 µs (10k manifest)', `${s.renderUs.toFixed(2)} µs`, mark(s.renderUs <= 5)])
  }
  if (results.rps) rows.push(['playground rps with compressor ≥ 95% of without', `${(results.rps.ratio * 100).toFixed(1)}%`, mark(results.rps.ratio >= 0.95)])
  if (results.watch) rows.push(['watch rebuild after one CSS edit ≤ 0.2× a full build', `${results.watch.ratio.toFixed(2)}×`, mark(results.watch.ratio <= 0.2)])
  results.targets = rows
  log(table(['target', 'measured', ''], rows))
}
