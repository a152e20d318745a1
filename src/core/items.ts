import type { Kind } from './blocks.js'
import { decodeEntities } from './escape.js'

/** One `<link>`, `<style>` or `<script>` element in a block's rendered content. */
export interface Element {
  name: 'link' | 'style' | 'script'
  /** Attributes in source order, names lower-cased; `null` for a bare attribute like `defer`. */
  attrs: Map<string, string | null>
  /** Text between the start and end tag (style and script only). */
  content: string | undefined
  /** Offsets in the rendered content: the start tag's `<` and just past the element. */
  start: number
  end: number
}

const START = /<(link|style|script)(?=[\s/>])|<!--/gi
const ATTR = /\s*([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/y

/** Finds the link, style and script elements in an HTML fragment; HTML comments are skipped. */
export function parseElements(html: string): Element[] {
  const out: Element[] = []
  START.lastIndex = 0
  for (let m = START.exec(html); m; m = START.exec(html)) {
    if (m[0] === '<!--') {
      const close = html.indexOf('-->', m.index + 4)
      START.lastIndex = close === -1 ? html.length : close + 3
      continue
    }
    const name = (m[1] as string).toLowerCase() as Element['name']
    const attrs = new Map<string, string | null>()
    let pos = m.index + m[0].length
    for (;;) {
      ATTR.lastIndex = pos
      const a = ATTR.exec(html)
      if (!a || a.index !== pos) break
      const key = (a[1] as string).toLowerCase()
      const raw = a[2] ?? a[3] ?? a[4]
      if (!attrs.has(key)) attrs.set(key, raw === undefined ? null : decodeEntities(raw))
      pos = ATTR.lastIndex
    }
    const gt = html.indexOf('>', pos)
    if (gt === -1) break
    let end = gt + 1
    let content: string | undefined
    if (name !== 'link') {
      const closeRe = new RegExp(`</${name}\\s*>`, 'gi')
      closeRe.lastIndex = end
      const c = closeRe.exec(html)
      content = html.slice(end, c ? c.index : html.length)
      end = c ? c.index + c[0].length : html.length
    }
    out.push({ name, attrs, content, start: m.index, end })
    START.lastIndex = end
  }
  return out
}

/** A stylesheet or script inside a block, as django-compressor sees it. */
export interface Item {
  kind: Kind
  /** `file` for `<link href>` / `<script src>`, `inline` for `<style>` / `<script>` bodies. */
  source: 'file' | 'inline'
  /** The URL as written (entities decoded), for file items. */
  url?: string
  /** The body, for inline items. */
  content?: string
  /** CSS: the `media` attribute, or null. */
  media: string | null
  /** JS: `' async'`, `' defer'` or `''`, as django-compressor groups them. */
  extra: '' | ' async' | ' defer'
  /** JS: `<script type="module">`. */
  module: boolean
  element: Element
}

/** `type` values of a classic script (lower-cased, trimmed). */
export const CLASSIC_SCRIPT_TYPES: ReadonlySet<string> = new Set(['', 'text/javascript', 'application/javascript'])
const CLASSIC_TYPES = new Set([...CLASSIC_SCRIPT_TYPES, 'module'])

/**
 * The items of a block, in order, with django-compressor's rules: a CSS block takes
 * `<link rel="stylesheet">` and `<style>` and ignores other elements; a JS block takes `<script>`.
 * Returns the elements it could not use as `ignored` (a script type that is not JavaScript, say).
 */
export function blockItems(kind: Kind, html: string): { items: Item[]; ignored: Element[] } {
  const items: Item[] = []
  const ignored: Element[] = []
  for (const el of parseElements(html)) {
    const attr = (k: string) => el.attrs.get(k)
    if (kind === 'css') {
      if (el.name === 'link' && (attr('rel') ?? '').toLowerCase() === 'stylesheet' && attr('href') != null) {
        items.push({ kind, source: 'file', url: attr('href') as string, media: attr('media') ?? null, extra: '', module: false, element: el })
      } else if (el.name === 'style') {
        items.push({ kind, source: 'inline', content: el.content ?? '', media: attr('media') ?? null, extra: '', module: false, element: el })
      } else {
        ignored.push(el)
      }
      continue
    }
    if (el.name !== 'script') {
      ignored.push(el)
      continue
    }
    const type = (attr('type') ?? '').trim().toLowerCase()
    if (!CLASSIC_TYPES.has(type)) {
      ignored.push(el)
      continue
    }
    const extra = el.attrs.has('async') ? ' async' : el.attrs.has('defer') ? ' defer' : ''
    const src = attr('src')
    items.push({
      kind,
      source: src != null ? 'file' : 'inline',
      url: src ?? undefined,
      content: src != null ? undefined : (el.content ?? ''),
      media: null,
      extra,
      module: type === 'module',
      element: el,
    })
  }
  return { items, ignored }
}

/** A run of items that becomes one output file (or one passthrough tag). */
export interface Group {
  items: Item[]
  media: string | null
  extra: '' | ' async' | ' defer'
  module: boolean
  /** True for an item kept in place as written (an external URL with `external: 'keep'`). */
  passthrough: boolean
}

/**
 * django-compressor's grouping: consecutive CSS items with the same `media`, or JS items with the
 * same async/defer, form one output; order is kept. We also keep module and classic scripts
 * apart, and let a passthrough item stand alone.
 */
export function groupItems(items: readonly Item[], isPassthrough: (item: Item) => boolean = () => false): Group[] {
  const groups: Group[] = []
  for (const item of items) {
    const passthrough = isPassthrough(item)
    const last = groups[groups.length - 1]
    if (
      last &&
      !passthrough &&
      !last.passthrough &&
      last.media === item.media &&
      last.extra === item.extra &&
      last.module === item.module
    ) {
      last.items.push(item)
    } else {
      groups.push({ items: [item], media: item.media, extra: item.extra, module: item.module, passthrough })
    }
  }
  return groups
}
