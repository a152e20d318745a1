// Child process: the server runtime's hot path (dist/runtime), measured in isolation.
//
//   node --expose-gc bench/runtime.js speed [--quick]   → JSON: µs per renderKey()/render() for 1k and 10k manifests
//   node --expose-gc bench/runtime.js memory <n>        → JSON: heap/RSS of a loaded n-entry manifest
//
// Manifests are synthetic but shaped like ours: sha256 keys, django-compressor's output HTML with
// the URL placeholder. Blocks are ~300 bytes of rendered HTML (four tags), as on a real page.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCompressor } from 'vite-compressor/runtime'

const STATIC_URL = '/static/'
const sha = (s) => createHash('sha256').update(s).digest('hex')

/** n block bodies (as a template renders them) and the manifest that covers them. */
function makeManifest(n) {
  const contents = []
  const manifest = new Map()
  for (let i = 0; i < n; i++) {
    const content = [
      '',
      `<link rel="stylesheet" href="${STATIC_URL}vendor/bootstrap/css/bootstrap.css">`,
      `<link rel="stylesheet" href="${STATIC_URL}gen/css/c${i % 97}.css">`,
      `<link rel="stylesheet" href="${STATIC_URL}gen/css/page-${i}.css" type="text/css">`,
      `<style>.page-${i} { color: #333; padding: ${i % 20}px; }</style>`,
      '',
    ].join('\n')
    contents.push(content)
    const key = sha(content.split(STATIC_URL).join(''))
    manifest.set(key, `<link rel="stylesheet" href="/__compressor_url_placeholder__/CACHE/css/output.${key.slice(0, 12)}.css" type="text/css">`)
  }
  return { contents, manifest }
}

/** Median of `rounds` timings of `iterations` calls, in µs per call. */
function measure(fn, iterations, rounds = 5) {
  for (let i = 0; i < Math.min(iterations, 200_000); i++) fn(i) // warm-up: let V8 optimise
  const per = []
  let sink = 0
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) sink += fn(i).length
    per.push(Number(process.hrtime.bigint() - t0) / 1000 / iterations)
  }
  if (sink === 42) console.error('') // keep the results alive
  per.sort((a, b) => a - b)
  return per[per.length >> 1]
}

const mode = process.argv[2]
if (mode === 'speed') {
  const quick = process.argv.includes('--quick')
  const out = {}
  for (const n of [1000, 10_000]) {
    const { contents, manifest } = makeManifest(n)
    const compressor = createCompressor({ manifest, url: STATIC_URL, enabled: true })
    // What a compiled template holds for a context-free block: its key, computed once.
    const keys = contents.map((c) => compressor.key(c))
    const block = { kind: 'css', mode: 'file' }
    const mask = 1023
    const stride = Math.floor(n / 1024) || 1
    const renderKey = (i) => compressor.renderKey(keys[((i & mask) * stride) % n], '', block)
    const render = (i) => compressor.render(contents[((i & mask) * stride) % n], block)
    const nonce = { kind: 'css', mode: 'file', nonce: 'r4nd0m' }
    const renderKeyNonce = (i) => compressor.renderKey(keys[((i & mask) * stride) % n], '', nonce)
    out[n] = {
      renderKeyUs: measure(renderKey, quick ? 500_000 : 2_000_000),
      renderUs: measure(render, quick ? 50_000 : 200_000),
      renderKeyNonceUs: measure(renderKeyNonce, quick ? 200_000 : 1_000_000),
      contentBytes: contents[0].length,
    }
  }
  console.log(JSON.stringify(out))
} else if (mode === 'memory') {
  const n = Number(process.argv[3] ?? 10_000)
  const { manifest } = makeManifest(n)
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vc-bench-manifest-')), 'manifest.json')
  fs.writeFileSync(file, JSON.stringify(Object.fromEntries([...manifest].sort())))
  const fileBytes = fs.statSync(file).size
  // Measure in the same state before and after: only the compressor differs.
  const snap = () => {
    globalThis.gc?.()
    globalThis.gc?.()
    const m = process.memoryUsage()
    return { heap: m.heapUsed + m.external + m.arrayBuffers, rss: m.rss }
  }
  manifest.clear()
  const before = snap()
  const t0 = performance.now()
  const compressor = createCompressor({ manifest: file, url: STATIC_URL, enabled: true })
  const loadMs = performance.now() - t0
  const after = snap()
  fs.rmSync(path.dirname(file), { recursive: true, force: true })
  console.log(
    JSON.stringify({
      entries: n,
      fileBytes,
      loadMs,
      heapBytes: after.heap - before.heap,
      rssBytes: after.rss - before.rss,
      alive: compressor.enabled,
    }),
  )
} else {
  console.error('usage: node --expose-gc bench/runtime.js speed|memory [n]')
  process.exit(2)
}
