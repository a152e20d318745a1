import type { SourceLocation } from './errors.js'

/** Maps string offsets to 1-based line/column, with one scan of the text. */
export class LineIndex {
  private starts: number[] | undefined

  /** The line starts are found on the first lookup (errors are rare; most texts are never located). */
  constructor(private readonly text: string) {}

  locate(offset: number): { line: number; column: number } {
    if (!this.starts) {
      this.starts = [0]
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) this.starts.push(i + 1)
    }
    const starts = this.starts
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((starts[mid] as number) <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: offset - (starts[lo] as number) + 1 }
  }
}

/** The place `line:column` of a text points to, when the text starts at `start` in a template. */
export function shiftLoc(start: SourceLocation, line: number, column: number): SourceLocation {
  return line <= 1
    ? { file: start.file, line: start.line, column: start.column + column - 1 }
    : { file: start.file, line: start.line + line - 1, column }
}
