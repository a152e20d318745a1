import { CompressorError, type SourceLocation } from '../core/errors.js'
import { LineIndex } from '../core/position.js'

/** One classic script: its text and where it came from, for messages. */
export interface ScriptPiece {
  code: string
  /** A static file path relative to the Vite root, or the template place of an inline script. */
  origin: string
  loc: SourceLocation
}

/**
 * django-compressor's concatenation of classic scripts: each hunk gets `;` (so a file ending in a
 * call and one starting with `(` stay two statements) and they are joined with a newline.
 */
export function concatScripts(pieces: readonly ScriptPiece[]): string {
  return pieces.map((p) => `${p.code.replace(/^\uFEFF/, '')};`).join('\n')
}

export interface OxcLikeError {
  message: string
  labels?: { start: number; end: number }[]
}

export type ScriptMinifier = (
  filename: string,
  code: string,
) => Promise<{ code: string; errors: readonly OxcLikeError[] }>

/**
 * Minifies concatenated classic scripts as one script (not a module): top-level names stay
 * global, so a `var` in one file is still visible to the next. Syntax errors name the source
 * file and its line.
 */
export async function minifyScripts(
  pieces: readonly ScriptPiece[],
  minifier: ScriptMinifier | undefined,
  check: (code: string) => readonly OxcLikeError[],
  block: string,
): Promise<string> {
  const code = concatScripts(pieces)
  if (!minifier) {
    for (const piece of pieces) throwFirst(piece, check(piece.code), block)
    return `${code}\n`
  }
  const result = await minifier('scripts.js', code)
  if (result.errors.length > 0) {
    // Find the piece at fault (the failure path only) to name its file and line.
    for (const piece of pieces) throwFirst(piece, check(piece.code), block)
    throw new CompressorError('JS_SYNTAX', `scripts could not be minified: ${result.errors[0]?.message}`, {
      block,
    })
  }
  return result.code.endsWith('\n') ? result.code : `${result.code}\n`
}

function throwFirst(piece: ScriptPiece, errors: readonly OxcLikeError[], block: string): void {
  const first = errors[0]
  if (!first) return
  const offset = first.labels?.[0]?.start ?? 0
  const { line, column } = new LineIndex(piece.code).locate(offset)
  throw new CompressorError('JS_SYNTAX', `${piece.origin}:${line}:${column}: ${first.message}`, {
    loc: piece.loc,
    block,
  })
}
