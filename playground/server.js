// The playground's server: Express 5 + Nunjucks, with the vite-compressor runtime rendering every
// {% compress %} block. Plain ESM JavaScript, so it runs on Node 20 as it is:
//
//   npm run build                          # the runtime, dist/runtime (once)
//   node node_modules/vite/bin/vite.js build playground   # playground/dist/CACHE/manifest.json
//   node playground/server.js              # compressed, on http://127.0.0.1:3000/
//   COMPRESS_ENABLED=0 node playground/server.js          # blocks served as written
//
// PORT and HOST pick the address. `createServer` is exported for the end-to-end tests.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import express from 'express'
import nunjucks from 'nunjucks'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const STATIC_URL = '/static/'
const PAGES = [
  { path: '/', template: 'index.njk', page: 'index' },
  { path: '/about', template: 'about.njk', page: 'about' },
  { path: '/gallery', template: 'gallery.njk', page: 'gallery' },
]

/**
 * Starts the playground. Options (all optional):
 * - manifestPath: the build's manifest (default playground/dist/CACHE/manifest.json)
 * - outDir: the build's output folder, served first under /static/ (default: two folders above
 *   the manifest, i.e. `<outDir>/CACHE/manifest.json`)
 * - enabled: render blocks from the manifest (true, default) or as written (false)
 * - version: fills [version] in a versioned manifestPath (default VITE_COMPRESSOR_VERSION)
 * - offline: false compresses blocks during the request (no build step needed), through the
 *   playground's vite.config.ts; `online` passes settings on (cache, root, vite config)
 * - port (default 3000; 0 picks a free one), host (default 127.0.0.1)
 * - runtime: the vite-compressor runtime module (default `await import('vite-compressor/runtime')`;
 *   the tests pass the TypeScript source instead)
 * Resolves to { app, server, url, compressor, entries, close() }.
 */
export async function createServer(options = {}) {
  const manifestPath = path.resolve(options.manifestPath ?? path.join(HERE, 'dist', 'CACHE', 'manifest.json'))
  const outDir = path.resolve(options.outDir ?? path.dirname(path.dirname(manifestPath)))
  const enabled = options.enabled ?? true
  const host = options.host ?? '127.0.0.1'
  const runtime = options.runtime ?? (await import('vite-compressor/runtime'))

  const offline = options.offline ?? true
  // Reads the manifest once (a clear error if it is missing); never read when disabled. Online, a
  // missing manifest is fine: blocks are compressed on their first request.
  const compressor = runtime.createCompressor({
    manifest: manifestPath,
    url: STATIC_URL,
    enabled,
    offline,
    version: options.version,
    online: { root: HERE, configFile: path.join(HERE, 'vite.config.ts'), ...options.online },
  })
  // compressor.manifest is the path it read ([version] filled in), or undefined.
  const read = compressor.manifest && fs.existsSync(compressor.manifest) ? compressor.manifest : undefined
  const entries = enabled && read ? Object.keys(JSON.parse(fs.readFileSync(read, 'utf8'))).length : 0

  // Uncompressed (development), templates are read again on each render, so edits show at once.
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(HERE, 'templates'), { noCache: !enabled }), {
    autoescape: true,
  })
  env.addExtension('compress', runtime.nunjucksExtension(compressor))
  // Blocks may say {{ STATIC_URL }}; the build's offline context has the same value.
  env.addGlobal('STATIC_URL', STATIC_URL)
  env.addGlobal('compressed', enabled)

  const app = express()
  app.disable('x-powered-by')
  app.set('view engine', 'njk')
  app.set('views', path.join(HERE, 'templates'))
  env.express(app)
  // Online mode: blocks a render left pending are compressed before the page is sent.
  app.use(runtime.compressorMiddleware(compressor, { replace: false }))
  if (compressor.online) app.get('/__vite-compressor/stats', (_req, res) => res.json(compressor.online.stats))

  // Static files, like Django's STATICFILES_DIRS with the build's outDir listed first. The build's
  // files are named by content hash, so they can be cached for good.
  app.use(
    STATIC_URL,
    express.static(outDir, {
      index: false,
      setHeaders(res, file) {
        const top = path.relative(outDir, file).split(path.sep)[0]
        if (top === 'CACHE' || top === 'assets') res.setHeader('Cache-Control', 'public, max-age=31536000, immutable')
      },
    }),
  )
  // Uncompressed pages link .scss files: compile them on request, as django-compressor's
  // precompilers do when COMPRESS_ENABLED is off.
  app.get(/\.scss$/, async (req, res, next) => {
    if (!req.path.startsWith(STATIC_URL)) return next()
    const file = path.join(HERE, 'static', ...req.path.slice(STATIC_URL.length).split('/'))
    if (!file.startsWith(path.join(HERE, 'static') + path.sep) || !fs.existsSync(file)) return next()
    try {
      const sass = await import('sass')
      res.type('text/css').send(sass.compile(file).css)
    } catch (err) {
      next(err)
    }
  })
  app.use(STATIC_URL, express.static(path.join(HERE, 'static'), { index: false }))
  // The page's import map sends the uncompressed module script's `import 'nanoid'` here.
  const nanoid = path.dirname(createRequire(import.meta.url).resolve('nanoid/package.json'))
  app.use(`${STATIC_URL}vendor/nanoid`, express.static(nanoid, { index: false }))

  for (const { path: route, template, page } of PAGES) {
    app.get(route, (_req, res) => res.render(template, { page }))
  }
  app.use((req, res) => res.status(404).render('404.njk', { page: '404', path: req.path }))

  const server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 3000, host, (err) => (err ? reject(err) : resolve(s)))
    s.once('error', reject)
  })
  const address = server.address()
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : options.port}/`
  const close = () =>
    new Promise((resolve, reject) => {
      server.closeAllConnections?.()
      server.close((err) => (err ? reject(err) : resolve()))
    })
  return { app, server, url, compressor, entries, manifestPath, close }
}

// CLI: `node playground/server.js`.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const off = (v) => /^(0|false|no|off)$/i.test(v ?? '1')
  const enabled = !off(process.env.COMPRESS_ENABLED)
  const offline = !off(process.env.COMPRESS_OFFLINE)
  try {
    const online = process.env.REDIS_URL
      ? { cache: await (await import('vite-compressor/runtime')).redisCache({ url: process.env.REDIS_URL }) }
      : undefined
    const site = await createServer({
      enabled,
      offline,
      online,
      port: Number(process.env.PORT ?? 3000),
      host: process.env.HOST,
    })
    const summary = !enabled
      ? 'uncompressed: blocks are served as written (COMPRESS_ENABLED=0)'
      : !offline
        ? `compressing blocks on their first request (COMPRESS_OFFLINE=0)${process.env.REDIS_URL ? ', cached in Redis' : ''}`
        : `compressed: ${site.entries} manifest entries from ${path.relative(process.cwd(), site.manifestPath)}`
    console.log(`playground: ${site.url}\n  ${summary}\n  pages: ${PAGES.map((p) => p.path).join(' ')}`)
  } catch (err) {
    console.error(`playground: ${err instanceof Error ? err.message : err}`)
    process.exit(1)
  }
}
