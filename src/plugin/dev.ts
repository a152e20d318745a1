import fs from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import picomatch from 'picomatch'
import type { Plugin, ResolvedConfig, UserConfig, ViteDevServer } from 'vite'
import { CLASSIC_QUERY, DEV_SERVER_FILE, type DevServer } from '../core/dev.js'
import { type CompressorOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { planBuild } from './plan.js'
import { scanTemplates } from './scan.js'
import { resolveStaticUrl, type StaticRoots } from './static.js'
import { writeFileAtomic } from './write.js'

export { DEV_SERVER_FILE } from '../core/dev.js'

/** The file as the plugin writes it: always with the process and host. */
export type DevServerFile = DevServer & { pid: number; hostname: string }

/**
 * The URL path, after Vite's `base`, under which the dev server serves the static roots: `/` when
 * `base` is the static URL's path (the playground: `/static/css/x.css` on the dev server is the
 * file `static/css/x.css`), else the static URL's path (`/static/`, under the base).
 */
export function servedPath(base: string, staticUrl: string): string {
  const staticPath = new URL(staticUrl, 'http://localhost').pathname
  return staticPath === base ? '/' : staticPath
}

/**
 * The dev server's origin as a browser on the app's page reaches it: Vite's `server.origin` when
 * set (a container's public URL), else the configured host, or the address it listens on
 * (`localhost` for a wildcard address).
 */
export function serverOrigin(
  server: { origin?: string; host?: string | boolean; https?: unknown },
  address: Pick<AddressInfo, 'address' | 'port'>,
): string {
  if (server.origin) return server.origin.replace(/\/+$/, '')
  const protocol = server.https ? 'https' : 'http'
  const wildcard = (h: string) => h === '0.0.0.0' || h === '::' || h === '::0' || h === ''
  let host = typeof server.host === 'string' && !wildcard(server.host) ? server.host : address.address
  if (wildcard(host)) host = 'localhost'
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`
  return `${protocol}://${host}:${address.port}`
}

/** What the dev server file says, for an origin, Vite's base and the plugin's static URL. */
export function devServerInfo(origin: string, base: string, staticUrl: string): DevServerFile {
  const atBase = `${origin}${base}`
  return {
    origin,
    base,
    staticUrl,
    url: `${atBase}${servedPath(base, staticUrl).slice(1)}`,
    client: `${atBase}@vite/client`,
    pid: process.pid,
    hostname: os.hostname(),
  }
}

/** Whether a request from `origin` may read a response, by Vite's `server.cors` setting. */
export function corsAllows(cors: unknown, origin: string): boolean {
  if (cors === true) return true
  if (cors === false || cors === undefined || cors === null) return false
  const allowed =
    typeof cors === 'object' && !(cors instanceof RegExp) && 'origin' in cors
      ? (cors as { origin: unknown }).origin
      : cors
  const test = (o: unknown): boolean =>
    o === true ||
    o === '*' ||
    o === origin ||
    (o instanceof RegExp && o.test(origin)) ||
    (Array.isArray(o) && o.some(test))
  return test(allowed)
}

/**
 * The development half of vite-compressor (`vite` / `vite dev`): serves the files blocks name under
 * `staticUrl` from the static roots through Vite (so `.scss` and TypeScript compile, and
 * stylesheets hot-update), serves classic scripts as they are, reloads the page when a classic
 * script or a template changes, and writes `<outDir>/<outputDir>/dev-server.json` for the runtime
 * while the server listens (removed on close, exit, Ctrl-C and SIGTERM).
 */
export function devPlugin(userOptions: CompressorOptions): Plugin {
  let config: ResolvedConfig
  let opts: ResolvedOptions
  let roots: StaticRoots
  let served = '/'
  let hotFile = ''
  let indexHtml = ''
  let isTemplate: (file: string) => boolean = () => false
  /** Classic scripts served as they are: a change reloads the page. */
  const classic = new Set<string>()
  let cleanup: (() => void) | undefined

  const resolve = (url: string): string | undefined => {
    try {
      return resolveStaticUrl(url, roots).path
    } catch {
      return undefined
    }
  }

  return {
    name: 'vite-compressor:dev',
    apply: 'serve',
    enforce: 'pre',

    config(user: UserConfig) {
      // Let Vite's dependency optimizer see the module scripts blocks name, so `import 'x'` from
      // node_modules is pre-bundled at start-up instead of discovered (and reloaded) on first visit.
      if (user.optimizeDeps?.entries !== undefined) return undefined
      const root = path.resolve(user.root ?? process.cwd())
      try {
        const entries = moduleEntries(resolveOptions(userOptions, root), root)
        return entries.length > 0 ? { optimizeDeps: { entries } } : undefined
      } catch {
        return undefined // options errors are reported in configResolved; template errors on use
      }
    },

    configResolved(resolved) {
      config = resolved
      opts = resolveOptions(userOptions, config.root)
      roots = { staticUrl: opts.staticUrl, roots: opts.staticRoots, root: config.root }
      served = servedPath(config.base, opts.staticUrl)
      indexHtml = slash(path.join(config.root, 'index.html'))
      const outDir = path.resolve(config.root, config.build.outDir)
      hotFile = path.join(outDir, opts.outputDir, path.dirname(opts.manifest), DEV_SERVER_FILE)
      const match = picomatch(opts.templates)
      isTemplate = (file) => match(path.relative(config.root, file).split(path.sep).join('/'))
      // The static roots may lie outside Vite's workspace: let Vite serve what it resolves there.
      const allow = config.server.fs.allow as string[]
      for (const r of opts.staticRoots) if (!allow.includes(r)) allow.push(r)
    },

    configureServer(server) {
      // Before Vite's own middlewares (so before its transforms): classic scripts, as they are.
      server.middlewares.use((req, res, next) => serveClassic(server, req, res, next))
      for (const file of scanTemplates(config.root, opts.templates, [path.resolve(config.root, config.build.outDir)])) {
        server.watcher.add(path.join(config.root, file))
      }
      const http = server.httpServer
      if (!http || config.server.middlewareMode) return
      http.once('listening', () => {
        const address = http.address()
        if (!address || typeof address === 'string') return
        const info = devServerInfo(serverOrigin(config.server, address), config.base, opts.staticUrl)
        cleanup = writeHotFile(hotFile, info)
        config.logger.info(`  vite-compressor: blocks point at ${info.url} (${path.relative(config.root, hotFile)})`, {
          timestamp: true,
        })
      })
      http.once('close', () => cleanup?.())
    },

    resolveId(id, importer) {
      if (id.startsWith('\0') || id.startsWith('/@') || id.startsWith('/node_modules/')) return undefined
      const q = id.indexOf('?')
      const bare = q === -1 ? id : id.slice(0, q)
      // A request from the browser, as Vite sees it (base removed): `/css/x.scss?direct`; Vite
      // resolves those with no importer or the root's index.html.
      const fromBrowser = importer === undefined || slash(importer) === indexHtml
      let url: string | undefined
      if (fromBrowser && bare.startsWith(served)) url = opts.staticUrl + bare.slice(served.length)
      // An import written with the static URL: `import '/static/js/x.js'`.
      else if (!fromBrowser && opts.staticUrl.startsWith('/') && bare.startsWith(opts.staticUrl)) url = bare
      if (url === undefined) return undefined
      const file = resolve(url)
      return file === undefined ? undefined : file + (q === -1 ? '' : id.slice(q))
    },

    hotUpdate({ file }) {
      if (this.environment.name !== 'client') return undefined
      if (!classic.has(file) && !isTemplate(file)) return undefined
      this.environment.hot.send({ type: 'full-reload', path: '*' })
      return []
    },

    closeBundle() {
      cleanup?.()
    },
  }

  function serveClassic(
    server: ViteDevServer,
    req: IncomingMessage,
    res: ServerResponse,
    next: (err?: unknown) => void,
  ) {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.url?.includes(CLASSIC_QUERY)) return next()
    // The raw path (a URL parser would resolve `%2e%2e` before resolveStaticUrl could refuse it).
    const q = req.url.indexOf('?')
    const pathname = q === -1 ? req.url : req.url.slice(0, q)
    const prefix = config.base + served.slice(1)
    if (q === -1 || !new URLSearchParams(req.url.slice(q)).has(CLASSIC_QUERY) || !pathname.startsWith(prefix))
      return next()
    let file: string
    try {
      file = resolveStaticUrl(opts.staticUrl + pathname.slice(prefix.length), roots).path
    } catch (err) {
      res.statusCode = 404
      res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      res.end((err as Error).message)
      return
    }
    if (!classic.has(file)) {
      classic.add(file)
      server.watcher.add(file)
    }
    const origin = req.headers.origin
    if (origin && corsAllows(config.server.cors, origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin)
      res.setHeader('Vary', 'Origin')
    }
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8')
    res.setHeader('Cache-Control', 'no-cache')
    res.end(req.method === 'HEAD' ? undefined : fs.readFileSync(file))
  }
}

function slash(p: string): string {
  return p.split(path.sep).join('/')
}

/** The files of module scripts in the templates' blocks (root-relative), for the dependency optimizer. */
function moduleEntries(opts: ResolvedOptions, root: string): string[] {
  const files = scanTemplates(root, opts.templates)
  const templates = files.map((file) => ({ file, source: fs.readFileSync(path.join(root, file), 'utf8') }))
  const roots = { staticUrl: opts.staticUrl, roots: opts.staticRoots, root }
  const plan = planBuild(templates, {
    staticUrl: opts.staticUrl,
    contexts: opts.contexts,
    external: 'keep',
    resolve: (url, where) => resolveStaticUrl(url, roots, where),
  })
  const out = new Set<string>()
  for (const block of plan.blocks) {
    for (const group of block.groups) {
      if (!group.module) continue
      for (const s of group.sources)
        if (s.type === 'file') out.add(path.relative(root, s.path).split(path.sep).join('/'))
    }
  }
  return [...out].sort()
}

/** Signals that end the process by default: the file is removed first, then the signal acts as before. */
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/**
 * Writes the dev server file and arranges its removal on exit or a terminating signal. Returns the
 * removal, which also unhooks the handlers; it removes the file only if it is still ours.
 */
export function writeHotFile(file: string, info: DevServerFile): () => void {
  const text = `${JSON.stringify(info, null, 2)}\n`
  writeFileAtomic(file, text)
  let done = false
  const remove = () => {
    if (done) return
    done = true
    process.off('exit', remove)
    for (const s of SIGNALS) process.off(s, onSignal)
    try {
      if (fs.readFileSync(file, 'utf8') === text) fs.rmSync(file, { force: true })
    } catch {
      // already gone
    }
  }
  const onSignal = (signal: NodeJS.Signals) => {
    remove()
    // Nobody else handles it: end the process as the signal would have without us.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  }
  process.once('exit', remove)
  for (const s of SIGNALS) process.once(s, onSignal)
  return remove
}
