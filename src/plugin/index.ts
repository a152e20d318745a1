import fs from 'node:fs'
import path from 'node:path'
import type { Plugin, ResolvedConfig, Rollup, UserConfig } from 'vite'
import { findBlocks } from '../core/blocks.js'
import { CompressorError } from '../core/errors.js'
import { sha256Hex } from '../core/key.js'
import { fillUrl, serializeManifest } from '../core/manifest.js'
import { type AssembleMemo, assemble, type Joined, scriptTools, startScripts } from './assemble.js'
import { blockUsers, filesNamedBy, usersOf } from './blame.js'
import {
  CHECK_CSS_LIMIT,
  checkCss,
  checkLatin1Template,
  checkOutputDirs,
  dropUnchanged,
  readBlockSources,
  relativeTo,
} from './checks.js'
import { type DirectResult, directCssBlocker } from './css-direct.js'
import { confineCssRefs } from './css-refs.js'
import { devPlugin } from './dev.js'
import type { SourceMap } from './js.js'
import { ONLINE_PLUGIN, type OnlineApi } from './online.js'
import { type CompressorOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { type Plan, type PlannedBlock, planBuild, type Source, sourcesByKey } from './plan.js'
import {
  blockKeys,
  decodeTemplate,
  encodeTemplate,
  htmlInputs,
  isRelativeBase,
  MARKER,
  relativeBase,
  rewriteTemplate,
  type TemplateText,
} from './rewrite.js'
import { pathUnderGlob, scanTemplates } from './scan.js'
import { resolveStaticUrl, type StaticRoots } from './static.js'
import { formatSummary, type SummaryFile, sizesOf } from './summary.js'
import { hasBundlerPlugins, othersMayChangeOutputs, pluginSeeing } from './plugins.js'
import { aboutStylesheet, type CssUser, cssSyntaxError, DirectStylesheets } from './stylesheets.js'
import { writeFileAtomic } from './write.js'

type ChunkInfo = Rollup.PreRenderedChunk
type FileNames = string | ((chunk: ChunkInfo) => string)

export type { CompressorOptions } from './options.js'

const STYLE = '__vite-compressor-style-'
const MODULE = 'vc-module:'
const INLINE = 'vc-inline:'
const MODULE_NAME = 'vc-module-'
/** An empty entry, so a build with only classic scripts still has an input; removed from the output. */
const EMPTY = 'vc-empty:entry.js'

/**
 * The vite-compressor plugin: at `vite build`, finds `{% compress %}` blocks in templates, builds
 * what they reference through Vite, and writes django-compressor's offline manifest; under `vite`
 * (dev server), serves the blocks' files to the runtime with hot CSS updates.
 */
export default function compressor(userOptions: CompressorOptions): Plugin[] {
  return [buildPlugin(userOptions), devPlugin(userOptions)]
}

/** The build side of {@link compressor}. */
export function buildPlugin(userOptions: CompressorOptions): Plugin {
  let config: ResolvedConfig
  let opts: ResolvedOptions
  let plan: Plan | undefined
  let noDefaultInput = false
  let userRenderBuiltUrl = false
  /** Another plugin may change our outputs after us: the self-check then reads everything back. */
  let othersChange = false
  let roots: StaticRoots | undefined
  let manifestText: string | undefined
  let summaryFiles: SummaryFile[] = []
  /** Our outputs of this build by file name, for the self-check (dropped after it). */
  let writtenFiles = new Map<string, string>()
  let manifestEntries = new Map<string, string>()
  /** Templates as read (text and encoding), by root-relative path. */
  const templateTexts = new Map<string, TemplateText>()
  let htmlEntries: string[] = []
  /** Watch mode: whether the next build must scan and plan the templates again. */
  let replan = true
  /** Watch mode: files the watcher reported changed since the last build. */
  const changed = new Set<string>()
  /** Set when the runtime compresses blocks of served pages (online mode). */
  let online: OnlineApi | undefined
  /** Inline `<style>` / module bodies by id. */
  const inline = new Map<string, string>()
  /** Module group entries: id → the import lines. */
  const moduleEntries = new Map<string, string>()
  /** Facade ids of our entries → CSS asset file names Vite gave them. */
  const cssOfEntry = new Map<string, string[]>()
  const cssEntries = new Set<string>()
  /** Stylesheets of this build that take Vite's pipeline for a reason of their own, and the reason. */
  const viaVite: string[] = []
  /** CSS entry id → the first block that uses it, to name in syntax errors. */
  const cssUsers = new Map<string, CssUser>()
  /** Classic scripts and stylesheets as read (UTF-8 checked); scripts' minified text. */
  const sourceTexts = new Map<string, string>()
  const minifiedScripts = new Map<string, Promise<{ code: string; map?: SourceMap | null }>>()
  /** Why stylesheets take Vite's CSS pipeline in this build; undefined: the direct path (css-direct.ts). */
  let directBlocker: string | undefined
  /** Stylesheets on the direct path (stylesheets.ts). */
  const direct = new DirectStylesheets(() => ({ config, roots: staticRoots() }))
  /** Classic-script groups of this build, joined or being joined (assemble.ts). */
  const scriptGroups = new Map<string, Promise<Joined>>()
  /** Watch mode: what the previous build assembled and wrote (assemble.ts). */
  const assembleMemo: AssembleMemo = { groups: new Map(), written: new Map(), checked: new Map() }
  /** Strict CSS parses by content hash: a syntax problem, or undefined for none. */
  const checkedCss = new Map<string, ReturnType<typeof checkCss>>()

  const fail = (ctx: { error: (e: Error | string) => never }, err: unknown): never => {
    if (err instanceof CompressorError) ctx.error(err)
    throw err
  }

  return {
    name: 'vite-compressor',
    apply: 'build',
    // Before Vite's resolver: `/static/…` imports are ours to resolve (or refuse).
    enforce: 'pre',

    config(user: UserConfig) {
      const build = user.build ?? {}
      type Bundler = {
        input?: unknown
        output?: { entryFileNames?: FileNames; chunkFileNames?: FileNames } | unknown[]
      }
      const bundler = ((build as { rolldownOptions?: Bundler }).rolldownOptions ?? build.rollupOptions) as
        | Bundler
        | undefined
      // Vite 8 bundles with Rolldown (`rolldownOptions`), Vite 7 with Rollup (`rollupOptions`).
      const key = 'rolldownVersion' in this.meta ? 'rolldownOptions' : 'rollupOptions'
      const output = Array.isArray(bundler?.output) ? undefined : bundler?.output
      const root = path.resolve(user.root ?? process.cwd())
      noDefaultInput = bundler?.input === undefined && !build.lib && !fs.existsSync(path.join(root, 'index.html'))
      const userRender = user.experimental?.renderBuiltUrl
      userRenderBuiltUrl = userRender !== undefined
      return {
        build: {
          // Outputs are content-hashed and the manifest is replaced atomically, so keeping old
          // files is safe and lets running servers keep serving the previous manifest's files.
          emptyOutDir: build.emptyOutDir ?? false,
          cssCodeSplit: true,
          [key]: {
            // Rolldown's comments name modules relative to cwd: the root keeps outputs the same
            // wherever `vite build` is started from.
            ...(key === 'rolldownOptions' && (bundler as { cwd?: string } | undefined)?.cwd === undefined ? { cwd: root } : {}),
            output: {
              // Module entries are written where their output goes, so their relative imports hold.
              // (Rollup names emitted chunks with entryFileNames, Rolldown with chunkFileNames.)
              entryFileNames: placeModules(output?.entryFileNames, build.assetsDir),
              chunkFileNames: placeModules(output?.chunkFileNames, build.assetsDir),
            },
          },
        },
        experimental: {
          // CSS and JS outputs point at their assets relatively, so the same files work under any
          // static URL or CDN chosen at request time.
          renderBuiltUrl(filename, ctx) {
            const own = userRender?.(filename, ctx)
            if (own !== undefined) return own
            if (ctx.hostType === 'css' || ctx.hostType === 'js') return { relative: true }
            return undefined
          },
        },
      }
    },

    configResolved(resolved) {
      config = resolved
      opts = resolveOptions(userOptions, config.root)
      online = config.plugins.find((p) => p.name === ONLINE_PLUGIN)?.api as OnlineApi | undefined
      othersChange = othersMayChangeOutputs(config)
      directBlocker = directCssBlocker({
        mode: opts.cssPipeline,
        root: config.root,
        transformer: config.css.transformer,
        postcss: config.css.postcss,
        cssMinify: config.build.cssMinify,
        cssTarget: config.build.cssTarget,
        lib: config.build.lib,
        userRenderBuiltUrl: userRenderBuiltUrl,
        bundlerPlugins: hasBundlerPlugins(config),
        plugins: config.plugins,
      })
      const outDir = path.resolve(config.root, config.build.outDir)
      if (config.build.emptyOutDir === true) {
        const inside = opts.staticRoots.find((r) => r === outDir || r.startsWith(outDir + path.sep))
        if (inside) {
          throw new CompressorError(
            'OPTIONS',
            `refusing to empty build.outDir ${config.build.outDir}: it contains the static root ${path.relative(config.root, inside) || '.'}; set build.emptyOutDir to false or move the outDir`,
          )
        }
      }
    },

    options(input) {
      if (noDefaultInput) return { ...input, input: [] }
      return undefined
    },

    async buildStart(input) {
      inline.clear()
      moduleEntries.clear()
      cssOfEntry.clear()
      cssEntries.clear()
      viaVite.length = 0
      cssUsers.clear()
      direct.startBuild()
      // Minified scripts are keyed by their text: safe to keep across watch rebuilds.
      if (minifiedScripts.size > 5000) minifiedScripts.clear()
      if (checkedCss.size > 20000) checkedCss.clear()
      manifestText = undefined
      if (!online) {
        try {
          checkOutputDirs(path.resolve(config.root, config.build.outDir), opts.outputDir, config.root)
        } catch (err) {
          fail(this, err)
        }
      }
      // In watch mode, a rebuild caused by a stylesheet or script keeps the plan: only a template
      // (or a file appearing or going away) makes the templates scanned and planned again.
      const reuse = this.meta.watchMode && !replan && plan !== undefined
      replan = false
      // Sources as read are kept across watch rebuilds, but for those the watcher said changed.
      if (reuse) for (const file of changed) sourceTexts.delete(file)
      else sourceTexts.clear()
      changed.clear()
      if (!reuse) {
        const scanned = online
          ? []
          : scanTemplates(config.root, opts.templates, [path.resolve(config.root, config.build.outDir)])
        // Vite HTML entries are templates too: their blocks are replaced in Vite's HTML pipeline.
        htmlEntries = online
          ? []
          : htmlInputs(input.input, config.root).filter((f) => fs.existsSync(path.join(config.root, f)))
        const files = [...new Set([...scanned, ...htmlEntries])].sort()
        if (files.length === 0 && !online) {
          this.warn(
            `no templates matched ${JSON.stringify(opts.templates)} under ${config.root}, and no HTML entry: nothing to compress`,
          )
        }
        templateTexts.clear()
        for (const file of files) templateTexts.set(file, decodeTemplate(fs.readFileSync(path.join(config.root, file))))
      }
      // Files to watch only matter to `vite build --watch`.
      const watch = this.meta.watchMode ? (file: string) => this.addWatchFile(file) : () => {}
      for (const file of templateTexts.keys()) watch(path.join(config.root, file))
      const templates = online?.templates ?? [...templateTexts].map(([file, text]) => ({ file, source: text.text }))
      const tools = await scriptTools(config)
      scriptGroups.clear()
      const memo = this.meta.watchMode && !online ? assembleMemo : undefined
      const scripts = { config, opts, scriptTexts: sourceTexts, minifiedScripts, scriptGroups, memo }
      // Each block's files are read, its scripts start minifying on oxc's threads and its stylesheets
      // are minified, as soon as it is planned: the scripts' work overlaps the planning of the rest.
      const startBlock = (block: PlannedBlock) => {
        readBlockSources(block, config.root, sourceTexts)
        startScripts([block], scripts, tools)
        if (directBlocker !== undefined) return
        for (const group of block.groups) {
          if (group.kind !== 'css' || group.passthrough !== undefined) continue
          for (const source of group.sources) {
            const entry = cssId(source)
            if (notDirect(entry) === undefined) minifyDirectly(entry, block, source)
          }
        }
      }
      try {
        if (!reuse) {
          for (const [file, text] of templateTexts) if (text.encoding !== 'utf8') checkLatin1Template(file, text.text)
          const resolved = new Map<string, ReturnType<typeof resolveStaticUrl>>()
          plan = planBuild(templates, {
            staticUrl: opts.staticUrl,
            contexts: opts.contexts,
            external: opts.external,
            // One lookup per URL and build, however many blocks name it.
            resolve: (url, where) => {
              let found = resolved.get(url)
              if (!found) {
                found = resolveStaticUrl(url, staticRoots(), where)
                resolved.set(url, found)
              }
              return found
            },
            onPlanned: startBlock,
          })
        } else {
          for (const block of (plan as Plan).blocks) startBlock(block)
        }
      } catch (err) {
        fail(this, err)
      }
      // Template texts are needed later only to rewrite templates, or to know them in watch mode.
      if (!this.meta.watchMode && !opts.rewrite) templateTexts.clear()
      for (const warning of (plan as Plan).warnings) this.warn(warning)
      const emitted = new Set<string>()
      /** Stylesheets on their way to the direct path (minified as their blocks were planned). */
      const pending = new Map<string, { user: CssUser; job: Promise<DirectResult> }>()
      for (const block of (plan as Plan).blocks) {
        for (const group of block.groups) {
          if (group.passthrough || emitted.has(group.signature)) continue
          emitted.add(group.signature)
          if (group.kind === 'css') {
            for (const source of group.sources) {
              // An inline <style> gets a path in the first static root (served by our load hook), so
              // Vite rebases its relative url()s as for a stylesheet there.
              const entry = cssId(source)
              if (source.type === 'inline') inline.set(entry, source.content)
              else watch(source.path)
              if (cssEntries.has(entry) || direct.built.has(entry) || pending.has(entry)) continue
              const user = cssUser(block, source)
              const why = notDirect(entry)
              if (why === undefined) pending.set(entry, { user, job: minifyDirectly(entry, block, source) })
              else viteStylesheet(this, entry, user, why)
            }
          } else if (group.module) {
            const lines = group.sources.map((s) => {
              if (s.type === 'file') return `import ${JSON.stringify(s.path)};`
              inline.set(`\0${INLINE}${s.id}.js`, s.content)
              return `import ${JSON.stringify(`${INLINE}${s.id}.js`)};`
            })
            const id = `${MODULE}${group.signature}.js`
            moduleEntries.set(`\0${id}`, `${lines.join('\n')}\n`)
            this.emitFile({ type: 'chunk', id, name: `${MODULE_NAME}${group.signature.slice(0, 8)}` })
          } else {
            for (const s of group.sources) if (s.type === 'file') watch(s.path)
          }
        }
      }
      // In plan order, so the first problem reported is always the same one.
      for (const [entry, { user, job }] of pending) {
        try {
          // Errors already name the stylesheet and the block.
          const why = direct.link(this, entry, await job, user)
          if (why !== undefined) viteStylesheet(this, entry, user, why)
        } catch (err) {
          return fail(this, err)
        }
      }
      if (noDefaultInput && cssEntries.size === 0 && moduleEntries.size === 0) {
        this.emitFile({ type: 'chunk', id: EMPTY, name: 'vc-empty' })
      }
    },

    watchChange(id, change) {
      const file = relativeTo(config.root, id)
      if (change.event !== 'update' || templateTexts.has(file)) replan = true
      // A file come or gone may change which static root serves a URL: stylesheets are redone.
      if (change.event !== 'update') direct.forget()
      changed.add(id)
    },

    resolveId(id, importer) {
      if (id.startsWith(MODULE) || id.startsWith(INLINE) || id === EMPTY) return `\0${id}`
      if (inline.has(id)) return id
      if (id.startsWith('\0vc-')) return id
      // `/static/img/x.png` in CSS url() or an import: a file in the static roots.
      if (opts.staticUrl.startsWith('/') && id.startsWith(opts.staticUrl) && plan) {
        try {
          return resolveStaticUrl(id, staticRoots()).path
        } catch (err) {
          // A way out of the static roots is an error, never left for Vite to resolve elsewhere.
          if (err instanceof CompressorError && err.code === 'PATH_ESCAPE') {
            this.error(
              new CompressorError(
                'PATH_ESCAPE',
                `${err.detail} (referenced from ${path.relative(config.root, importer ?? '') || 'a module'})`,
              ),
            )
          }
          return undefined
        }
      }
      return undefined
    },

    load(id) {
      if (id === `\0${EMPTY}`) return ''
      return inline.get(id) ?? moduleEntries.get(id)
    },

    transform: {
      order: 'pre',
      handler(code, id) {
        // Vite reports CSS syntax errors at minification, without the file; check our stylesheets
        // while they are read, so the error names the file, its line and the block.
        const user = cssUsers.get(id)
        if (!user) return null
        // With css.lightningcss.errorRecovery, lightningcss (and so Vite) only warns: so do we.
        const recovers = (config.css.lightningcss as { errorRecovery?: boolean } | undefined)?.errorRecovery === true
        if (id.endsWith('.css') && code.length <= CHECK_CSS_LIMIT && !recovers) {
          // Checked once per content (watch rebuilds see most stylesheets unchanged).
          const hash = sha256Hex(code)
          const problem = checkedCss.has(hash) ? checkedCss.get(hash) : checkCss(code)
          checkedCss.set(hash, problem)
          if (problem) fail(this, cssSyntaxError(user, problem))
        }
        // url() and @import targets: `/static/…` becomes the file in the static roots, and nothing
        // may point out of the roots or the project.
        let rewritten = code
        try {
          rewritten = confineCssRefs(code, id, staticRoots())
        } catch (err) {
          fail(this, aboutStylesheet(err, user))
        }
        return rewritten === code ? null : { code: rewritten, map: null }
      },
    },

    buildEnd(error) {
      // Errors from Vite's pipeline (Sass, Less, PostCSS, Rolldown) name a file, not the block that
      // uses it: say which blocks do.
      if (!error || !plan) return
      const errors = ((error as { errors?: unknown[] }).errors ?? [error]) as Error[]
      const users = blockUsers(plan)
      // Who imports whom, from the modules that did load (a file that failed to parse has none).
      const importers = new Map<string, string[]>()
      for (const id of this.getModuleIds()) {
        const info = this.getModuleInfo(id)
        for (const dep of [...(info?.importedIds ?? []), ...(info?.dynamicallyImportedIds ?? [])]) {
          importers.set(dep, [...(importers.get(dep) ?? []), id])
        }
      }
      const lines = new Set<string>()
      for (const e of errors) {
        for (const file of filesNamedBy(e, config.root)) {
          for (const user of usersOf(file, users, (id) => importers.get(id) ?? [])) {
            lines.add(`${relativeTo(config.root, file)} is used by ${user.loc.file}:${user.loc.line}:${user.loc.column} ${user.tag}`)
          }
        }
      }
      for (const line of lines) config.logger.error(`vite-compressor: ${line}`)
    },

    renderChunk: {
      order: 'post',
      handler(_code, chunk) {
        // Vite removes pure CSS entry chunks before generateBundle: note which CSS assets ours became.
        const facade = chunk.facadeModuleId
        if (facade && cssEntries.has(facade)) {
          const meta = (chunk as unknown as { viteMetadata?: { importedCss: Set<string> } }).viteMetadata
          cssOfEntry.set(facade, [...(meta?.importedCss ?? [])])
        }
        return null
      },
    },

    generateBundle: {
      order: 'post',
      async handler(_output, bundle) {
        if (!plan) return
        try {
          const assembled = await assemble(this, bundle, plan, {
            config,
            opts,
            online: online !== undefined,
            cssEntries,
            cssOfEntry,
            directCss: direct.built,
            directAssets: direct.assets,
            moduleEntries,
            scriptTexts: sourceTexts,
            minifiedScripts,
            scriptGroups,
            memo: this.meta.watchMode && !online ? assembleMemo : undefined,
            cssId,
            moduleId: (signature) => `\0${MODULE}${signature}.js`,
            emptyId: `\0${EMPTY}`,
          })
          manifestText = serializeManifest(assembled.entries)
          writtenFiles = new Map(assembled.files.map((f) => [f.fileName, f.source]))
          // The summary is info-level output: not worked out when it would not be shown.
          const gzip = config.build.reportCompressedSize !== false && !this.meta.watchMode
          summaryFiles = logsInfo() ? await sizesOf(assembled.files, gzip) : []
          manifestEntries = new Map(assembled.entries)
          if (online) {
            // Every module the build read (a module script's imports, stylesheets it imports), so an
            // edit to any of them is noticed, not only to the files the blocks name.
            const read = [...this.getModuleIds()].filter(
              (f) => path.isAbsolute(f) && !f.includes(`${path.sep}node_modules${path.sep}`) && fs.existsSync(f),
            )
            const sources = sourcesByKey(plan)
            for (const [key, files] of sources) sources.set(key, [...new Set([...files, ...read])].sort())
            online.onResult({ entries: manifestEntries, sources })
          }
          // HTML entries: put each block's output where transformIndexHtml left its marker.
          for (const item of Object.values(bundle)) {
            if (item.type !== 'asset' || !item.fileName.endsWith('.html') || typeof item.source !== 'string') continue
            const base = isRelativeBase(config.base) ? relativeBase(item.fileName) : (opts.rewrite?.base ?? config.base)
            item.source = item.source.replace(MARKER, (_m, key: string) =>
              fillUrl(manifestEntries.get(key) ?? '', base),
            )
          }
          // A file already in outDir with the same bytes is not written again: a file the live
          // manifest names is never truncated and rewritten in place.
          if (!online && config.build.write !== false && _output.dir) dropUnchanged(bundle, _output.dir)
        } catch (err) {
          fail(this, err)
        }
      },
    },

    transformIndexHtml: {
      order: 'pre',
      handler(html, ctx) {
        // Leave a marker for each block, so Vite does not process the tags the block replaces.
        const file = path.relative(config.root, ctx.filename).split(path.sep).join('/')
        const spots = plan?.occurrences.find((t) => t.file === file)
        if (!spots) return html
        const keys = blockKeys(spots)
        const found = findBlocks(html, file)
        let out = ''
        let last = 0
        found.forEach((block, i) => {
          out += `${html.slice(last, block.start)}<!--vite-compressor:${keys[i]}-->`
          last = block.end
        })
        return out + html.slice(last)
      },
    },

    async writeBundle(output) {
      if (manifestText === undefined || !plan) return
      const outDir = output.dir ?? path.resolve(config.root, config.build.outDir)
      const manifestPath = path.join(outDir, opts.outputDir, opts.manifestName)
      // Self-check before publishing: every file the manifest names is there, with its hash. Our
      // outputs are taken from memory (checked on disk by size) only when no other plugin could
      // have changed them after us: one with generateBundle or writeBundle hooks means every file
      // is read back and hashed.
      const { verifyManifest } = await import('../deploy/verify.js')
      const label = `${opts.outputDir}/${opts.manifestName}`
      const written = othersChange ? undefined : writtenFiles
      const { problems } = await verifyManifest(outDir, manifestEntries, { outputDir: opts.outputDir, label, written })
      if (problems.length > 0) {
        writtenFiles = new Map()
        this.error(new CompressorError('OUTPUT', `self-check failed, manifest not written:\n${problems.join('\n')}`))
      }
      if (this.meta.watchMode) {
        // What the next rebuild may take as still written: these files, as they are now (set only
        // here, once the check passed: a build that failed after assembling leaves none of it).
        assembleMemo.written = writtenFiles
        assembleMemo.checked.clear()
        for (const fileName of writtenFiles.keys()) {
          const stat = fs.statSync(path.join(outDir, fileName), { throwIfNoEntry: false })
          if (stat) assembleMemo.checked.set(fileName, { size: stat.size, mtimeMs: stat.mtimeMs })
        }
      }
      writtenFiles = new Map()
      writeFileAtomic(manifestPath, manifestText)
      if (opts.rewrite) writeRewritten(plan, opts.rewrite)
      if (logsInfo()) {
        config.logger.info(
          formatSummary(plan, summaryFiles, path.relative(config.root, manifestPath).split(path.sep).join('/'), {
            direct: direct.built.size,
            vite: cssEntries.size,
            blocker: directBlocker,
            reasons: viaVite,
          }),
        )
      }
      if (opts.upload) {
        const { uploadOutDir } = await import('../deploy/s3.js')
        await uploadOutDir(outDir, {
          ...opts.upload,
          outputDir: opts.outputDir,
          manifest: opts.manifest,
          version: opts.version,
          log: (line) => config.logger.info(line),
        })
      }
    },
  }

  /** Writes every template with its blocks replaced, under rewrite.outDir (never over a source). */
  function writeRewritten(current: Plan, rewrite: { outDir: string; base: string }): void {
    const written: string[] = []
    for (const file of [...templateTexts.keys()].filter((f) => !htmlEntries.includes(f))) {
      const text = templateTexts.get(file) as TemplateText
      const spots = current.occurrences.find((t) => t.file === file)
      const target = path.join(rewrite.outDir, pathUnderGlob(file, opts.templates))
      if (target === path.join(config.root, file)) {
        throw new CompressorError(
          'OPTIONS',
          `rewrite.outDir would overwrite the template ${file}; choose another folder`,
        )
      }
      const out = spots ? rewriteTemplate(text.text, spots, manifestEntries, rewrite.base) : text.text
      fs.mkdirSync(path.dirname(target), { recursive: true })
      fs.writeFileSync(target, encodeTemplate({ text: out, encoding: text.encoding }))
      written.push(file)
    }
    config.logger.info(
      `vite-compressor: rewrote ${written.length} template${written.length === 1 ? '' : 's'} into ${path.relative(config.root, rewrite.outDir) || '.'}`,
    )
  }

  /** Whether info messages are shown (Vite's `logLevel`). */
  function logsInfo(): boolean {
    return config.logLevel === undefined || config.logLevel === 'info'
  }

  /** The static roots as css-refs and static.ts take them (one object per config: its real paths are cached). */
  function staticRoots(): StaticRoots {
    if (roots?.root !== config.root || roots.roots !== opts.staticRoots) {
      roots = { staticUrl: opts.staticUrl, roots: opts.staticRoots, root: config.root }
    }
    return roots
  }

  /** Why a stylesheet may not take the direct path (undefined: it may): the build's reason, or its own. */
  function notDirect(entry: string): string | undefined {
    if (directBlocker !== undefined) return directBlocker
    if (!entry.endsWith('.css')) return 'not plain CSS'
    if (opts.cssPipeline === 'lightningcss') return undefined
    const plugin = pluginSeeing(config.plugins, entry)
    return plugin === undefined ? undefined : `the plugin ${plugin} may transform it`
  }

  /** A stylesheet of a block minified for the direct path (once: the work is shared). */
  function minifyDirectly(entry: string, block: PlannedBlock, source: Source): Promise<DirectResult> {
    const text = source.type === 'file' ? (sourceTexts.get(source.path) as string) : source.content
    return direct.minify(entry, text, cssUser(block, source))
  }

  /** A block that uses a stylesheet, as its errors name it. */
  function cssUser(block: PlannedBlock, source: Source): CssUser {
    return {
      loc: source.loc,
      tag: block.tag,
      origin: source.type === 'file' ? relativeTo(config.root, source.path) : source.loc.file,
      contentLoc: source.type === 'inline' ? source.contentLoc : undefined,
    }
  }

  /** A stylesheet through Vite's pipeline: a Rolldown entry of its own. */
  function viteStylesheet(ctx: Rollup.PluginContext, entry: string, user: CssUser, why: string): void {
    if (why !== directBlocker) viaVite.push(`${user.origin}: ${why}`)
    cssEntries.add(entry)
    cssUsers.set(entry, user)
    ctx.emitFile({ type: 'chunk', id: entry, name: `vc-${sha256Hex(relativeTo(config.root, entry)).slice(0, 8)}` })
  }

  function placeModules(previous: FileNames | undefined, assetsDir = 'assets'): (chunk: ChunkInfo) => string {
    return (chunk) => {
      if (chunk.name.startsWith(MODULE_NAME)) return `${opts.outputDir}/js/[name]-[hash].js`
      if (typeof previous === 'function') return previous(chunk)
      return previous ?? `${assetsDir}/[name]-[hash].js`
    }
  }

  function cssId(source: Source): string {
    return source.type === 'file' ? source.path : path.join(opts.staticRoots[0] as string, `${STYLE}${source.id}.css`)
  }
}
