import fs from 'node:fs'
import path from 'node:path'
import type { ResolvedConfig, Rollup } from 'vite'
import { CompressorError, type SourceLocation } from '../core/errors.js'
import { shiftLoc } from '../core/position.js'
import { relativeTo } from './checks.js'
import {
  type DirectAsset,
  type DirectCss,
  type DirectOptions,
  type DirectResult,
  lightningTargets,
  linkAssets,
  minifyDirect,
} from './css-direct.js'
import { confineCssRefs, confineTarget } from './css-refs.js'
import type { StaticRoots } from './static.js'

/** The first block that uses a stylesheet, named in its errors. */
export interface CssUser {
  loc: SourceLocation
  tag: string
  /** The stylesheet as messages name it: its path, or the template of an inline `<style>`. */
  origin: string
  /** An inline `<style>`: where its text starts in the template. */
  contentLoc?: SourceLocation
}

/** A syntax error of one of our stylesheets, at its line in the file or in the template. */
export function cssSyntaxError(user: CssUser, problem: { line: number; column: number; message: string }): CompressorError {
  return new CompressorError('CSS_SYNTAX', `${where(user, problem.line, problem.column)}: CSS syntax error: ${problem.message}`, {
    loc: user.loc,
    block: user.tag,
  })
}

/** A CompressorError about a stylesheet's references, naming the stylesheet and the block. */
export function aboutStylesheet(err: unknown, user: CssUser): unknown {
  if (!(err instanceof CompressorError)) return err
  return new CompressorError(err.code, `${user.origin}: ${err.detail}`, { loc: user.loc, block: user.tag })
}

function where(user: CssUser, line: number, column: number): string {
  const at = user.contentLoc ? shiftLoc(user.contentLoc, line, column) : undefined
  return at ? `${at.file}:${at.line}:${at.column}` : `${user.origin}:${line}:${column}`
}

/**
 * The build side of the direct CSS path (css-direct.ts): minifying stylesheets (each once, the work
 * shared by whoever asks while it runs, results kept by id and text across watch rebuilds) and
 * linking their assets into a build.
 */
export class DirectStylesheets {
  /** Stylesheets on the direct path in this build, by entry id. */
  readonly built = new Map<string, DirectCss>()
  /** Their assets in this build. */
  readonly assets = new Map<string, DirectAsset>()
  private readonly cache = new Map<string, { text: string; job: Promise<DirectResult> }>()
  /** lightningcss's options, as Vite's config gives them (set at each build's start). */
  private options: DirectOptions | undefined

  constructor(private readonly env: () => { config: ResolvedConfig; roots: StaticRoots }) {}

  /** A new build: nothing built or linked yet (minified results are kept). */
  startBuild(): void {
    this.built.clear()
    this.assets.clear()
    if (this.cache.size > 20000) this.cache.clear()
    const { config } = this.env()
    this.options = {
      targets: lightningTargets(config.build.cssTarget) ?? undefined,
      lightningcss: config.css.lightningcss as Record<string, unknown> | undefined,
    }
  }

  /** Drops what was minified (a file appeared or went away: URLs may now lead elsewhere). */
  forget(): void {
    this.cache.clear()
  }

  /** A stylesheet (its id and text) minified; rejects with a CompressorError naming it and the block. */
  minify(entry: string, text: string, user: CssUser): Promise<DirectResult> {
    const cached = this.cache.get(entry)
    if (cached?.text === text) return cached.job
    let job: Promise<DirectResult>
    try {
      const code = confineCssRefs(text, entry, this.env().roots)
      job = minifyDirect(code, entry, this.options as DirectOptions)
    } catch (err) {
      job = Promise.reject(aboutStylesheet(err, user))
    }
    this.cache.set(entry, { text, job })
    // A failure is reported by whoever awaits the job, and is not kept for the next build.
    job.catch(() => {
      if (this.cache.get(entry)?.job === job) this.cache.delete(entry)
    })
    return job
  }

  /**
   * A minified stylesheet taken into this build: assets inlined or emitted, warnings logged. When
   * it needs Vite's pipeline after all, the reason; a syntax error or a bad asset throws, naming
   * the stylesheet and the block.
   */
  link(ctx: Rollup.PluginContext, entry: string, result: DirectResult, user: CssUser): string | undefined {
    if ('syntax' in result) throw cssSyntaxError(user, result.syntax)
    if ('fallback' in result) return result.fallback
    const { config, roots } = this.env()
    for (const w of result.warnings) ctx.warn(`${where(user, w.line, w.column)}: ${w.message}`)
    let unknown: string | undefined
    try {
      unknown = linkAssets(result, this.assets, {
        read: (file) => {
          if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return undefined
          confineTarget(relativeTo(config.root, file), file, roots)
          return fs.readFileSync(file)
        },
        emit: (file, content) =>
          ctx.emitFile({ type: 'asset', name: path.basename(file), originalFileName: relativeTo(config.root, file), source: content }),
        limit: config.build.assetsInlineLimit,
      })
    } catch (err) {
      throw aboutStylesheet(err, user)
    }
    if (unknown !== undefined) return unknown
    if (ctx.meta.watchMode) for (const ref of result.refs) if (ref.type === 'asset') ctx.addWatchFile(ref.file)
    this.built.set(entry, result)
    return undefined
  }
}
