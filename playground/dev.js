// `npm run dev`: the playground in development. Vite's dev server, with the plugin from
// vite.config.ts, compiles the files the {% compress %} blocks name (Sass, module scripts) and
// hot-updates stylesheets; the playground server (blocks not compressed) renders each block's
// tags pointing at Vite, found through playground/dist/CACHE/dev-server.json.
//
//   npm run build      # once: the package (dist/), which vite.config.ts and server.js import
//   npm run dev        # Vite on http://127.0.0.1:5173/static/, the site on http://127.0.0.1:3000/
//
// Edit static/css/*.css or static/css/theme.scss: the page changes in place. Edit a classic script
// (static/js/app.js) or a template: the page reloads. VITE_PORT, PORT and HOST pick the addresses;
// Ctrl-C stops both (and removes dev-server.json).
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer as createViteServer } from 'vite'
import { createServer } from './server.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const host = process.env.HOST ?? '127.0.0.1'

const vite = await createViteServer({
  configFile: path.join(HERE, 'vite.config.ts'),
  server: { host, port: Number(process.env.VITE_PORT ?? 5173), strictPort: true },
})
if (!vite.config.plugins.some((p) => p.name === 'vite-compressor:dev')) {
  await vite.close()
  console.error('playground: the vite-compressor dev plugin is missing; run `npm run build` first')
  process.exit(1)
}
await vite.listen()
vite.printUrls()

let site
try {
  site = await createServer({ enabled: false, port: Number(process.env.PORT ?? 3000), host })
} catch (err) {
  await vite.close()
  console.error(`playground: ${err instanceof Error ? err.message : err}`)
  process.exit(1)
}
console.log(`\nplayground (development): ${site.url}\n  blocks point at the Vite dev server; edit a stylesheet and watch the page`)

const stop = async () => {
  await Promise.allSettled([site.close(), vite.close()])
  process.exit(0)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
