import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Liquid } from 'liquidjs'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { findBlocks } from '../../src/core/blocks.js'
import { offlineKey } from '../../src/core/key.js'
import { type Compressor, createCompressor, MissingBlockError, registerLiquid } from '../../src/runtime/index.js'
import { cleanup, entry, tempDir } from './helpers.js'

afterAll(cleanup)

function engine(compressor: Compressor, root?: string): Liquid {
  const liquid = new Liquid(root ? { root, extname: '.liquid' } : {})
  registerLiquid(liquid, compressor)
  return liquid
}

const SCRIPT = '<script src="/static/js/app.js"></script>'

describe('liquid tag', () => {
  it('renders a block as the manifest html with the URL filled in', async () => {
    const [key, html] = entry(SCRIPT, 'js', 'file')
    const c = createCompressor({ manifest: { [key]: html }, enabled: true, url: 'https://cdn.example.com/' })
    const out = await engine(c).parseAndRender(`<body>{% compress js %}${SCRIPT}{% endcompress %}</body>`)
    expect(out).toBe('<body><script src="https://cdn.example.com/CACHE/js/output.0123456789ab.js"></script></body>')
  })

  it('reads mode and name, and gives the same key as core findBlocks with {%- -%}', async () => {
    const source = `<head>\n  {%- compress js inline app -%}\n   ${SCRIPT}\n  {%- endcompress -%}\n</head>`
    const [block] = findBlocks(source, 'page.liquid')
    expect(block?.content).toBe(SCRIPT)
    const [key, html] = entry(SCRIPT, 'js', 'inline', { content: 'go();' })
    const c = createCompressor({ manifest: { [key]: html }, enabled: true })
    expect(await engine(c).parseAndRender(source)).toBe('<head><script>go();</script></head>')
  })

  it('renders variables in the body with the page scope, so they change the key', async () => {
    const body = '<script src="/static/js/{{ lang }}.js"></script>'
    const [key, html] = entry('<script src="/static/js/fr.js"></script>', 'js', 'file')
    const c = createCompressor({ manifest: { [key]: html }, enabled: true })
    const tpl = `{% compress js %}${body}{% endcompress %}`
    expect(await engine(c).parseAndRender(tpl, { lang: 'fr' })).toContain('CACHE/js/output.0123456789ab.js')
    await expect(engine(c).parseAndRender(tpl, { lang: 'de' })).rejects.toThrow(
      offlineKey('<script src="/static/js/de.js"></script>', '/static/'),
    )
  })

  it('hashes a body of plain HTML once, when the template is parsed', async () => {
    const [key, html] = entry(SCRIPT, 'js', 'file')
    const c = createCompressor({ manifest: { [key]: html }, enabled: true })
    const hash = vi.spyOn(c, 'key')
    const liquid = engine(c)
    const tpl = liquid.parse(`{% compress js %}${SCRIPT}{% endcompress %}`)
    const outputs = [await liquid.render(tpl, {}), liquid.renderSync(tpl, {}), await liquid.render(tpl, {})]
    expect(hash).toHaveBeenCalledTimes(1)
    expect(new Set(outputs).size).toBe(1)
  })

  it('adds the nonce from the cspNonce variable', async () => {
    const [key, html] = entry(SCRIPT, 'js', 'file')
    const c = createCompressor({ manifest: { [key]: html }, enabled: true })
    const out = await engine(c).parseAndRender(`{% compress js %}${SCRIPT}{% endcompress %}`, { cspNonce: 'xyz' })
    expect(out).toBe('<script nonce="xyz" src="/static/CACHE/js/output.0123456789ab.js"></script>')
  })

  it('names the template file and line of a missing block', async () => {
    const root = await tempDir()
    await writeFile(join(root, 'home.liquid'), `<p>\n\n {% compress js %}${SCRIPT}{% endcompress %}`)
    const c = createCompressor({ manifest: {}, enabled: true })
    const error = await engine(c, root)
      .renderFile('home')
      .then(
        () => undefined,
        (e: { originalError?: unknown; message: string }) => e,
      )
    const missing = error?.originalError as MissingBlockError
    expect(missing).toBeInstanceOf(MissingBlockError)
    expect(missing.template).toBe(join(root, 'home.liquid'))
    expect(missing.line).toBe(3)
    expect(missing.message).toContain(`${join(root, 'home.liquid')}:3:2:`)
    expect(error?.message).toContain('vite build')
  })

  it('passes the rendered body through when disabled', async () => {
    const c = createCompressor({ manifest: 'missing.json', enabled: false })
    expect(await engine(c).parseAndRender('{% compress css %}<i>{{ x }}</i>{% endcompress %}', { x: 1 })).toBe(
      '<i>1</i>',
    )
  })

  it('reports bad arguments and unclosed blocks at parse time', () => {
    const c = createCompressor({ manifest: {}, enabled: true })
    expect(() => engine(c).parse('{% compress css fast %}x{% endcompress %}')).toThrow(/unknown mode 'fast'/)
    expect(() => engine(c).parse('{% compress css %}x')).toThrow(/not closed/)
  })

  it('emits a file shared by the layout, includes and renders once per render call', async () => {
    const VENDOR = '<script src="/static/js/vendor.js"></script>'
    const PAGE = `${VENDOR}\n<script src="/static/js/page.js"></script>`
    const vendorTag = '<script src="/static/CACHE/js/vendor.0123456789ab.js"></script>'
    const pageTag = '<script src="/static/CACHE/js/page.0123456789ab.js"></script>'
    const ph = (html: string) => html.replaceAll('/static/', '/__compressor_url_placeholder__/')
    const c = createCompressor({
      manifest: {
        [offlineKey(VENDOR, '/static/')]: ph(vendorTag),
        [offlineKey(PAGE, '/static/')]: ph(`${vendorTag}\n${pageTag}`),
      },
      enabled: true,
    })
    const root = await tempDir()
    await writeFile(join(root, 'vendor.liquid'), `{% compress js %}${VENDOR}{% endcompress %}`)
    await writeFile(join(root, 'base.liquid'), '<body>{% include "vendor" %}{% block content %}{% endblock %}</body>')
    await writeFile(
      join(root, 'home.liquid'),
      `{% layout "base" %}{% block content %}{% compress js %}${PAGE}{% endcompress %}{% render "vendor" %}{% endblock %}`,
    )
    const liquid = engine(c, root)
    const expected = `<body>${vendorTag}${pageTag}</body>`
    expect(await liquid.renderFile('home')).toBe(expected)
    expect(await liquid.renderFile('home')).toBe(expected)
    expect(liquid.renderFileSync('home', { cspNonce: 'q' })).toBe(expected.replaceAll('<script ', '<script nonce="q" '))
    const tpl = `{% compress js %}${VENDOR}{% endcompress %}{% compress js %}${VENDOR}{% endcompress %}`
    expect(await liquid.parseAndRender(tpl)).toBe(vendorTag)
    expect(await liquid.parseAndRender(tpl)).toBe(vendorTag)
  })
})
