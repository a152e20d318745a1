import fs from 'node:fs'
import path from 'node:path'
import { CompressorError } from '../core/errors.js'
import { walkReferences } from './graph.js'
import {
  type LayoutOptions,
  listManifests,
  localSource,
  type ManifestFile,
  outputDirOf,
  readManifestFile,
} from './local.js'
import { manifestReferences, type Reference } from './refs.js'

export interface PruneOptions extends LayoutOptions {
  /** How many of the newest manifests (by modification time) to keep; at least 1. */
  keep: number
  /** Manifest file names or versions to keep whatever their age (the version still running, say). */
  protect?: readonly string[]
  /** Report what would be removed without removing anything. */
  dryRun?: boolean
  /**
   * Keep output files modified less than this many seconds ago, whatever names them: outputs of a
   * build still running (its manifest is written last) and of online compression (named by no
   * manifest). Default 0.
   */
  minAge?: number
}

export interface PruneResult {
  /** Manifests kept (paths under outDir), newest first. */
  kept: string[]
  /** Manifests removed (older than the `keep` newest). */
  removedManifests: string[]
  /** Output files and assets removed, sorted. */
  removed: string[]
  dryRun: boolean
}

/** Every regular file under `dir` (posix paths under outDir), not following symlinks. */
function walkDir(outDir: string, rel: string): string[] {
  const out: string[] = []
  const stack = [rel]
  while (stack.length > 0) {
    const d = stack.pop() as string
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(path.join(outDir, d), { withFileTypes: true })
    } catch {
      continue
    }
    for (const e of entries) {
      const p = `${d}/${e.name}`
      if (e.isDirectory()) stack.push(p)
      else if (e.isFile()) out.push(p)
    }
  }
  return out
}

/**
 * `vite-compressor prune --keep N`: removes the manifests older than the N newest that match
 * `manifest` (every `*.json` in outputDir by default), then the output files (`<outputDir>/css`,
 * `<outputDir>/js`) and the assets they reference that no remaining manifest references. Manifests
 * that do not match the `manifest` template are never removed and their files are kept. Nothing
 * outside outDir, and no file that is not an output or an asset an output references, is touched.
 * Throws (removing nothing) if a manifest that stays cannot be read.
 */
export async function pruneOutDir(outDir: string, options: PruneOptions): Promise<PruneResult> {
  const outputDir = outputDirOf(options)
  if (!Number.isInteger(options.keep) || options.keep < 1) {
    throw new CompressorError(
      'OPTIONS',
      `prune: --keep must be a whole number of manifests to keep, at least 1 (got ${options.keep})`,
    )
  }
  const matching = listManifests(outDir, options)
  const all = listManifests(outDir, { outputDir })
  const protect = new Set(options.protect ?? [])
  const matchingByName = new Map(matching.map((m) => [m.name, m]))
  const removedManifests: ManifestFile[] = []
  const kept: ManifestFile[] = []
  let young = 0
  for (const m of all) {
    const version = matchingByName.get(m.name)?.version
    if (!matchingByName.has(m.name)) {
      kept.push(m) // another kind of manifest: not ours to remove
    } else if (protect.has(m.name) || (version !== undefined && protect.has(version))) {
      kept.push(m)
    } else if (young < options.keep) {
      young++
      kept.push(m)
    } else {
      removedManifests.push(m)
    }
  }

  const source = localSource(outDir)
  // What the kept manifests need, including files named only by scripts' strings (weak).
  const start: Reference[] = []
  for (const m of kept) start.push(...manifestReferences(readManifestFile(outDir, m.path)).refs)
  const needed = await walkReferences(start, source, { weak: true })
  const keep = new Set(needed.files.keys())
  // Candidates: every output, and every file an output references.
  const outputs = [...walkDir(outDir, `${outputDir}/css`), ...walkDir(outDir, `${outputDir}/js`)]
  const reached = await walkReferences(
    outputs.map((p) => ({ path: p, from: p, strong: false })),
    source,
    { weak: true },
  )
  const manifests = new Set(all.map((m) => m.path))
  const minAge = options.minAge ?? 0
  const now = Date.now()
  const removed = new Set<string>()
  for (const file of reached.files.keys()) {
    if (keep.has(file) || manifests.has(file)) continue
    const full = path.join(outDir, ...file.split('/'))
    const stat = fs.lstatSync(full, { throwIfNoEntry: false })
    if (!stat?.isFile()) continue // symlinks and the vanished stay
    if (minAge > 0 && now - stat.mtimeMs < minAge * 1000) continue // too young: may be in use
    removed.add(file)
    const map = `${file}.map`
    if (!keep.has(map) && fs.lstatSync(path.join(outDir, ...map.split('/')), { throwIfNoEntry: false })?.isFile()) {
      removed.add(map)
    }
  }
  const result: PruneResult = {
    kept: kept.map((m) => m.path),
    removedManifests: removedManifests.map((m) => m.path),
    removed: [...removed].sort(),
    dryRun: options.dryRun === true,
  }
  if (options.dryRun) return result
  // Manifests first: no manifest is ever left naming a file that was removed.
  for (const m of result.removedManifests) fs.rmSync(path.join(outDir, ...m.split('/')), { force: true })
  for (const f of result.removed) fs.rmSync(path.join(outDir, ...f.split('/')), { force: true })
  return result
}
