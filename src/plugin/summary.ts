import { promisify } from 'node:util'
import { gzip as gzipCallback } from 'node:zlib'

const gzip = promisify(gzipCallback)
import type { Plan } from './plan.js'

export interface SummaryFile {
  fileName: string
  bytes: number
  /** Gzipped size, when Vite reports compressed sizes (build.reportCompressedSize). */
  gzip: number | undefined
}

/** A file's sizes for the summary (gzip on the thread pool); the text itself is not kept. */
export async function sizeOf(fileName: string, source: string, withGzip: boolean): Promise<SummaryFile> {
  return { fileName, bytes: Buffer.byteLength(source), gzip: withGzip ? (await gzip(source)).length : undefined }
}

function kB(bytes: number): string {
  return `${(bytes / 1000).toFixed(2)} kB`
}

/** How this build's stylesheets were made: minified directly, or through Vite's pipeline and why. */
export interface CssRoute {
  direct: number
  vite: number
  /** Why the direct path was not taken, when it was not. */
  blocker: string | undefined
}

/** The after-build report, in the style of Vite's own: blocks found, unique blocks, outputs with sizes. */
export function formatSummary(plan: Plan, files: readonly SummaryFile[], manifestPath: string, css?: CssRoute): string {
  const width = Math.max(0, ...files.map((f) => f.fileName.length))
  const lines = [
    `vite-compressor: ${plan.found} block${plan.found === 1 ? '' : 's'} in ${plan.templates} template${plan.templates === 1 ? '' : 's'}, ` +
      `${plan.blocks.length} unique, ${files.length} output file${files.length === 1 ? '' : 's'}`,
  ]
  if (css && css.direct + css.vite > 0) {
    const parts: string[] = []
    if (css.direct > 0) parts.push(`${css.direct} minified directly with lightningcss`)
    if (css.vite > 0) parts.push(`${css.vite} through Vite's CSS pipeline${css.blocker ? ` (${css.blocker})` : ''}`)
    lines.push(`  stylesheets: ${parts.join(', ')}`)
  }
  for (const f of files) {
    const gz = f.gzip === undefined ? '' : ` │ gzip: ${kB(f.gzip).padStart(9)}`
    lines.push(`  ${f.fileName.padEnd(width)}  ${kB(f.bytes).padStart(10)}${gz}`)
  }
  lines.push(`  manifest: ${manifestPath} (${plan.blocks.length} entr${plan.blocks.length === 1 ? 'y' : 'ies'})`)
  return lines.join('\n')
}
