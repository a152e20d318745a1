import { promisify } from 'node:util'
import { gzip as gzipCallback } from 'node:zlib'
import type { Plan } from './plan.js'

const gzip = promisify(gzipCallback)

/**
 * Up to this many outputs the summary lists each with its size and gzip size; beyond, it lists the
 * largest by size only: Vite's own report lists every file it wrote, with gzip sizes, and gzipping
 * a large build's outputs a second time would cost as much as a good part of the build.
 */
const LISTED = 50

export interface SummaryFile {
  fileName: string
  bytes: number
  /** Gzipped size, when Vite reports compressed sizes (build.reportCompressedSize). */
  gzip: number | undefined
}

/**
 * The outputs' sizes for the summary (the texts are not kept), with gzip sizes when asked and the
 * outputs are few enough to be listed one by one: a few at a time on the thread pool.
 */
export async function sizesOf(files: readonly { fileName: string; source: string }[], withGzip: boolean): Promise<SummaryFile[]> {
  const out: SummaryFile[] = files.map((f) => ({ fileName: f.fileName, bytes: Buffer.byteLength(f.source), gzip: undefined }))
  if (!withGzip || files.length > LISTED) return out
  let next = 0
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const file = out[i] as SummaryFile
      file.gzip = (await gzip((files[i] as { source: string }).source)).length
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()])
  return out
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
  /** Stylesheets that took Vite's pipeline for a reason of their own: `file: reason`. */
  reasons?: readonly string[]
}

/** The after-build report, in the style of Vite's own: blocks found, unique blocks, outputs with sizes. */
export function formatSummary(plan: Plan, files: readonly SummaryFile[], manifestPath: string, css?: CssRoute): string {
  const lines = [
    `vite-compressor: ${plan.found} block${plan.found === 1 ? '' : 's'} in ${plan.templates} template${plan.templates === 1 ? '' : 's'}, ` +
      `${plan.blocks.length} unique, ${files.length} output file${files.length === 1 ? '' : 's'}`,
  ]
  if (css && css.direct + css.vite > 0) {
    const parts: string[] = []
    if (css.direct > 0) parts.push(`${css.direct} minified directly with lightningcss`)
    const own = css.reasons ?? []
    const why = css.blocker ?? (own.length > 0 ? `${own.slice(0, 3).join('; ')}${own.length > 3 ? `; and ${own.length - 3} more` : ''}` : undefined)
    if (css.vite > 0) parts.push(`${css.vite} through Vite's CSS pipeline${why ? ` (${why})` : ''}`)
    lines.push(`  stylesheets: ${parts.join(', ')}`)
  }
  const listed = files.length > LISTED ? [...files].sort((a, b) => b.bytes - a.bytes).slice(0, 10) : files
  const nameWidth = Math.max(0, ...listed.map((f) => f.fileName.length))
  for (const f of listed) {
    const gz = f.gzip === undefined ? '' : ` │ gzip: ${kB(f.gzip).padStart(9)}`
    lines.push(`  ${f.fileName.padEnd(nameWidth)}  ${kB(f.bytes).padStart(10)}${gz}`)
  }
  if (listed.length < files.length) {
    const total = files.reduce((sum, f) => sum + f.bytes, 0)
    lines.push(
      `  … the ${listed.length} largest of ${files.length} outputs (${(total / 1e6).toFixed(2)} MB in all); Vite's report lists every file it wrote`,
    )
  }
  lines.push(`  manifest: ${manifestPath} (${plan.blocks.length} entr${plan.blocks.length === 1 ? 'y' : 'ies'})`)
  return lines.join('\n')
}
