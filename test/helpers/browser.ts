import fs from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { type Browser, chromium } from 'playwright-core'

const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => fs.existsSync(p))

/** Debian's Chromium, headless, with the flags this machine needs (no background networking). */
export async function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('Chromium is not installed: run scripts/setup-system.sh')
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/** A static file server on 127.0.0.1: each URL prefix served from its folders, in order; `.php` as HTML. */
export async function serveStatic(mounts: [string, string][]): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express()
  for (const [prefix, dir] of mounts) {
    app.use(
      prefix,
      express.static(dir, {
        extensions: ['html', 'php'],
        setHeaders: (res, file) => {
          if (file.endsWith('.php')) res.setHeader('Content-Type', 'text/html; charset=utf-8')
        },
      }),
    )
  }
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
