import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hashedPart, hashedText } from '../../src/core/key.js'

describe('the hashed part of an output', () => {
  it('leaves out a trailing sourceMappingURL line, and only that', () => {
    expect(hashedText('a();\n//# sourceMappingURL=x.js.map\n')).toBe('a();\n')
    expect(hashedText('a();\n//# sourceMappingURL=x.js.map\nb();\n')).toBe('a();\n//# sourceMappingURL=x.js.map\nb();\n')
    expect(hashedText('a();\n')).toBe('a();\n')
  })

  it('is the same whether taken from the text or from its UTF-8 bytes', () => {
    const piece = fc.constantFrom('a', 'é', '😀', '\n', '//# sourceMappingURL=m.map', ';')
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const text = parts.join('')
        expect(Buffer.from(hashedPart(Buffer.from(text))).toString('utf8')).toBe(hashedText(text))
      }),
      { numRuns: 2000 },
    )
  })
})
