import { createHash } from 'node:crypto'
import { hashedPart } from '../core/key.js'
import { CompressorError } from '../core/errors.js'
import { walkReferences } from './graph.js'
import { type LayoutOptions, listManifests, localSource, outputDirOf, readManifestFile } from './local.js'
import { checkIntegrity, integrityReferences, manifestReferences, outputHash } from './refs.js'

/** What `verify` found. */
export interface VerifyResult {
  ok: boolean
  /** Manifests checked (paths under outDir). */
  manifests: string[]
  /** Distinct files checked. */
  files: number
  /** One line per problem, each naming the manifest, the entry or file, and what is wrong. */
  problems: string[]
}

/**
 * Checks one manifest's entries against the files under outDir: every file it names (and every
 * file those name: CSS `url()`s, JS imports) exists, each output's 12-hex name matches the sha256
 * of its bytes, and each `integrity` attribute matches its file. Returns problems (empty: fine).
 * `label` names the manifest in messages. Assets named by Rolldown can only be checked for existence.
 * `written`: files a build has just written, with their bytes; they are read from memory once the
 * file on disk is seen to have that size (the build's own check, without reading its outputs back).
 */
export async function verifyManifest(
  outDir: string,
  entries: Iterable<readonly [string, string]>,
  options: { outputDir?: string; label?: string; written?: ReadonlyMap<string, string> } = {},
): Promise<{ problems: string[]; files: string[] }> {
  const outputDir = outputDirOf(options)
  const label = options.label ?? `${outputDir}/manifest.json`
  const list = [...entries]
  const source = rememberingSource(localSource(outDir), options.written)
  const start = manifestReferences(list)
  const graph = await walkReferences(start.refs, source, { weak: false })
  const problems: string[] = []
  for (const b of [...start.bad, ...graph.bad]) problems.push(`${label}: ${b.from}: ${b.ref} ${b.reason}`)
  for (const m of graph.missing) problems.push(`${label}: ${m.from}: ${m.path} is missing`)
  for (const file of graph.files.keys()) {
    const hash = outputHash(file, outputDir)
    if (hash === undefined) continue
    // A file this build just wrote, found on disk with its size: named from these very bytes.
    if (source.fromMemory.has(file)) continue
    const bytes = source.readSync(file)
    if (bytes === undefined) continue
    const actual = createHash('sha256').update(hashedPart(bytes)).digest('hex').slice(0, 12)
    if (actual !== hash) {
      problems.push(
        `${label}: ${file}: content does not match the hash in its name (sha256 starts with ${actual}); the file was changed after the build`,
      )
    }
  }
  for (const sri of integrityReferences(list)) {
    const bytes = source.readSync(sri.path)
    if (bytes === undefined) continue // reported as missing
    const result = checkIntegrity(sri.integrity, bytes)
    if (result === 'mismatch')
      problems.push(`${label}: ${sri.from}: integrity ${JSON.stringify(sri.integrity)} does not match ${sri.path}`)
    if (result === 'unsupported')
      problems.push(
        `${label}: ${sri.from}: integrity ${JSON.stringify(sri.integrity)} of ${sri.path} uses no known algorithm (sha256, sha384, sha512)`,
      )
  }
  return { problems, files: [...graph.files.keys()] }
}

/**
 * `vite-compressor verify`: checks every manifest in `<outDir>/<outputDir>/` (or the one named by
 * `manifest`, `[version]` matching every version) with {@link verifyManifest}. No manifest at all is
 * a problem too.
 */
export async function verifyOutDir(outDir: string, options: LayoutOptions = {}): Promise<VerifyResult> {
  const outputDir = outputDirOf(options)
  const manifests = listManifests(outDir, options)
  const problems: string[] = []
  const files = new Set<string>()
  if (manifests.length === 0) {
    problems.push(`${outputDir}/${options.manifest ?? '*.json'}: no manifest in ${outDir}; run \`vite build\` first`)
  }
  for (const m of [...manifests].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    let entries: Map<string, string>
    try {
      entries = readManifestFile(outDir, m.path)
    } catch (err) {
      if (!(err instanceof CompressorError)) throw err
      problems.push(`${m.path}: ${err.detail}`)
      continue
    }
    const r = await verifyManifest(outDir, entries, { outputDir, label: m.path })
    problems.push(...r.problems)
    for (const f of r.files) files.add(f)
  }
  return { ok: problems.length === 0, manifests: manifests.map((m) => m.path).sort(), files: files.size, problems }
}

/**
 * A local source that serves files a build has just written from memory, when the file on disk
 * has their size (decided once per file); any other file is read from disk.
 */
function rememberingSource(
  local: ReturnType<typeof localSource>,
  written: ReadonlyMap<string, string> | undefined,
): ReturnType<typeof localSource> & { fromMemory: Set<string>; text(file: string): Promise<string | undefined> } {
  const fromMemory = new Set<string>()
  const decided = new Set<string>()
  /** A written file's text, when the file on disk has its size. */
  const own = (file: string): string | undefined => {
    const text = written?.get(file)
    if (text === undefined) return undefined
    if (!decided.has(file)) {
      decided.add(file)
      if (local.sizeSync(file) === Buffer.byteLength(text)) fromMemory.add(file)
    }
    return fromMemory.has(file) ? text : undefined
  }
  const readSync = (file: string): Buffer | undefined => {
    const text = own(file)
    return text !== undefined ? Buffer.from(text) : local.readSync(file)
  }
  return {
    ...local,
    readSync,
    read: async (file) => readSync(file),
    text: async (file) => own(file) ?? local.readSync(file)?.toString('utf8'),
    fromMemory,
  }
}
