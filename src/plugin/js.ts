import { CompressorError, type SourceLocation } from '../core/errors.js'
import { LineIndex } from '../core/position.js'
import { shiftLoc } from './plan.js'

/** One classic script: its text and where it came from, for messages. */
export interface ScriptPiece {
  code: string
  /** A static file path relative to the Vite root; undefined for an inline script. */
  origin: string | undefined
  /** The item's place in the template. */
  loc: SourceLocation
  /** An inline script: where its text starts in the template (errors point into the template). */
  contentLoc?: SourceLocation
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
 * Minifies classic scripts as scripts (not modules): top-level names stay global, so a `var` in
 * one file is still visible to the next. Each piece is minified on its own — once per build
 * however many blocks use it, through `cache` — and the results are joined as django-compressor
 * joins hunks (each ends with `;`, newline between). Syntax errors name the file and its line.
 */
export async function minifyScripts(
  pieces: readonly ScriptPiece[],
  minifier: ScriptMinifier | undefined,
  check: (code: string) => readonly OxcLikeError[],
  block: string,
  cache: Map<string, Promise<string>> = new Map(),
): Promise<string> {
  if (!minifier) {
    for (const piece of pieces) throwFirst(piece, check(piece.code), block)
    return `${concatScripts(pieces)}\n`
  }
  const minified = await Promise.all(
    pieces.map((piece) => {
      const code = piece.code.replace(/^\uFEFF/, '')
      let job = cache.get(code)
      if (!job) {
        job = minifier('script.js', code).then((r) => {
          if (r.errors.length === 0) return r.code
          throwFirst(piece, check(code), block)
          throw new CompressorError('JS_SYNTAX', `${piece.origin ?? 'script'}: ${r.errors[0]?.message}`, { loc: piece.loc, block })
        })
        job.catch(() => {}) // reported by the caller that awaits it
        cache.set(code, job)
      }
      return job
    }),
  )
  return `${minified.map((m) => (m.trimEnd().endsWith(';') ? m.trimEnd() : `${m.trimEnd()};`)).join('\n')}\n`
}

function throwFirst(piece: ScriptPiece, errors: readonly OxcLikeError[], block: string): void {
  const first = errors[0]
  if (!first) return
  const offset = first.labels?.[0]?.start ?? 0
  const { line, column } = new LineIndex(piece.code).locate(offset)
  const at = piece.contentLoc ? shiftLoc(piece.contentLoc, line, column) : undefined
  const where = at ? `${at.file}:${at.line}:${at.column}` : `${piece.origin}:${line}:${column}`
  throw new CompressorError('JS_SYNTAX', `${where}: ${first.message}`, { loc: piece.loc, block })
}
