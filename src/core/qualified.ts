import type { Kind, Mode } from '../core/blocks.js'

/**
 * The manifest key for a block whose content is shared by blocks with a different kind, mode or
 * name: `<64-hex key>:<kind>:<mode>:<name or ''>`. django-compressor cannot tell such blocks apart;
 * the build writes these extra entries only for them, and the runtime looks them up first.
 */
export function qualifiedKey(key: string, kind: Kind, mode: Mode, name: string | undefined): string {
  return `${key}:${kind}:${mode}:${name ?? ''}`
}

/** True for a key written by {@link qualifiedKey} (plain offline keys are bare hex). */
export function isQualifiedKey(key: string): boolean {
  return key.includes(':')
}
