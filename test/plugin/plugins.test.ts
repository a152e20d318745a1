/** What other plugins may do to our stylesheets: read from their hooks and filters, as Rolldown applies them. */
import { describe, expect, it } from 'vitest'
import { isViteOrOurs, pluginSeeing } from '../../src/plugin/plugins.js'

const css = '/p/static/css/a.css'

describe('pluginSeeing', () => {
  it('counts any transform or load hook without a regular-expression id filter', () => {
    expect(pluginSeeing([{ name: 'a', transform: () => null }], css)).toBe('a')
    expect(pluginSeeing([{ name: 'b', load: { handler: () => null } }], css)).toBe('b')
    expect(pluginSeeing([{ name: 'glob', transform: { filter: { id: '**/*.css' }, handler: () => null } }], css)).toBe('glob')
    // With no stylesheet named, such a hook is one that cannot be told apart by its filter.
    expect(pluginSeeing([{ name: 'a', transform: () => null }], undefined)).toBe('a')
  })

  it('tests regular-expression filters against the stylesheet: some include matches, no exclude matches', () => {
    const only = (id: unknown) => [{ name: 'f', transform: { filter: { id }, handler: () => null } }]
    expect(pluginSeeing(only(/\.js$/), css)).toBeUndefined()
    expect(pluginSeeing(only([/\.js$/, /\.css$/]), css)).toBe('f')
    expect(pluginSeeing(only({ include: /\.css$/, exclude: /static\/css\// }), css)).toBeUndefined()
    expect(pluginSeeing(only({ exclude: [/\.js$/] }), css)).toBe('f')
    expect(pluginSeeing(only(/\.css$/g), css)).toBe('f') // a global regex tests from the start each time
    expect(pluginSeeing(only(/\.css$/), undefined)).toBeUndefined()
  })

  it("passes over Vite's plugins, Rolldown's and ours, and hooks that do not touch modules", () => {
    expect(pluginSeeing([{ name: 'vite:css', transform: () => null }, { name: 'vite-compressor', load: () => null }], css)).toBeUndefined()
    expect(pluginSeeing([{ name: 'late', generateBundle: () => null }], css)).toBeUndefined()
    expect(['vite:css', 'builtin:vite-json', 'native:reporter', 'alias', 'vite-compressor:online'].every(isViteOrOurs)).toBe(true)
    expect(isViteOrOurs('vite-plugin-compression')).toBe(false)
  })
})
