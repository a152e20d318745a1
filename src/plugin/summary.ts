import { gzipSync } from 'node:zlib'
import type { Plan } from './plan.js'

export interface SummaryFile {
  fileName: string
  source: string
}

function kB(bytes: number): string {
  return `${(bytes / 1000).toFixed(2)} kB`
}

/** The after-build report, in the style of Vite's own: blocks found, unique blocks, outputs with sizes. */
export function formatSummary(plan: Plan, files: readonly SummaryFile[], manifestPath: string): string {
  const width = Math.max(0, ...files.map((f) => f.fileName.length))
  const lines = [
    `vite-compressor: ${plan.found} block${plan.found === 1 ? '' : 's'} in ${plan.templates} template${plan.templates === 1 ? '' : 's'}, ` +
      `${plan.blocks.length} unique, ${files.length} output file${files.length === 1 ? '' : 's'}`,
  ]
  for (const f of files) {
    const bytes = Buffer.byteLength(f.source)
    const gz = gzipSync(f.source).length
    lines.push(`  ${f.fileName.padEnd(width)}  ${kB(bytes).padStart(10)} │ gzip: ${kB(gz).padStart(9)}`)
  }
  lines.push(`  manifest: ${manifestPath} (${plan.blocks.length} entr${plan.blocks.length === 1 ? 'y' : 'ies'})`)
  return lines.join('\n')
}
