import type { Plugin } from 'vite'
import type { Block, Kind, Mode } from '../core/blocks.js'
import type { TemplateSource } from './plan.js'

/** The name the compressor plugin looks for to build given blocks instead of scanning templates. */
export const ONLINE_PLUGIN = 'vite-compressor:online'

/** A block as a server rendered it: its body is final text (no template tags to render). */
export interface RenderedBlock {
  content: string
  kind: Kind
  mode: Mode
  name: string | undefined
  /** Where the server rendered it from, when the engine knows: errors then point there. */
  template?: string
  line?: number
  column?: number
}

/** What an online build produced: manifest entries and, per key, the source files it read. */
export interface OnlineResult {
  entries: Map<string, string>
  sources: Map<string, string[]>
}

export interface OnlineApi {
  templates: TemplateSource[]
  onResult: (result: OnlineResult) => void
}

/**
 * A companion plugin for compressing blocks of served pages through the same pipeline as
 * `vite build` (used by the runtime's online mode): the compressor plugin builds these blocks
 * instead of the templates, and reports its manifest entries instead of writing a manifest.
 */
export function onlineBlocks(blocks: readonly RenderedBlock[], onResult: (result: OnlineResult) => void): Plugin {
  const templates = blocks.map((b, i): TemplateSource => {
    const file = b.template ?? `<online block ${i + 1}>`
    const line = Math.max(1, b.line ?? 1)
    const column = Math.max(1, b.column ?? 1)
    // The text is padded so that offsets in it are places in the template (for messages); the
    // block is given as it is, never searched for again (rendered text may hold `{% … %}`).
    const padding = `${'\n'.repeat(line - 1)}${' '.repeat(column - 1)}`
    const block: Block = {
      kind: b.kind,
      mode: b.mode,
      name: b.name,
      syntax: 'tag',
      tag: openTag(b),
      start: padding.length,
      end: padding.length + b.content.length,
      contentStart: padding.length,
      contentEnd: padding.length + b.content.length,
      content: b.content,
      loc: { file, line, column },
    }
    return { file, source: padding + b.content, rendered: true, blocks: [block] }
  })
  const api: OnlineApi = { templates, onResult }
  return { name: ONLINE_PLUGIN, apply: 'build', api }
}

/** The opening tag as a template would write it (for messages): `{% compress css %}`, `{% compress js inline %}`. */
function openTag(b: RenderedBlock): string {
  const mode = b.mode === 'file' && !b.name ? '' : ` ${b.mode}`
  return `{% compress ${b.kind}${mode}${b.name ? ` ${b.name}` : ''} %}`
}
