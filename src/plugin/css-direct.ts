import fs from 'node:fs'
import path from 'node:path'
import { type Targets, transform } from 'lightningcss'
import { type PluginHooks, pluginSeeing } from './plugins.js'

// The direct CSS path: a plain stylesheet that nothing but Vite's own CSS pipeline would touch is
// minified here with lightningcss, once, as Vite's pipeline would (same engine, options and
// targets), and its url()s become assets emitted the way Vite's asset plugin emits them. That
// skips a Rolldown entry, a PostCSS pass and a CSS chunk per stylesheet; the output is the same
// bytes (test/plugin/css-direct.test.ts builds both ways and compares).

/** `cssPipeline` option: `auto` takes the direct path when it gives what Vite's would. */
export type CssPipeline = 'auto' | 'vite' | 'lightningcss'

/** What decides whether a build may take the direct path (from Vite's resolved config). */
export interface DirectCssConfig {
  mode: CssPipeline
  root: string
  transformer: string | undefined
  /** `css.postcss`: inline options or a config search path. */
  postcss: unknown
  cssMinify: unknown
  cssTarget: unknown
  lib: unknown
  /** The user set `experimental.renderBuiltUrl` (asset URLs are then theirs to write). */
  userRenderBuiltUrl: boolean
  /** Plugins given to the bundler itself (`build.rolldownOptions.plugins`, output plugins): not in `plugins`. */
  bundlerPlugins: boolean
  plugins: readonly PluginHooks[]
}

/**
 * Why this build's stylesheets must go through Vite's pipeline; undefined when the direct path
 * gives the same result. `lightningcss` skips the PostCSS and plugin checks (the user says nothing
 * else transforms their stylesheets); minification must still be lightningcss's.
 */
export function directCssBlocker(c: DirectCssConfig): string | undefined {
  if (c.mode === 'vite') return 'cssPipeline is "vite"'
  if (c.cssMinify !== true && c.cssMinify !== 'lightningcss') return 'build.cssMinify is not lightningcss'
  if (c.lib) return 'library mode'
  if (c.userRenderBuiltUrl) return 'experimental.renderBuiltUrl is set'
  if (lightningTargets(c.cssTarget) === null) return `build.cssTarget ${JSON.stringify(c.cssTarget)} is not a browser list`
  if (c.mode === 'lightningcss') return undefined
  if (c.bundlerPlugins) return 'build.rolldownOptions has plugins of its own'
  // Vite's lightningcss transformer runs a pass of its own (css.lightningcss: its visitor, drafts,
  // default targets) before minifying.
  if (c.transformer === 'lightningcss') return 'css.transformer is lightningcss'
  const config = postcssConfig(c.postcss, c.root)
  if (config) return `a PostCSS config applies (${config})`
  const other = pluginSeeing(c.plugins, undefined)
  if (other) return `the plugin ${other} may transform stylesheets`
  return undefined
}

const POSTCSS_FILES = [
  '.postcssrc',
  '.postcssrc.json',
  '.postcssrc.yaml',
  '.postcssrc.yml',
  '.postcssrc.js',
  '.postcssrc.cjs',
  '.postcssrc.mjs',
  '.postcssrc.ts',
  '.postcssrc.cts',
  '.postcssrc.mts',
  'postcss.config.js',
  'postcss.config.cjs',
  'postcss.config.mjs',
  'postcss.config.ts',
  'postcss.config.cts',
  'postcss.config.mts',
]

/**
 * The PostCSS config Vite would load (`css.postcss` inline with plugins, or a config file found
 * from the root upwards, as postcss-load-config searches), or undefined for none. Searching up to
 * the file system's root finds at least what Vite finds: a false find only costs speed.
 */
export function postcssConfig(option: unknown, root: string): string | undefined {
  if (option && typeof option === 'object') {
    // Inline options: any plugin, or any other option (a parser, a syntax…), counts.
    const { plugins, ...rest } = option as { plugins?: unknown[] }
    return (Array.isArray(plugins) && plugins.length > 0) || Object.keys(rest).length > 0 ? 'css.postcss' : undefined
  }
  let dir = path.resolve(root, typeof option === 'string' ? option : '.')
  for (;;) {
    for (const name of POSTCSS_FILES) if (fs.existsSync(path.join(dir, name))) return path.join(dir, name)
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { postcss?: unknown }
      if (pkg.postcss !== undefined) return path.join(dir, 'package.json')
    } catch {}
    const up = path.dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}

const BROWSERS: Record<string, string | false> = {
  chrome: 'chrome',
  edge: 'edge',
  firefox: 'firefox',
  hermes: false,
  ie: 'ie',
  ios: 'ios_saf',
  node: false,
  opera: 'opera',
  rhino: false,
  safari: 'safari',
}

/**
 * lightningcss targets for an esbuild-style `build.cssTarget` (`['chrome111', 'safari16.4']`), as
 * Vite converts them; `null` for what we do not convert (`es2020`…), undefined for no target.
 */
export function lightningTargets(target: unknown): Targets | undefined | null {
  if (target === undefined || target === false || target === '') return undefined
  const list = Array.isArray(target) ? target : [target]
  const targets: Record<string, number> = {}
  for (const entry of list) {
    if (typeof entry !== 'string') return null
    if (entry === 'esnext') continue
    const m = /^([a-z]+)(\d+)(?:\.(\d+))?$/.exec(entry)
    const browser = m ? BROWSERS[m[1] as string] : undefined
    if (!m || browser === undefined) return null
    if (browser === false) continue
    const version = (Number(m[2]) << 16) | (Number(m[3] ?? 0) << 8)
    if (targets[browser] === undefined || version < (targets[browser] as number)) targets[browser] = version
  }
  return Object.keys(targets).length > 0 ? (targets as Targets) : undefined
}

/** A url() the direct path found: where it was written, and what to put there. */
export type CssRef =
  | { placeholder: string; type: 'text'; url: string }
  | { placeholder: string; type: 'asset'; url: string; file: string; suffix: string }

/** A stylesheet minified by the direct path, url()s still placeholders. */
export interface DirectCss {
  css: string
  refs: CssRef[]
  warnings: { message: string; line: number; column: number }[]
  /** What was minified, and how: for {@link remixDirect}. */
  source: { code: string; file: string; options: DirectOptions }
}

/** How the direct path runs lightningcss: Vite's targets and `css.lightningcss`. */
export interface DirectOptions {
  targets: Targets | undefined
  lightningcss: Record<string, unknown> | undefined
}

/** Its direct result, why a stylesheet takes Vite's path after all, or its first syntax error. */
export type DirectResult = DirectCss | { fallback: string } | { syntax: { line: number; column: number; message: string } }

/**
 * Minifies one stylesheet (its `/static/` URLs already confined by css-refs) as Vite's pipeline
 * would, reporting each url(). Stylesheets with what only Vite's pipeline handles (`@import`,
 * `image-set()`, a query Vite reads such as `?inline`, a root-relative URL into the public folder)
 * fall back. A syntax error is reported with the stylesheet's line and column.
 */
export async function minifyDirect(code: string, file: string, options: DirectOptions): Promise<DirectResult> {
  if (/\.module\.css$/.test(file)) return { fallback: 'a CSS module' }
  if (/@import|image-set\(/i.test(code)) return { fallback: '@import or image-set()' }
  // Where Vite's url() rewriting and lightningcss's part ways: url()s in @property (lightningcss's
  // visitor does not reach them), URL( in capitals (Vite's pattern is lower-case), and escapes
  // inside url() (Vite unescapes fewer of them).
  if (/@property/i.test(code)) return { fallback: '@property' }
  if ((code.match(/url\(/gi)?.length ?? 0) !== (code.match(/url\(/g)?.length ?? 0)) return { fallback: 'URL( not in lower case' }
  if (/url\(\s*["']?[^)"']*\\/.test(code)) return { fallback: 'an escape inside url()' }
  const text = code.replace(/^\uFEFF/, '')
  let result: ReturnType<typeof transform>
  try {
    // On this thread: lightningcss's own threads (bundleAsync) were no faster on two cores, where
    // the scripts' minifier keeps the other core busy, and held ~6 MB more at the peak.
    result = transform({
      ...(options.lightningcss ?? {}),
      targets: options.targets,
      filename: file,
      code: Buffer.from(text),
      minify: true,
      analyzeDependencies: true,
      cssModules: undefined,
      visitor: undefined,
      customAtRules: undefined,
    })
  } catch (err) {
    const e = err as { message: string; loc?: { line: number; column: number }; data?: { type?: string } }
    // Not a syntax error, but what only lightningcss's dependency analysis minds: a relative url()
    // in a custom property. Vite's pipeline takes it as Vite would.
    if (e.data?.type === 'AmbiguousUrlInCustomProperty') return { fallback: 'a relative url() in a custom property' }
    return { syntax: { line: e.loc?.line ?? 1, column: e.loc?.column ?? 1, message: e.message } }
  }
  const refs: CssRef[] = []
  for (const dep of result.dependencies ?? []) {
    if (dep.type !== 'url') return { fallback: `a ${dep.type} dependency` }
    const url = dep.url
    if (url === '' || url.startsWith('#') || /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(url)) {
      refs.push({ placeholder: dep.placeholder, type: 'text', url })
      continue
    }
    if (url.startsWith('/')) return { fallback: `${url} may be in the public folder` }
    // As Vite's CSS url resolver: the whole URL decoded (decodeURI) when it can be, then split.
    let decoded = url
    try {
      decoded = decodeURI(url)
    } catch {}
    const at = decoded.search(/[?#]/)
    const name = at === -1 ? decoded : decoded.slice(0, at)
    const suffix = at === -1 ? '' : decoded.slice(at)
    if (/^\?(?:.*&)?(?:inline|no-inline|url|raw)(?:[&=#]|$)/.test(suffix)) return { fallback: `${url} has a query Vite reads` }
    refs.push({ placeholder: dep.placeholder, type: 'asset', url, file: path.resolve(path.dirname(file), name), suffix })
  }
  const warnings = result.warnings.map((w) => ({ message: w.message, line: w.loc.line, column: w.loc.column }))
  return { css: Buffer.from(result.code).toString('utf8'), refs, warnings, source: { code, file, options } }
}

/**
 * The stylesheet with its final URLs. Normally each placeholder gets its URL; but where two url()s
 * written differently end as the same URL (`x.png` and `./x.png`, two files with the same bytes),
 * Vite's pipeline — which minifies after the URLs are final — may merge rules that now read the
 * same, so then the stylesheet is minified again with the final URLs in place, as Vite does.
 */
export function finalCss(css: DirectCss, urlOf: (ref: CssRef) => string): string {
  const finals = new Map<string, string>()
  const byFinal = new Map<string, string>()
  let clash = false
  for (const ref of css.refs) {
    const url = urlOf(ref)
    finals.set(ref.placeholder, url)
    const other = byFinal.get(url)
    if (other !== undefined && other !== ref.placeholder) clash = true
    byFinal.set(url, ref.placeholder)
  }
  if (!clash) return fillCssRefs(css.css, css.refs, (ref) => finals.get(ref.placeholder) as string)
  return remixDirect(css, new Map(css.refs.map((r) => [r.url, finals.get(r.placeholder) as string])))
}

/** {@link minifyDirect}'s work again, each url() (as written) replaced by its final URL first. */
function remixDirect(css: DirectCss, finalOf: ReadonlyMap<string, string>): string {
  const { code, file, options } = css.source
  const result = transform({
    ...(options.lightningcss ?? {}),
    targets: options.targets,
    filename: file,
    code: Buffer.from(code.replace(/^\uFEFF/, '')),
    minify: true,
    cssModules: undefined,
    customAtRules: undefined,
    visitor: { Url: (u) => ({ ...u, url: finalOf.get(u.url) ?? u.url }) },
  })
  return Buffer.from(result.code).toString('utf8')
}

/** Puts each reference's final URL where its placeholder is, serialized as lightningcss does. */
function fillCssRefs(css: string, refs: readonly CssRef[], urlOf: (ref: CssRef) => string): string {
  if (refs.length === 0) return css
  const byPlaceholder = new Map(refs.map((r) => [r.placeholder, r]))
  return css.replace(/url\("([^"\\]*)"\)/g, (whole, placeholder: string) => {
    const ref = byPlaceholder.get(placeholder)
    return ref ? serializeCssUrl(urlOf(ref)) : whole
  })
}

/**
 * `url(…)` as lightningcss writes it when minifying: unquoted with backslash escapes, or quoted
 * when that is shorter.
 */
export function serializeCssUrl(url: string): string {
  let unquoted = ''
  for (const ch of url) {
    const c = ch.codePointAt(0) as number
    if (c <= 0x20 || c === 0x7f) unquoted += `\\${c.toString(16)} `
    else if (ch === '"' || ch === "'" || ch === '(' || ch === ')' || ch === '\\') unquoted += `\\${ch}`
    else unquoted += ch
  }
  const bare = `url(${unquoted})`
  // Lengths in bytes, as lightningcss compares them.
  if (Buffer.byteLength(bare) > Buffer.byteLength(url) + 7) {
    let quoted = '"'
    for (const ch of url) {
      const c = ch.codePointAt(0) as number
      if (c === 0) quoted += '\uFFFD'
      else if (ch === '"') quoted += '\\"'
      else if (ch === '\\') quoted += '\\\\'
      else if (c < 0x20 || c === 0x7f) quoted += `\\${c.toString(16)} `
      else quoted += ch
    }
    quoted += '"'
    if (Buffer.byteLength(quoted) + 5 < Buffer.byteLength(bare)) return `url(${quoted})`
  }
  return bare
}

const GIT_LFS_PREFIX = Buffer.from('version https://git-lfs.github.com')

/** Vite's rule: an asset under `build.assetsInlineLimit` bytes becomes a data: URL. */
function shouldInlineAsset(file: string, suffix: string, content: Buffer, limit: unknown): boolean {
  if (file.endsWith('.html')) return false
  if (file.endsWith('.svg') && suffix.includes('#')) return false
  let max = 4096
  if (typeof limit === 'function') {
    const own = (limit as (file: string, content: Buffer) => boolean | undefined)(file, content)
    if (own != null) return own
  } else max = Number(limit)
  return content.length < max && !content.subarray(0, GIT_LFS_PREFIX.length).equals(GIT_LFS_PREFIX)
}

/** MIME types of files small enough to inline, as Vite's table (mrmime) has them. */
const MIME: Record<string, string> = {
  '.apng': 'image/apng',
  '.avif': 'image/avif',
  '.bmp': 'image/bmp',
  '.gif': 'image/gif',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.otf': 'font/otf',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
}

/**
 * An inlined asset's data: URL, as Vite writes it (SVG URL-encoded unless that is unsafe); undefined
 * for a type we do not know the MIME type of (the stylesheet then takes Vite's path).
 */
export function assetDataUrl(file: string, content: Buffer): string | undefined {
  if (file.endsWith('.svg')) {
    const text = content.toString()
    if (text.includes('<text') || text.includes('<foreignObject') || /"[^"']*'[^"]*"|'[^'"]*"[^']*'/.test(text)) {
      return `data:image/svg+xml;base64,${content.toString('base64')}`
    }
    return `data:image/svg+xml,${text
      .trim()
      .replaceAll(/>\s+</g, '><')
      .replaceAll('"', "'")
      .replaceAll('%', '%25')
      .replaceAll('#', '%23')
      .replaceAll('<', '%3c')
      .replaceAll('>', '%3e')
      .replaceAll(/\s+/g, '%20')}`
  }
  const mime = MIME[path.extname(file).toLowerCase()]
  return mime ? `data:${mime};base64,${content.toString('base64')}` : undefined
}

/** An asset a direct stylesheet uses: inlined, or emitted (Rolldown names it). */
export type DirectAsset = { dataUrl: string } | { refId: string }

/**
 * Decides each asset of a direct stylesheet as Vite's asset plugin would (data: URL under the
 * inline limit, else emitted once per build through `emit`), caching by file in `assets`. Returns
 * a reason to take Vite's path instead when an inlined asset's MIME type is unknown to us.
 */
export function linkAssets(
  css: DirectCss,
  assets: Map<string, DirectAsset>,
  io: { read: (file: string) => Buffer | undefined; emit: (file: string, content: Buffer) => string; limit: unknown },
): string | undefined {
  const decided: [string, Buffer, boolean][] = []
  for (const ref of css.refs) {
    if (ref.type !== 'asset') continue
    const key = assetKey(ref)
    if (assets.has(key) || decided.some(([k]) => k === key)) continue
    const content = io.read(ref.file)
    // Not a file we can read (no such file once decoded as Vite decodes, a folder): Vite decides.
    if (content === undefined) return `${ref.url} is not a readable file`
    const inline = shouldInlineAsset(ref.file, ref.suffix, content, io.limit)
    const dataUrl = inline ? assetDataUrl(ref.file, content) : undefined
    if (inline && dataUrl === undefined) return `no MIME type known for ${path.basename(ref.file)}`
    // Vite writes a data: URL quoted as it is, and lightningcss then reads its backslashes as escapes.
    if (dataUrl?.includes('\\')) return `${path.basename(ref.file)} has a backslash`
    decided.push([key, content, inline])
  }
  for (const [key, content, inline] of decided) {
    const file = key.replace(/#$/, '')
    assets.set(key, inline ? { dataUrl: assetDataUrl(file, content) as string } : { refId: io.emit(file, content) })
  }
  return undefined
}

/** SVGs with a fragment are never inlined, so they are a different asset from the same file without. */
export function assetKey(ref: { file: string; suffix: string }): string {
  return ref.file.endsWith('.svg') && ref.suffix.includes('#') ? `${ref.file}#` : ref.file
}
