import path from 'node:path'

const URL_RE = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s'"]*))\s*\)/gi

/** Whether a url() value is relative to the stylesheet (not absolute, data:, a fragment…). */
export function isRelativeUrl(url: string): boolean {
  return url !== '' && !/^(?:[a-z][a-z0-9+.-]*:|\/|#|__VITE)/i.test(url)
}

/**
 * Rewrites every relative `url()` in a stylesheet. `map` receives the URL as written and returns
 * the new one; quotes are kept as they were.
 */
export function mapCssUrls(css: string, map: (url: string) => string): string {
  return css.replace(URL_RE, (whole, dq?: string, sq?: string, bare?: string) => {
    const url = dq ?? sq ?? bare ?? ''
    if (!isRelativeUrl(url)) return whole
    const next = map(url)
    if (dq !== undefined) return `url("${next}")`
    if (sq !== undefined) return `url('${next}')`
    return `url(${next})`
  })
}

/** Rebases relative URLs from a stylesheet in `fromDir` to one in `toDir` (both under outDir, with `/`). */
export function rebaseCss(css: string, fromDir: string, toDir: string): string {
  if (fromDir === toDir) return css
  return mapCssUrls(css, (url) => {
    const [file = '', suffix = ''] = splitSuffix(url)
    const target = path.posix.normalize(path.posix.join(fromDir, file))
    let next = path.posix.relative(toDir, target)
    if (!next.startsWith('.')) next = `./${next}`
    return next + suffix
  })
}

/** Makes relative URLs absolute under `base` (used for inline CSS, which lives in the page). */
export function absolutizeCss(css: string, fromDir: string, base: string): string {
  return mapCssUrls(css, (url) => {
    const [file = '', suffix = ''] = splitSuffix(url)
    return base + path.posix.normalize(path.posix.join(fromDir, file)).replace(/^(\.\.\/)+/, '') + suffix
  })
}

function splitSuffix(url: string): [string, string] {
  const i = url.search(/[?#]/)
  return i === -1 ? [url, ''] : [url.slice(0, i), url.slice(i)]
}

const CHARSET_RE = /^\uFEFF?\s*@charset\s+(?:"[^"]*"|'[^']*')\s*;\s*/i
const IMPORT_RE = /^\s*@import\s+(?:url\([^)]*\)|"[^"]*"|'[^']*')[^;]*;\s*/i

/**
 * Joins the built stylesheets of one group into one. Each piece loses its BOM and `@charset`
 * (the output is UTF-8, said once with `@charset` when it is not ASCII), and `@import`s that
 * remain (external ones) move to the top, where CSS requires them.
 */
export function joinCss(pieces: readonly string[], separator: string): string {
  const imports: string[] = []
  const bodies: string[] = []
  for (let piece of pieces) {
    piece = piece.replace(/^\uFEFF/, '').replace(CHARSET_RE, '')
    for (let m = IMPORT_RE.exec(piece); m; m = IMPORT_RE.exec(piece)) {
      imports.push(m[0].trim())
      piece = piece.slice(m[0].length)
    }
    piece = piece.trim()
    if (piece !== '') bodies.push(piece)
  }
  let out = [...imports, ...bodies].join(separator)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
  if (/[^\x00-\x7f]/.test(out)) out = `@charset "UTF-8";${separator}${out}`
  return separator === '\n' && out !== '' ? `${out}\n` : out
}

const ANY_URL_RE = /\/\*[\s\S]*?\*\/|url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s'"]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')/gi

/**
 * Rewrites every url() and `@import "…"` target of a stylesheet that `map` returns a new value
 * for (undefined keeps it). `data:`, remote and fragment-only URLs are not offered.
 */
export function rewriteCssTargets(css: string, map: (url: string) => string | undefined): string {
  return css.replace(ANY_URL_RE, (whole, dq?: string, sq?: string, bare?: string, idq?: string, isq?: string) => {
    if (whole.startsWith('/*')) return whole // comments are not references
    const url = dq ?? sq ?? bare ?? idq ?? isq ?? ''
    if (url === '' || /^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i.test(url)) return whole
    const next = map(url)
    if (next === undefined || next === url) return whole
    if (idq !== undefined || isq !== undefined) return `@import "${next}"`
    return dq !== undefined ? `url("${next}")` : sq !== undefined ? `url('${next}')` : `url(${next})`
  })
}
