// Writes the playground's PNGs (committed in static/img; run again only to change them):
//   node playground/tools/make-images.js
// paper.png and stripes.png are noisy on purpose, so they stay above Vite's 4 KB inline limit and
// are emitted as files; dot.png is tiny, so the build inlines it as a data: URI.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

const OUT = fileURLToPath(new URL('../static/img/', import.meta.url))

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf) {
  let c = 0xffffffff
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/** An 8-bit RGBA PNG from pixel(x, y) → [r, g, b, a]. */
function png(width, height, pixel) {
  const raw = Buffer.alloc((width * 4 + 1) * height)
  let i = 0
  for (let y = 0; y < height; y++) {
    raw[i++] = 0 // filter: none
    for (let x = 0; x < width; x++) {
      for (const v of pixel(x, y)) raw[i++] = v
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** A small deterministic PRNG (mulberry32), so the files are the same on every run. */
function random(seed) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// Warm paper grain, tiled behind every page.
const grain = random(1)
const paper = png(64, 64, () => {
  const n = Math.floor(grain() * 16)
  return [246 - n, 238 - n - Math.floor(grain() * 4), 224 - n, 255]
})

// Diagonal stripes with a little noise, for the banner.
const noise = random(2)
const stripes = png(64, 64, (x, y) => {
  const on = (x + y) % 32 < 16
  const n = Math.floor(noise() * 32)
  return on ? [217 - n, 72 + n, 15 + n, 255] : [31 + n, 42 + n, 68 + n, 255]
})

// A 4×4 dot, inlined by the build.
const dot = png(4, 4, (x, y) => ((x === 1 || x === 2) && (y === 1 || y === 2) ? [31, 42, 68, 160] : [0, 0, 0, 0]))

for (const [name, data] of Object.entries({ 'paper.png': paper, 'stripes.png': stripes, 'dot.png': dot })) {
  writeFileSync(OUT + name, data)
  console.log(`${name}: ${data.length} bytes`)
}
