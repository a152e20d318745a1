import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import compressor from 'vite-compressor'

// `npx vite build playground` (from the repo root) scans templates/ for {% compress %} blocks and
// writes dist/CACHE/{css,js}/… plus dist/CACHE/manifest.json; images and fonts go to dist/assets/.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/static/',
  build: { outDir: 'dist' },
  plugins: [compressor({ templates: 'templates/**/*.njk', staticRoot: 'static', staticUrl: '/static/' })],
})
