import { CompressorError } from '../core/errors.js'

/** The environment variable that gives the build's version (for example the git commit). */
export const VERSION_ENV = 'VITE_COMPRESSOR_VERSION'

/** The placeholder a manifest name may contain, e.g. `manifest.[version].json`. */
export const VERSION_TOKEN = '[version]'

const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** True when a manifest name template contains `[version]`. */
export function isVersioned(template: string): boolean {
  return template.includes(VERSION_TOKEN)
}

/**
 * The version to build or serve: the option when given, else `VITE_COMPRESSOR_VERSION`, else
 * undefined. Whitespace around the value (a `$(git rev-parse HEAD)` newline) is trimmed.
 */
export function resolveVersion(option?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = (option ?? env[VERSION_ENV])?.trim()
  return value === '' ? undefined : value
}

/**
 * The manifest's file name for a version: `[version]` in the template is replaced by it.
 * A template without `[version]` is returned as it is. Throws CompressorError('OPTIONS') when the
 * template needs a version and none is given, or when the version could not be part of a file name.
 */
export function manifestFileName(template: string, version: string | undefined): string {
  if (!isVersioned(template)) return template
  if (version === undefined || version === '') {
    throw new CompressorError(
      'OPTIONS',
      `the manifest name ${JSON.stringify(template)} contains [version] but no version was given; pass the \`version\` option or set ${VERSION_ENV} (for example to the git commit)`,
    )
  }
  if (!VERSION_RE.test(version)) {
    throw new CompressorError(
      'OPTIONS',
      `version ${JSON.stringify(version)} cannot be part of a file name: use letters, digits, '.', '_' or '-' (at most 128, not starting with '.' or '-')`,
    )
  }
  return template.split(VERSION_TOKEN).join(version)
}

/**
 * A matcher for the file names a template can produce: `manifest.[version].json` matches
 * `manifest.3f1c9e2.json` and gives back the version. A template without `[version]` matches
 * only itself (version `undefined`).
 */
export function manifestNameMatcher(template: string): (name: string) => { version: string | undefined } | undefined {
  if (!isVersioned(template)) return (name) => (name === template ? { version: undefined } : undefined)
  const parts = template.split(VERSION_TOKEN).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  const re = new RegExp(`^${parts.join('([A-Za-z0-9][A-Za-z0-9._-]{0,127})')}$`)
  return (name) => {
    const m = re.exec(name)
    if (!m) return undefined
    const versions = m.slice(1)
    // A template with [version] twice must get the same version in both places.
    if (versions.some((v) => v !== versions[0])) return undefined
    return { version: versions[0] }
  }
}
