/**
 * Deployment helpers: versioned manifest names, verify, prune, the coherency check across servers,
 * S3 upload and loading a manifest from a URL or a bucket. Used by the `vite-compressor` command,
 * the plugin (verify and upload at the end of a build) and the runtime (remote manifests).
 */
export { type CheckOptions, type CheckResult, checkServers, staticBaseUrl } from './check.js'
export { type FileSource, type ReferenceGraph, walkReferences } from './graph.js'
export { type LayoutOptions, listManifests, localSource, type ManifestFile, readManifestFile } from './local.js'
export { contentType } from './mime.js'
export { isTransientError, type RetryOptions, retry } from './pool.js'
export { type PruneOptions, type PruneResult, pruneOutDir } from './prune.js'
export {
  type BadReference,
  checkIntegrity,
  cssReferences,
  fileReferences,
  integrityReferences,
  jsReferences,
  manifestReferences,
  outputHash,
  type Reference,
} from './refs.js'
export {
  type ManifestLocation,
  loadRemoteManifest,
  manifestPath,
  type RemoteLoadOptions,
  type RemoteManifestSource,
} from './remote.js'
export {
  CACHE_CONTROL,
  createS3Client,
  isHashedName,
  resolveS3Options,
  type S3ClientLike,
  type S3Options,
  UploadError,
  type UploadOptions,
  type UploadResult,
  uploadOutDir,
} from './s3.js'
export { type VerifyResult, verifyManifest, verifyOutDir } from './verify.js'
export {
  isVersioned,
  manifestFileName,
  manifestNameMatcher,
  resolveVersion,
  VERSION_ENV,
  VERSION_TOKEN,
} from '../core/version.js'
