import { createHash } from 'node:crypto'

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/**
 * django-compressor's offline key (`get_offline_hexdigest`): sha256 hex of the rendered block
 * content with every occurrence of STATIC_URL removed, so the key does not depend on where static
 * files are served from.
 */
export function offlineKey(rendered: string, staticUrl: string): string {
  return sha256Hex(staticUrl === '' ? rendered : rendered.split(staticUrl).join(''))
}
