import fs from 'node:fs'
import path from 'node:path'
import { CompressorError } from '../core/errors.js'
import { rewriteCssTargets } from './css.js'
import { resolveStaticUrl, type StaticRoots } from './static.js'

/**
 * The url() and `@import "…"` targets of one of our stylesheets (at `file`), made safe for Vite:
 * a `/static/…` URL becomes the file it names in the static roots, relative to the stylesheet (so
 * Vite emits it, whatever the roots are called), and a target that leaves both the static roots and
 * the project is a PATH_ESCAPE error; a target that does not exist is FILE_MISSING (comments are
 * skipped). Root-relative URLs outside the static URL are left to Vite (its public folder).
 */
export function confineCssRefs(css: string, file: string, roots: StaticRoots): string {
  const dir = path.dirname(file)
  return rewriteCssTargets(css, (url) => {
    const [name = '', suffix = ''] = url.split(/(?=[?#])/, 2)
    if (roots.staticUrl.startsWith('/') && name.startsWith(roots.staticUrl)) {
      const target = resolveStaticUrl(name, roots).path
      const rel = path.relative(dir, target).split(path.sep).join('/')
      return (rel.startsWith('.') ? rel : `./${rel}`) + suffix
    }
    if (name.startsWith('/')) return undefined // root-relative: Vite's public dir
    let decoded = name
    try {
      decoded = decodeURI(name) // as Vite's CSS url resolver decodes
    } catch {}
    confineTarget(url, path.resolve(dir, decoded), roots)
    return undefined
  })
}

/**
 * A file a stylesheet points at (`url` as written, for messages): it must exist and be inside the
 * static roots or the project, also after following links.
 */
export function confineTarget(url: string, target: string, roots: StaticRoots): void {
  const allowed = [roots.root, ...roots.roots]
  const inside = (p: string, within: readonly string[]) => within.some((r) => p === r || p.startsWith(r + path.sep))
  if (!inside(target, allowed)) {
    throw new CompressorError('PATH_ESCAPE', `${url} points out of the static roots and the project`)
  }
  if (!fs.existsSync(target)) {
    throw new CompressorError('FILE_MISSING', `${url} not found (${path.relative(roots.root, target).split(path.sep).join('/')})`)
  }
  // A link inside the project may point anywhere: what counts is where it leads.
  if (!inside(fs.realpathSync.native(target), realRoots(roots))) {
    throw new CompressorError('PATH_ESCAPE', `${url} leads through a link out of the static roots and the project`)
  }
}

const realRootsOf = new WeakMap<StaticRoots, string[]>()

/** The project and static roots after following links, once per roots object. */
function realRoots(roots: StaticRoots): string[] {
  let real = realRootsOf.get(roots)
  if (!real) {
    real = realPaths([roots.root, ...roots.roots])
    realRootsOf.set(roots, real)
  }
  return real
}

/** Folders after following links (the project itself may live behind one). */
function realPaths(dirs: readonly string[]): string[] {
  return dirs.map((d) => {
    try {
      return fs.realpathSync.native(d)
    } catch {
      return d
    }
  })
}
