import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { confineCssRefs } from '../../src/plugin/css-refs.js'
import { absolutizeCss, joinCss, rebaseCss, rewriteCssTargets } from '../../src/plugin/css.js'
import { writeTree } from '../helpers/fixture.js'

describe('CSS text helpers', () => {
  it('rebases relative url()s from one output folder to another, keeping quotes, queries and fragments', () => {
    const css = `a{background:url(../img/a.png?v=1)}b{background:url("x.svg#i")}c{background:url('data:x')}d{background:url(/abs.png)}`
    expect(rebaseCss(css, 'assets', 'CACHE/css')).toBe(
      `a{background:url(../../img/a.png?v=1)}b{background:url("../../assets/x.svg#i")}c{background:url('data:x')}d{background:url(/abs.png)}`,
    )
  })

  it('makes relative url()s absolute under a base for inline CSS', () => {
    expect(absolutizeCss('a{background:url(../../assets/a.png)}', 'CACHE/css', '/P/')).toBe('a{background:url(/P/assets/a.png)}')
  })

  it('joins pieces: BOM and @charset dropped, external @imports first, one @charset when not ASCII', () => {
    expect(joinCss(['\uFEFF@charset "utf-8";.a{}', '@import url(https://x/y.css);.b{content:"é"}'], '')).toBe(
      '@charset "UTF-8";@import url(https://x/y.css);.a{}.b{content:"é"}',
    )
    expect(joinCss(['.a{}', '.b{}'], '\n')).toBe('.a{}\n.b{}\n')
  })

  it('offers every url() and @import string target, and only those', () => {
    const seen: string[] = []
    rewriteCssTargets('@import "a.css";x{background:url(b.png)}y{background:url(data:z)}z{background:url(//cdn/x)}', (u) => {
      seen.push(u)
      return undefined
    })
    expect(seen).toEqual(['a.css', 'b.png'])
  })
})

describe('confineCssRefs', () => {
  const root = writeTree({ 'assets/css/a.css': '', 'assets/img/x.png': 'x', 'other/y.png': 'y' })
  const roots = { staticUrl: '/static/', roots: [path.join(root, 'assets')], root }
  const file = path.join(root, 'assets/css/a.css')

  it('points /static/ URLs at the file in the static roots, relative to the stylesheet', () => {
    expect(confineCssRefs('a{background:url(/static/img/x.png?v=2)}', file, roots)).toBe('a{background:url(../img/x.png?v=2)}')
  })

  it('leaves relative paths inside the project, public URLs and comments to Vite', () => {
    const css = 'b{background:url(../../other/y.png)}c{background:url(/favicon.ico)}/* url(gone.png) */'
    expect(confineCssRefs(css, file, roots)).toBe(css)
  })

  it('names a referenced file that does not exist', () => {
    expect(() => confineCssRefs('a{background:url(/static/img/missing.png)}', file, roots)).toThrow(
      /\/static\/img\/missing\.png not found in static roots \[assets\]/,
    )
    expect(() => confineCssRefs('a{background:url(../img/gone.png)}', file, roots)).toThrow(
      /\.\.\/img\/gone\.png not found \(assets\/img\/gone\.png\)/,
    )
  })

  it('refuses targets that leave the static roots and the project', () => {
    expect(() => confineCssRefs('a{background:url(/static/../secret)}', file, roots)).toThrow(/tries to leave the static roots/)
    expect(() => confineCssRefs('a{background:url(../../../../../../etc/hostname)}', file, roots)).toThrow(
      /points out of the static roots and the project/,
    )
  })
})
