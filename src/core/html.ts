import type { Kind, Mode } from './blocks.js'
import { escapeHtml } from './escape.js'
import { URL_PLACEHOLDER } from './manifest.js'

/** One built output of a block, ready to be written as a tag. */
export type OutputPart =
  | {
      type: 'output'
      /** Path of the file under the static URL, e.g. `CACHE/css/output.3f1c9e2a7b10.css`. */
      path: string
      /** The file's text, for inline mode. */
      content: string
      media: string | null
      extra: '' | ' async' | ' defer'
      module: boolean
      /** Subresource integrity (`sha384-…`), when the build computes it. */
      integrity?: string
      /** Stylesheets a module output imports, written as `<link>` tags before its script. */
      css?: string[]
      /** Attributes carried over from the original tags (`id`, `data-*`, `crossorigin`…). */
      attrs?: readonly (readonly [string, string | null])[]
    }
  /** An element kept as written (an external URL with `external: 'keep'`). */
  | { type: 'passthrough'; html: string }

/**
 * The HTML that replaces a block, in django-compressor's templates (css_file.html, js_inline.html …),
 * with the static URL written as the placeholder. CSS parts are joined with nothing and JS parts
 * with a newline, as django-compressor joins its media and async/defer groups.
 */
export function renderBlockHtml(kind: Kind, mode: Mode, parts: readonly OutputPart[]): string {
  const out = parts.map((part) => {
    if (part.type === 'passthrough') return part.html
    const url = URL_PLACEHOLDER + part.path
    const carried = part.attrs ?? []
    const attrs = carried.map(([k, v]) => (v === null ? ` ${k}` : ` ${k}="${escapeHtml(v)}"`)).join('')
    const cors = carried.some(([k]) => k === 'crossorigin') ? '' : ' crossorigin="anonymous"'
    const integrity = part.integrity ? ` integrity="${part.integrity}"${cors}` : ''
    const media = part.media != null ? ` media="${escapeHtml(part.media)}"` : ''
    if (kind === 'css') {
      if (mode === 'inline') return `<style type="text/css"${media}${attrs}>${escapeInline(part.content, 'style')}</style>`
      if (mode === 'preload') return `<link rel="preload" href="${url}" as="style" />`
      return `<link rel="stylesheet" href="${url}" type="text/css"${media}${attrs}${integrity}>`
    }
    const type = part.module ? ' type="module"' : ''
    if (mode === 'inline') return `<script${type}${attrs}>${escapeInline(part.content, 'script')}</script>`
    if (mode === 'preload') {
      return part.module ? `<link rel="modulepreload" href="${url}" />` : `<link rel="preload" href="${url}" as="script" />`
    }
    const css = (part.css ?? []).map((p) => `<link rel="stylesheet" href="${URL_PLACEHOLDER + escapeHtml(p)}" type="text/css">`)
    return `${css.join('')}<script${type} src="${url}"${part.extra}${attrs}${integrity}></script>`
  })
  return out.join(kind === 'css' ? '' : '\n')
}

/**
 * Keeps inline content from ending its element early: `</style` or `</script` (any case) gets its
 * slash escaped, and `<!--` in a script becomes `\x3C!--`; CSS and JS read both as the same text
 * inside strings, template literals, regular expressions (also with the `u` flag) and comments.
 */
export function escapeInline(content: string, element: 'style' | 'script'): string {
  const re = element === 'style' ? /<\/(style)/gi : /<\/(script)|<!--/gi
  return content.replace(re, (_m, name?: string) => (name ? `<\\/${name}` : '\\x3C!--'))
}
