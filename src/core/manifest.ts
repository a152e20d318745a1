import { CompressorError } from './errors.js'

/** django-compressor's COMPRESS_URL_PLACEHOLDER: stands for the static URL in manifest values. */
export const URL_PLACEHOLDER = '/__compressor_url_placeholder__/'

/** A manifest as django-compressor writes it: `{ key: html }`. */
export type Manifest = ReadonlyMap<string, string>

/** The manifest's text: keys sorted, so the same blocks always give the same bytes. */
export function serializeManifest(entries: Iterable<readonly [string, string]>): string {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `${JSON.stringify(Object.fromEntries(sorted), null, 2)}\n`
}

/** Parses and checks a manifest's text; `source` names it in errors (a path or URL). */
export function parseManifest(text: string, source: string): Map<string, string> {
  if (text.trim() === '') {
    throw new CompressorError('MANIFEST', `manifest ${source} is empty; run \`vite build\` to write it again`)
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (cause) {
    throw new CompressorError(
      'MANIFEST',
      `manifest ${source} is not valid JSON (${(cause as Error).message}); it may be truncated: run \`vite build\` again`,
      { cause },
    )
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new CompressorError('MANIFEST', `manifest ${source} must be a JSON object of { key: html }`)
  }
  return manifestEntries(Object.entries(data), source)
}

/** Checks that every value is a string (the HTML of a block); `source` names the manifest in errors. */
export function manifestEntries(entries: Iterable<[string, unknown]>, source: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of entries) {
    if (typeof value !== 'string') {
      throw new CompressorError('MANIFEST', `manifest ${source}: the value of key ${key} is not a string`)
    }
    out.set(key, value)
  }
  return out
}

/** Puts the static URL (a path like `/static/` or a CDN origin) in place of the placeholder. */
export function fillUrl(html: string, url: string): string {
  return html.includes(URL_PLACEHOLDER) ? html.split(URL_PLACEHOLDER).join(url) : html
}
