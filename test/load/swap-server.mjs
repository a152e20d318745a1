// One release of the playground, as its own process, for the load test's rolling deploy.
// Env: MANIFEST (a path with [version]), OUT_DIR (the shared outDir), VITE_COMPRESSOR_VERSION
// (this release). Prints {"url": …} once listening; SIGTERM closes it and exits.
import { createServer } from '../../playground/server.js'

const site = await createServer({
  port: 0,
  manifestPath: process.env.MANIFEST,
  outDir: process.env.OUT_DIR,
})
process.stdout.write(
  `${JSON.stringify({ url: site.url, manifest: site.compressor.manifest, entries: site.entries })}\n`,
)
process.on('SIGTERM', async () => {
  await site.close()
  process.exit(0)
})
