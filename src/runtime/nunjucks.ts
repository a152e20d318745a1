import { type BlockArgs, parseBlockArgs, splitArgs } from '../core/blocks.js'
import { CompressorError } from '../core/errors.js'
import type { BlockInfo, Compressor } from './index.js'
import { createPageState, type PageState } from './page.js'

/** Options of {@link nunjucksExtension}. */
export interface NunjucksOptions {
  /** The context variable holding the request's CSP nonce. Default `cspNonce`. */
  nonceVariable?: string
}

// The few parts of Nunjucks' parser API the extension uses (we do not import nunjucks).
interface Token {
  type: string
  value: string
  lineno: number
  colno: number
}
interface Parser {
  nextToken(withWhitespace?: boolean): Token | null
  peekToken(): Token | null
  pushToken(tok: Token): void
  advanceAfterBlockEnd(name?: string): Token
  parseUntilBlocks(...names: string[]): Node
  fail(message: string, lineno?: number, colno?: number): never
}
interface Node {
  children: Node[]
  value?: unknown
}
type NodeClass = new (lineno: number, colno: number, ...args: unknown[]) => Node
interface Nodes {
  NodeList: NodeClass
  Literal: NodeClass
  Output: NodeClass
  TemplateData: NodeClass
  CallExtension: new (ext: object, prop: string, args: Node, contentArgs: Node[]) => Node
}
interface Context {
  lookup(name: string): unknown
  /** The render's variables: Nunjucks' own copy, one per Template.render (shared with `{% extends %}` parents). */
  getVariables(): object
}
/** Nunjucks' scope frame; `parent` leads to the frame of the page's top-level render. */
interface Frame {
  parent?: Frame
}

/** A Nunjucks extension object, for `env.addExtension('compress', …)`. */
export interface NunjucksExtension {
  tags: string[]
  autoescape: false
  parse(parser: Parser, nodes: Nodes): Node
  run(
    context: Context,
    kind: BlockArgs['kind'],
    mode: BlockArgs['mode'],
    name: string,
    line: number,
    key: string,
    content: string,
    /** Nunjucks' scope frame (a `Frame`), passed by the compiled template. */
    frame: unknown,
    body?: () => string,
  ): string
}

/**
 * The `{% compress css|js [file|inline|preload] [name] %}…{% endcompress %}` tag for Nunjucks:
 * `env.addExtension('compress', nunjucksExtension(compressor))`. Arguments follow core's rules
 * (Jinja-style commas allowed); `{% endcompress css %}` is accepted. A body without variables is
 * hashed once when the template is compiled; otherwise the body is rendered with the request's
 * context and hashed per render. The nonce comes from the context variable `cspNonce`.
 * A tag naming a file that another block of the same page render already emitted is left out; the
 * page is one `render` call, with its `{% extends %}` parents and `{% include %}`s.
 * Limitation: the body is rendered synchronously, so async filters cannot be used inside a block.
 */
export function nunjucksExtension(compressor: Compressor, options: NunjucksOptions = {}): NunjucksExtension {
  const nonceVariable = options.nonceVariable ?? 'cspNonce'
  // One PageState per page render. `{% extends %}` parents share the page's Context, whose variables
  // object is Nunjucks' own copy (the caller's data is never touched); an `{% include %}` gets a copy
  // of those variables, but its frame's chain of parents ends at the page's top-level frame. Both are
  // keys, so an include rendered before the page's first block still shares the page's state.
  const byVariables = new WeakMap<object, PageState>()
  const byFrame = new WeakMap<Frame, PageState>()
  const pageOf = (context: Context, frame: Frame | undefined): PageState => {
    const variables = context.getVariables()
    let root = frame
    while (root?.parent) root = root.parent
    let page = byVariables.get(variables)
    if (page === undefined) {
      page = (root && byFrame.get(root)) ?? createPageState()
      byVariables.set(variables, page)
    }
    if (root && !byFrame.has(root)) byFrame.set(root, page)
    return page
  }
  return {
    tags: ['compress'],
    // Our output is HTML: without this Nunjucks would escape it (no SafeString needed).
    autoescape: false,

    parse(parser, nodes) {
      const tag = parser.nextToken() as Token
      const args = readArgs(parser, tag)
      parser.advanceAfterBlockEnd(tag.value)
      const body = parser.parseUntilBlocks('endcompress')
      if (!parser.nextToken()) parser.fail('not closed: {% endcompress %} is missing', tag.lineno, tag.colno)
      const extra = parser.peekToken()
      if (extra?.type === 'symbol') {
        parser.nextToken()
        if (extra.value !== args.kind) {
          parser.fail(`{% endcompress ${extra.value} %} does not close a ${args.kind} block`, extra.lineno, extra.colno)
        }
      }
      parser.advanceAfterBlockEnd('endcompress')

      const text = staticText(body, nodes)
      const lit = (value: unknown) => new nodes.Literal(tag.lineno, tag.colno, value)
      const argList = new nodes.NodeList(tag.lineno, tag.colno, [
        lit(args.kind),
        lit(args.mode),
        lit(args.name ?? ''),
        lit(tag.lineno + 1),
        lit(text === undefined ? '' : compressor.key(text)),
        lit(text ?? ''),
        // The compiled code's `frame` variable: compileLiteral writes a non-string value's toString().
        new nodes.Literal(tag.lineno, tag.colno, FRAME),
      ])
      return new nodes.CallExtension(this, 'run', argList, text === undefined ? [body] : [])
    },

    run(context, kind, mode, name, line, key, content, frame, body) {
      const nonce = context.lookup(nonceVariable)
      const block: BlockInfo = {
        kind,
        mode,
        name: name || undefined,
        line,
        nonce: typeof nonce === 'string' && nonce !== '' ? nonce : undefined,
        page: pageOf(context, frame as Frame | undefined),
      }
      return body ? compressor.render(body(), block) : compressor.renderKey(key, content, block)
    },
  }
}

/** A literal whose compiled form is the identifier `frame` (Nunjucks 3's compileLiteral emits `String(value)`). */
const FRAME = { toString: () => 'frame' }

/** Reads the opening tag's arguments as written, up to `%}`, and checks them with core's rules. */
function readArgs(parser: Parser, tag: Token): BlockArgs {
  let text = ''
  for (;;) {
    const tok = parser.nextToken(true)
    if (!tok) parser.fail('unexpected end of template in the compress tag', tag.lineno, tag.colno)
    if (tok.type === 'block-end') {
      parser.pushToken(tok)
      break
    }
    text += tok.type === 'string' ? JSON.stringify(tok.value) : tok.value
  }
  try {
    return parseBlockArgs(splitArgs(text), { block: `{% compress ${text.trim()} %}` })
  } catch (err) {
    if (err instanceof CompressorError) parser.fail(err.message, tag.lineno, tag.colno)
    throw err
  }
}

/** The body's text if it is plain template data (no variables or tags), else undefined. */
function staticText(body: Node, nodes: Nodes): string | undefined {
  let text = ''
  for (const node of body.children) {
    if (!(node instanceof nodes.Output)) return undefined
    for (const child of node.children) {
      if (!(child instanceof nodes.TemplateData)) return undefined
      text += String(child.value)
    }
  }
  return text
}
