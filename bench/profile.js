// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the main thread's time went, by
// category (our plugin, Vite, lightningcss, GC, idle = waiting for Rolldown's native threads) and
// the top functions by self and by inclusive time.
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/vite-build.js <site> <outDir>
//   node bench/profile.js /tmp/prof/CPU.*.cpuprofile [top=15]
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

export function summarize(file, top = 15) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'))
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const dt = prof.timeDeltas
  const totalUs = dt.reduce((a, b) => a + b, 0)
  const short = (url) => {
    if (!url) return ''
    const u = url.replace(/^file:\/\//, '')
    const i = u.lastIndexOf('/node_modules/')
    if (i >= 0) return u.slice(i + 14)
    const d = u.indexOf('/dist/')
    return d >= 0 ? u.slice(d + 1) : path.basename(u)
  }
  const category = (n) => {
    const f = n.callFrame
    if (['(idle)', '(garbage collector)', '(program)', '(root)'].includes(f.functionName)) return f.functionName
    const u = short(f.url)
    if (u.startsWith('dist/')) return 'vite-compressor (dist/)'
    if (u.startsWith('lightningcss')) return 'lightningcss'
    if (u.startsWith('vite/') || u.startsWith('rolldown/') || u.startsWith('@rolldown')) return 'vite + rolldown JS'
    if (u === '' && f.functionName) return 'native/builtin'
    return u.startsWith('node:') || !u.includes('/') ? 'node internals' : 'other node_modules'
  }
  const fnKey = (n) => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`
  const self = new Map()
  const incl = new Map()
  const cats = new Map()
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i]
    const us = dt[i] ?? 0
    const n = nodes.get(id)
    self.set(fnKey(n), (self.get(fnKey(n)) ?? 0) + us)
    cats.set(category(n), (cats.get(category(n)) ?? 0) + us)
    const seen = new Set()
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = fnKey(nodes.get(cur))
      if (seen.has(k)) continue
      seen.add(k)
      incl.set(k, (incl.get(k) ?? 0) + us)
    }
  }
  const ms = (us) => Math.round(us / 1000)
  const sortDesc = (m) => [...m].sort((a, b) => b[1] - a[1])
  return {
    totalMs: ms(totalUs),
    categories: sortDesc(cats).map(([k, v]) => [k, ms(v)]),
    self: sortDesc(self)
      .slice(0, top)
      .map(([k, v]) => [k, ms(v)]),
    ours: sortDesc(incl)
      .filter(([k]) => k.includes(' dist/'))
      .slice(0, top)
      .map(([k, v]) => [k, ms(v)]),
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const s = summarize(process.argv[2], Number(process.argv[3] ?? 15))
  console.log(`main-thread profile: ${s.totalMs} ms`)
  console.log('\nby category (self time, ms):')
  for (const [k, v] of s.categories) console.log(`  ${String(v).padStart(6)}  ${k}`)
  console.log('\ntop functions by self time (ms):')
  for (const [k, v] of s.self) console.log(`  ${String(v).padStart(6)}  ${k}`)
  console.log('\nour functions by inclusive time (ms):')
  for (const [k, v] of s.ours) console.log(`  ${String(v).padStart(6)}  ${k}`)
}
