// A playground server in online mode, as a separate process for the online e2e test.
// Env: OUT_DIR (shared outDir), REDIS_URL. Prints {"url": …} once listening.
import path from 'node:path'
import { createServer } from '../../playground/server.js'
import { redisCache } from '../../dist/runtime/index.js'

const outDir = process.env.OUT_DIR
const cache = await redisCache({ url: process.env.REDIS_URL })
const site = await createServer({
  offline: false,
  port: 0,
  manifestPath: path.join(outDir, 'CACHE', 'no-manifest.json'),
  outDir,
  online: { cache, vite: { build: { outDir } } },
})
process.stdout.write(`${JSON.stringify({ url: site.url })}\n`)
process.on('SIGTERM', async () => {
  await site.close()
  await cache.close?.()
  process.exit(0)
})
