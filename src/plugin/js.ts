import { CompressorError, type SourceLocation } from '../core/errors.js'
import { LineIndex, shiftLoc } from '../core/position.js'

/** One classic script: its text and where it came from, for messages. */
export interface ScriptPiece {
  code: string
  /** A static file path relative to the Vite root; undefined for an inline script. */
  origin: string | undefined
  /** The item's place in the template. */
  loc: SourceLocation
  /** An inline script: where its text starts in the template (errors point into the template). */
  contentLoc?: SourceLocation
  /** The name source maps give this piece (a path relative to the map). */
  mapName?: string
}

/** A source map (version 3), as oxc returns it or as we write it. */
export interface SourceMap {
  version: 3
  file?: string
  sources?: string[]
  sourcesContent?: string[]
  names?: string[]
  mappings?: string
  sections?: { offset: { line: number; column: number }; map: SourceMap }[]
}

/**
 * django-compressor's concatenation of classic scripts: each hunk gets `;` (so a file ending in a
 * call and one starting with `(` stay two statements) and they are joined with a newline.
 */
export function concatScripts(pieces: readonly ScriptPiece[]): string {
  return pieces.map((p) => `${cleanScript(p.code)};`).join('\n')
}

/** A script's text without its BOM and `sourceMappingURL` comments (they name maps of the file alone). */
export function cleanScript(code: string): string {
  return code.replace(/^\uFEFF/, '').replace(/^[ \t]*\/\/[#@] sourceMappingURL=.*$/gm, '').trimEnd()
}

export interface OxcLikeError {
  message: string
  labels?: { start: number; end: number }[]
}

export type ScriptMinifier = (
  filename: string,
  code: string,
  sourcemap: boolean,
) => Promise<{ code: string; map?: SourceMap | null; errors: readonly OxcLikeError[] }>

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
  cache: Map<string, Promise<{ code: string; map?: SourceMap | null }>> = new Map(),
  sourcemap = false,
): Promise<{ code: string; map?: SourceMap }> {
  if (!minifier) {
    for (const piece of pieces) throwFirst(piece, check(piece.code), block)
    const parts = pieces.map((p) => ({ code: `${cleanScript(p.code)};`, map: undefined }))
    return join(parts, pieces, sourcemap)
  }
  const minified = await Promise.all(pieces.map((piece) => minifyPiece(piece, minifier, check, block, cache, sourcemap)))
  const parts = minified.map((m) => {
    const code = m.code.trimEnd()
    return { code: code.endsWith(';') ? code : `${code};`, map: m.map ?? undefined }
  })
  return join(parts, pieces, sourcemap)
}

/**
 * One classic script minified, once per text (and map name) through `cache`: started early, it is
 * ready when the outputs are put together. A syntax error rejects, naming the file and its line.
 */
function minifyPiece(
  piece: ScriptPiece,
  minifier: ScriptMinifier,
  check: (code: string) => readonly OxcLikeError[],
  block: string,
  cache: Map<string, Promise<{ code: string; map?: SourceMap | null }>>,
  sourcemap: boolean,
): Promise<{ code: string; map?: SourceMap | null }> {
  const code = piece.code.replace(/^\uFEFF/, '')
  const id = sourcemap ? `${piece.mapName}\0${code}` : code
  let job = cache.get(id)
  if (!job) {
    job = minifier('script.js', code, sourcemap).then((r) => {
      if (r.errors.length === 0) return { code: r.code, map: r.map }
      throwFirst(piece, check(code), block)
      throw new CompressorError('JS_SYNTAX', `${piece.origin ?? 'script'}: ${r.errors[0]?.message}`, { loc: piece.loc, block })
    })
    job.catch(() => {}) // reported by the caller that awaits it
    cache.set(id, job)
  }
  return job
}

/**
 * Joins script pieces with newlines, and their maps into one index map (a section per piece, at
 * the line it starts on). A piece without a map (not minified) maps line for line.
 */
function join(
  parts: { code: string; map: SourceMap | null | undefined }[],
  pieces: readonly ScriptPiece[],
  sourcemap: boolean,
): { code: string; map?: SourceMap } {
  const code = `${parts.map((p) => p.code).join('\n')}\n`
  if (!sourcemap) return { code }
  let line = 0
  const sections = parts.map((part, i) => {
    const piece = pieces[i] as ScriptPiece
    const lines = part.code.split('\n').length
    const base: SourceMap = part.map ?? {
      version: 3,
      names: [],
      mappings: Array.from({ length: lines }, (_, n) => (n === 0 ? 'AAAA' : 'AACA')).join(';'),
    }
    const map: SourceMap = { ...base, sources: [piece.mapName ?? 'script.js'], sourcesContent: [piece.code] }
    const section = { offset: { line, column: 0 }, map }
    line += lines
    return section
  })
  return { code, map: { version: 3, sections } }
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

type ViteModule = typeof import('vite')

/** Vite 8 ships oxc's minifier; Vite 7 has esbuild. Either minifies classic scripts as scripts. */
export function makeMinifier(vite: ViteModule): ScriptMinifier {
  const v = vite as unknown as {
    minify?: (f: string, c: string, o: object) => Promise<{ code: string; map?: SourceMap; errors: OxcLikeError[] }>
  }
  if (typeof v.minify === 'function') {
    const minify = v.minify
    return (filename, code, sourcemap) =>
      minify(filename, code, {
        module: false,
        compress: true,
        mangle: { toplevel: false },
        codegen: { legalComments: 'inline' },
        sourcemap,
      })
  }
  return async (filename, code) => {
    try {
      const r = await vite.transformWithEsbuild(code, filename, { minify: true, loader: 'js', legalComments: 'inline' })
      return { code: r.code, errors: [] }
    } catch (err) {
      return { code: '', errors: [{ message: (err as Error).message }] }
    }
  }
}
