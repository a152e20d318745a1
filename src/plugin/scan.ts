import fs from 'node:fs'
import path from 'node:path'
import picomatch from 'picomatch'

const SKIP_DIRS = new Set(['node_modules', '.git'])

/**
 * Lists the files under `root` that match the globs, as sorted root-relative paths with `/`.
 * Walks only below each glob's static base, and never into node_modules, .git or `exclude`.
 */
export function scanTemplates(root: string, globs: readonly string[], exclude: readonly string[] = []): string[] {
  const isMatch = picomatch(globs as string[], { dot: false })
  const excluded = exclude.map((e) => path.resolve(e))
  const found = new Set<string>()
  const bases = new Set(globs.map((g) => picomatch.scan(g).base))
  const walk = (dir: string) => {
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name) && !excluded.includes(full)) walk(full)
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        const rel = path.relative(root, full).split(path.sep).join('/')
        if (isMatch(rel)) found.add(rel)
      }
    }
  }
  for (const base of bases) {
    const start = path.resolve(root, base)
    if (fs.existsSync(start) && fs.statSync(start).isFile()) {
      const rel = path.relative(root, start).split(path.sep).join('/')
      if (isMatch(rel)) found.add(rel)
    } else walk(start)
  }
  return [...found].sort()
}

/**
 * A template's path relative to the static part of the glob that found it (`templates/**` →
 * `pages/a.html` for `templates/pages/a.html`), for writing it again in another folder.
 */
export function pathUnderGlob(file: string, globs: readonly string[]): string {
  const bases = globs.map((g) => picomatch.scan(g).base).filter((b) => b !== '' && file.startsWith(`${b}/`))
  const base = bases.sort((a, b) => b.length - a.length)[0]
  return base ? file.slice(base.length + 1) : file
}
