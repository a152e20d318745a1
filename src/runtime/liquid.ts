import { type BlockArgs, parseBlockArgs, splitArgs } from '../core/blocks.js'
import type { BlockInfo, Compressor } from './index.js'
import { createPageState, type PageState } from './page.js'

/** Options of {@link registerLiquid}. */
export interface LiquidOptions {
  /** The context variable holding the request's CSP nonce. Default `cspNonce`. */
  nonceVariable?: string
}

// The few parts of liquidjs the tag uses (we do not import liquidjs).
interface Token {
  kind: number
  args: string
  file?: string
  getText(): string
  getPosition(): [number, number]
}
interface Template {
  token: Token
  str?: unknown
}
interface Context {
  findScope(name: string): Record<string, unknown> | undefined
  /** One per render call, shared by the contexts `{% render %}` spawns (liquidjs 10). */
  memoryLimit?: object
}
interface Emitter {
  write(html: unknown): void
}
interface Stream {
  on(event: string, handler: (arg: never) => void): Stream
  start(): void
  stop(): void
}
interface TagThis {
  liquid: {
    parser: { parseStream(tokens: unknown[]): Stream }
    renderer: { renderTemplates(templates: Template[], ctx: Context): unknown }
  }
  args: BlockArgs
  info: BlockInfo
  templates: Template[]
  /** Set when the body is plain HTML: its text and key, computed once. */
  text?: string
  key?: string
}

/** liquidjs' TokenKind.HTML: a run of plain template text. */
const HTML_TOKEN = 16

/** The parts of a liquidjs `Liquid` engine that {@link registerLiquid} needs. */
export interface LiquidEngine {
  registerTag(name: string, tag: object): void
}

/**
 * Registers the `{% compress css|js [file|inline|preload] [name] %}…{% endcompress %}` tag on a
 * liquidjs engine. The body is rendered by Liquid with the page's scope; a body of plain HTML is
 * hashed once when the template is parsed. The nonce comes from the scope variable `cspNonce`.
 * A tag naming a file that another block of the same render (`render`, `parseAndRender`,
 * `renderFile` …, with its layout, includes and renders) already emitted is left out.
 */
export function registerLiquid(engine: LiquidEngine, compressor: Compressor, options: LiquidOptions = {}): void {
  const nonceVariable = options.nonceVariable ?? 'cspNonce'
  // One PageState per render call. Layouts and includes render with the page's Context; `{% render %}`
  // spawns a new one that shares the render's memory limiter, so that is the key when there is one.
  const pages = new WeakMap<object, PageState>()
  const pageOf = (ctx: Context): PageState => {
    const owner = typeof ctx.memoryLimit === 'object' && ctx.memoryLimit !== null ? ctx.memoryLimit : ctx
    let page = pages.get(owner)
    if (page === undefined) {
      page = createPageState()
      pages.set(owner, page)
    }
    return page
  }
  engine.registerTag('compress', {
    parse(this: TagThis, token: Token, remainTokens: unknown[]) {
      const [line, column] = token.getPosition()
      const loc = token.file ? { file: token.file, line, column } : undefined
      this.args = parseBlockArgs(splitArgs(token.args), { loc, block: token.getText() })
      this.info = { ...this.args, template: token.file, line, column, tag: token.getText() }
      this.templates = []
      const stream = this.liquid.parser
        .parseStream(remainTokens)
        .on('template', (tpl: Template) => this.templates.push(tpl))
        .on('tag:endcompress', (end: Token) => {
          const extra = splitArgs(end.args).filter((a) => a !== this.args.kind)
          if (extra.length > 0) throw new Error(`${end.getText()} takes no arguments (besides the kind)`)
          stream.stop()
        })
        .on('end', () => {
          throw new Error(`${token.getText()} is not closed: {% endcompress %} is missing`)
        })
      stream.start()
      if (this.templates.every((t) => t.token.kind === HTML_TOKEN && typeof t.str === 'string')) {
        this.text = this.templates.map((t) => t.str).join('')
        this.key = compressor.key(this.text)
      }
    },

    *render(this: TagThis, ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
      const nonce = ctx.findScope(nonceVariable)?.[nonceVariable]
      const page = pageOf(ctx)
      const block: BlockInfo =
        typeof nonce === 'string' && nonce !== '' ? { ...this.info, nonce, page } : { ...this.info, page }
      if (this.key !== undefined) {
        emitter.write(compressor.renderKey(this.key, this.text as string, block))
        return
      }
      const content = String(yield this.liquid.renderer.renderTemplates(this.templates, ctx))
      emitter.write(compressor.render(content, block))
    },
  })
}
