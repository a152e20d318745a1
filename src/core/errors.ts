/** A place in a template: 1-based line and column, as editors show them. */
export interface SourceLocation {
  file: string
  line: number
  column: number
}

export type ErrorCode =
  | 'BLOCK_UNCLOSED'
  | 'BLOCK_NESTED'
  | 'BLOCK_UNOPENED'
  | 'BLOCK_ARGS'
  | 'BLOCK_KIND'
  | 'BLOCK_MODE'
  | 'BLOCK_NAME'
  | 'TEMPLATE_LOGIC'
  | 'CONTEXT'
  | 'ITEM'
  | 'EXTERNAL_URL'
  | 'PATH_ESCAPE'
  | 'FILE_MISSING'
  | 'FILE_READ'
  | 'CSS_SYNTAX'
  | 'JS_SYNTAX'
  | 'OPTIONS'
  | 'MANIFEST'
  | 'MISSING_BLOCK'
  | 'OUTPUT'

/**
 * Every error we raise on purpose. The message starts with `file:line:column:` and the block's
 * opening tag when they are known, so an editor or terminal can jump to the place.
 */
export class CompressorError extends Error {
  readonly code: ErrorCode
  readonly loc?: SourceLocation
  /** The block's opening tag as written, e.g. `{% compress css %}`. */
  readonly block?: string
  /** The message without the location prefix. */
  readonly detail: string

  constructor(
    code: ErrorCode,
    detail: string,
    options: { loc?: SourceLocation; block?: string; cause?: unknown } = {},
  ) {
    super(formatMessage(detail, options.loc, options.block), { cause: options.cause })
    this.name = 'CompressorError'
    this.code = code
    this.loc = options.loc
    this.block = options.block
    this.detail = detail
  }
}

function formatMessage(detail: string, loc?: SourceLocation, block?: string): string {
  const where = loc ? `${loc.file}:${loc.line}:${loc.column}: ` : ''
  const what = block ? `${block} block: ` : ''
  return `${where}${what}${detail}`
}
