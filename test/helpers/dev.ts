import path from 'node:path'
import { createServer, type ViteDevServer } from 'vite'
import compressor, { type CompressorOptions } from '../../src/plugin/index.js'

/** A Vite dev server for a fixture folder, with the plugin, on 127.0.0.1 and a free port (not yet listening). */
export function devServer(
  root: string,
  options: CompressorOptions,
  extra: { base?: string; outDir?: string } = {},
): Promise<ViteDevServer> {
  return createServer({
    configFile: false,
    root,
    base: extra.base ?? '/',
    cacheDir: path.join(root, '.vite'),
    logLevel: 'silent',
    build: { outDir: extra.outDir ?? 'dist' },
    server: { host: '127.0.0.1', port: 0 },
    plugins: [compressor(options)],
  })
}

/** The port a dev server listens on. */
export function portOf(server: ViteDevServer | undefined): number {
  const address = server?.httpServer?.address()
  if (!address || typeof address === 'string') throw new Error('the dev server is not listening')
  return address.port
}
