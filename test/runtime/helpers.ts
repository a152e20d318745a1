import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Kind, Mode } from '../../src/core/blocks.js'
import { renderBlockHtml } from '../../src/core/html.js'
import { offlineKey } from '../../src/core/key.js'
import { serializeManifest } from '../../src/core/manifest.js'

/** One manifest entry as the build writes it: key of `content`, html with the placeholder. */
export function entry(
  content: string,
  kind: Kind,
  mode: Mode,
  output: { path?: string; content?: string } = {},
  staticUrl = '/static/',
): [string, string] {
  const html = renderBlockHtml(kind, mode, [
    {
      type: 'output',
      path: output.path ?? `CACHE/${kind}/output.0123456789ab.${kind}`,
      content: output.content ?? '',
      media: null,
      extra: '',
      module: false,
    },
  ])
  return [offlineKey(content, staticUrl), html]
}

const dirs: string[] = []

/** A fresh temporary directory, removed by {@link cleanup}. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vc-runtime-'))
  dirs.push(dir)
  return dir
}

/** Writes a manifest (or any text) to CACHE/manifest.json in a temporary directory. */
export async function writeManifest(entries: Iterable<readonly [string, string]> | string): Promise<string> {
  const dir = await tempDir()
  const path = join(dir, 'manifest.json')
  await writeFile(path, typeof entries === 'string' ? entries : serializeManifest(entries))
  return path
}

export async function cleanup(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
}
