// Child process: one `vite build` of a generated site with our plugin, via Vite's programmatic
// build(). Prints one JSON line: { buildMs, importMs, maxRSS (kB, from process.resourceUsage) }.
//
//   node bench/vite-build.js <site> <outDir>
//
// Experiments (not used by `npm run bench` unless asked): BENCH_CSS_TRANSFORMER=lightningcss sets
// Vite's css.transformer (no PostCSS pass); BENCH_MINIFY=0 turns build.minify off;
// BENCH_CSS_PIPELINE=vite sends every stylesheet through Vite's CSS pipeline (our cssPipeline option);
// BENCH_LOGLEVEL=info makes Vite's reporter and our summary (with gzip sizes) run, as in a terminal.
import path from 'node:path'

const [site, outDir] = process.argv.slice(2)
const t0 = performance.now()
const { build } = await import('vite')
const { default: compressor } = await import('vite-compressor')
const t1 = performance.now()
const quiet = { info() {}, warn() {}, warnOnce() {}, error: (m) => console.error(m), clearScreen() {}, hasErrorLogged: () => false, hasWarned: false }
await build({
  root: path.resolve(site),
  configFile: false,
  base: '/static/',
  logLevel: process.env.BENCH_LOGLEVEL ?? 'warn',
  customLogger: quiet,
  ...(process.env.BENCH_CSS_TRANSFORMER ? { css: { transformer: process.env.BENCH_CSS_TRANSFORMER } } : {}),
  build: {
    outDir: path.resolve(outDir),
    emptyOutDir: false,
    ...(process.env.BENCH_REPORT === '0' ? { reportCompressedSize: false } : {}),
    ...(process.env.BENCH_MINIFY === '0' ? { minify: false, cssMinify: false } : {}),
  },
  plugins: [compressor({ templates: 'templates/**/*.html', staticRoot: 'static', staticUrl: '/static/', ...(process.env.BENCH_CSS_PIPELINE ? { cssPipeline: process.env.BENCH_CSS_PIPELINE } : {}) })],
})
const t2 = performance.now()
console.log(JSON.stringify({ importMs: t1 - t0, buildMs: t2 - t1, maxRSS: process.resourceUsage().maxRSS }))
