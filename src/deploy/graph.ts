import { type BadReference, fileReferences, type Reference } from './refs.js'

/** Where the walk reads files from: a local outDir, or a server over HTTP. */
export interface FileSource {
  /** The bytes of a file, or undefined when it does not exist. Called for CSS and JS files. */
  read(file: string): Promise<Uint8Array | undefined>
  /** Whether a file exists. Called for every other file. */
  exists(file: string): Promise<boolean>
  /** The text of a CSS or JS file (UTF-8), when the source has it without reading bytes. */
  text?(file: string): Promise<string | undefined>
}

export interface ReferenceGraph {
  /** Every file reached that exists (or, for strong references, that should exist), by path. */
  files: Map<string, Reference>
  /** Strong references whose file does not exist. */
  missing: Reference[]
  bad: BadReference[]
}

/** Safety bound on the files one walk visits. */
export const MAX_FILES = 200_000

const followed = (file: string) => file.endsWith('.css') || file.endsWith('.js') || file.endsWith('.mjs')

/**
 * Follows references from the given starting points (a manifest's URLs) through CSS and JS files,
 * breadth first, each file once. Weak references are followed only when `weak` is true, and only
 * to files that exist.
 */
export async function walkReferences(
  start: readonly Reference[],
  source: FileSource,
  options: { weak: boolean },
): Promise<ReferenceGraph> {
  const files = new Map<string, Reference>()
  const missing: Reference[] = []
  const bad: BadReference[] = []
  const queue: Reference[] = [...start]
  for (let i = 0; i < queue.length; i++) {
    const ref = queue[i] as Reference
    const known = files.get(ref.path)
    if (known || missing.some((m) => m.path === ref.path)) {
      if (known && ref.strong) known.strong = true
      continue
    }
    if (!ref.strong && !options.weak) continue
    if (files.size >= MAX_FILES) throw new Error(`more than ${MAX_FILES} referenced files; stopping`)
    if (followed(ref.path)) {
      const text = source.text ? await source.text(ref.path) : await readText(source, ref.path)
      if (text === undefined) {
        if (ref.strong) missing.push(ref)
        continue
      }
      files.set(ref.path, { ...ref })
      const found = fileReferences(ref.path, text, options.weak)
      bad.push(...found.bad)
      queue.push(...found.refs)
    } else {
      if (!(await source.exists(ref.path))) {
        if (ref.strong) missing.push(ref)
        continue
      }
      files.set(ref.path, { ...ref })
    }
  }
  return { files, missing, bad }
}

async function readText(source: FileSource, file: string): Promise<string | undefined> {
  const bytes = await source.read(file)
  return bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
}
