// Types for server.js (plain JavaScript, so it runs on Node without a TypeScript loader).
import type { Server } from 'node:http'
import type { Express } from 'express'
import type { Compressor } from 'vite-compressor/runtime'

export interface PlaygroundOptions {
  /** The build's manifest. Default playground/dist/CACHE/manifest.json. */
  manifestPath?: string
  /** Served first under /static/. Default: the folder holding `CACHE/` (two above the manifest). */
  outDir?: string
  /** Render blocks from the manifest (default) or as written. */
  enabled?: boolean
  /** Fills `[version]` in a versioned manifestPath. Default: VITE_COMPRESSOR_VERSION. */
  version?: string
  /** false: compress blocks during the request (online mode). Default true. */
  offline?: boolean
  /** Online settings passed to createCompressor (root, configFile, compressor, vite, cache…). */
  online?: Partial<import('vite-compressor/runtime').OnlineOptions>
  /** Default 3000; 0 picks a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** The runtime module. Default: `await import('vite-compressor/runtime')`. */
  runtime?: Pick<typeof import('vite-compressor/runtime'), 'createCompressor' | 'nunjucksExtension' | 'compressorMiddleware'>
}

export interface Playground {
  app: Express
  server: Server
  /** e.g. `http://127.0.0.1:3000/`, with a trailing slash. */
  url: string
  compressor: Compressor
  /** Entries in the manifest; 0 when disabled. */
  entries: number
  manifestPath: string
  close(): Promise<void>
}

export function createServer(options?: PlaygroundOptions): Promise<Playground>
