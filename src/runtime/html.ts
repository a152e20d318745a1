import { findBlocks } from '../core/blocks.js'
import type { Compressor } from './index.js'
import { createPageState, type PageState } from './page.js'

/** Options of {@link replaceBlocks}. */
export interface ReplaceBlocksOptions {
  /** The template's name, for error messages. */
  template?: string
  /** A CSP nonce for the emitted tags. */
  nonce?: string
  /**
   * The page state shared with other calls for the same page (e.g. a response written in chunks).
   * Default: a new one per call, so a call is one page.
   */
  page?: PageState
  /**
   * Also replace `{% compress %}` blocks left in the page by an engine that does not interpret
   * them. Off by default: text a user wrote can hold `{% … %}` (HTML escaping keeps it), but not
   * `<!--`, so only comment blocks are safe to read in pages that show user text.
   */
  tags?: boolean
}

/**
 * Replaces every compress block in an already rendered HTML page, for engines without custom tags:
 * `<!-- compress css [mode] [name] -->…<!-- endcompress -->`, and `{% compress %}…{% endcompress %}`
 * left in the output. Blocks are found by core's findBlocks, so the rules match the build's.
 * A tag naming a file that an earlier block of the page already emitted is left out.
 */
export function replaceBlocks(html: string, compressor: Compressor, options: ReplaceBlocksOptions = {}): string {
  if (!html.includes('compress')) return html
  // Rendered pages may hold user text: only well-formed <!-- compress --> blocks count, never a throw.
  const blocks = findBlocks(html, options.template ?? '(rendered html)', { rendered: true, tags: options.tags })
  if (blocks.length === 0) return html
  const page = options.page ?? createPageState()
  let out = ''
  let last = 0
  for (const block of blocks) {
    out += html.slice(last, block.start)
    out += compressor.render(block.content, {
      kind: block.kind,
      mode: block.mode,
      name: block.name,
      template: options.template,
      line: block.loc.line,
      column: block.loc.column,
      tag: block.tag,
      nonce: options.nonce,
      page,
    })
    last = block.end
  }
  return out + html.slice(last)
}
