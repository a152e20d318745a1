import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Kind, Mode } from '../core/blocks.js'
import { CLASSIC_QUERY, DEV_SERVER_FILE, type DevServer } from '../core/dev.js'
import { escapeHtml } from '../core/escape.js'
import { blockItems, type Element } from '../core/items.js'
import type { ManifestSource } from './manifest.js'
import { addNonce } from './nonce.js'
import type { PageState } from './page.js'

/**
 * Development with the Vite dev server. While `vite` runs with the plugin, it writes a small JSON
 * file next to where the manifest goes (`<outDir>/CACHE/dev-server.json`) and removes it when it
 * stops. The runtime, in development (`enabled: false`), reads it and renders each block's items
 * pointing at the dev server, so Vite compiles `.scss` and module scripts on the fly and swaps
 * stylesheets on edit without a reload. Without that file, blocks render as written.
 */

export { CLASSIC_QUERY, DEV_SERVER_FILE, type DevServer } from '../core/dev.js'

/** Where the dev server file is for a manifest path: the same folder. */
export function devServerFile(manifest: string | URL): string {
  const file = typeof manifest === 'string' ? path.resolve(manifest) : fileURLToPath(manifest)
  return path.join(path.dirname(file), DEV_SERVER_FILE)
}

/** Checks the dev server file's text; throws an Error naming the file when it is not one. */
export function parseDevServer(text: string, file = DEV_SERVER_FILE): DevServer {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`)
  }
  const d = data as Record<string, unknown>
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${file}: not a JSON object`)
  for (const name of ['origin', 'base', 'staticUrl', 'url', 'client']) {
    if (typeof d[name] !== 'string' || d[name] === '')
      throw new Error(`${file}: \`${name}\` must be a non-empty string`)
  }
  if (!(d.url as string).endsWith('/') || !(d.staticUrl as string).endsWith('/')) {
    throw new Error(`${file}: \`url\` and \`staticUrl\` must end with '/'`)
  }
  return {
    origin: d.origin as string,
    base: d.base as string,
    staticUrl: d.staticUrl as string,
    url: d.url as string,
    client: d.client as string,
    pid: typeof d.pid === 'number' ? d.pid : undefined,
    hostname: typeof d.hostname === 'string' ? d.hostname : undefined,
  }
}

/** Reads the dev server file: undefined when there is none (no dev server running). Throws when it is corrupt. */
export function readDevServer(file: string): DevServer | undefined {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  return parseDevServer(text, file)
}

/**
 * Whether the file was left behind by a dev server that no longer runs: only decidable when it was
 * written on this host (a dev server in another container is taken at its word).
 */
export function isStale(server: DevServer): boolean {
  if (server.pid === undefined || server.hostname !== os.hostname()) return false
  try {
    process.kill(server.pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** What the renderer needs to know about a block. */
export interface DevBlock {
  kind: Kind
  mode?: Mode
  nonce?: string
  /** The page being rendered: Vite's client is written once in it. */
  page?: PageState
}

/**
 * A block's content with each item under `staticUrl` pointing at the dev server, and Vite's client
 * first (a module script runs once per page however many blocks include it):
 * - `<link rel="stylesheet">` keeps its attributes (`media`…) with `href` on the dev server, so Vite
 *   compiles `.scss`/`.less` and its client swaps the link when the file changes;
 * - `<script type="module" src>` is served by Vite (TypeScript, npm imports);
 * - a classic `<script src>` gets `?classic`: the dev plugin sends the file as it is;
 * - inline `<style>`/`<script>`, URLs outside `staticUrl` and everything else stay as written;
 * - a `preload` block becomes preload links to the same URLs (`modulepreload` for modules), nothing else.
 */
export function renderDevBlock(content: string, block: DevBlock, dev: DevServer): string {
  const preload = block.mode === 'preload'
  const { items } = blockItems(block.kind, content)
  let out = ''
  let last = 0
  for (const item of items) {
    const el = item.element
    const url = item.url
    if (item.source !== 'file' || url === undefined || !url.startsWith(dev.staticUrl)) continue
    let target = dev.url + url.slice(dev.staticUrl.length)
    if (item.kind === 'js' && !item.module) target += `${target.includes('?') ? '&' : '?'}${CLASSIC_QUERY}`
    let tag: string
    if (preload) {
      const as = item.kind === 'css' ? ' as="style"' : item.module ? '' : ' as="script"'
      tag = `<link rel="${item.module ? 'modulepreload' : 'preload'}" href="${escapeHtml(target)}"${as}>`
    } else {
      tag = startTag(el, item.kind === 'css' ? 'href' : 'src', target) + (el.name === 'script' ? '</script>' : '')
    }
    out += (preload ? '' : content.slice(last, el.start)) + tag
    last = el.end
  }
  out += preload ? '' : content.slice(last)
  // Vite's client once per page when the engine tracks the page (it would run once anyway).
  const first = !block.page?.emitted.has(VITE_CLIENT)
  block.page?.emitted.add(VITE_CLIENT)
  const html = `${first ? clientTag(dev) : ''}${out}`
  return block.nonce ? addNonce(html, block.nonce) : html
}

/** The tag that loads Vite's client. */
function clientTag(dev: DevServer): string {
  return `<script type="module" src="${escapeHtml(dev.client)}"></script>`
}

/** The page-state key of Vite's client script. */
const VITE_CLIENT = 'dev:@vite/client'

/** The element's start tag rebuilt with one attribute changed. */
function startTag(el: Element, name: string, value: string): string {
  let tag = `<${el.name}`
  for (const [key, v] of el.attrs) {
    const val = key === name ? value : v
    tag += val === null ? ` ${key}` : ` ${key}="${escapeHtml(val)}"`
  }
  return `${tag}>`
}

/** Options of {@link createDevRenderer}. */
export interface DevRendererOptions {
  /** How often, at most, the file is looked at again (one `stat`), in ms. Default 1000. */
  interval?: number
  /** Where a corrupt or stale file is reported (once per change). Default `console`. */
  logger?: { warn(message: string): void }
}

/** Renders blocks against the dev server while its file says one runs. */
export interface DevRenderer {
  /** The dev server file it follows. */
  readonly file: string
  /** The running dev server, or undefined. Looks at the file again at most once per interval. */
  current(): DevServer | undefined
  /** The block pointing at the dev server, or undefined when none runs (render it as written then). */
  render(content: string, block: DevBlock): string | undefined
}

/**
 * Follows a dev server file: read now, then looked at again (a `stat`) at most once per `interval`
 * when a block renders, so starting, restarting or stopping `vite` needs no server restart.
 */
export function createDevRenderer(file: string, options: DevRendererOptions = {}): DevRenderer {
  const interval = options.interval ?? 1000
  const logger = options.logger ?? console
  let checked = Number.NEGATIVE_INFINITY
  let signature = ''
  let server: DevServer | undefined
  let stale = false
  const cache = new Map<string, string>()

  const current = (): DevServer | undefined => {
    const now = Date.now()
    if (now - checked < interval) return stale ? undefined : server
    checked = now
    const stat = fs.statSync(file, { throwIfNoEntry: false })
    const sig = stat ? `${stat.mtimeMs}:${stat.size}:${stat.ino}` : ''
    if (sig !== signature) {
      signature = sig
      cache.clear()
      server = undefined
      stale = false
      try {
        server = stat ? readDevServer(file) : undefined
      } catch (err) {
        logger.warn(`vite-compressor: ignoring the dev server file: ${(err as Error).message}`)
      }
    }
    if (server && isStale(server)) {
      if (!stale) {
        logger.warn(
          `vite-compressor: ${file} names dev server process ${server.pid}, which is not running; ` +
            'rendering blocks as written (delete the file, or start `vite`)',
        )
      }
      stale = true
      return undefined
    }
    stale = false
    return server
  }

  return {
    file,
    current,
    render(content, block) {
      const dev = current()
      if (!dev) return undefined
      const key = `${block.kind}\0${block.mode ?? 'file'}\0${content}`
      let html = cache.get(key)
      if (html === undefined) {
        html = renderDevBlock(content, { kind: block.kind, mode: block.mode }, dev)
        if (cache.size >= 1000) cache.clear()
        cache.set(key, html)
      }
      // Vite's client once per page: later blocks of the same page leave it out.
      if (block.page) {
        if (block.page.emitted.has(VITE_CLIENT)) html = html.slice(clientTag(dev).length)
        block.page.emitted.add(VITE_CLIENT)
      }
      return block.nonce ? addNonce(html, block.nonce) : html
    },
  }
}

/**
 * The dev renderer createCompressor uses: only in development (`enabled` false), and only when
 * there is a file to follow: `dev` as a path, or beside a manifest given as a path.
 * `dev: false` turns it off.
 */
export function devRendererFor(options: {
  enabled: boolean
  manifest: ManifestSource
  dev?: boolean | string
  logger?: { warn(message: string): void }
}): DevRenderer | undefined {
  if (options.enabled || options.dev === false) return undefined
  const manifest = options.manifest
  const file =
    typeof options.dev === 'string'
      ? path.resolve(options.dev)
      : typeof manifest === 'string' || manifest instanceof URL
        ? devServerFile(manifest)
        : undefined
  return file === undefined ? undefined : createDevRenderer(file, { logger: options.logger })
}
