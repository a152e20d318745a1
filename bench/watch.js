// Child process: `vite build --watch` (programmatic build() with build.watch: {}) on a generated
// site; times the initial build, then `edits` rebuilds, each after appending a rule to one
// generated CSS file that a layout's block and several page blocks use.
//
//   node bench/watch.js <site> <outDir> [edits=3]   → JSON: { initialMs, rebuildMs: [...], manifestChanged: [...] }
import fs from 'node:fs'
import path from 'node:path'

const [site, outDir, editsArg] = process.argv.slice(2)
const edits = Number(editsArg ?? 3)
const { build } = await import('vite')
const { default: compressor } = await import('vite-compressor')
const quiet = { info() {}, warn() {}, warnOnce() {}, error: (m) => console.error(m), clearScreen() {}, hasErrorLogged: () => false, hasWarned: false }
const manifestPath = path.join(path.resolve(outDir), 'CACHE', 'manifest.json')

let waiting
const nextEnd = () =>
  new Promise((resolve, reject) => {
    waiting = { resolve, reject }
  })
const first = nextEnd()
const t0 = performance.now()
const watcher = await build({
  root: path.resolve(site),
  configFile: false,
  base: '/static/',
  logLevel: 'warn',
  customLogger: quiet,
  build: { outDir: path.resolve(outDir), emptyOutDir: false, watch: {} },
  plugins: [compressor({ templates: 'templates/**/*.html', staticRoot: 'static', staticUrl: '/static/' })],
})
watcher.on('event', (e) => {
  if (e.code === 'BUNDLE_END') e.result?.close?.()
  if (e.code === 'END') waiting?.resolve(performance.now())
  if (e.code === 'ERROR') waiting?.reject(e.error)
})
const initialMs = (await first) - t0
const rebuildMs = []
const manifestChanged = []
const target = path.join(path.resolve(site), 'static', 'gen', 'css', 'c0.css')
for (let k = 0; k < edits; k++) {
  const before = fs.readFileSync(manifestPath, 'utf8')
  await new Promise((r) => setTimeout(r, 300)) // let the watcher settle
  const done = nextEnd()
  const t = performance.now()
  fs.appendFileSync(target, `\n.bench-edit-${k} { color: #${(0x100000 + k * 4099).toString(16)}; }\n`)
  const end = await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error('no rebuild within 60 s')), 60_000))])
  rebuildMs.push(end - t)
  manifestChanged.push(fs.readFileSync(manifestPath, 'utf8') !== before)
}
await watcher.close()
console.log(JSON.stringify({ initialMs, rebuildMs, manifestChanged, maxRSS: process.resourceUsage().maxRSS }))
