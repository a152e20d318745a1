import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nunjucks from 'nunjucks'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { findBlocks } from '../../src/core/blocks.js'
import { offlineKey } from '../../src/core/key.js'
import { type Compressor, createCompressor, nunjucksExtension, qualifiedKey } from '../../src/runtime/index.js'
import { cleanup, entry, tempDir, writeManifest } from './helpers.js'

afterAll(cleanup)

function env(compressor: Compressor, loader?: nunjucks.ILoader): nunjucks.Environment {
  const e = new nunjucks.Environment(loader ?? null, { autoescape: true })
  e.addExtension('compress', nunjucksExtension(compressor))
  return e
}

const LINK = '<link rel="stylesheet" href="/static/css/site.css">'

describe('nunjucks extension', () => {
  it('renders a block as the manifest html, unescaped, with the URL filled in', async () => {
    const body = `\n  ${LINK}\n`
    const manifest = await writeManifest([entry(body, 'css', 'file')])
    const c = createCompressor({ manifest, enabled: true, url: 'https://cdn.example.com/s/' })
    const html = env(c).renderString(`<head>{% compress css %}${body}{% endcompress %}</head>`, {})
    expect(html).toBe(
      '<head><link rel="stylesheet" href="https://cdn.example.com/s/CACHE/css/output.0123456789ab.css" type="text/css"></head>',
    )
  })

  it('accepts Jinja-style commas, a name with dots and dashes, and {% endcompress js %}', () => {
    const body = '<script>var a = 1</script>'
    const [key, html] = entry(body, 'js', 'inline', { content: 'var a=1;' })
    const c = createCompressor({ manifest: { [key]: html }, enabled: true })
    const out = env(c).renderString(`{% compress js, inline, main.v-2 %}${body}{% endcompress js %}`, {})
    expect(out).toBe('<script>var a=1;</script>')
  })

  it('gives the same key as core findBlocks with {%- -%} whitespace control', () => {
    const source = `<head>\n  {%- compress css -%}\n\n    ${LINK}\n  \t{%- endcompress -%}\n</head>`
    const [block] = findBlocks(source, 'page.njk')
    const [key, html] = entry(block?.content as string, 'css', 'file')
    expect(block?.content).toBe(LINK)
    const c = createCompressor({ manifest: { [key]: html }, enabled: true })
    expect(env(c).renderString(source, {})).toBe(
      '<head><link rel="stylesheet" href="/static/CACHE/css/output.0123456789ab.css" type="text/css"></head>',
    )
  })

  it('renders variables in the body from the request context, so they change the key', () => {
    const body = '<link rel="stylesheet" href="/static/css/{{ theme }}.css">'
    const [key, html] = entry('<link rel="stylesheet" href="/static/css/dark.css">', 'css', 'file')
    const c = createCompressor({ manifest: { [key]: html }, enabled: true })
    const e = env(c)
    const tpl = `{% compress css %}${body}{% endcompress %}`
    expect(e.renderString(tpl, { theme: 'dark' })).toContain('CACHE/css/output.0123456789ab.css')
    expect(() => e.renderString(tpl, { theme: 'light' })).toThrow(
      offlineKey(body.replace('{{ theme }}', 'light'), '/static/'),
    )
  })

  it('hashes a body without variables once, when the template is compiled', () => {
    const [key, html] = entry(LINK, 'css', 'file')
    const c = createCompressor({ manifest: { [key]: html }, enabled: true })
    const hash = vi.spyOn(c, 'key')
    const tpl = nunjucks.compile(`{% compress css %}${LINK}{% endcompress %}`, env(c))
    const outputs = [tpl.render({}), tpl.render({}), tpl.render({ cspNonce: 'n' })]
    expect(hash).toHaveBeenCalledTimes(1)
    expect(outputs[0]).toBe(outputs[1])
    expect(outputs[2]).toContain('nonce="n"')
  })

  it('tells apart blocks with the same content but another mode through qualified keys', () => {
    const [key, file] = entry(LINK, 'css', 'file')
    const [, inline] = entry(LINK, 'css', 'inline', { content: 'p{}' })
    const c = createCompressor({
      manifest: { [key]: file, [qualifiedKey(key, 'css', 'inline', '')]: inline },
      enabled: true,
    })
    const out = env(c).renderString(
      `{% compress css %}${LINK}{% endcompress %}|{% compress css inline %}${LINK}{% endcompress %}`,
      {},
    )
    expect(out).toBe(
      '<link rel="stylesheet" href="/static/CACHE/css/output.0123456789ab.css" type="text/css">|<style type="text/css">p{}</style>',
    )
  })

  it('adds the nonce from the cspNonce context variable', () => {
    const [key, html] = entry(LINK, 'css', 'file')
    const c = createCompressor({ manifest: { [key]: html }, enabled: true })
    const out = env(c).renderString(`{% compress css %}${LINK}{% endcompress %}`, { cspNonce: 'r4nd' })
    expect(out).toMatch(/^<link nonce="r4nd" rel="stylesheet"/)
  })

  it('names the template, key and advice when a block is missing', async () => {
    const dir = await tempDir()
    await mkdir(join(dir, 'pages'))
    await writeFile(join(dir, 'pages', 'home.njk'), `<p>\n{% compress css %}${LINK}{% endcompress %}`)
    const c = createCompressor({ manifest: new Map(), enabled: true })
    const e = env(c, new nunjucks.FileSystemLoader(dir))
    let message = ''
    try {
      e.render('pages/home.njk', {})
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toContain('pages/home.njk')
    expect(message).toContain('MissingBlockError')
    expect(message).toContain(offlineKey(LINK, '/static/'))
    expect(message).toContain('vite build')
  })

  it('passes the rendered body through when disabled', () => {
    const c = createCompressor({ manifest: 'missing.json', enabled: false })
    const e = env(c)
    expect(e.renderString('{% compress css %}<b>{{ x }}</b>{% endcompress %}', { x: '&' })).toBe('<b>&amp;</b>')
    expect(e.renderString(`{% compress css %}${LINK}{% endcompress %}`, {})).toBe(LINK)
  })

  it('reports bad arguments and unclosed blocks when the template is compiled', () => {
    const c = createCompressor({ manifest: {}, enabled: true })
    expect(() => env(c).renderString('{% compress scss %}x{% endcompress %}', {})).toThrow(/unknown kind 'scss'/)
    expect(() => env(c).renderString('{% compress css %}x', {})).toThrow(/endcompress/)
    expect(() => env(c).renderString('{% compress css %}x{% endcompress js %}', {})).toThrow(/does not close/)
  })

  describe('one tag per file per page', () => {
    const SHARED = '<link rel="stylesheet" href="/static/css/site.css">'
    const PAGE = `${SHARED}<link rel="stylesheet" href="/static/css/page.css">`
    const VENDOR = '<script src="/static/js/vendor.js"></script>'
    const siteTag = '<link rel="stylesheet" href="/static/CACHE/css/site.0123456789ab.css" type="text/css">'
    const pageTag = '<link rel="stylesheet" href="/static/CACHE/css/page.0123456789ab.css" type="text/css">'
    const vendorTag = '<script src="/static/CACHE/js/vendor.0123456789ab.js"></script>'
    const manifest = {
      [offlineKey(SHARED, '/static/')]: siteTag.replace('/static/', '/__compressor_url_placeholder__/'),
      [offlineKey(PAGE, '/static/')]: (siteTag + pageTag).replaceAll('/static/', '/__compressor_url_placeholder__/'),
      [offlineKey(VENDOR, '/static/')]: vendorTag.replace('/static/', '/__compressor_url_placeholder__/'),
    }
    const count = (html: string, tag: string) => html.split(tag).length - 1

    async function site(): Promise<nunjucks.Environment> {
      const dir = await tempDir()
      // The layout's head partial is included before the page's block; the vendor script is
      // compressed by the layout and by a partial the page includes inside a loop.
      await writeFile(join(dir, 'head.njk'), `{% compress css %}${SHARED}{% endcompress %}`)
      await writeFile(join(dir, 'vendor.njk'), `{% compress js %}${VENDOR}{% endcompress %}`)
      await writeFile(
        join(dir, 'layout.njk'),
        `<head>{% include "head.njk" %}{% block head %}{% endblock %}</head><body>{% block body %}{% endblock %}{% compress js %}${VENDOR}{% endcompress %}</body>`,
      )
      await writeFile(
        join(dir, 'page.njk'),
        `{% extends "layout.njk" %}{% block head %}{% compress css %}${PAGE}{% endcompress %}{% endblock %}` +
          `{% block body %}<p>{{ who }}</p>{% for i in [1, 2] %}{% include "vendor.njk" %}{% endfor %}{% endblock %}`,
      )
      await writeFile(join(dir, 'alone.njk'), `{% compress css %}${PAGE}{% endcompress %}{% include "head.njk" %}`)
      return env(createCompressor({ manifest, enabled: true }), new nunjucks.FileSystemLoader(dir))
    }

    it('emits a file shared by the layout, the page and its includes once per page render', async () => {
      const e = await site()
      const data = { who: 'me' }
      const html = e.render('page.njk', data)
      expect(html).toBe(`<head>${siteTag}${pageTag}</head><body><p>me</p>${vendorTag}</body>`)
      expect(data).toEqual({ who: 'me' })
      // Another render of the same page, sync or async, is another page: the tags are there again.
      expect(e.render('page.njk', data)).toBe(html)
      const async = await new Promise<string>((resolve, reject) =>
        e.render('page.njk', data, (err, out) => (err ? reject(err) : resolve(out as string))),
      )
      expect(async).toBe(html)
      expect(count(e.render('alone.njk', {}), siteTag)).toBe(1)
      expect(e.render('alone.njk', {})).toBe(siteTag + pageTag)
    })

    it('keeps the nonce on the tags it keeps', async () => {
      const html = (await site()).render('page.njk', { who: 'me', cspNonce: 'r4nd' })
      expect(count(html, 'nonce="r4nd"')).toBe(3)
      expect(count(html, 'CACHE/css/site.0123456789ab.css')).toBe(1)
    })

    it('is per renderString call too, for a body with variables as well', () => {
      const e = env(createCompressor({ manifest, enabled: true }))
      const tpl = `{% compress css %}${SHARED}{% endcompress %}{% compress css %}{{ page | safe }}{% endcompress %}`
      expect(e.renderString(tpl, { page: PAGE })).toBe(siteTag + pageTag)
      expect(e.renderString(tpl, { page: PAGE })).toBe(siteTag + pageTag)
    })
  })
})
