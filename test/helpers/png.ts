import { inflateSync } from 'node:zlib'

/** A decoded image: 8-bit RGBA, row by row. */
export interface Png {
  width: number
  height: number
  rgba: Buffer
}

/**
 * Decodes the PNGs Chromium writes (8-bit greyscale, RGB or RGBA, with or without alpha, not
 * interlaced) into RGBA. Enough for comparing screenshots; anything else is refused.
 */
export function decodePng(file: Buffer): Png {
  if (!file.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'))) throw new Error('not a PNG')
  let width = 0
  let height = 0
  let bitDepth = 0
  let colorType = 0
  let interlace = 0
  const idat: Buffer[] = []
  for (let at = 8; at < file.length; ) {
    const length = file.readUInt32BE(at)
    const type = file.toString('latin1', at + 4, at + 8)
    const data = file.subarray(at + 8, at + 8 + length)
    if (type === 'IHDR') {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      bitDepth = data[8] as number
      colorType = data[9] as number
      interlace = data[12] as number
    } else if (type === 'IDAT') idat.push(data)
    else if (type === 'IEND') break
    at += 12 + length
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType]
  if (bitDepth !== 8 || channels === undefined || interlace !== 0) {
    throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`)
  }
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * channels
  const pixels = Buffer.alloc(stride * height)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    const out = y * stride
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? (pixels[out + x - channels] as number) : 0
      const b = y > 0 ? (pixels[out - stride + x] as number) : 0
      const c = x >= channels && y > 0 ? (pixels[out - stride + x - channels] as number) : 0
      let predicted = 0
      if (filter === 1) predicted = a
      else if (filter === 2) predicted = b
      else if (filter === 3) predicted = (a + b) >> 1
      else if (filter === 4) {
        const p = a + b - c
        const pa = Math.abs(p - a)
        const pb = Math.abs(p - b)
        const pc = Math.abs(p - c)
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter} on row ${y}`)
      pixels[out + x] = ((line[x] as number) + predicted) & 0xff
    }
  }
  const rgba = Buffer.alloc(width * height * 4)
  for (let i = 0; i < width * height; i++) {
    const p = i * channels
    const grey = channels <= 2
    rgba[i * 4] = pixels[p] as number
    rgba[i * 4 + 1] = pixels[grey ? p : p + 1] as number
    rgba[i * 4 + 2] = pixels[grey ? p : p + 2] as number
    rgba[i * 4 + 3] = channels === 4 ? (pixels[p + 3] as number) : channels === 2 ? (pixels[p + 1] as number) : 255
  }
  return { width, height, rgba }
}

/** How many pixels differ between two images of the same size (every pixel, if the sizes differ). */
export function differingPixels(a: Png, b: Png): number {
  if (a.width !== b.width || a.height !== b.height) return Math.max(a.width * a.height, b.width * b.height)
  let n = 0
  for (let i = 0; i < a.rgba.length; i += 4) {
    if (a.rgba.readUInt32BE(i) !== b.rgba.readUInt32BE(i)) n++
  }
  return n
}

/** How many distinct colours an image has (up to `limit`). */
export function colourCount(image: Png, limit = 1000): number {
  const seen = new Set<number>()
  for (let i = 0; i < image.rgba.length && seen.size < limit; i += 4) seen.add(image.rgba.readUInt32BE(i))
  return seen.size
}
