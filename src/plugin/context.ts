import { findEndTag } from '../core/blocks.js'
import { escapeHtml } from '../core/escape.js'
import { CompressorError, type SourceLocation } from '../core/errors.js'

/** One offline context: the variables a block body may use, like COMPRESS_OFFLINE_CONTEXT. */
export type OfflineContext = Readonly<Record<string, unknown>>

export interface RenderOptions {
  context: OfflineContext
  staticUrl: string
  /** Maps an offset in `body` to its place in the template, for errors. */
  locate: (offset: number) => SourceLocation
  /** The block's opening tag, for errors. */
  block: string
  /** Called for a variable that the context does not have (Django renders it as ''). */
  onMissing?: (name: string, loc: SourceLocation) => void
}

export interface Rendered {
  text: string
  /** Context variables the body used; empty when the body is the same in every context. */
  variables: string[]
}

const TOKEN = /\{\{([\s\S]*?)\}\}|\{%-?([\s\S]*?)-?%\}|\{#[\s\S]*?#\}/g

/**
 * Renders a block body the way Django renders it, for the part of the template language that can
 * be compressed offline: `{{ var }}` and dotted lookups (autoescaped, `|safe` allowed),
 * `{% static 'path' %}`, `{% load %}`, comments and `{% verbatim %}`. Anything else (`{% if %}`,
 * `{{ block.super }}`, other filters) is a CompressorError naming the place, never a guess.
 */
export function renderBody(body: string, opts: RenderOptions): Rendered {
  const variables = new Set<string>()
  let out = ''
  let last = 0
  TOKEN.lastIndex = 0
  for (let m = TOKEN.exec(body); m; m = TOKEN.exec(body)) {
    out += body.slice(last, m.index)
    last = TOKEN.lastIndex
    const fail = (detail: string): never => {
      throw new CompressorError('TEMPLATE_LOGIC', detail, { loc: opts.locate(m.index), block: opts.block })
    }
    if (m[1] !== undefined) {
      out += renderVariable(m[1].trim(), m[0], opts, variables, fail, m.index)
      continue
    }
    if (m[2] === undefined) continue // {# comment #}
    const inner = m[2].trim()
    const name = /^\w+/.exec(inner)?.[0] ?? ''
    const rest = inner.slice(name.length).trim()
    if (name === 'load') continue
    if (name === 'comment' || name === 'verbatim') {
      const end = findEndTag(body, TOKEN.lastIndex, `end${name}`) ?? fail(`${m[0]} is not closed`)
      if (name === 'verbatim') out += body.slice(TOKEN.lastIndex, end.start)
      TOKEN.lastIndex = last = end.end
      continue
    }
    if (name === 'static') {
      const args = rest.split(/\s+/)
      if (args.length !== 1 || args[0] === '') {
        fail(`${m[0]}: only {% static 'path' %} can be compressed offline (no "as" variable)`)
      }
      const arg = args[0] as string
      const quoted = /^(["'])(.*)\1$/.exec(arg)
      let path: string
      if (quoted) path = quoted[2] as string
      else {
        const value = lookup(arg, opts, variables, m.index)
        if (typeof value !== 'string') fail(`${m[0]}: ${arg} is not a string in the offline context`)
        path = value as string
      }
      out += escapeHtml(opts.staticUrl + filepathToUri(path))
      continue
    }
    fail(
      `template logic ${m[0]} inside a compress block cannot be compressed offline; ` +
        'move it outside the block, or give the block one variant per case with the `context` option',
    )
  }
  out += body.slice(last)
  return { text: out, variables: [...variables].sort() }
}

function renderVariable(
  expr: string,
  whole: string,
  opts: RenderOptions,
  variables: Set<string>,
  fail: (detail: string) => never,
  offset: number,
): string {
  const [name = '', ...filters] = expr.split('|').map((s) => s.trim())
  if (name === 'block.super') {
    fail(`${whole} depends on the parent template at render time and cannot be compressed offline`)
  }
  if (!/^[A-Za-z_][\w]*(\.[\w]+)*$/.test(name)) fail(`${whole}: only plain variables can be compressed offline`)
  const unknown = filters.filter((f) => f !== 'safe')
  if (unknown.length > 0) {
    fail(`${whole}: the filter |${unknown[0]} cannot be compressed offline (only |safe)`)
  }
  const value = lookup(name, opts, variables, offset)
  const text = toText(value)
  if (text === undefined) fail(`${whole}: ${name} is an object in the offline context, not a value`)
  return filters.includes('safe') ? (text as string) : escapeHtml(text as string)
}

function lookup(name: string, opts: RenderOptions, variables: Set<string>, offset: number): unknown {
  const parts = name.split('.')
  variables.add(parts[0] as string)
  let value: unknown = opts.context
  for (const part of parts) {
    if (value === null || value === undefined || typeof value !== 'object') {
      value = undefined
      break
    }
    value = Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined
  }
  if (value === undefined) opts.onMissing?.(name, opts.locate(offset))
  return value
}

/** Django's str() of a value; undefined for objects it would print as a repr. */
function toText(value: unknown): string | undefined {
  if (value === undefined) return ''
  if (value === null) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  return undefined
}

/** Django's filepath_to_uri: percent-encodes all but `/~!*()'` and unreserved characters. */
export function filepathToUri(path: string): string {
  return encodeURIComponent(path.replaceAll('\\', '/')).replace(/%2F/g, '/')
}
