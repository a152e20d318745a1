import path from 'node:path'
import { CompressorError } from '../core/errors.js'
import { manifestFileName, resolveVersion } from '../core/version.js'
import type { OfflineContext } from './context.js'

/** The plugin's options. Paths are relative to Vite's `root`. */
export interface CompressorOptions {
  /**
   * Templates to scan for compress blocks: a picomatch glob or a list of globs. Vite HTML entries
   * (`index.html`, other HTML inputs) are always included.
   */
  templates?: string | string[]
  /** The URL static files are served under (Django's STATIC_URL). Must end in `/`. Default `/static/`. */
  staticUrl?: string
  /** Folder, or ordered list of folders, where files under `staticUrl` are found (STATICFILES_DIRS). Default `static`. */
  staticRoot?: string | string[]
  /** Folder under `build.outDir` for outputs and the manifest (COMPRESS_OUTPUT_DIR). Default `CACHE`. */
  outputDir?: string
  /** Manifest file name inside `outputDir` (COMPRESS_OFFLINE_MANIFEST). Default `manifest.json`. */
  manifest?: string
  /**
   * The offline context (COMPRESS_OFFLINE_CONTEXT): variables block bodies may use. A list builds
   * every variant. `STATIC_URL` is always set to `staticUrl` unless given.
   */
  context?: OfflineContext | OfflineContext[]
  /**
   * What to do with a `<link>`/`<script>` whose URL is not under `staticUrl` (a CDN, say):
   * `'error'` (default, as django-compressor) or `'keep'` the tag in place, as written.
   */
  external?: 'error' | 'keep'
  /**
   * Subresource integrity: add `integrity` (and `crossorigin="anonymous"`, unless the original tags
   * set `crossorigin`) to file-mode tags, computed from the output's bytes. `true` means sha384.
   */
  sri?: boolean | 'sha256' | 'sha384' | 'sha512'
  /**
   * Also write every matched template to `outDir` (relative to Vite's root), same relative paths,
   * with each block replaced by its output HTML and URLs under `base` (default `staticUrl`): a
   * compressed site that needs no runtime. Text outside the blocks is kept byte for byte.
   */
  rewrite?: { outDir: string; base?: string }
  /**
   * Fills `[version]` in `manifest` (e.g. `manifest.[version].json`), for rolling deploys where each
   * release reads its own manifest. Default: the `VITE_COMPRESSOR_VERSION` environment variable.
   */
  version?: string
  /**
   * Upload outputs, assets and the manifest (last) to an S3-compatible bucket at the end of the
   * build: `{ bucket, prefix?, endpoint?, region?, credentials? }` (or the AWS_* environment).
   * Needs `@aws-sdk/client-s3`.
   */
  upload?: import('../deploy/s3.js').UploadOptions
  /**
   * How plain stylesheets (`.css` files and inline `<style>`) are built. `'auto'` (default): when
   * nothing but Vite's own CSS pipeline would change them (no PostCSS config, no other plugin with
   * transform/load hooks for `.css`, lightningcss minification), each is minified once with
   * lightningcss and its assets emitted as Vite emits them — the same bytes, much faster. `'vite'`:
   * always through Vite's pipeline. `'lightningcss'`: the direct path even with a PostCSS config or
   * other plugins (they then do not see these stylesheets). Sass, Less, Stylus and stylesheets
   * with `@import` always take Vite's pipeline.
   */
  cssPipeline?: 'auto' | 'vite' | 'lightningcss'
}

export interface ResolvedOptions {
  templates: string[]
  staticUrl: string
  /** Absolute. */
  staticRoots: string[]
  outputDir: string
  manifest: string
  contexts: OfflineContext[]
  external: 'error' | 'keep'
  sri: false | 'sha256' | 'sha384' | 'sha512'
  /** Absolute folder and URL base for rewritten templates, when asked for. */
  rewrite: { outDir: string; base: string } | undefined
  /** The manifest's file name with `[version]` filled. */
  manifestName: string
  version: string | undefined
  upload: import('../deploy/s3.js').UploadOptions | undefined
  cssPipeline: 'auto' | 'vite' | 'lightningcss'
}

const KNOWN = [
  'templates',
  'staticUrl',
  'staticRoot',
  'outputDir',
  'manifest',
  'context',
  'external',
  'sri',
  'rewrite',
  'version',
  'upload',
  'cssPipeline',
]
const SRI = ['sha256', 'sha384', 'sha512']

function fail(detail: string): never {
  throw new CompressorError('OPTIONS', `vite-compressor options: ${detail}`)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function safeRelative(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') fail(`\`${name}\` must be a non-empty string`)
  const parts = (value as string).split(/[\\/]/)
  if (path.isAbsolute(value as string) || parts.includes('..')) {
    fail(`\`${name}\` must be a relative path inside build.outDir, got ${JSON.stringify(value)}`)
  }
  return parts.filter((p) => p !== '' && p !== '.').join('/')
}

/** Checks the user's options and fills in defaults; `root` is Vite's resolved root. */
export function resolveOptions(input: unknown, root: string): ResolvedOptions {
  if (!isPlainObject(input)) fail('expected an object like { templates: "templates/**/*.html" }')
  const opts = input as Record<string, unknown>
  for (const key of Object.keys(opts)) {
    if (!KNOWN.includes(key)) fail(`unknown option \`${key}\`; known options are ${KNOWN.join(', ')}`)
  }
  const templates = typeof opts.templates === 'string' ? [opts.templates] : (opts.templates ?? [])
  if (!Array.isArray(templates) || templates.some((t) => typeof t !== 'string' || t === '')) {
    fail('`templates` must be a glob such as "templates/**/*.html", or a list of globs')
  }
  const staticUrl = opts.staticUrl ?? '/static/'
  if (typeof staticUrl !== 'string' || !staticUrl.endsWith('/')) {
    fail(`\`staticUrl\` must be a string ending in "/", got ${JSON.stringify(staticUrl)}`)
  }
  const rootsIn = opts.staticRoot ?? 'static'
  const roots = typeof rootsIn === 'string' ? [rootsIn] : rootsIn
  if (!Array.isArray(roots) || roots.length === 0 || roots.some((r) => typeof r !== 'string' || r === '')) {
    fail('`staticRoot` must be a folder or a non-empty list of folders')
  }
  const contextIn = opts.context ?? {}
  const contexts = Array.isArray(contextIn) ? contextIn : [contextIn]
  if (contexts.length === 0 || !contexts.every(isPlainObject)) {
    fail('`context` must be an object of variables, or a non-empty list of such objects')
  }
  const external = opts.external ?? 'error'
  if (external !== 'error' && external !== 'keep') fail('`external` must be "error" or "keep"')
  const manifest = safeRelative('manifest', opts.manifest ?? 'manifest.json')
  if (manifest.includes('[version]') && manifest.includes('/')) {
    fail('`manifest` with [version] must be a file name in outputDir, like "manifest.[version].json"')
  }
  const sri = opts.sri === true ? 'sha384' : (opts.sri ?? false)
  if (sri !== false && !SRI.includes(sri as string)) fail('`sri` must be true, false, "sha256", "sha384" or "sha512"')
  let rewrite: ResolvedOptions['rewrite']
  if (opts.rewrite !== undefined) {
    const r = opts.rewrite as Record<string, unknown>
    if (!isPlainObject(r) || typeof r.outDir !== 'string' || r.outDir === '') {
      fail('`rewrite` must be an object like { outDir: "dist/templates", base?: "https://cdn.example.com/static/" }')
    }
    if (r.base !== undefined && (typeof r.base !== 'string' || !r.base.endsWith('/'))) fail('`rewrite.base` must end in "/"')
    rewrite = { outDir: path.resolve(root, r.outDir as string), base: (r.base as string | undefined) ?? staticUrl }
  }
  if (opts.version !== undefined && typeof opts.version !== 'string') fail('`version` must be a string')
  if (opts.upload !== undefined && (!isPlainObject(opts.upload) || typeof opts.upload.bucket !== 'string')) {
    fail('`upload` must be an object like { bucket: "my-bucket", prefix?: "static/", endpoint?, region? }')
  }
  const cssPipeline = opts.cssPipeline ?? 'auto'
  if (cssPipeline !== 'auto' && cssPipeline !== 'vite' && cssPipeline !== 'lightningcss') {
    fail('`cssPipeline` must be "auto", "vite" or "lightningcss"')
  }
  const version = resolveVersion(opts.version as string | undefined)
  return {
    cssPipeline,
    manifestName: manifestFileName(manifest, version),
    version,
    upload: opts.upload as ResolvedOptions['upload'],
    rewrite,
    templates: templates as string[],
    staticUrl,
    staticRoots: (roots as string[]).map((r) => path.resolve(root, r)),
    outputDir: safeRelative('outputDir', opts.outputDir ?? 'CACHE'),
    manifest,
    contexts: (contexts as OfflineContext[]).map((c) => ({ STATIC_URL: staticUrl, ...c })),
    external,
    sri: sri as ResolvedOptions['sri'],
  }
}
