import fs from 'node:fs'
import path from 'node:path'
import type { ResolvedConfig, Rollup } from 'vite'
import { CompressorError } from '../core/errors.js'
import { type OutputPart, renderBlockHtml } from '../core/html.js'
import { sha256Hex } from '../core/key.js'
import { assetKey, type DirectAsset, type DirectCss, finalCss } from './css-direct.js'
import { assembleCss, type BuiltCss, inlineCss, integrity, outputFileName, posixDir } from './bundle.js'
import { relativeTo, sameFile } from './checks.js'
import {
  makeMinifier,
  minifyScripts,
  type OxcLikeError,
  type ScriptMinifier,
  type ScriptPiece,
  type SourceMap,
} from './js.js'
import type { ResolvedOptions } from './options.js'
import type { Plan, PlannedBlock, PlannedGroup, Source } from './plan.js'

type OutputBundle = Rollup.OutputBundle
type OutputChunk = Rollup.OutputChunk

/** A group's output text joined from its pieces (whose texts are `inputs`), and its hash. */
export interface Joined {
  inputs: readonly string[]
  text: string
  hash: string
  map?: SourceMap
}

/** Kept across watch-mode builds by the plugin: see {@link AssembleState.memo}. */
export interface AssembleMemo {
  groups: Map<string, Joined>
  written: Map<string, string>
  /** Outputs as the last self-check found them on disk (size and mtime), by file name; `written`
   * is what those builds wrote, set only once their self-check passed. */
  checked: Map<string, { size: number; mtimeMs: number }>
}

/** What the build plugin knows when the bundle is written, for {@link assemble}. */
export interface AssembleState {
  config: ResolvedConfig
  opts: ResolvedOptions
  /** Online mode: outputs are not compared with outDir. */
  online: boolean
  /** Our CSS entries' ids, and the CSS asset files Vite made of each. */
  cssEntries: ReadonlySet<string>
  cssOfEntry: ReadonlyMap<string, string[]>
  /** Stylesheets built by the direct path (css-direct.ts), and their assets. */
  directCss: ReadonlyMap<string, DirectCss>
  directAssets: ReadonlyMap<string, DirectAsset>
  /** Module group entries' ids. */
  moduleEntries: ReadonlyMap<string, string>
  /** Classic scripts' (and stylesheets') text by path, and minified scripts kept across builds. */
  scriptTexts: ReadonlyMap<string, string>
  minifiedScripts: Map<string, Promise<{ code: string; map?: SourceMap | null }>>
  /** Classic-script groups of this build joined (or being joined), by signature: see {@link scriptGroup}. */
  scriptGroups: Map<string, Promise<Joined>>
  /**
   * Watch mode: what the previous build assembled (by group) and wrote (by file name), so a rebuild
   * joins and hashes only the groups whose pieces changed, and reads back no unchanged output.
   */
  memo?: AssembleMemo
  cssId: (source: Source) => string
  moduleId: (signature: string) => string
  emptyId: string
}

/**
 * From the bundle Vite made to our outputs: each group's CSS joined from its built stylesheets,
 * classic scripts minified and joined, module entries renamed by content; each block's HTML.
 * Removes our intermediate entries from the bundle and emits the outputs (and their maps).
 */
export async function assemble(
  ctx: {
    emitFile: (f: { type: 'asset'; fileName: string; source: string }) => string
    getFileName: (referenceId: string) => string
  },
  bundle: OutputBundle,
  current: Plan,
  state: AssembleState,
): Promise<{ entries: [string, string][]; files: { fileName: string; source: string }[] }> {
  const { config, opts, online, cssEntries, cssOfEntry, moduleEntries, cssId } = state
  const cssMinified = Boolean(config.build.cssMinify ?? config.build.minify)
  // 1. What Vite built for each CSS entry; the entries themselves are ours to remove.
  const builtCss = new Map<string, BuiltCss>()
  const consumed = new Set<string>()
  for (const facade of cssEntries) {
    const files = cssOfEntry.get(facade) ?? []
    const css = files.map((f) => String((bundle[f] as { source?: string | Uint8Array } | undefined)?.source ?? ''))
    builtCss.set(facade, { css: css.join(cssMinified ? '' : '\n'), dir: posixDir(files[0] ?? 'assets/x.css') })
    for (const f of files) consumed.add(f)
  }
  // Direct stylesheets: their asset URLs now that Rolldown has named the assets.
  const cssDir = `${opts.outputDir}/css`
  for (const [id, direct] of state.directCss) {
    const css = finalCss(direct, (ref) => {
      if (ref.type === 'text') return ref.url
      const asset = state.directAssets.get(assetKey(ref)) as DirectAsset
      if ('dataUrl' in asset) return asset.dataUrl
      const rel = path.posix.relative(cssDir, ctx.getFileName(asset.refId))
      // As Vite writes asset URLs in CSS: the path URI-encoded, the query and fragment as written.
      return encodeURI(rel.startsWith('.') ? rel : `./${rel}`) + ref.suffix
    })
    builtCss.set(id, { css, dir: cssDir })
  }
  for (const [fileName, item] of Object.entries(bundle)) {
    const facade = item.type === 'chunk' ? item.facadeModuleId : null
    if (facade && (cssEntries.has(facade) || facade === state.emptyId)) consumed.add(fileName)
  }
  const modules = new Map<string, OutputChunk>()
  // An entry chunk another chunk imports (a lazy chunk sharing its code) keeps Rolldown's name:
  // renaming it would break that import.
  const imported = new Set<string>()
  for (const item of Object.values(bundle)) {
    if (item.type === 'chunk') for (const f of [...item.imports, ...item.dynamicImports]) imported.add(f)
  }
  const kept = new Set<string>()
  for (const item of Object.values(bundle)) {
    if (item.type === 'chunk' && item.facadeModuleId && moduleEntries.has(item.facadeModuleId)) {
      modules.set(item.facadeModuleId, item)
      if (imported.has(item.fileName)) kept.add(item.fileName)
      else consumed.add(item.fileName)
    }
  }
  /** The stylesheets a chunk needs: those of the chunks it imports first, then its own. */
  const cssOf = (chunk: OutputChunk, seen = new Set<string>()): string[] => {
    if (seen.has(chunk.fileName)) return []
    seen.add(chunk.fileName)
    const deps = chunk.imports.flatMap((f) => {
      const dep = bundle[f]
      return dep?.type === 'chunk' ? cssOf(dep, seen) : []
    })
    const own = [...((chunk as { viteMetadata?: { importedCss?: Set<string> } }).viteMetadata?.importedCss ?? [])]
    return [...new Set([...deps, ...own])]
  }
  for (const f of consumed) {
    delete bundle[f]
    delete bundle[`${f}.map`]
  }

  const { minifier, check } = await scriptTools(config)

  const emittedFiles = new Map<string, string>()
  const memo = state.memo
  /** What the previous watch build wrote there, still there with its size; else compared byte for byte. */
  const unchanged = (file: string, fileName: string, source: string) => {
    const checked = memo?.checked.get(fileName)
    if (checked && memo?.written.get(fileName) === source) {
      // As the last self-check found it: same size, not modified since.
      const stat = fs.statSync(file, { throwIfNoEntry: false })
      return stat?.size === checked.size && stat.mtimeMs === checked.mtimeMs
    }
    return sameFile(file, source)
  }
  const outDir = online || config.build.write === false ? undefined : path.resolve(config.root, config.build.outDir)
  const emit = (fileName: string, source: string) => {
    if (emittedFiles.has(fileName)) return
    emittedFiles.set(fileName, source)
    // Already in outDir with these bytes (a rebuild): not written again, never rewritten in place.
    if (outDir && unchanged(path.join(outDir, fileName), fileName, source)) return
    ctx.emitFile({ type: 'asset', fileName, source })
  }
  const sourcemap = config.build.sourcemap
  type Built = { text: string; hash: string; map?: SourceMap; css?: string[]; imports: number; fileName?: string }
  const content = new Map<string, Built>()
  const groupContent = async (block: PlannedBlock, group: PlannedGroup) => {
    const cached = content.get(group.signature)
    if (cached) return cached
    let result: Built
    if (group.kind === 'css') {
      const pieces = group.sources.map((s) => builtCss.get(cssId(s)) as BuiltCss)
      const inputs = pieces.flatMap((p) => [p.dir, p.css])
      const made = await joinGroup(memo, group.signature, inputs, async () => ({
        code: assembleCss(pieces, opts.outputDir, cssMinified),
      }))
      result = { text: made.text, hash: made.hash, imports: 0 }
    } else if (!group.module) {
      const made = await scriptGroup(block, group, state, { minifier, check })
      result = { text: made.text, hash: made.hash, map: made.map, imports: 0 }
    } else {
      const chunk = modules.get(state.moduleId(group.signature)) as OutputChunk
      const css = cssOf(chunk)
      const imports = chunk.imports.length + chunk.dynamicImports.length
      if (kept.has(chunk.fileName)) {
        result = { text: chunk.code, hash: '', css, imports, fileName: chunk.fileName }
      } else {
        const code = chunk.code.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n')
        const map = chunk.map ? (JSON.parse(chunk.map.toString()) as SourceMap) : undefined
        result = { text: code, hash: sha256Hex(code), map, css, imports }
      }
    }
    content.set(group.signature, result)
    return result
  }

  const entries: [string, string][] = []
  for (const block of current.blocks) {
    const parts: OutputPart[] = []
    for (const group of block.groups) {
      if (group.passthrough !== undefined) {
        parts.push({ type: 'passthrough', html: group.passthrough })
        continue
      }
      const built = await groupContent(block, group)
      if (block.mode === 'inline' && (built.imports > 0 || (built.css?.length ?? 0) > 0)) {
        throw new CompressorError(
          'OUTPUT',
          'a module script that imports shared chunks or stylesheets cannot be inlined; use file mode for this block',
          { loc: block.loc, block: block.tag },
        )
      }
      const fileName = built.fileName ?? outputFileName(opts.outputDir, block.kind, block.name, built.hash)
      // The map is named after the file; the file's hash is taken before its map comment.
      let final = built.text
      if (built.map && sourcemap && block.mode !== 'inline' && !built.fileName) {
        const base = path.posix.basename(fileName)
        const map = JSON.stringify({ ...built.map, file: base })
        if (sourcemap === 'inline') {
          final += `//# sourceMappingURL=data:application/json;base64,${Buffer.from(map).toString('base64')}\n`
        } else {
          emit(`${fileName}.map`, map)
          if (sourcemap === true) final += `//# sourceMappingURL=${base}.map\n`
        }
      }
      if (block.mode !== 'inline' && !built.fileName) emit(fileName, final)
      parts.push({
        type: 'output',
        path: fileName,
        // Only inline blocks write the content into the page.
        content:
          block.mode === 'inline'
            ? (block.kind === 'css' ? inlineCss(built.text, opts.outputDir) : built.text).trimEnd()
            : '',
        media: group.media,
        extra: group.extra,
        module: group.module,
        css: built.css,
        attrs: group.attrs,
        integrity: opts.sri && block.mode === 'file' ? integrity(opts.sri, final) : undefined,
      })
    }
    entries.push([block.key, renderBlockHtml(block.kind, block.mode, parts)])
  }
  if (memo) {
    for (const signature of memo.groups.keys()) if (!content.has(signature)) memo.groups.delete(signature)
  }
  const files = [...emittedFiles]
    .map(([fileName, source]) => ({ fileName, source }))
    .sort((a, b) => (a.fileName < b.fileName ? -1 : 1))
  return { entries, files }
}

/** A classic-script group's pieces: text, and names for messages and source maps. */
function scriptPieces(group: PlannedGroup, state: Pick<AssembleState, 'config' | 'opts' | 'scriptTexts'>): ScriptPiece[] {
  const { config, opts } = state
  const jsDir = path.join(path.resolve(config.root, config.build.outDir), opts.outputDir, 'js')
  // Names in source maps, when there are maps.
  const mapName = (file: string) =>
    config.build.sourcemap ? path.relative(jsDir, file).split(path.sep).join('/') : undefined
  return group.sources.map((s) => ({
    code: s.type === 'file' ? (state.scriptTexts.get(s.path) as string) : s.content,
    origin: s.type === 'file' ? relativeTo(config.root, s.path) : undefined,
    loc: s.loc,
    contentLoc: s.type === 'inline' ? s.contentLoc : undefined,
    mapName: mapName(s.type === 'file' ? s.path : path.join(config.root, s.loc.file)),
  }))
}

/** Vite's minifier for classic scripts (none when build.minify is off), and a strict syntax check. */
export async function scriptTools(
  config: ResolvedConfig,
): Promise<{ minifier: ScriptMinifier | undefined; check: (code: string) => readonly OxcLikeError[] }> {
  const vite = await import('vite')
  return {
    minifier: config.build.minify ? makeMinifier(vite) : undefined,
    check: (code) =>
      typeof vite.parseSync === 'function' ? vite.parseSync('script.js', code, { sourceType: 'script' }).errors : [],
  }
}

/**
 * A group's text joined from its pieces, or the previous watch build's when the pieces are the same
 * texts. Its name hashes the text: a source map comment is only added after (verify's hashedPart
 * leaves it out again), and the texts never end with one of their own (the self-check sees to it).
 */
async function joinGroup(
  memo: AssembleMemo | undefined,
  signature: string,
  inputs: string[],
  join: () => Promise<{ code: string; map?: SourceMap }>,
): Promise<Joined> {
  const last = memo?.groups.get(signature)
  if (last && last.inputs.length === inputs.length && last.inputs.every((x, i) => x === inputs[i])) return last
  const { code, map } = await join()
  const made = { inputs, text: code, hash: sha256Hex(code), map }
  memo?.groups.set(signature, made)
  return made
}

type ScriptState = Pick<AssembleState, 'config' | 'opts' | 'scriptTexts' | 'minifiedScripts' | 'scriptGroups' | 'memo'>

/**
 * A classic-script group minified (each script once per build, through `minifiedScripts`), joined
 * and hashed — once per build through `scriptGroups`, whoever asks first.
 */
function scriptGroup(
  block: PlannedBlock,
  group: PlannedGroup,
  state: ScriptState,
  tools: Awaited<ReturnType<typeof scriptTools>>,
): Promise<Joined> {
  let job = state.scriptGroups.get(group.signature)
  if (!job) {
    const pieces = scriptPieces(group, state)
    const inputs = pieces.flatMap((p) => [p.code, p.mapName ?? ''])
    const sourcemap = Boolean(state.config.build.sourcemap)
    job = joinGroup(state.memo, group.signature, inputs, () =>
      minifyScripts(pieces, tools.minifier, tools.check, block.tag, state.minifiedScripts, sourcemap),
    )
    job.catch(() => {}) // reported by whoever awaits it
    state.scriptGroups.set(group.signature, job)
  }
  return job
}

/**
 * Starts minifying and joining every classic-script group of these blocks, so the work runs (on
 * other threads, then as each group's scripts are done) while the build goes on; assembling then
 * finds it done. Without a minifier there is nothing to start early.
 */
export function startScripts(blocks: Iterable<PlannedBlock>, state: ScriptState, tools: Awaited<ReturnType<typeof scriptTools>>): void {
  if (!tools.minifier) return
  for (const block of blocks) {
    for (const group of block.groups) {
      if (group.kind !== 'js' || group.module || group.passthrough !== undefined) continue
      scriptGroup(block, group, state, tools)
    }
  }
}
