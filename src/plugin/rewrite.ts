import path from 'node:path'
import MagicString from 'magic-string'
import { CompressorError } from '../core/errors.js'
import { fillUrl } from '../core/manifest.js'
import type { TemplateBlocks } from './plan.js'

/** A template's text as read, and how to write it back byte for byte. */
export interface TemplateText {
  text: string
  encoding: 'utf8' | 'latin1'
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes a template as UTF-8, or as latin-1 when it is not valid UTF-8 (so its bytes round-trip). */
export function decodeTemplate(bytes: Uint8Array): TemplateText {
  try {
    return { text: UTF8.decode(bytes), encoding: 'utf8' }
  } catch {
    return { text: Buffer.from(bytes).toString('latin1'), encoding: 'latin1' }
  }
}

export function encodeTemplate(t: TemplateText): Buffer {
  return Buffer.from(t.text, t.encoding)
}

/**
 * The manifest key each block of a template is replaced by. A block whose content differs between
 * offline contexts has no single replacement: those are collected into one error naming them.
 */
export function blockKeys(template: TemplateBlocks): string[] {
  const ambiguous = template.blocks.filter((b) => new Set(b.keys).size > 1)
  if (ambiguous.length > 0) {
    const list = ambiguous.map((b) => `${b.loc.file}:${b.loc.line}:${b.loc.column} ${b.tag}`).join(', ')
    throw new CompressorError(
      'OUTPUT',
      `cannot rewrite ${template.file}: these blocks render differently in each offline context, so no one output replaces them: ${list}. ` +
        'Give this build a single `context`, or serve these templates with a runtime',
    )
  }
  return template.blocks.map((b) => b.keys[0] as string)
}

/**
 * A template with each compress block replaced by its output HTML (URL filled with `base`);
 * every byte outside the blocks stays as it was.
 */
export function rewriteTemplate(
  source: string,
  template: TemplateBlocks,
  manifest: ReadonlyMap<string, string>,
  base: string,
): string {
  const keys = blockKeys(template)
  const s = new MagicString(source)
  template.blocks.forEach((block, i) => {
    const html = manifest.get(keys[i] as string) ?? ''
    if (html === '') s.remove(block.start, block.end)
    else s.overwrite(block.start, block.end, fillUrl(html, base))
  })
  return s.toString()
}

/** The static URL as seen from an HTML file at `fileName` (under outDir) when Vite's base is relative. */
export function relativeBase(fileName: string): string {
  const depth = fileName.split('/').length - 1
  return depth === 0 ? './' : '../'.repeat(depth)
}

/** The marker transformIndexHtml leaves for a block in a Vite HTML entry, replaced in the built HTML. */
export const MARKER = /<!--vite-compressor:([0-9a-f]{64}(?::[^>]*?)?)-->/g

export function isRelativeBase(base: string): boolean {
  return base === '' || base === './'
}

/** The `.html` files among Rollup's inputs, relative to the root. */
export function htmlInputs(input: unknown, root: string): string[] {
  const list = typeof input === 'string' ? [input] : Array.isArray(input) ? input : input && typeof input === 'object' ? Object.values(input) : []
  return list
    .filter((f): f is string => typeof f === 'string' && f.endsWith('.html'))
    .map((f) => path.relative(root, path.resolve(root, f)).split(path.sep).join('/'))
}

