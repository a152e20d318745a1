import { createHash } from 'node:crypto'
import path from 'node:path'
import type { Kind } from '../core/blocks.js'
import { URL_PLACEHOLDER } from '../core/manifest.js'
import { absolutizeCss, joinCss, rebaseCss } from './css.js'

/** `<outputDir>/<kind>/<name or output>.<12 hex of sha256(bytes)>.<kind>`, as django-compressor names files. */
export function outputFileName(outputDir: string, kind: Kind, name: string | undefined, hash: string): string {
  return `${outputDir}/${kind}/${name ?? 'output'}.${hash.slice(0, 12)}.${kind}`
}

/** One stylesheet as Vite built it, and the folder (under outDir) its relative URLs start from. */
export interface BuiltCss {
  css: string
  dir: string
}

/** Joins a CSS group's built pieces, with URLs made relative to the output folder. */
export function assembleCss(pieces: readonly BuiltCss[], outputDir: string, minified: boolean): string {
  const toDir = `${outputDir}/css`
  return joinCss(
    pieces.map((p) => rebaseCss(p.css, p.dir, toDir)),
    minified ? '' : '\n',
  )
}

/** The text of CSS that is written into the page: relative URLs become placeholder URLs. */
export function inlineCss(css: string, outputDir: string): string {
  // The page's own encoding applies inside <style>; @charset there means nothing.
  return absolutizeCss(css, `${outputDir}/css`, URL_PLACEHOLDER).replace(/^@charset\s+"[^"]*";\s*/i, '')
}

/** A path under outDir as a posix path. */
export function posixDir(fileName: string): string {
  return path.posix.dirname(fileName)
}

/** A subresource integrity value (`sha384-<base64>`) of a file's UTF-8 bytes. */
export function integrity(algorithm: string, text: string): string {
  return `${algorithm}-${createHash(algorithm).update(text).digest('base64')}`
}

