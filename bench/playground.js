// Child process helpers for the requests-per-second benchmark.
//
//   node bench/playground.js build <outDir>            builds playground/ with its vite.config.ts into outDir
//   node bench/playground.js serve <outDir> <on|off>   serves it (playground/server.js createServer, port 0)
//                                                      and prints {"url": …} once listening
//
// If playground/server.js cannot be loaded, `serve` falls back to a minimal Express + Nunjucks
// server over playground/templates with our nunjucksExtension (and says so in its JSON line).
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const PLAYGROUND = path.join(REPO, 'playground')
const [cmd, outDir, enabledArg] = process.argv.slice(2)

if (cmd === 'build') {
  const { build } = await import('vite')
  await build({
    configFile: path.join(PLAYGROUND, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: path.resolve(outDir), emptyOutDir: false },
  })
  console.log(JSON.stringify({ ok: true }))
} else if (cmd === 'serve') {
  const enabled = enabledArg === 'on'
  const manifestPath = path.join(path.resolve(outDir), 'CACHE', 'manifest.json')
  let site
  let server = 'playground/server.js'
  try {
    const { createServer } = await import(pathToFileURL(path.join(PLAYGROUND, 'server.js')).href)
    site = await createServer({ manifestPath, outDir: path.resolve(outDir), enabled, port: 0 })
  } catch (err) {
    server = `fallback (playground/server.js failed: ${err instanceof Error ? err.message : err})`
    site = await fallback(manifestPath, enabled)
  }
  console.log(JSON.stringify({ url: site.url, server, entries: site.entries ?? null }))
  process.on('SIGTERM', () => process.exit(0))
} else {
  console.error('usage: node bench/playground.js build <outDir> | serve <outDir> <on|off>')
  process.exit(2)
}

async function fallback(manifestPath, enabled) {
  const { default: express } = await import('express')
  const { default: nunjucks } = await import('nunjucks')
  const runtime = await import('vite-compressor/runtime')
  const compressor = runtime.createCompressor({ manifest: manifestPath, url: '/static/', enabled })
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(PLAYGROUND, 'templates')), { autoescape: true })
  env.addExtension('compress', runtime.nunjucksExtension(compressor))
  env.addGlobal('STATIC_URL', '/static/')
  env.addGlobal('compressed', enabled)
  const app = express()
  app.set('view engine', 'njk')
  env.express(app)
  for (const [route, template, page] of [
    ['/', 'index.njk', 'index'],
    ['/about', 'about.njk', 'about'],
    ['/gallery', 'gallery.njk', 'gallery'],
  ]) {
    app.get(route, (_req, res) => res.render(template, { page }))
  }
  const s = await new Promise((resolve) => {
    const srv = app.listen(0, '127.0.0.1', () => resolve(srv))
  })
  return { url: `http://127.0.0.1:${s.address().port}/` }
}
