import fs from 'node:fs'
import path from 'node:path'
import type { Kind, Mode } from '../core/blocks.js'
import { CompressorError, type SourceLocation } from '../core/errors.js'
import { offlineKey } from '../core/key.js'
import { fillUrl } from '../core/manifest.js'
import { isQualifiedKey, qualifiedKey } from '../core/qualified.js'
import { isVersioned, manifestFileName, resolveVersion } from '../core/version.js'
import type { CacheEntry } from './cache.js'
import { type ManifestSource, loadManifest } from './manifest.js'
import { addNonce, joinWithNonce, splitForNonce } from './nonce.js'
import { devRendererFor } from './dev.js'
import { createOnline, type Online, type OnlineOptions } from './online.js'
import { type PageState, type Piece, renderPieces, splitPieces } from './page.js'

export type { Kind, Mode } from '../core/blocks.js'
export { CompressorError } from '../core/errors.js'
export { compressorMiddleware, type CompressorMiddlewareOptions } from './express.js'
export { type ReplaceBlocksOptions, replaceBlocks } from './html.js'
export { isQualifiedKey, qualifiedKey } from '../core/qualified.js'
export { type LiquidOptions, registerLiquid } from './liquid.js'
export type { ManifestSource } from './manifest.js'
export { addNonce } from './nonce.js'
export { type NunjucksOptions, nunjucksExtension } from './nunjucks.js'
export { createPageState, type PageState } from './page.js'
export { createDevRenderer, type DevServer, devServerFile, readDevServer, renderDevBlock } from './dev.js'
export { type CacheEntry, type CompressCache, memoryCache, type RedisCacheOptions, redisCache } from './cache.js'
export type { OnlineOptions } from './online.js'

/** Options of {@link createCompressor}. */
export interface CompressorOptions {
  /**
   * The manifest written by `vite build`: a path (read once, now), or entries already loaded.
   * With `offline: false` it is optional (a path that does not exist yet is fine).
   */
  manifest?: ManifestSource
  /**
   * `false`: a block missing from the manifest is compressed during the request, through the same
   * pipeline as `vite build`, and cached (django-compressor's default, non-offline mode). Pages
   * then need {@link Compressor.resolve} (the Express helper calls it). Default true.
   */
  offline?: boolean
  /** Settings of online compression (`offline: false`): the site's root, cache backend, delays. */
  online?: OnlineOptions
  /** Online mode shorthand for `online.root`: the site's Vite root. Default: the working directory. */
  root?: string
  /**
   * Online mode shorthand: the static folder(s), for a site with no Vite config (zero
   * configuration). Default `static` when the root has no `vite.config.*`.
   */
  staticRoot?: string | string[]
  /** Online mode shorthand for `online.cache`. */
  cache?: OnlineOptions['cache']
  /**
   * This release's version, for a manifest path with `[version]` (`dist/CACHE/manifest.[version].json`):
   * each release reads only its own manifest during a rolling deploy. Default: `VITE_COMPRESSOR_VERSION`.
   */
  version?: string
  /**
   * With `vite` (the dev server) running and `enabled` false, blocks point at it (found through
   * dev-server.json beside the manifest): hot CSS updates, compiled SCSS and TypeScript. A path
   * names another file; false never. Default true.
   */
  dev?: boolean | string
  /**
   * What replaces the placeholder in the manifest's HTML: a path or a CDN origin such as
   * `https://cdn.example.com/static/` (django-compressor's COMPRESS_URL). Must end with '/'.
   * Default '/static/'.
   */
  url?: string
  /**
   * What is removed from a block's text before hashing it (Django's STATIC_URL); must match the
   * build's. Must end with '/'. Default: `url` when that is a path, else '/static/'.
   */
  staticUrl?: string
  /**
   * False renders every block's content as it is, like COMPRESS_ENABLED = False; the manifest is
   * then not read at all. Default: `process.env.NODE_ENV === 'production'`.
   */
  enabled?: boolean
  /** True (default) throws {@link MissingBlockError} for a block not in the manifest; false logs a warning once per key and renders the block's content as it is. */
  strict?: boolean
  /** Where warnings go. Default `console`. */
  logger?: { warn(message: string): void }
}

/** What the engine knows about a block when it renders one. */
export interface BlockInfo {
  kind: Kind
  /** Default 'file'. */
  mode?: Mode
  name?: string
  /** The template's name or path and the block's line, for error messages. */
  template?: string
  line?: number
  column?: number
  /** The opening tag as written, for error messages; rebuilt from kind, mode and name if absent. */
  tag?: string
  /** A CSP nonce: ` nonce="…"` is added to every emitted script, style and link tag. */
  nonce?: string
  /**
   * The page being rendered ({@link createPageState}, one per page render): a tag naming a file
   * (same tag, rel or type, and URL) that an earlier block of this page emitted is left out, so the
   * browser fetches it, and runs a script, once. Inline bodies are always kept. Without it, every
   * block renders in full. Only compressed output is deduplicated, not blocks rendered as written.
   */
  page?: PageState
}

/** Renders compress blocks from a manifest. Create one per process with {@link createCompressor}. */
export interface Compressor {
  readonly enabled: boolean
  readonly strict: boolean
  readonly url: string
  readonly staticUrl: string
  /** The manifest's path (or `(manifest object)`); undefined when disabled. */
  readonly manifest: string | undefined
  /** The offline key of a block's rendered content (sha256 hex, static URL removed). */
  key(content: string): string
  /** The HTML for a block whose rendered content is `content`. */
  render(content: string, block: BlockInfo): string
  /**
   * Like {@link Compressor.render} with the key already computed (once per compiled template, for a
   * block body without variables): one Map lookup, no hashing. `content` is used only when the key is
   * missing or the compressor is disabled.
   */
  renderKey(key: string, content: string, block: BlockInfo): string
  /**
   * Online mode: compresses the blocks a rendered page left pending and puts their tags in place.
   * Without pending blocks (always, in offline mode) it returns the page as it is.
   */
  resolve(html: string): Promise<string>
  /** Online mode: the compression statistics of this process. */
  readonly online: Online | undefined
}

/** A block rendered on the server whose key the manifest does not have. */
export class MissingBlockError extends CompressorError {
  readonly key: string
  readonly template: string | undefined
  readonly line: number | undefined
  /** The block's rendered content, whose hash is `key`. */
  readonly content: string

  constructor(key: string, content: string, block: BlockInfo, manifest: string) {
    const tag = blockTag(block)
    const where =
      block.template && block.line === undefined
        ? ` (template ${block.template})`
        : !block.template && block.line !== undefined
          ? ` (line ${block.line})`
          : ''
    const shown = content.length > 300 ? `${content.slice(0, 300)}…` : content
    const detail =
      `no entry for key ${key} in manifest ${manifest}${where}. ` +
      'Run `vite build` so the manifest covers this block; if the block uses template variables, ' +
      'check that the offline `context` option covers the values this page renders with ' +
      `(each value gives another key). Rendered content: ${JSON.stringify(shown)}`
    const loc: SourceLocation | undefined =
      block.template && block.line !== undefined
        ? { file: block.template, line: block.line, column: block.column ?? 1 }
        : undefined
    super('MISSING_BLOCK', detail, { loc, block: tag })
    this.name = 'MissingBlockError'
    this.key = key
    this.template = block.template
    this.line = block.line
    this.content = content
  }
}

interface Entry {
  /** The manifest's HTML with the URL filled in. */
  html: string
  /** `html` split where a nonce goes, on first use. */
  parts?: string[]
  /** `html` cut into tags with their dedupe keys, when the manifest is loaded; undefined if no tag names a file. */
  pieces: Piece[] | undefined
  /** For a block compressed online: its sources, checked for changes at most every mtimeDelayMs. */
  online?: CacheEntry & { checkedAt: number }
}

const PENDING = /<!--vite-compressor:pending:(\d+)-->/g

/**
 * Creates the runtime: reads the manifest once (a clear CompressorError if it is missing, empty or
 * corrupt), fills in the URL for every entry, and renders blocks by key.
 */
export function createCompressor(options: CompressorOptions): Compressor {
  const url = checkUrl('url', options.url ?? '/static/')
  const staticUrl = checkUrl(
    'staticUrl',
    options.staticUrl ?? (url.startsWith('/') && !url.startsWith('//') ? url : '/static/'),
  )
  const enabled = options.enabled ?? process.env.NODE_ENV === 'production'
  const strict = options.strict ?? true
  const logger = options.logger ?? console
  const dev = devRendererFor({ enabled, manifest: options.manifest as ManifestSource, dev: options.dev, logger })

  if (typeof options.manifest === 'string' && isVersioned(options.manifest)) {
    const file = manifestFileName(path.basename(options.manifest), resolveVersion(options.version))
    options = { ...options, manifest: path.join(path.dirname(options.manifest), file) }
  }
  const entries = new Map<string, Entry>()
  let manifest: string | undefined
  let qualified = false
  const online = enabled && options.offline === false ? createOnline(onlineOptions(options, staticUrl)) : undefined
  const optional = online && typeof options.manifest === 'string' && !fs.existsSync(options.manifest)
  if (enabled && options.manifest !== undefined && !optional) {
    const loaded = loadManifest(options.manifest)
    manifest = loaded.source
    for (const [key, html] of loaded.entries) {
      const filled = fillUrl(html, url)
      entries.set(key, { html: filled, pieces: splitPieces(filled) })
      if (isQualifiedKey(key)) qualified = true
    }
  } else if (enabled && !online) {
    throw new CompressorError('OPTIONS', 'createCompressor: `manifest` is required (or `offline: false`)')
  }
  manifest ??= online ? '(online)' : undefined
  const warned = new Set<string>()

  const lookup = (key: string, block: BlockInfo): Entry | undefined => {
    const id = qualified ? qualifiedKey(key, block.kind, block.mode ?? 'file', block.name) : undefined
    const found = id === undefined ? undefined : entries.get(id)
    const entry = found ?? entries.get(key)
    // An online entry's sources are checked at most every mtimeDelayMs: no I/O on most requests.
    if (entry?.online && online && Date.now() - entry.online.checkedAt >= online.mtimeDelayMs) {
      entry.online.checkedAt = Date.now()
      if (online.changed(entry.online)) {
        entries.delete(found ? (id as string) : key)
        return undefined
      }
    }
    return entry
  }

  const pending = new Map<number, { key: string; content: string; block: BlockInfo }>()
  let sequence = 0

  // The one place a block without compressed output is handled.
  const missing = (key: string, content: string, block: BlockInfo): string => {
    if (online) {
      // Left as a marker for resolve(), which compresses the page's new blocks together.
      const id = ++sequence
      if (pending.size > 10_000) pending.delete(pending.keys().next().value as number)
      pending.set(id, { key, content, block })
      return `<!--vite-compressor:pending:${id}-->`
    }
    if (strict) throw new MissingBlockError(key, content, block, manifest as string)
    if (!warned.has(key)) {
      warned.add(key)
      logger.warn(
        `vite-compressor: ${new MissingBlockError(key, content, block, manifest as string).message}; rendering the block uncompressed`,
      )
    }
    return passthrough(content, block)
  }

  const renderKey = (key: string, content: string, block: BlockInfo): string => {
    if (!enabled) return dev?.render(content, block) ?? passthrough(content, block)
    const entry = lookup(key, block)
    if (entry === undefined) return missing(key, content, block)
    if (block.page && entry.pieces) return renderPieces(entry.pieces, block.page, block.nonce)
    if (!block.nonce) return entry.html
    entry.parts ??= splitForNonce(entry.html)
    return joinWithNonce(entry.parts, block.nonce)
  }

  const key = (content: string): string => offlineKey(content, staticUrl)

  const failedOnline = new Set<string>()
  const resolve = async (html: string): Promise<string> => {
    if (!online || !html.includes('<!--vite-compressor:pending:')) return html
    const found = [...html.matchAll(PENDING)].map((m) => Number(m[1]))
    const blocks = found.map((id) => pending.get(id)).filter((b) => b !== undefined)
    try {
      const got = await online.ensure(
        blocks.map((b) => ({
          key: b.key,
          content: b.content,
          kind: b.block.kind,
          mode: b.block.mode ?? 'file',
          name: b.block.name,
          template: b.block.template,
          line: b.block.line,
          column: b.block.column,
        })),
      )
      // Online entries are stored under their qualified key: equal content in blocks of another
      // kind, mode or name is another entry.
      for (const [id, e] of got) {
        const filled = fillUrl(e.html, url)
        entries.set(id, { html: filled, pieces: splitPieces(filled), online: { ...e, checkedAt: Date.now() } })
        qualified = true
      }
    } catch (err) {
      // Development: the error, clearly, on the error page. Production: the blocks as written.
      if (process.env.NODE_ENV !== 'production') throw err
      const message = (err as Error).message
      if (!failedOnline.has(message)) {
        failedOnline.add(message)
        logger.warn(`vite-compressor: online compression failed (${message}); rendering the blocks uncompressed`)
      }
    }
    return html.replace(PENDING, (_m, id: string) => {
      const b = pending.get(Number(id))
      pending.delete(Number(id))
      if (!b) return ''
      const entry = lookup(b.key, b.block)
      if (!entry) return passthrough(b.content, b.block)
      return renderKey(b.key, b.content, b.block)
    })
  }

  return {
    resolve,
    online,
    enabled,
    strict,
    url,
    staticUrl,
    manifest,
    key,
    renderKey,
    render: (content, block) =>
      enabled ? renderKey(key(content), content, block) : (dev?.render(content, block) ?? passthrough(content, block)),
  }
}

/**
 * The online settings from the options: `online`, with the top-level shorthands; a root without a
 * Vite config gets the plugin with `staticRoot` (default `static`): no configuration needed.
 */
function onlineOptions(options: CompressorOptions, staticUrl: string): OnlineOptions {
  const root = options.online?.root ?? options.root ?? process.cwd()
  const base: OnlineOptions = { ...options.online, root, cache: options.online?.cache ?? options.cache }
  const hasConfig = ['js', 'mjs', 'ts', 'mts', 'cjs', 'cts'].some((ext) =>
    fs.existsSync(path.join(root, `vite.config.${ext}`)),
  )
  if (base.configFile === undefined && !base.compressor && (!hasConfig || options.staticRoot !== undefined)) {
    base.configFile = false
    base.compressor = { staticRoot: options.staticRoot ?? 'static', staticUrl }
  }
  return base
}

/** Content rendered as it is, with the nonce (if any) on its tags so a CSP still lets it run. */
function passthrough(content: string, block: BlockInfo): string {
  return block.nonce ? addNonce(content, block.nonce) : content
}

function checkUrl(option: string, value: string): string {
  if (typeof value !== 'string' || !value.endsWith('/')) {
    throw new CompressorError(
      'OPTIONS',
      `createCompressor: ${option} must end with '/' (got ${JSON.stringify(value)}), e.g. '/static/' or 'https://cdn.example.com/static/'`,
    )
  }
  return value
}

function blockTag(block: BlockInfo): string {
  if (block.tag) return block.tag
  const mode = block.mode === 'file' && !block.name ? undefined : (block.mode ?? (block.name ? 'file' : undefined))
  return `{% compress ${[block.kind, mode, block.name].filter(Boolean).join(' ')} %}`
}
