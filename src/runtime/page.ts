import { CLASSIC_SCRIPT_TYPES, type Element, parseElements } from '../core/items.js'
import { joinWithNonce, splitForNonce } from './nonce.js'

/**
 * What one page has emitted so far, so a tag naming a file another block of the same page already
 * emitted is left out (the browser then fetches the file once and runs a script once). Create one
 * per page render with {@link createPageState} and pass it as `page` in every block's BlockInfo; the
 * Nunjucks extension, the Liquid tag, `replaceBlocks` and the Express middleware do this themselves.
 */
export interface PageState {
  /** Dedupe keys of the tags emitted so far (internal format). */
  readonly emitted: Set<string>
}

/** A fresh, empty {@link PageState}: one per page render. */
export function createPageState(): PageState {
  return { emitted: new Set() }
}

/** One tag of a manifest entry's HTML, with the text before it. */
export interface Piece {
  /** (tag, rel/type, URL …) of a tag naming a file; undefined for inline bodies and trailing text. */
  key: string | undefined
  /** The text since the previous tag (a separator such as '\n'), and this tag. */
  text: string
  /** `text` without the separator: used when every tag before it was left out. */
  bare: string
  /** `text` and `bare` split where a nonce goes, on first use. */
  parts?: string[]
  bareParts?: string[]
}

/**
 * Cuts a manifest entry's HTML (URL filled in) into pieces, once when the manifest is loaded, so a
 * render with page state is a loop over them. Undefined when no tag names a file (inline `<style>`
 * and `<script>` bodies are never left out): such an entry renders the same with or without a page.
 */
export function splitPieces(html: string): Piece[] | undefined {
  const pieces: Piece[] = []
  let last = 0
  let keyed = false
  for (const el of parseElements(html)) {
    const key = dedupeKey(el)
    if (key !== undefined) keyed = true
    const text = html.slice(last, el.end)
    pieces.push({ key, text, bare: pieces.length === 0 ? text : html.slice(el.start, el.end) })
    last = el.end
  }
  if (!keyed) return undefined
  if (last < html.length) pieces.push({ key: undefined, text: html.slice(last), bare: html.slice(last) })
  return pieces
}

/**
 * The pieces whose file the page has not emitted yet, recording them as emitted, with ` nonce="…"`
 * on their tags when `nonce` is given. A left-out tag takes the separator before it along (the
 * separator after it, when it is the first).
 */
export function renderPieces(pieces: readonly Piece[], page: PageState, nonce: string | undefined): string {
  const emitted = page.emitted
  let out = ''
  let first = true
  for (const piece of pieces) {
    const key = piece.key
    if (key !== undefined) {
      if (emitted.has(key)) continue
      emitted.add(key)
    }
    if (nonce) {
      out += joinWithNonce(first ? bareParts(piece) : textParts(piece), nonce)
    } else {
      out += first ? piece.bare : piece.text
    }
    first = false
  }
  return out
}

function textParts(piece: Piece): string[] {
  piece.parts ??= splitForNonce(piece.text)
  return piece.parts
}

function bareParts(piece: Piece): string[] {
  piece.bareParts ??= splitForNonce(piece.bare)
  return piece.bareParts
}

const CLASSIC = CLASSIC_SCRIPT_TYPES

/**
 * What makes two tags the same for the browser: `<link>` by rel, `as`, media and href (a preload and
 * a stylesheet of one file are both kept; so are two media of one file); `<script src>` by module or
 * classic, and src. Undefined for anything else.
 */
function dedupeKey(el: Element): string | undefined {
  const attr = (name: string) => el.attrs.get(name)
  if (el.name === 'link') {
    const href = attr('href')
    if (href == null) return undefined
    const rel = (attr('rel') ?? '').trim().toLowerCase()
    return `link\0${rel}\0${(attr('as') ?? '').toLowerCase()}\0${attr('media') ?? ''}\0${href}`
  }
  if (el.name === 'script') {
    const src = attr('src')
    if (src == null) return undefined
    const type = (attr('type') ?? '').trim().toLowerCase()
    return `script\0${CLASSIC.has(type) ? '' : type}\0${src}`
  }
  return undefined
}
