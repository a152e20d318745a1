// Small helpers shared by the benchmark scripts: a seeded random generator, statistics, process
// timing with peak memory, folder sizes. Plain ESM JavaScript so it runs on Node 20 as it is.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/** mulberry32: a tiny deterministic PRNG; same seed, same site. */
export function rng(seed) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
    /** k distinct elements, in their original order. */
    sample: (list, k) => {
      const idx = list.map((_, i) => i)
      for (let i = idx.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[idx[i], idx[j]] = [idx[j], idx[i]]
      }
      return idx
        .slice(0, Math.min(k, list.length))
        .sort((x, y) => x - y)
        .map((i) => list[i])
    },
  }
}

export function median(values) {
  const v = [...values].sort((a, b) => a - b)
  if (v.length === 0) return Number.NaN
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

export const TIME_BIN = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined

/**
 * Runs a command, timing its wall clock here and taking its peak RSS from `/usr/bin/time -v`
 * (or from a `"maxRSS"` the child reports as JSON on its last stdout line, if there is no time(1)).
 * Resolves to { wallMs, maxRssKb, stdout, stderr, code }.
 */
export function timed(cmd, args, { cwd, env, timeoutMs = 300_000 } = {}) {
  const argv = TIME_BIN ? [TIME_BIN, '-v', cmd, ...args] : [cmd, ...args]
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(argv[0], argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6
      let maxRssKb
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)
      if (m) {
        maxRssKb = Number(m[1])
        stderr = stderr.slice(0, stderr.lastIndexOf('\tCommand being timed'))
      } else {
        const report = lastJson(stdout)
        if (report?.maxRSS) maxRssKb = report.maxRSS
      }
      resolve({ wallMs, maxRssKb, stdout, stderr, code })
    })
  })
}

/** The last line of `text` that parses as a JSON object, or undefined. */
export function lastJson(text) {
  const lines = text.trim().split('\n')
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim()
    if (!line.startsWith('{')) continue
    try {
      return JSON.parse(line)
    } catch {}
  }
  return undefined
}

/** Total bytes and count of files under `dir` whose name matches `filter`. */
export function dirBytes(dir, filter = () => true) {
  let bytes = 0
  let files = 0
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name)
      if (e.isDirectory()) walk(full)
      else if (filter(full)) {
        bytes += fs.statSync(full).size
        files++
      }
    }
  }
  if (fs.existsSync(dir)) walk(dir)
  return { bytes, files }
}

export const fmtMs = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`)
export const fmtMB = (kb) => (kb === undefined ? 'n/a' : `${Math.round(kb / 1024)} MB`)
export const fmtBytes = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : `${(b / 1e3).toFixed(1)} kB`)

/** A fixed-width text table. */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String))
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)))
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  return [line(all[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...all.slice(1).map(line)].join('\n')
}
