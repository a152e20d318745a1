import { createHash } from 'node:crypto'
import { CompressorError } from '../core/errors.js'
import { walkReferences } from './graph.js'
import { localSource, outputDirOf, readManifestFile } from './local.js'
import { contentType } from './mime.js'
import { isTransientError, mapLimit, type RetryOptions, retry } from './pool.js'
import { manifestReferences, outputHash } from './refs.js'
import { verifyManifest } from './verify.js'
import { manifestFileName, resolveVersion } from '../core/version.js'

type S3Sdk = typeof import('@aws-sdk/client-s3')

/** Anything with the S3 client's `send` (an `S3Client`, or a stand-in in tests). */
export interface S3ClientLike {
  send(command: unknown): Promise<unknown>
  destroy?(): void
}

/** Where objects go. Unset fields come from the usual AWS environment variables. */
export interface S3Options {
  /** The bucket. Required (or `VITE_COMPRESSOR_S3_BUCKET`). */
  bucket?: string
  /** Key prefix, e.g. `static/` (objects are `static/CACHE/css/…`). Default none. */
  prefix?: string
  /** An S3-compatible endpoint (MinIO, R2, …). Default `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, or AWS itself. */
  endpoint?: string
  /** Default `AWS_REGION`, `AWS_DEFAULT_REGION`, or `us-east-1`. */
  region?: string
  /** Default `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, else the SDK's own chain (profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** Path-style URLs (`endpoint/bucket/key`). Default: true when an endpoint is given. */
  forcePathStyle?: boolean
  /** Retries of each request on network errors, 5xx and 429. Default 5 attempts, from 200 ms, doubling. */
  retry?: RetryOptions
  /** Timeout of each request. Default 30 s. */
  timeoutMs?: number
  /** A client to use instead of creating one (its own settings then apply). */
  client?: S3ClientLike
  /** Where unset fields are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv
}

/** The `Cache-Control` values {@link uploadOutDir} writes. */
export const CACHE_CONTROL = {
  /** Files whose name holds a hash of their content never change. */
  hashed: 'public, max-age=31536000, immutable',
  /** The manifest changes with every build: caches must ask again each time. */
  manifest: 'no-cache, max-age=0',
  /** Files without a hash in their name. */
  other: 'public, max-age=300',
} as const

export interface UploadOptions extends S3Options {
  /** The plugin's `outputDir`. Default `CACHE`. */
  outputDir?: string
  /** The manifest's name, possibly with `[version]`. Default `manifest.json`. */
  manifest?: string
  /** Fills `[version]`; default `VITE_COMPRESSOR_VERSION`. */
  version?: string
  /** Uploads in flight at once. Default 4. */
  concurrency?: number
  /** Progress lines (`uploaded …`, `retrying …`). */
  log?: (line: string) => void
}

export interface UploadResult {
  bucket: string
  /** The manifest's object key. */
  manifestKey: string
  /** False when the same manifest was already published. */
  manifestUploaded: boolean
  /** Paths under outDir uploaded, and those already present with the same size and content. */
  uploaded: string[]
  skipped: string[]
  /** Requests that were retried. */
  retries: number
}

/** Upload failed; the manifest was not uploaded, so the previous one stays published. */
export class UploadError extends Error {
  readonly failed: string[]
  constructor(message: string, failed: string[], cause?: unknown) {
    super(message, { cause })
    this.name = 'UploadError'
    this.failed = failed
  }
}

/** Loads `@aws-sdk/client-s3` on first use, with a clear message when it is not installed. */
export async function loadS3Sdk(): Promise<S3Sdk> {
  try {
    return await import('@aws-sdk/client-s3')
  } catch (cause) {
    const e = cause as NodeJS.ErrnoException
    if (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') {
      throw new CompressorError(
        'OPTIONS',
        'S3 storage needs the AWS SDK, which is not installed: run `npm install -D @aws-sdk/client-s3`',
        { cause },
      )
    }
    throw cause
  }
}

/** Options with the environment filled in (pure: pass `env` to test). */
export function resolveS3Options(options: S3Options, env: NodeJS.ProcessEnv = options.env ?? process.env) {
  const bucket = options.bucket ?? env.VITE_COMPRESSOR_S3_BUCKET
  if (!bucket) {
    throw new CompressorError(
      'OPTIONS',
      'S3: no bucket given; pass `bucket` (--bucket) or set VITE_COMPRESSOR_S3_BUCKET',
    )
  }
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1'
  // A copy: the SDK writes bookkeeping into the credentials object it is given.
  const credentials =
    (options.credentials && { ...options.credentials }) ??
    (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined)
  let prefix = (options.prefix ?? '').replace(/^\/+/, '')
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/'
  return {
    bucket,
    prefix,
    endpoint: endpoint || undefined,
    region,
    credentials,
    forcePathStyle: options.forcePathStyle ?? Boolean(endpoint),
    timeoutMs: options.timeoutMs ?? 30_000,
  }
}

/** An S3 client for the options (the SDK is imported now). Its own retries are off: {@link retry} does them. */
export async function createS3Client(options: S3Options): Promise<S3ClientLike> {
  if (options.client) return options.client
  const r = resolveS3Options(options)
  const sdk = await loadS3Sdk()
  return new sdk.S3Client({
    region: r.region,
    ...(r.endpoint ? { endpoint: r.endpoint } : {}),
    ...(r.credentials ? { credentials: r.credentials } : {}),
    forcePathStyle: r.forcePathStyle,
    maxAttempts: 1,
    // Checksums only where S3 requires them: S3-compatible servers mishandle the newer defaults.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: Math.min(r.timeoutMs, 10_000), requestTimeout: r.timeoutMs },
  })
}

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex')

/** True for names that carry a hash of their content: our outputs, and Vite's `name-HASH.ext` assets. */
export function isHashedName(file: string, outputDir = 'CACHE'): boolean {
  if (outputHash(file, outputDir) !== undefined) return true
  const base = file.slice(file.lastIndexOf('/') + 1)
  return /-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+(\.map)?$/.test(base)
}

/** HeadObject: the object's size and ETag, or undefined when it is not there. */
async function head(
  sdk: S3Sdk,
  client: S3ClientLike,
  bucket: string,
  key: string,
): Promise<{ size: number | undefined; etag: string | undefined } | undefined> {
  try {
    const out = (await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }))) as {
      ContentLength?: number
      ETag?: string
    }
    return { size: out.ContentLength, etag: out.ETag?.replace(/"/g, '') }
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
    if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined
    throw err
  }
}

/** Same size, and the same MD5 when the ETag is one (multipart ETags contain a dash). */
function samePresent(
  found: { size: number | undefined; etag: string | undefined } | undefined,
  bytes: Uint8Array,
): boolean {
  if (!found || found.size !== bytes.length) return false
  if (found.etag && /^[0-9a-f]{32}$/i.test(found.etag)) return found.etag.toLowerCase() === md5(bytes)
  return true
}

/**
 * `vite-compressor upload`: checks the build (as `verify` does), then puts every file the manifest
 * references into the bucket under `prefix` with its Content-Type and Cache-Control — skipping
 * objects already there with the same size and ETag, retrying network errors, 5xx and 429 with
 * backoff — and only when all of them are in place, the manifest itself, last. On failure it throws
 * {@link UploadError} before the manifest is touched, so the previous manifest stays published;
 * running it again skips what arrived and completes.
 */
export async function uploadOutDir(outDir: string, options: UploadOptions): Promise<UploadResult> {
  const r = resolveS3Options(options)
  const outputDir = outputDirOf(options)
  const name = manifestFileName(options.manifest ?? 'manifest.json', resolveVersion(options.version))
  const manifestPath = `${outputDir}/${name}`
  const log = options.log ?? (() => {})
  const entries = readManifestFile(outDir, manifestPath)
  const verified = await verifyManifest(outDir, entries, { outputDir, label: manifestPath })
  if (verified.problems.length > 0) {
    throw new UploadError(
      `not uploading: the build in ${outDir} fails verification:\n${verified.problems.join('\n')}`,
      [],
    )
  }
  const source = localSource(outDir)
  const graph = await walkReferences(manifestReferences(entries).refs, source, { weak: true })
  const files = [...graph.files.keys()].sort()
  const sdk = await loadS3Sdk()
  const client = options.client ?? (await createS3Client(options))
  let retries = 0
  const send = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    retry(fn, isTransientError, options.retry, (err, attempt, delay) => {
      retries++
      log(
        `retrying ${what} (attempt ${attempt} failed: ${(err as Error).message || (err as Error).name}; waiting ${Math.round(delay)} ms)`,
      )
    })

  const put = async (file: string, bytes: Uint8Array, cacheControl: string): Promise<'uploaded' | 'skipped'> => {
    const key = r.prefix + file
    const found = await send(`HEAD ${key}`, () => head(sdk, client, r.bucket, key))
    if (samePresent(found, bytes)) return 'skipped'
    await send(`PUT ${key}`, () =>
      client.send(
        new sdk.PutObjectCommand({
          Bucket: r.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: contentType(file),
          CacheControl: cacheControl,
          ContentMD5: createHash('md5').update(bytes).digest('base64'),
        }),
      ),
    )
    return 'uploaded'
  }

  const uploaded: string[] = []
  const skipped: string[] = []
  const failed: { file: string; err: unknown }[] = []
  try {
    await mapLimit(files, options.concurrency ?? 4, async (file) => {
      const bytes = source.readSync(file)
      if (bytes === undefined) {
        failed.push({ file, err: new Error('vanished from outDir') })
        return
      }
      try {
        const what = await put(file, bytes, isHashedName(file, outputDir) ? CACHE_CONTROL.hashed : CACHE_CONTROL.other)
        ;(what === 'uploaded' ? uploaded : skipped).push(file)
        if (what === 'uploaded') log(`uploaded ${r.prefix}${file}`)
      } catch (err) {
        failed.push({ file, err })
      }
    })
    if (failed.length > 0) {
      const lines = failed.map((f) => `${f.file}: ${(f.err as Error).message || (f.err as Error).name}`)
      throw new UploadError(
        `upload to s3://${r.bucket}/${r.prefix} failed for ${failed.length} file(s); the manifest was not uploaded, the previous one stays published. Run the upload again to complete it.\n${lines.join('\n')}`,
        failed.map((f) => f.file),
        failed[0]?.err,
      )
    }
    // Every file the manifest names is in the bucket: publish the manifest.
    const manifestBytes = source.readSync(manifestPath) as Buffer
    const what = await put(manifestPath, manifestBytes, CACHE_CONTROL.manifest).catch((err: unknown) => {
      throw new UploadError(
        `uploading the manifest ${r.prefix}${manifestPath} failed (${(err as Error).message || (err as Error).name}); every file is in place, run the upload again`,
        [manifestPath],
        err,
      )
    })
    if (what === 'uploaded') log(`uploaded ${r.prefix}${manifestPath} (manifest, last)`)
    return {
      bucket: r.bucket,
      manifestKey: r.prefix + manifestPath,
      manifestUploaded: what === 'uploaded',
      uploaded: uploaded.sort(),
      skipped: skipped.sort(),
      retries,
    }
  } finally {
    if (!options.client) client.destroy?.()
  }
}
