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
  // Django reads templates with universal newlines: a CRLF template keys as its LF text.
  const text = rendered.includes('\r') ? rendered.replace(/\r\n?/g, '\n') : rendered
  return sha256Hex(staticUrl === '' ? text : text.split(staticUrl).join(''))
}

const MAP_COMMENT = '//# sourceMappingURL='

/**
 * The text an output's name hashes: its bytes without a trailing `//# sourceMappingURL=` line
 * (that line names the map, whose name holds the hash, so it cannot be part of it).
 */
export function hashedPart(bytes: Uint8Array): Uint8Array {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const at = buf.lastIndexOf(`\n${MAP_COMMENT}`)
  if (at === -1 || buf.indexOf('\n', at + 1) < buf.length - 1) return bytes
  return bytes.subarray(0, at + 1)
}

