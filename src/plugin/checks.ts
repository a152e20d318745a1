import fs from 'node:fs'
import path from 'node:path'
import { transform as lightningTransform } from 'lightningcss'
import type { Rollup } from 'vite'
import { findBlocks } from '../core/blocks.js'
import { CompressorError, type SourceLocation } from '../core/errors.js'
import type { PlannedBlock } from './plan.js'

// Checks of inputs and outputs that make a bad build fail early, naming the file and the block.

/** Parses a stylesheet strictly; throws `file:line:column: message` for the first syntax error. */
export function checkCss(code: string): { line: number; column: number; message: string } | undefined {
  try {
    lightningTransform({
      filename: 'x.css',
      code: Buffer.from(code.replace(/^\uFEFF/, '')),
      minify: false,
      errorRecovery: false,
    })
    return undefined
  } catch (err) {
    const e = err as { message: string; loc?: { line: number; column: number } }
    return { line: e.loc?.line ?? 1, column: e.loc?.column ?? 1, message: e.message }
  }
}

/** Whether `file` exists with exactly these bytes (or this text, as UTF-8). */
export function sameFile(file: string, content: Uint8Array | string): boolean {
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size
  if (size === undefined || size !== Buffer.byteLength(content)) return false
  try {
    return fs.readFileSync(file).equals(typeof content === 'string' ? Buffer.from(content) : content)
  } catch {
    return false
  }
}

/** Removes from the bundle what outDir already holds, byte for byte. */
export function dropUnchanged(bundle: Rollup.OutputBundle, dir: string): void {
  for (const [fileName, item] of Object.entries(bundle)) {
    const file = path.join(dir, fileName)
    // Only a file that is there is compared (its source is not even fetched otherwise).
    if (!fs.existsSync(file)) continue
    if (sameFile(file, item.type === 'chunk' ? item.code : item.source)) delete bundle[fileName]
  }
}

/** Refuses an outDir, output folder or kind folder that exists as something other than a folder. */
export function checkOutputDirs(outDir: string, outputDir: string, root: string): void {
  for (const dir of [
    outDir,
    path.join(outDir, outputDir),
    path.join(outDir, outputDir, 'css'),
    path.join(outDir, outputDir, 'js'),
  ]) {
    let stat: fs.Stats
    try {
      stat = fs.statSync(dir)
    } catch {
      return // not there yet: it will be made
    }
    if (!stat.isDirectory()) {
      throw new CompressorError(
        'OUTPUT',
        `${relativeTo(root, dir)} is not a directory; remove it or choose another build.outDir / outputDir`,
      )
    }
  }
}

/** A template that is not UTF-8 may be rewritten as it is, but its blocks must be ASCII to be keyed as Django keys them. */
export function checkLatin1Template(file: string, text: string): void {
  for (const block of findBlocks(text, file)) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
    if (/[^\x00-\x7f]/.test(block.content)) {
      throw new CompressorError(
        'FILE_READ',
        `${file} is not valid UTF-8 and this block has non-ASCII text; save the template as UTF-8 (Django reads templates as UTF-8)`,
        { loc: block.loc, block: block.tag },
      )
    }
  }
}

/** Stylesheets larger than this are left to Vite's own error (the strict parse would cost seconds). */
export const CHECK_CSS_LIMIT = 8 * 1024 * 1024

export function relativeTo(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/')
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/** A static file's text; a CompressorError naming it and the block when it is not UTF-8. */
export function readUtf8(file: string, root: string, where: { loc: SourceLocation; block: string }): string {
  let bytes: Buffer
  try {
    bytes = fs.readFileSync(file)
  } catch (cause) {
    throw new CompressorError('FILE_READ', `${relativeTo(root, file)} could not be read: ${(cause as Error).message}`, {
      ...where,
      cause,
    })
  }
  try {
    return UTF8.decode(bytes)
  } catch {
    throw new CompressorError(
      'FILE_READ',
      `${relativeTo(root, file)} is not valid UTF-8; save it as UTF-8 (the output is UTF-8, as django-compressor's)`,
      where,
    )
  }
}

/**
 * Reads every static file a block names, as UTF-8 (as Django reads them), into `texts` (files
 * already there are not read again), failing with the file and the block otherwise.
 */
export function readBlockSources(block: PlannedBlock, root: string, texts: Map<string, string>): void {
  for (const group of block.groups) {
    if (group.kind === 'js' && group.module) continue // Vite reads (and checks) module sources
    for (const source of group.sources) {
      if (source.type !== 'file' || texts.has(source.path)) continue
      texts.set(source.path, readUtf8(source.path, root, { loc: source.loc, block: block.tag }))
    }
  }
}
