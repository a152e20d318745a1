import { escapeHtml } from '../core/escape.js'
import { parseElements } from '../core/items.js'

/**
 * Splits HTML at the point just after each `<script`, `<style` and `<link` start tag's name, so a
 * nonce attribute can be put in with one `join`. Elements that already have a nonce are left alone;
 * text inside `<script>` and `<style>` is never touched.
 */
export function splitForNonce(html: string): string[] {
  const parts: string[] = []
  let last = 0
  for (const el of parseElements(html)) {
    if (el.attrs.has('nonce')) continue
    const at = el.start + 1 + el.name.length
    parts.push(html.slice(last, at))
    last = at
  }
  parts.push(html.slice(last))
  return parts
}

/** Joins parts from {@link splitForNonce} with ` nonce="…"` (escaped). */
export function joinWithNonce(parts: readonly string[], nonce: string): string {
  return parts.length === 1 ? (parts[0] as string) : parts.join(` nonce="${escapeHtml(nonce)}"`)
}

/** Adds ` nonce="…"` to every script, style and link start tag of `html`. */
export function addNonce(html: string, nonce: string): string {
  return joinWithNonce(splitForNonce(html), nonce)
}
