/**
 * The real django-compressor (Debian's python3-django-compressor, COMPRESS_OFFLINE = True) renders
 * every template of the fixture site from the manifest our `vite build` wrote: no missing key,
 * every URL served by Django's static folders, under the build's URL and under a CDN URL.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { type Built, buildFixture } from '../helpers/fixture.js'

const PYTHON = '/usr/bin/python3'
const SITE = fileURLToPath(new URL('../fixtures/django-site/', import.meta.url))
// COMPRESS_OFFLINE_CONTEXT of settings.py (STATIC_URL is added by the plugin).
const CONTEXT = { theme: 'dark', version: '1&2' }

function python(script: string, env: Record<string, string>, args: string[] = [], input?: string) {
  const r = spawnSync(PYTHON, [script, ...args], {
    input,
    cwd: SITE,
    encoding: 'utf8',
    env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1' },
    maxBuffer: 64 * 1024 * 1024,
  })
  if (r.error) throw new Error(`${PYTHON} ${script} could not run: ${r.error.message} (run scripts/setup-system.sh)`)
  return r
}

/** URLs under `prefix` in rendered HTML (href/src) and in the CSS files they name. */
function urlsIn(html: string, prefix: string): string[] {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  return [...html.matchAll(new RegExp(`(?:href|src)="${escaped}([^"?#]+)`, 'g'))].map((m) => m[1] as string)
}

describe('django-compressor renders our manifest', () => {
  let root: string
  let built: Built
  beforeAll(async () => {
    const check = spawnSync(PYTHON, ['-c', 'import django, compressor, jinja2'], { encoding: 'utf8' })
    if (check.status !== 0) {
      throw new Error(`django-compressor is not installed for ${PYTHON}: run scripts/setup-system.sh\n${check.stderr}`)
    }
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vc-django-'))
    for (const dir of ['templates', 'jinja2', 'static']) fs.cpSync(path.join(SITE, dir), path.join(root, dir), { recursive: true })
    built = await buildFixture(root, { templates: ['templates/**/*.html', 'jinja2/**/*.html'], context: CONTEXT })
  })

  it('has exactly the keys manage.py compress computes', () => {
    const r = python('keys.py', {})
    expect(r.status, r.stderr).toBe(0)
    const theirs = JSON.parse(r.stdout) as { keys: string[] }
    expect(Object.keys(built.manifest).sort()).toEqual(theirs.keys)
  })

  it('renders every template with COMPRESS_OFFLINE and every URL is served', () => {
    const r = python('render.py', { VC_COMPRESS_ROOT: built.outDir, VC_OUTDIR: built.outDir })
    expect(r.status, r.stdout + r.stderr).toBe(0)
    const pages = JSON.parse(r.stdout) as Record<string, string>
    expect(Object.keys(pages).length).toBeGreaterThanOrEqual(5)
    // Every URL the pages name, and every url() in the CSS they name, asked of Django's static view.
    const wanted = new Set<string>()
    let cacheFiles = 0
    for (const [template, html] of Object.entries(pages)) {
      expect(html, template).not.toContain('__compressor_url_placeholder__')
      for (const u of urlsIn(html, '/static/')) {
        wanted.add(u)
        if (u.startsWith('CACHE/')) cacheFiles++
        if (u.endsWith('.css')) {
          const css = fs.readFileSync(path.join(built.outDir, u), 'utf8')
          for (const m of css.matchAll(/url\(["']?([^"')]+)["']?\)/g)) {
            const ref = m[1] as string
            if (ref.startsWith('data:')) continue
            wanted.add(path.posix.normalize(path.posix.join(path.posix.dirname(u), ref.split(/[?#]/)[0] as string)))
          }
        }
      }
    }
    expect(cacheFiles).toBeGreaterThan(4)
    const served = python('serve.py', { VC_OUTDIR: built.outDir }, [], JSON.stringify([...wanted].sort()))
    expect(served.status, served.stderr).toBe(0)
    const statuses = JSON.parse(served.stdout) as Record<string, number>
    expect(Object.keys(statuses).length).toBeGreaterThan(8)
    for (const [u, status] of Object.entries(statuses)) expect(status, `/static/${u}`).toBe(200)
    const missing = python('serve.py', { VC_OUTDIR: built.outDir }, [], JSON.stringify(['CACHE/css/not-built.css']))
    expect(JSON.parse(missing.stdout)).toEqual({ 'CACHE/css/not-built.css': 404 })
    // The original source tags are gone: only compressed outputs (and the untouched verbatim text).
    expect(Object.values(pages).join('\n')).not.toContain('/static/css/base.css')
  })

  it('renders under a CDN URL chosen at request time (COMPRESS_URL), fonts and images included', () => {
    const cdn = 'https://cdn.example.com/assets/'
    const r = python('render.py', { VC_COMPRESS_ROOT: built.outDir, VC_OUTDIR: built.outDir, VC_COMPRESS_URL: cdn })
    expect(r.status, r.stdout + r.stderr).toBe(0)
    const html = Object.values(JSON.parse(r.stdout) as Record<string, string>).join('\n')
    const onCdn = urlsIn(html, cdn)
    expect(onCdn.length).toBeGreaterThan(4)
    for (const u of onCdn) expect(fs.existsSync(path.join(built.outDir, u)), u).toBe(true)
    // Inline CSS carries its asset URLs with the placeholder too, so they move to the CDN.
    const inlineUrls = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].flatMap((m) =>
      [...(m[1] as string).matchAll(/url\(["']?([^"')]+)/g)].map((u) => u[1] as string),
    )
    for (const u of inlineUrls.filter((x) => !x.startsWith('data:'))) expect(u.startsWith(cdn), u).toBe(true)
  })
})
