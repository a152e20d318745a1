import { describe, expect, it } from 'vitest'
import { hashedPart } from '../../src/core/key.js'

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8')

describe('the hashed part of an output', () => {
  it('leaves out a trailing sourceMappingURL line, and only that', () => {
    expect(text(hashedPart(Buffer.from('a();\n//# sourceMappingURL=x.js.map\n')))).toBe('a();\n')
    expect(text(hashedPart(Buffer.from('a();\n//# sourceMappingURL=x.js.map\nb();\n')))).toBe(
      'a();\n//# sourceMappingURL=x.js.map\nb();\n',
    )
    expect(text(hashedPart(Buffer.from('a();\n')))).toBe('a();\n')
    // Not the last line of a file that ends with a newline: part of the content.
    expect(text(hashedPart(Buffer.from('a();\n//# sourceMappingURL=x.js.map')))).toBe('a();\n//# sourceMappingURL=x.js.map')
  })
})
