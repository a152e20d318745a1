import { CompressorError, type SourceLocation } from './errors.js'
import { LineIndex } from './position.js'

export type Kind = 'css' | 'js'
export type Mode = 'file' | 'inline' | 'preload'
export const KINDS: readonly Kind[] = ['css', 'js']
export const MODES: readonly Mode[] = ['file', 'inline', 'preload']

/** What a block's opening tag says: `{% compress css inline main %}` → css, inline, main. */
export interface BlockArgs {
  kind: Kind
  mode: Mode
  name: string | undefined
}

/** One compress block found in a template. Offsets index the template text. */
export interface Block extends BlockArgs {
  /** `tag` for `{% compress %}`, `comment` for `<!-- compress -->`. */
  syntax: 'tag' | 'comment'
  /** The opening tag as written, for messages. */
  tag: string
  /** Offset of the opening tag and just past the closing tag. */
  start: number
  end: number
  /** The block's body, after Jinja/Nunjucks whitespace control (`-%}` / `{%-`). */
  contentStart: number
  contentEnd: number
  content: string
  loc: SourceLocation
}

const MARKER = /\{[#%]|<!--/g
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

interface Tag {
  start: number
  end: number
  text: string
  name: string
  args: string[]
  trimBefore: boolean
  trimAfter: boolean
  syntax: 'tag' | 'comment'
}

/** Options of {@link findBlocks}. */
export interface FindOptions {
  /**
   * For HTML a server already rendered (which may hold user text): template comments and verbatim
   * regions are plain text, and a marker that does not fit (an end without a start, a start left
   * open, a bad argument) is ignored instead of throwing.
   */
  rendered?: boolean
  /**
   * With `rendered`: also read `{% compress %}` blocks left in the page (an engine that does not
   * interpret them). Off by default: user text can contain `{% … %}`, which HTML escaping keeps,
   * but cannot contain `<!--`.
   */
  tags?: boolean
  /** The text's line index, when the caller has one (it is built on the first lookup). */
  lines?: LineIndex
}

/**
 * Finds every compress block in a template. Template comments (`{# #}`, `{% comment %}`) and
 * literal regions (`{% verbatim %}`, `{% raw %}`) are skipped; blocks may not nest.
 * Throws CompressorError naming file:line:column for malformed blocks.
 */
export function findBlocks(source: string, file: string, options: FindOptions = {}): Block[] {
  const rendered = options.rendered === true
  const lines = options.lines ?? new LineIndex(source)
  const locate = (offset: number): SourceLocation => ({ file, ...lines.locate(offset) })
  const blocks: Block[] = []
  let open: { tag: Tag; args: BlockArgs } | undefined
  let pos = 0

  while (pos < source.length) {
    MARKER.lastIndex = pos
    const m = MARKER.exec(source)
    if (!m) break
    const at = m.index
    // Most tags are {% static %}, {% block %}…: passed over without being read.
    const other = otherTagEnd(source, at)
    if (other !== undefined) {
      pos = rendered && !options.tags ? at + 2 : other
      continue
    }
    const tag = readTag(source, at)
    if (!tag || (rendered && (tag.syntax === 'tag' ? !options.tags || tag.name === '#' || SKIPPED.has(tag.name) : false))) {
      pos = at + 2
      continue
    }
    pos = tag.end
    if (rendered) {
      // Lenient, for pages that may hold user text: comments and verbatim regions are plain text,
      // a start without an end is dropped for the next start, and an end that fits no start is
      // text. Nothing here throws.
      if (tag.name === 'compress') {
        try {
          open = { tag, args: parseArgs(tag, locate(at)) }
        } catch {
          // a malformed start is text
        }
        continue
      }
      if (tag.name === 'endcompress' && (!open || open.tag.syntax !== tag.syntax || tag.args.some((a) => a !== open?.args.kind))) {
        continue
      }
    }
    if (tag.name === '#') continue // {# comment #}
    if (tag.syntax === 'tag' && SKIPPED.has(tag.name)) {
      pos = skipRegion(source, tag, locate)
      continue
    }
    if (tag.name === 'compress') {
      if (open) {
        throw new CompressorError(
          'BLOCK_NESTED',
          `a compress block cannot contain another one (${tag.text} at line ${locate(at).line}); close the first with ${closer(open.tag)} before opening the next`,
          { loc: locate(at), block: open.tag.text },
        )
      }
      open = { tag, args: parseArgs(tag, locate(at)) }
      continue
    }
    if (tag.name === 'endcompress') {
      if (!open) {
        throw new CompressorError('BLOCK_UNOPENED', `${tag.text} has no matching opening compress tag`, {
          loc: locate(at),
        })
      }
      if (open.tag.syntax !== tag.syntax) {
        throw new CompressorError('BLOCK_UNOPENED', `${tag.text} does not close this block; use ${closer(open.tag)}`, {
          loc: locate(at),
          block: open.tag.text,
        })
      }
      const extra = tag.args.filter((a) => a !== open?.args.kind)
      if (extra.length > 0) {
        throw new CompressorError('BLOCK_ARGS', `${tag.text} takes no arguments (besides the kind)`, {
          loc: locate(at),
          block: open.tag.text,
        })
      }
      let contentStart = open.tag.end
      let contentEnd = tag.start
      if (open.tag.trimAfter) while (contentStart < contentEnd && isSpace(source.charCodeAt(contentStart))) contentStart++
      if (tag.trimBefore) while (contentEnd > contentStart && isSpace(source.charCodeAt(contentEnd - 1))) contentEnd--
      blocks.push({
        ...open.args,
        syntax: open.tag.syntax,
        tag: open.tag.text,
        start: open.tag.start,
        end: tag.end,
        contentStart,
        contentEnd,
        content: source.slice(contentStart, contentEnd),
        loc: locate(open.tag.start),
      })
      open = undefined
    }
  }
  if (open && !rendered) {
    throw new CompressorError('BLOCK_UNCLOSED', `not closed: ${closer(open.tag)} is missing`, {
      loc: locate(open.tag.start),
      block: open.tag.text,
    })
  }
  return blocks
}

/** Parses the arguments of an opening tag with django-compressor's rules. */
export function parseBlockArgs(args: readonly string[], where?: { loc?: SourceLocation; block?: string }): BlockArgs {
  const opts = { loc: where?.loc, block: where?.block }
  if (args.length < 1 || args.length > 3) {
    throw new CompressorError(
      'BLOCK_ARGS',
      `the compress tag takes one, two or three arguments (kind [mode [name]]), got ${args.length}`,
      opts,
    )
  }
  const [kind, mode = 'file', name] = args as [string, string?, string?]
  if (!(KINDS as readonly string[]).includes(kind)) {
    throw new CompressorError('BLOCK_KIND', `unknown kind '${kind}'; expected one of: css, js`, opts)
  }
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new CompressorError('BLOCK_MODE', `unknown mode '${mode}'; expected one of: file, inline, preload`, opts)
  }
  if (name !== undefined && !NAME_RE.test(name)) {
    throw new CompressorError(
      'BLOCK_NAME',
      `block name '${name}' must be letters, digits, '_', '.' or '-' (it becomes part of a file name)`,
      opts,
    )
  }
  return { kind: kind as Kind, mode: mode as Mode, name }
}

const SKIPPED = new Map<string, string>([
  ['comment', 'endcomment'],
  ['verbatim', 'endverbatim'],
  ['raw', 'endraw'],
])

function parseArgs(tag: Tag, loc: SourceLocation): BlockArgs {
  return parseBlockArgs(tag.args, { loc, block: tag.text })
}

function closer(tag: Tag): string {
  return tag.syntax === 'tag' ? '{% endcompress %}' : '<!-- endcompress -->'
}

/** White space as Nunjucks' and Jinja's whitespace control strip it (JavaScript's `\s`). */
function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true
  return c > 127 && /\s/.test(String.fromCharCode(c))
}

/** Splits tag arguments on white space and commas (Jinja's `css, inline`), unquoting each. */
export function splitArgs(text: string): string[] {
  const out: string[] = []
  const re = /"([^"]*)"|'([^']*)'|([^\s,]+)/g
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? (m[3] as string))
  return out
}

/** Tag names the block finder acts on; any other `{% name … %}` is passed over. */
const READ = new Set(['compress', 'endcompress', ...SKIPPED.keys()])

/**
 * For a `{% name … %}` tag at `at` whose name the finder does not act on, the offset after it;
 * undefined for anything else (other markers, our tags, a tag without a name or an end).
 */
function otherTagEnd(source: string, at: number): number | undefined {
  if (source.charCodeAt(at + 1) !== 37 /* % */) return undefined
  let i = at + 2
  if (source.charCodeAt(i) === 45 /* - */) i++
  while (i < source.length && isSpace(source.charCodeAt(i))) i++
  const start = i
  while (i < source.length && isWordChar(source.charCodeAt(i))) i++
  if (i === start || READ.has(source.slice(start, i))) return undefined
  const close = source.indexOf('%}', at + 2)
  // Past its end, the name was not inside this tag: let readTag decide.
  return close === -1 || close < i ? undefined : close + 2
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
}

/** Reads the tag or comment that starts at `at`, or undefined if it is not one we care about. */
function readTag(source: string, at: number): Tag | undefined {
  const two = source.slice(at, at + 2)
  if (two === '{#') {
    // An unclosed `{#` is text, as in Django: it must not hide the blocks after it.
    const close = source.indexOf('#}', at + 2)
    if (close === -1) return undefined
    const end = close + 2
    return { start: at, end, text: source.slice(at, end), name: '#', args: [], trimBefore: false, trimAfter: false, syntax: 'tag' }
  }
  if (two === '{%') {
    const close = source.indexOf('%}', at + 2)
    if (close === -1) return undefined
    let inner = source.slice(at + 2, close)
    const trimBefore = inner.startsWith('-')
    const trimAfter = inner.endsWith('-')
    inner = inner.slice(trimBefore ? 1 : 0, trimAfter ? -1 : undefined).trim()
    const m = /^(\w+)\s*([\s\S]*)$/.exec(inner)
    if (!m) return undefined
    return {
      start: at,
      end: close + 2,
      text: source.slice(at, close + 2),
      name: m[1] as string,
      // Only compress tags' arguments are read.
      args: m[1] === 'compress' || m[1] === 'endcompress' ? splitArgs(m[2] as string) : [],
      trimBefore,
      trimAfter,
      syntax: 'tag',
    }
  }
  // <!-- compress css … --> and <!-- endcompress -->; other HTML comments are ordinary text.
  const close = source.indexOf('-->', at + 4)
  if (close === -1) return undefined
  const m = /^\s*(compress|endcompress)(?:\s+([\s\S]*?))?\s*$/.exec(source.slice(at + 4, close))
  if (!m) return undefined
  return {
    start: at,
    end: close + 3,
    text: source.slice(at, close + 3),
    name: m[1] as string,
    args: splitArgs(m[2] ?? ''),
    trimBefore: false,
    trimAfter: false,
    syntax: 'comment',
  }
}

/** The next `{% <name> … %}` tag from `from` (whitespace control allowed): its start and end, if any. */
export function findEndTag(source: string, from: number, name: string): { start: number; end: number } | undefined {
  const re = new RegExp(`\\{%-?\\s*${name}\\b[^%]*?-?%\\}`, 'g')
  re.lastIndex = from
  const m = re.exec(source)
  return m ? { start: m.index, end: m.index + m[0].length } : undefined
}

/** Skips a `{% comment %}…{% endcomment %}`-style region; returns the offset after its end tag. */
function skipRegion(source: string, tag: Tag, locate: (o: number) => SourceLocation): number {
  const endName = SKIPPED.get(tag.name) as string
  const found = findEndTag(source, tag.end, endName)
  if (!found) {
    throw new CompressorError('BLOCK_UNCLOSED', `${tag.text} is not closed ({% ${endName} %} is missing)`, {
      loc: locate(tag.start),
    })
  }
  return found.end
}
