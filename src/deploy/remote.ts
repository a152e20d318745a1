import { CompressorError } from '../core/errors.js'
import { parseManifest } from '../core/manifest.js'
import { outputDirOf } from './local.js'
import { isTransientError, type RetryOptions, retry } from './pool.js'
import { createS3Client, loadS3Sdk, resolveS3Options, type S3Options } from './s3.js'
import { manifestFileName, resolveVersion } from '../core/version.js'

/** Which manifest: its name in outputDir, and the version that fills `[version]`. */
export interface ManifestLocation {
  /** The plugin's `outputDir`. Default `CACHE`. */
  outputDir?: string
  /** Default `manifest.json`; may contain `[version]`. */
  manifest?: string
  /** Fills `[version]`; default `VITE_COMPRESSOR_VERSION`. */
  version?: string
}

/**
 * Where to load a manifest from at start-up:
 * - a string or URL: the manifest's own URL (`https://cdn.example.com/static/CACHE/manifest.json`);
 * - `{ url, …location }`: the static base URL (`https://cdn.example.com/static/`), the manifest under it;
 * - `{ bucket, …S3 options, …location }`: the manifest's object under `prefix` in an S3 bucket.
 */
export type RemoteManifestSource =
  | string
  | URL
  | ({ url: string } & ManifestLocation)
  | (S3Options & ManifestLocation & { bucket: string })

export interface RemoteLoadOptions {
  retry?: RetryOptions
  /** Timeout of each request. Default 10 s. */
  timeoutMs?: number
  fetch?: typeof fetch
}

/** The manifest's path under the static URL: `CACHE/manifest.json`, `[version]` filled in. */
export function manifestPath(location: ManifestLocation = {}): string {
  const outputDir = outputDirOf(location)
  return `${outputDir}/${manifestFileName(location.manifest ?? 'manifest.json', resolveVersion(location.version))}`
}

/**
 * Loads a manifest from a URL or an S3 bucket, retrying network errors and 5xx, and checks it; the
 * result can be given to `createCompressor({ manifest, url })`. Throws CompressorError('MANIFEST')
 * naming the URL or object when it is missing or not a manifest.
 */
export async function loadRemoteManifest(
  source: RemoteManifestSource,
  options: RemoteLoadOptions = {},
): Promise<Map<string, string>> {
  const timeoutMs = options.timeoutMs ?? 10_000
  if (typeof source === 'string' || source instanceof URL || 'url' in source) {
    const url =
      typeof source === 'string' || source instanceof URL
        ? String(source)
        : `${source.url.endsWith('/') ? source.url : `${source.url}/`}${manifestPath(source)}`
    const doFetch = options.fetch ?? fetch
    const text = await retry(
      async () => {
        const res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs) })
        if (!res.ok) {
          await res.body?.cancel()
          throw Object.assign(new CompressorError('MANIFEST', `manifest ${url}: HTTP ${res.status}`), {
            status: res.status,
          })
        }
        return res.text()
      },
      isTransientError,
      options.retry,
    ).catch((err: unknown) => {
      if (err instanceof CompressorError) throw err
      throw new CompressorError('MANIFEST', `manifest ${url} could not be fetched (${describe(err)})`, { cause: err })
    })
    return parseManifest(text, url)
  }
  const r = resolveS3Options(source)
  const key = r.prefix + manifestPath(source)
  const where = `s3://${r.bucket}/${key}`
  const sdk = await loadS3Sdk()
  const client = await createS3Client(source)
  try {
    const text = await retry(
      async () => {
        const out = (await client.send(new sdk.GetObjectCommand({ Bucket: r.bucket, Key: key }))) as {
          Body?: { transformToString(): Promise<string> }
        }
        return (await out.Body?.transformToString()) ?? ''
      },
      isTransientError,
      options.retry,
    ).catch((err: unknown) => {
      const e = err as { name?: string }
      const detail =
        e.name === 'NoSuchKey' || e.name === 'NotFound'
          ? `manifest ${where} not found; upload the build first (\`vite-compressor upload\`)`
          : `manifest ${where} could not be read (${describe(err)})`
      throw new CompressorError('MANIFEST', detail, { cause: err })
    })
    return parseManifest(text, where)
  } finally {
    if (!source.client) client.destroy?.()
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string } }
  return e?.cause?.code ?? (e?.message || e?.name || String(err))
}
