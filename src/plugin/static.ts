import fs from 'node:fs'
import path from 'node:path'
import { CompressorError, type SourceLocation } from '../core/errors.js'

export interface StaticFile {
  /** Absolute path of the file, after following links (it is inside one of the roots). */
  path: string
  /** The path under the static URL, e.g. `css/one.css`. */
  name: string
}

export interface StaticRoots {
  staticUrl: string
  /** Absolute paths, in search order (like STATICFILES_DIRS). */
  roots: readonly string[]
  /** The Vite root, to print roots relative to it. */
  root: string
}

/** Whether a URL is served from under the static URL (the only URLs we can compress). */
export function isStaticUrl(url: string, staticUrl: string): boolean {
  return url.startsWith(staticUrl)
}

/**
 * Finds the file a static URL names, searching the roots in order. Refuses anything that could
 * leave the roots: `..` (also percent-encoded), backslashes, NUL bytes, and links that point out.
 */
export function resolveStaticUrl(url: string, roots: StaticRoots, where: { loc?: SourceLocation; block?: string } = {}): StaticFile {
  const opts = { loc: where.loc, block: where.block }
  if (!isStaticUrl(url, roots.staticUrl)) {
    throw new CompressorError(
      'EXTERNAL_URL',
      `${url} is not under the static URL ${roots.staticUrl} and can't be compressed; ` +
        "serve it from the static roots, move it out of the block, or set `external: 'keep'`",
      opts,
    )
  }
  const name = staticName(url.slice(roots.staticUrl.length), url, opts)
  for (const root of roots.roots) {
    const candidate = path.join(root, ...name.split('/'))
    let stat: fs.Stats
    try {
      stat = fs.statSync(candidate)
    } catch {
      continue
    }
    if (stat.isDirectory()) {
      throw new CompressorError('FILE_MISSING', `${url} names a directory (${rel(roots.root, candidate)}), not a file`, opts)
    }
    const real = fs.realpathSync.native(candidate)
    const realRoot = fs.realpathSync.native(root)
    if (!real.startsWith(realRoot + path.sep)) {
      throw new CompressorError(
        'PATH_ESCAPE',
        `${url} resolves through a link to ${real}, outside the static root ${rel(roots.root, root)}`,
        opts,
      )
    }
    return { path: real, name }
  }
  const searched = roots.roots.map((r) => rel(roots.root, r)).join(', ')
  throw new CompressorError('FILE_MISSING', `${url} not found in static roots [${searched}]`, opts)
}

/** The checked, decoded path under the static URL: no query, no fragment, no way out. */
function staticName(tail: string, url: string, opts: { loc?: SourceLocation; block?: string }): string {
  const raw = tail.split(/[?#]/, 1)[0] as string
  let decoded: string
  try {
    decoded = decodeURIComponent(raw)
  } catch {
    throw new CompressorError('PATH_ESCAPE', `${url} has an invalid percent-encoding`, opts)
  }
  if (decoded.includes('\0') || decoded.includes('\\')) {
    throw new CompressorError('PATH_ESCAPE', `${url} contains a NUL byte or a backslash`, opts)
  }
  const parts = decoded.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.includes('..')) {
    throw new CompressorError('PATH_ESCAPE', `${url} tries to leave the static roots with '..'`, opts)
  }
  if (parts.length === 0) throw new CompressorError('FILE_MISSING', `${url} names no file`, opts)
  return parts.join('/')
}

function rel(root: string, p: string): string {
  return path.relative(root, p).split(path.sep).join('/') || '.'
}
