import { type Block, findBlocks, type Kind, type Mode } from '../core/blocks.js'
import type { SourceLocation } from '../core/errors.js'
import { blockItems, type Group, groupItems, type Item } from '../core/items.js'
import { offlineKey, sha256Hex } from '../core/key.js'
import { LineIndex } from '../core/position.js'
import { qualifiedKey } from '../core/qualified.js'
import { type OfflineContext, renderBody } from './context.js'
import type { StaticFile } from './static.js'

/** A stylesheet or script the build reads: a static file, or the body of a `<style>`/`<script>`. */
export type Source =
  | { type: 'file'; path: string; name: string; url: string; loc: SourceLocation }
  | { type: 'inline'; content: string; id: string; loc: SourceLocation; contentLoc: SourceLocation }

/** A run of items that becomes one output file, or a tag kept as written. */
export interface PlannedGroup {
  kind: Kind
  media: string | null
  extra: '' | ' async' | ' defer'
  module: boolean
  sources: Source[]
  /** The element as written, for a passthrough (external) item. */
  passthrough?: string
  /** Attributes every item of the group shares and that keep their meaning on the output tag. */
  attrs: [string, string | null][]
  /** Identity of the output: equal signatures build to the same file. */
  signature: string
}

/** A block as it will be looked up: one per distinct rendered content (and kind/mode/name). */
export interface PlannedBlock {
  key: string
  kind: Kind
  mode: Mode
  name: string | undefined
  tag: string
  loc: SourceLocation
  groups: PlannedGroup[]
}

export interface Plan {
  blocks: PlannedBlock[]
  /** Blocks found in templates, counting each template once per context variant. */
  found: number
  templates: number
  warnings: string[]
  /** Where each block stands in each template, and its manifest key per offline context. */
  occurrences: TemplateBlocks[]
}

/** The blocks of one template, with their spans in its original text. */
export interface TemplateBlocks {
  file: string
  blocks: {
    start: number
    end: number
    tag: string
    loc: SourceLocation
    /** The manifest key in each offline context, in the order of `contexts`. */
    keys: string[]
  }[]
}

export interface PlanOptions {
  staticUrl: string
  contexts: readonly OfflineContext[]
  external: 'error' | 'keep'
  resolve: (url: string, where: { loc: SourceLocation; block: string }) => StaticFile
  /** Called with each block when it is first planned, so work on its files can start at once. */
  onPlanned?: (block: PlannedBlock) => void
}

export interface TemplateSource {
  /** Path relative to the Vite root, with `/`: it appears in messages, never in outputs. */
  file: string
  source: string
  /** Block bodies are already rendered (online compression of a served page): take them as they are. */
  rendered?: boolean
  /** The blocks, when known (online compression): the source is not searched for blocks again. */
  blocks?: Block[]
}

/**
 * From templates to the blocks to build: find blocks, render each with every offline context,
 * key them as django-compressor does, and resolve their items. Deterministic: the result depends
 * on the templates' paths and text, not on the order they were found in.
 */
export function planBuild(templates: readonly TemplateSource[], opts: PlanOptions): Plan {
  const sorted = [...templates].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
  const byKey = new Map<string, PlannedBlock>()
  const warnings: string[] = []
  const occurrences: TemplateBlocks[] = []
  const missingWarned = new Set<string>()
  /** Keys of bodies that use no variable, by context (and rendered or not), then body: the same text keys the same. */
  const keyOfBody = new Map<string, Map<string, string>>()
  let found = 0
  for (const template of sorted) {
    const lines = new LineIndex(template.source)
    const blocks = template.blocks ?? findBlocks(template.source, template.file, { lines })
    if (blocks.length === 0) continue
    const spots = blocks.map((b) => ({ start: b.start, end: b.end, tag: b.tag, loc: b.loc, keys: [] as string[] }))
    occurrences.push({ file: template.file, blocks: spots })
    for (const [contextIndex, context] of opts.contexts.entries()) {
      for (const [index, block] of blocks.entries()) {
        found++
        // Most blocks repeat a body seen in another template: its key is known without rendering.
        const bodiesId = `${contextIndex}:${template.rendered ? 1 : 0}`
        let forContext = keyOfBody.get(bodiesId)
        if (!forContext) {
          forContext = new Map()
          keyOfBody.set(bodiesId, forContext)
        }
        const bodies = forContext
        const render = () => {
          const rendered = renderBlock(block, context, lines, template, opts, (name, loc) => {
            const id = `${loc.file}:${loc.line}:${name}`
            if (!missingWarned.has(id)) {
              missingWarned.add(id)
              warnings.push(`${loc.file}:${loc.line}:${loc.column}: {{ ${name} }} is not in the offline context; rendered as ''`)
            }
          })
          if (rendered.variables.length === 0) bodies.set(block.content, rendered.key)
          return rendered
        }
        const known = bodies.get(block.content)
        let rendered: RenderedBlock | undefined = known === undefined ? render() : undefined
        const key0 = known ?? (rendered as RenderedBlock).key
        // A block seen before (same key, kind, mode and name) is not planned again: its items,
        // files and outputs are the same.
        const existing = byKey.get(key0)
        let key = key0
        if (!existing) {
          rendered ??= render()
          const planned = planItems(block, rendered, opts)
          byKey.set(key0, planned)
          opts.onPlanned?.(planned)
        } else if (existing.kind !== block.kind || existing.mode !== block.mode || existing.name !== block.name) {
          const id = qualifiedKey(key0, block.kind, block.mode, block.name)
          key = id
          if (!byKey.has(id)) {
            rendered ??= render()
            const planned = planItems(block, rendered, opts)
            byKey.set(id, planned)
            opts.onPlanned?.(planned)
            warnings.push(
              `${planned.loc.file}:${planned.loc.line}:${planned.loc.column}: ${planned.tag} has the same content as ` +
                `${existing.tag} at ${existing.loc.file}:${existing.loc.line}; django-compressor can't tell them apart ` +
                '(its manifest keeps the first); our runtime renders each correctly',
            )
          }
        }
        spots[index]?.keys.push(key)
      }
    }
  }
  for (const [id, block] of byKey) if (id !== block.key) block.key = id
  for (const block of byKey.values()) {
    if (block.groups.length === 0) {
      warnings.push(
        `${block.loc.file}:${block.loc.line}:${block.loc.column}: ${block.tag} block has no ${block.kind === 'css' ? '<link rel="stylesheet"> or <style>' : '<script>'} to compress; it renders as nothing`,
      )
    }
  }
  const blocks = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return { blocks, found, templates: sorted.length, warnings, occurrences }
}

interface RenderedBlock {
  text: string
  variables: string[]
  key: string
  itemLoc: (offset: number) => SourceLocation
}

/** A block's body rendered with one context, and its key. */
function renderBlock(
  block: Block,
  context: OfflineContext,
  lines: LineIndex,
  template: TemplateSource,
  opts: PlanOptions,
  onMissing: (name: string, loc: SourceLocation) => void,
): RenderedBlock {
  const file = template.file
  const locate = (offset: number): SourceLocation => ({ file, ...lines.locate(block.contentStart + offset) })
  // Django and Jinja2 read templates with universal newlines: keys are computed on `\n` text.
  const body = block.content.includes('\r') ? block.content.replace(/\r\n?/g, '\n') : block.content
  const { text, variables } = template.rendered
    ? { text: body, variables: [] }
    : renderBody(body, { context, staticUrl: opts.staticUrl, locate, block: block.tag, onMissing })
  // Offsets in the rendered text match the template's only where nothing was substituted before
  // them; for messages the block's own line is a safe fallback.
  const itemLoc = (offset: number): SourceLocation =>
    variables.length === 0 && text === body && body === block.content ? locate(offset) : block.loc
  return { text, variables, key: offlineKey(text, opts.staticUrl), itemLoc }
}

/** A rendered block's items, resolved and grouped into outputs. */
function planItems(block: Block, rendered: RenderedBlock, opts: PlanOptions): PlannedBlock {
  const { text, itemLoc } = rendered
  const { items } = blockItems(block.kind, text)
  const external = (item: Item) => item.source === 'file' && !(item.url as string).startsWith(opts.staticUrl)
  if (opts.external === 'error') {
    for (const item of items) {
      if (external(item)) opts.resolve(item.url as string, { loc: itemLoc(item.element.start), block: block.tag })
    }
  }
  const groups = groupItems(items, opts.external === 'keep' ? external : undefined).map((g) =>
    planGroup(block, g, text, itemLoc, opts),
  )
  return {
    key: rendered.key,
    kind: block.kind,
    mode: block.mode,
    name: block.name,
    tag: block.tag,
    loc: block.loc,
    groups,
  }
}

/** Attributes that mean the same on the output tag: `id` (one item only), `crossorigin`, `referrerpolicy`, `data-*`. */
const CARRIED = /^(?:id|crossorigin|referrerpolicy|data-[\w.:-]+)$/

/** The carried attributes that every item of a group has, with the same value, in the first item's order. */
export function carriedAttrs(items: readonly Item[]): [string, string | null][] {
  const first = items[0]
  if (!first) return []
  const out: [string, string | null][] = []
  for (const [name, value] of first.element.attrs) {
    if (!CARRIED.test(name) || (name === 'id' && items.length > 1)) continue
    if (items.every((it) => it.element.attrs.has(name) && it.element.attrs.get(name) === value)) out.push([name, value])
  }
  return out
}

function planGroup(
  block: Block,
  group: Group,
  text: string,
  itemLoc: (offset: number) => SourceLocation,
  opts: PlanOptions,
): PlannedGroup {
  const base = { kind: block.kind, media: group.media, extra: group.extra, module: group.module, attrs: carriedAttrs(group.items) }
  if (group.passthrough) {
    const el = (group.items[0] as Item).element
    const html = text.slice(el.start, el.end)
    return { ...base, sources: [], passthrough: html, signature: `passthrough:${html}` }
  }
  const sources = group.items.map((item): Source => {
    const loc = itemLoc(item.element.start)
    if (item.source === 'file') {
      const file = opts.resolve(item.url as string, { loc, block: block.tag })
      return { type: 'file', path: file.path, name: file.name, url: item.url as string, loc }
    }
    const content = item.content as string
    const contentLoc = itemLoc(text.indexOf('>', item.element.start) + 1)
    return { type: 'inline', content, id: sha256Hex(content).slice(0, 16), loc, contentLoc }
  })
  const ids = sources.map((s) => (s.type === 'file' ? `f:${s.name}` : `i:${s.id}`))
  const signature = sha256Hex(JSON.stringify([block.kind, group.module, group.media, group.extra, ids])).slice(0, 16)
  return { ...base, sources, signature }
}

/** The static files each block reads, for noticing changes (online mode). */
export function sourcesByKey(plan: Plan): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const block of plan.blocks) {
    const files = block.groups.flatMap((g) => g.sources.flatMap((s) => (s.type === 'file' ? [s.path] : [])))
    out.set(block.key, [...new Set(files)].sort())
  }
  return out
}

