import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CompressorError } from '../core/errors.js'
import { manifestEntries, parseManifest } from '../core/manifest.js'

/**
 * Where the manifest comes from: a file path (or `file:` URL), or entries already loaded, e.g. from
 * a bucket or over HTTP, as a Map or a plain `{ key: html }` object.
 */
export type ManifestSource = string | URL | ReadonlyMap<string, string> | Readonly<Record<string, string>>

/** A loaded manifest and a name for it in messages. */
export interface LoadedManifest {
  entries: Map<string, string>
  source: string
}

/** Reads and checks a manifest once; throws CompressorError('MANIFEST') naming the path. */
export function loadManifest(manifest: ManifestSource): LoadedManifest {
  if (typeof manifest === 'string' || manifest instanceof URL) {
    const path = typeof manifest === 'string' ? resolve(manifest) : fileURLToPath(manifest)
    return { entries: parseManifest(readManifest(path), path), source: path }
  }
  const source = '(manifest object)'
  const pairs: Iterable<[string, unknown]> = manifest instanceof Map ? manifest : Object.entries(manifest)
  return { entries: manifestEntries(pairs, source), source }
}

function readManifest(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    const detail =
      code === 'ENOENT'
        ? `manifest ${path} not found; run \`vite build\` to write it (or pass enabled: false to serve blocks uncompressed)`
        : `manifest ${path} could not be read (${code ?? (cause as Error).message})`
    throw new CompressorError('MANIFEST', detail, { cause })
  }
}
