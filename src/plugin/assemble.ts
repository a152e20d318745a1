import path from 'node:path'
import type { ResolvedConfig, Rollup } from 'vite'
import { CompressorError } from '../core/errors.js'
import { type OutputPart, renderBlockHtml } from '../core/html.js'
import { hashedPart, sha256Hex } from '../core/key.js'
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

/** What the build plugin knows when the bundle is written, for {@link assemble}. */
export interface AssembleState {
  config: ResolvedConfig
  opts: ResolvedOptions
  /** Online mode: outputs are not compared with outDir. */
  online: boolean
  /** Our CSS entries' ids, and the CSS asset files Vite made of each. */
  cssEntries: ReadonlySet<string>
  cssOfEntry: ReadonlyMap<string, string[]>
  /** Module group entries' ids. */
  moduleEntries: ReadonlyMap<string, string>
  /** Classic scripts' text by path, and minified scripts kept across builds. */
  scriptTexts: ReadonlyMap<string, string>
  minifiedScripts: Map<string, Promise<{ code: string; map?: SourceMap | null }>>
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
  ctx: { emitFile: (f: { type: 'asset'; fileName: string; source: string }) => string },
  bundle: OutputBundle,
  current: Plan,
  state: AssembleState,
): Promise<{ entries: [string, string][]; files: { fileName: string; source: string }[] }> {
  const { config, opts, online, cssEntries, cssOfEntry, moduleEntries, scriptTexts, minifiedScripts, cssId } = state
  const minified = Boolean(config.build.minify)
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

  const vite = await import('vite')
  const minifier: ScriptMinifier | undefined = minified ? makeMinifier(vite) : undefined
  const check = (code: string): readonly OxcLikeError[] =>
    typeof vite.parseSync === 'function' ? vite.parseSync('script.js', code, { sourceType: 'script' }).errors : []

  const emittedFiles = new Map<string, string>()
  const outDir = online || config.build.write === false ? undefined : path.resolve(config.root, config.build.outDir)
  const emit = (fileName: string, source: string) => {
    if (emittedFiles.has(fileName)) return
    emittedFiles.set(fileName, source)
    // Already in outDir with these bytes (a rebuild): not written again, never rewritten in place.
    if (outDir && sameFile(path.join(outDir, fileName), Buffer.from(source))) return
    ctx.emitFile({ type: 'asset', fileName, source })
  }
  const sourcemap = config.build.sourcemap
  const jsDir = path.join(path.resolve(config.root, config.build.outDir), opts.outputDir, 'js')
  const mapName = (file: string) => path.relative(jsDir, file).split(path.sep).join('/')
  type Built = { text: string; map?: SourceMap; css?: string[]; imports: number; fileName?: string }
  const content = new Map<string, Built>()
  const groupContent = async (block: PlannedBlock, group: PlannedGroup) => {
    const cached = content.get(group.signature)
    if (cached) return cached
    let result: Built
    if (group.kind === 'css') {
      const pieces = group.sources.map((s) => builtCss.get(cssId(s)) as BuiltCss)
      result = { text: assembleCss(pieces, opts.outputDir, cssMinified), imports: 0 }
    } else if (!group.module) {
      const pieces = group.sources.map(
        (s): ScriptPiece => ({
          code: s.type === 'file' ? (scriptTexts.get(s.path) as string) : s.content,
          origin: s.type === 'file' ? relativeTo(config.root, s.path) : undefined,
          loc: s.loc,
          contentLoc: s.type === 'inline' ? s.contentLoc : undefined,
          mapName: mapName(s.type === 'file' ? s.path : path.join(config.root, s.loc.file)),
        }),
      )
      const r = await minifyScripts(pieces, minifier, check, block.tag, minifiedScripts, Boolean(sourcemap))
      result = { text: r.code, map: r.map, imports: 0 }
    } else {
      const chunk = modules.get(state.moduleId(group.signature)) as OutputChunk
      const css = cssOf(chunk)
      const imports = chunk.imports.length + chunk.dynamicImports.length
      if (kept.has(chunk.fileName)) {
        result = { text: chunk.code, css, imports, fileName: chunk.fileName }
      } else {
        const code = chunk.code.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n')
        const map = chunk.map ? (JSON.parse(chunk.map.toString()) as SourceMap) : undefined
        result = { text: code, map, css, imports }
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
      const hash = sha256Hex(hashedPart(Buffer.from(built.text)))
      const fileName = built.fileName ?? outputFileName(opts.outputDir, block.kind, block.name, hash)
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
        content: (block.kind === 'css' ? inlineCss(built.text, opts.outputDir) : built.text).trimEnd(),
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
  const files = [...emittedFiles]
    .map(([fileName, source]) => ({ fileName, source }))
    .sort((a, b) => (a.fileName < b.fileName ? -1 : 1))
  return { entries, files }
}
