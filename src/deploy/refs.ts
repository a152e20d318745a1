import { createHash } from 'node:crypto'
import { hashedPart } from '../core/key.js'
import path from 'node:path'
import { parseElements } from '../core/items.js'
import { URL_PLACEHOLDER } from '../core/manifest.js'

/**
 * Pure reference extraction: which files a manifest names, and which files those files name in
 * turn (relative `url()`s in CSS, relative imports in JS). Paths are posix paths under the build's
 * outDir, the same paths the static URL serves them under (`CACHE/css/output.3f1c9e2a7b10.css`).
 */

/** One file something refers to. */
export interface Reference {
  /** Posix path under outDir. */
  path: string
  /** Who names it: `key 3f1c9e2a7b10…` for a manifest entry, or the referring file's path. */
  from: string
  /**
   * True when the file must exist (a tag's URL, a CSS `url()`, a JS `import`); false for a string
   * in a script that merely looks like a relative path (kept by prune and uploaded when it exists,
   * never reported missing).
   */
  strong: boolean
}

/** A reference that could not be followed: it leaves outDir, or is not a path. */
export interface BadReference {
  ref: string
  from: string
  reason: string
}

const PLACEHOLDER_RE = new RegExp(`${escapeRe(URL_PLACEHOLDER)}([^"'()\\s<>\\\\]+)`, 'g')
const CSS_URL_RE = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s"']*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')/gi
const JS_IMPORT_RE = /(?:\bfrom|\bimport|\bnew\s+URL)\s*\(?\s*(["'`])(\.\.?\/[^"'`\s]+)\1/g
const JS_STRING_RE = /(["'`])(\.\.?\/[^"'`\s]+)\1/g
const SOURCE_MAP_RE = /[#@]\s*sourceMappingURL=([^\s*'"]+)/g
const OUTPUT_NAME_RE = /\.([0-9a-f]{12})\.(css|js)$/

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The key as shown in messages: its first 12 hex digits (and the qualifier, if any). */
export function shortKey(key: string): string {
  const [hex = '', ...rest] = key.split(':')
  return `key ${hex.slice(0, 12)}${rest.length ? `:${rest.join(':')}` : ''}`
}

/** Drops `?query` and `#fragment` and decodes percent-escapes; undefined if it can't be decoded. */
function cleanPath(raw: string): string | undefined {
  const bare = raw.replace(/[?#].*$/, '')
  try {
    return decodeURIComponent(bare)
  } catch {
    return undefined
  }
}

/**
 * Normalizes a posix path that must stay inside outDir; undefined if it leaves it (`..` at the
 * top, an absolute path, a backslash or a NUL byte).
 */
export function insideOutDir(p: string): string | undefined {
  if (p === '' || p.includes('\0') || p.includes('\\') || p.startsWith('/')) return undefined
  const norm = path.posix.normalize(p)
  if (norm === '.' || norm === '..' || norm.startsWith('../') || norm.startsWith('/')) return undefined
  return norm
}

/** Every file a manifest's HTML values name through the placeholder, in order, without repeats. */
export function manifestReferences(entries: Iterable<readonly [string, string]>): {
  refs: Reference[]
  bad: BadReference[]
} {
  const refs: Reference[] = []
  const bad: BadReference[] = []
  const seen = new Set<string>()
  for (const [key, html] of entries) {
    for (const m of html.matchAll(PLACEHOLDER_RE)) {
      const raw = m[1] as string
      const clean = cleanPath(raw)
      const p = clean === undefined ? undefined : insideOutDir(clean)
      if (p === undefined) {
        bad.push({ ref: URL_PLACEHOLDER + raw, from: shortKey(key), reason: 'is not a path inside the output folder' })
        continue
      }
      if (seen.has(p)) continue
      seen.add(p)
      refs.push({ path: p, from: shortKey(key), strong: true })
    }
  }
  return { refs, bad }
}

/** A relative URL or path resolved against the folder of `from`; undefined for absolute URLs. */
function resolveFrom(from: string, raw: string): { path?: string; skip?: true } {
  const ref = raw.trim()
  // data:, http:, //cdn…, /rooted, #fragment-only, empty: not a file of this build.
  if (ref === '' || ref.startsWith('#') || ref.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(ref))
    return { skip: true }
  const clean = cleanPath(ref)
  if (clean === undefined || clean === '') return { skip: true }
  const joined = path.posix.join(path.posix.dirname(from), clean)
  const p = insideOutDir(joined)
  return p === undefined ? {} : { path: p }
}

/** Files a built CSS file names relatively: `url()`s and `@import`s. */
export function cssReferences(css: string, from: string): { refs: Reference[]; bad: BadReference[] } {
  const refs: Reference[] = []
  const bad: BadReference[] = []
  const seen = new Set<string>()
  for (const m of css.matchAll(CSS_URL_RE)) {
    const raw = (m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? '') as string
    const r = resolveFrom(from, raw)
    if (r.skip) continue
    if (r.path === undefined) {
      bad.push({ ref: raw, from, reason: 'leaves the output folder' })
      continue
    }
    if (seen.has(r.path)) continue
    seen.add(r.path)
    refs.push({ path: r.path, from, strong: true })
  }
  return { refs, bad }
}

/**
 * Files a built script names relatively: `import … from "./x.js"`, `import("./x.js")`,
 * `new URL("./x.png", import.meta.url)` are strong; any other string that looks like a relative
 * path (Vite's preload lists, say) is weak; a `sourceMappingURL` is weak.
 */
export function jsReferences(js: string, from: string, weak = true): { refs: Reference[]; bad: BadReference[] } {
  const refs: Reference[] = []
  const bad: BadReference[] = []
  const seen = new Map<string, Reference>()
  const add = (raw: string, strong: boolean) => {
    const r = resolveFrom(from, raw)
    if (r.skip) return
    if (r.path === undefined) {
      if (strong) bad.push({ ref: raw, from, reason: 'leaves the output folder' })
      return
    }
    const known = seen.get(r.path)
    if (known) {
      known.strong ||= strong
      return
    }
    const ref = { path: r.path, from, strong }
    seen.set(r.path, ref)
    refs.push(ref)
  }
  for (const m of js.matchAll(JS_IMPORT_RE)) add(m[2] as string, true)
  if (!weak) return { refs, bad } // the strong ones are all that was asked for
  for (const m of js.matchAll(JS_STRING_RE)) add(m[2] as string, false)
  for (const m of js.matchAll(SOURCE_MAP_RE)) {
    const raw = m[1] as string
    if (!raw.startsWith('data:')) add(raw.startsWith('.') ? raw : `./${raw}`, false)
  }
  return { refs, bad }
}

/**
 * References of a built file by its extension (CSS and JS have them; other files none); without
 * `weak`, a script's weak references are not looked for.
 */
export function fileReferences(file: string, text: string, weak = true): { refs: Reference[]; bad: BadReference[] } {
  if (file.endsWith('.css')) return cssReferences(text, file)
  if (file.endsWith('.js') || file.endsWith('.mjs')) return jsReferences(text, file, weak)
  return { refs: [], bad: [] }
}

/**
 * The 12 hex digits our build puts in an output's name (`CACHE/css/output.3f1c9e2a7b10.css`), or
 * undefined for files named otherwise (assets and chunks hashed by Rolldown).
 */
export function outputHash(file: string, outputDir = 'CACHE'): string | undefined {
  const prefix = `${outputDir}/`
  if (!file.startsWith(`${prefix}css/`) && !file.startsWith(`${prefix}js/`)) return undefined
  return OUTPUT_NAME_RE.exec(file)?.[1]
}

/** True when the bytes' sha256 starts with the 12 hex digits. */
export function hashMatches(hash12: string, bytes: Uint8Array): boolean {
  return createHash('sha256').update(hashedPart(bytes)).digest('hex').slice(0, 12) === hash12
}

/** A tag's `integrity` attribute and the file its `href`/`src` names. */
export interface IntegrityCheck {
  path: string
  integrity: string
  from: string
}

/** Every `integrity="…"` attribute on a tag whose URL uses the placeholder. */
export function integrityReferences(entries: Iterable<readonly [string, string]>): IntegrityCheck[] {
  const out: IntegrityCheck[] = []
  for (const [key, html] of entries) {
    if (!html.includes('integrity')) continue
    for (const el of parseElements(html)) {
      const integrity = el.attrs.get('integrity')
      const url = el.attrs.get('href') ?? el.attrs.get('src')
      if (!integrity || !url?.startsWith(URL_PLACEHOLDER)) continue
      const clean = cleanPath(url.slice(URL_PLACEHOLDER.length))
      const p = clean === undefined ? undefined : insideOutDir(clean)
      if (p !== undefined) out.push({ path: p, integrity, from: shortKey(key) })
    }
  }
  return out
}

const SRI_ALGOS: Record<string, string> = { sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' }

/**
 * Checks bytes against an SRI attribute (`sha384-… sha512-…`) as browsers do: the strongest
 * algorithm present decides, and any of its hashes may match. 'unsupported' when no algorithm is known.
 */
export function checkIntegrity(integrity: string, bytes: Uint8Array): 'ok' | 'mismatch' | 'unsupported' {
  const tokens = integrity
    .trim()
    .split(/\s+/)
    .map((t) => {
      const dash = t.indexOf('-')
      return { algo: t.slice(0, dash).toLowerCase(), digest: t.slice(dash + 1).replace(/\?.*$/, '') }
    })
    .filter((t) => SRI_ALGOS[t.algo])
  if (tokens.length === 0) return 'unsupported'
  const strongest = ['sha512', 'sha384', 'sha256'].find((a) => tokens.some((t) => t.algo === a)) as string
  const actual = createHash(strongest).update(bytes).digest('base64')
  return tokens.some((t) => t.algo === strongest && t.digest === actual) ? 'ok' : 'mismatch'
}
