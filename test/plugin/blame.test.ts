import { describe, expect, it } from 'vitest'
import { buildFixture, writeTree } from '../helpers/fixture.js'

describe("errors from Vite's pipeline say which block uses the file", () => {
  it.each([
    ['a Sass error', 'static/a.scss', '.a { color: $nope }', '<link rel="stylesheet" href="/static/a.scss">', 'css'],
    [
      'a syntax error in a module',
      'static/m.js',
      'export const a = ;',
      '<script type="module" src="/static/m.js"></script>',
      'js',
    ],
    [
      'a syntax error in a module a module script imports',
      'static/dep.js',
      'export const a = ;',
      '<script type="module" src="/static/m.js"></script>',
      'js',
    ],
  ])('%s', async (_what, file, text, tag, kind) => {
    const root = writeTree({
      'templates/a.html': `<html>\n  {% compress ${kind} %}${tag}{% endcompress %}`,
      'static/m.js': 'import { a } from "./dep.js"\nwindow.a = a',
      'static/dep.js': 'export const a = 1',
      [file]: text,
    })
    const logged: string[] = []
    await buildFixture(
      root,
      { templates: 'templates/*.html' },
      {
        customLogger: {
          info() {},
          warn() {},
          warnOnce() {},
          // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colours
          error: (m: string) => void logged.push(m.replace(/\x1b\[[0-9;]*m/g, '')),
          clearScreen() {},
          hasErrorLogged: () => false,
          hasWarned: false,
        },
      },
    ).then(
      () => expect.fail('the build should fail'),
      () => {},
    )
    expect(logged.filter((l) => l.startsWith('vite-compressor:'))).toEqual([
      `vite-compressor: ${file} is used by templates/a.html:2:${kind === 'css' ? 21 : 20} ${tag.includes('module') ? '{% compress js %}' : '{% compress css %}'}`,
    ])
  })
})
