import path from 'node:path'
import type { SourceLocation } from '../core/errors.js'
import type { Plan } from './plan.js'

/** A block that reads a file: where it is and its opening tag. */
export interface BlockUser {
  loc: SourceLocation
  tag: string
}

/** Every static file the plan's blocks read, with the blocks that read it (first use first). */
export function blockUsers(plan: Plan): Map<string, BlockUser[]> {
  const users = new Map<string, BlockUser[]>()
  for (const block of plan.blocks) {
    for (const group of block.groups) {
      for (const source of group.sources) {
        if (source.type !== 'file') continue
        const list = users.get(source.path) ?? []
        if (!list.some((u) => u.loc === source.loc)) list.push({ loc: source.loc, tag: block.tag })
        users.set(source.path, list)
      }
    }
  }
  return users
}

const ABSOLUTE = /(\/[^\s:'"\][()]+\.(?:css|scss|sass|less|styl|js|mjs|cjs|ts|mts|tsx|jsx))/g
const FRAME = /╭─\[\s*([^\s\]]+?):\d+(?::\d+)?\s*\]/g

/** The source files an error from Vite's pipeline names: its id, its loc, and paths in its text. */
export function filesNamedBy(error: Error, root: string): string[] {
  const e = error as Error & { id?: string; loc?: { file?: string } }
  const found = new Set<string>()
  if (e.id) found.add(e.id)
  if (e.loc?.file) found.add(e.loc.file)
  const message = String(e.message ?? '')
  for (const m of message.matchAll(ABSOLUTE)) found.add(m[1] as string)
  // Rolldown's code frames give paths relative to the working directory.
  for (const m of message.matchAll(FRAME)) found.add(path.resolve(process.cwd(), m[1] as string))
  return [...found].map((f) => path.resolve(root, f.split('?')[0] as string))
}

/**
 * The blocks that use a file: directly, or through the modules that import it (a module script's
 * dependency), following importers up to a file a block names.
 */
export function usersOf(
  file: string,
  users: Map<string, BlockUser[]>,
  importers: (id: string) => readonly string[],
): BlockUser[] {
  const seen = new Set<string>()
  const queue = [file]
  const out: BlockUser[] = []
  while (queue.length > 0 && seen.size < 500) {
    const id = queue.shift() as string
    if (seen.has(id)) continue
    seen.add(id)
    const direct = users.get(id)
    if (direct) out.push(...direct)
    else queue.push(...importers(id))
  }
  return out
}
