// Generates a benchmark site with a fixed seed: Django-syntax templates with {% compress %}
// blocks over real CSS/JS copied from npm packages, plus generated files, and a tiny Django
// project for django-compressor's `manage.py compress`. Nothing is written into the repository.
//
//   node bench/generate.js 500 [dir]    # prints the folder and a summary
//
// Shape (N templates, U ≈ N/5 unique blocks):
//   templates/layouts/base<i>.html  L = 2 + ceil(N/250) layouts, each with a CSS block in <head> and
//                                   a JS block at the end of <body> over a subset of the vendor
//                                   files (the heavy ones, ~0.5–2 MB per block) + one generated file;
//   templates/pages/p<i>.html       N − L pages; each {% extends %} a layout and has 1–3 compress
//                                   blocks of its own, drawn from a pool of U − 2L page blocks (1–4
//                                   generated files, sometimes an inline <style>/<script>, sometimes a
//                                   mid-sized vendor file), so each page block is used ~10 times;
//   static/vendor/…                 ~4 MB of real CSS/JS (bootstrap, jquery, normalize.css,
//                                   animate.css, fontawesome + webfonts, lodash, leaflet + images);
//   static/gen/{css,js}/…           20 + N/20 generated stylesheets and scripts of 2–8 kB each;
//   django/                         settings.py + manage.py (COMPRESS_ENABLED/OFFLINE).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { rng } from './lib.js'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** A package's folder in the repo's node_modules (some packages do not export package.json). */
const pkg = (name) => path.join(REPO, 'node_modules', ...name.split('/'))

export const SEED = 0x5eed2025
export const STATIC_URL = '/static/'

/** Real files: [package, path in package, path under static/]. */
const VENDOR = {
  css: [
    ['normalize.css', 'normalize.css', 'vendor/normalize/normalize.css'],
    ['bootstrap', 'dist/css/bootstrap.css', 'vendor/bootstrap/css/bootstrap.css'],
    ['bootstrap', 'dist/css/bootstrap.rtl.css', 'vendor/bootstrap/css/bootstrap.rtl.css'],
    ['bootstrap', 'dist/css/bootstrap-grid.css', 'vendor/bootstrap/css/bootstrap-grid.css'],
    ['bootstrap', 'dist/css/bootstrap-utilities.css', 'vendor/bootstrap/css/bootstrap-utilities.css'],
    ['bootstrap', 'dist/css/bootstrap-reboot.css', 'vendor/bootstrap/css/bootstrap-reboot.css'],
    ['@fortawesome/fontawesome-free', 'css/all.css', 'vendor/fontawesome/css/all.css'],
    ['@fortawesome/fontawesome-free', 'css/v4-shims.css', 'vendor/fontawesome/css/v4-shims.css'],
    ['animate.css', 'animate.css', 'vendor/animate/animate.css'],
    ['leaflet', 'dist/leaflet.css', 'vendor/leaflet/leaflet.css'],
  ],
  js: [
    ['jquery', 'dist/jquery.js', 'vendor/jquery/jquery.js'],
    ['jquery', 'dist/jquery.slim.js', 'vendor/jquery/jquery.slim.js'],
    ['bootstrap', 'dist/js/bootstrap.bundle.js', 'vendor/bootstrap/js/bootstrap.bundle.js'],
    ['bootstrap', 'dist/js/bootstrap.js', 'vendor/bootstrap/js/bootstrap.js'],
    ['lodash', 'lodash.js', 'vendor/lodash/lodash.js'],
    ['lodash', 'core.js', 'vendor/lodash/core.js'],
    ['leaflet', 'dist/leaflet-src.js', 'vendor/leaflet/leaflet-src.js'],
    ['@fortawesome/fontawesome-free', 'js/fontawesome.js', 'vendor/fontawesome/js/fontawesome.js'],
    ['@fortawesome/fontawesome-free', 'js/regular.js', 'vendor/fontawesome/js/regular.js'],
    ['@fortawesome/fontawesome-free', 'js/brands.js', 'vendor/fontawesome/js/brands.js'],
    ['@fortawesome/fontawesome-free', 'js/v4-shims.js', 'vendor/fontawesome/js/v4-shims.js'],
    ['@fortawesome/fontawesome-free', 'js/conflict-detection.js', 'vendor/fontawesome/js/conflict-detection.js'],
  ],
}
/** Binary files the vendor CSS refers to with relative url()s. */
const VENDOR_ASSETS = [
  ['@fortawesome/fontawesome-free', 'webfonts', 'vendor/fontawesome/webfonts'],
  ['leaflet', 'dist/images', 'vendor/leaflet/images'],
]
/** Mid-sized vendor files a page block may add. */
const PAGE_VENDOR = {
  css: ['vendor/animate/animate.css', 'vendor/leaflet/leaflet.css', 'vendor/normalize/normalize.css'],
  js: ['vendor/lodash/core.js', 'vendor/fontawesome/js/v4-shims.js'],
}

const WORDS = 'alpha beta gamma delta card panel hero nav menu footer header grid item list badge tile modal toast form field input button link icon media avatar chart table row cell tab pill'.split(' ')
const COLORS = ['#0d6efd', '#6610f2', '#d63384', '#dc3545', '#fd7e14', '#ffc107', '#198754', '#20c997', '#0dcaf0', '#333', '#f8f9fa']
const PROPS = [
  () => 'display: flex',
  () => 'display: grid',
  (r) => `padding: ${r.int(0, 32)}px ${r.int(0, 32)}px`,
  (r) => `margin: 0 ${r.int(0, 24)}px ${r.int(0, 24)}px`,
  (r) => `color: ${r.pick(COLORS)}`,
  (r) => `background-color: ${r.pick(COLORS)}`,
  (r) => `border: ${r.int(1, 3)}px solid ${r.pick(COLORS)}`,
  (r) => `border-radius: ${r.int(0, 12)}px`,
  (r) => `font-size: ${(r.int(8, 24) / 10).toFixed(1)}rem`,
  (r) => `line-height: ${(r.int(10, 20) / 10).toFixed(1)}`,
  (r) => `transition: opacity ${r.int(1, 9) * 50}ms ease-in-out`,
  (r) => `box-shadow: 0 ${r.int(0, 4)}px ${r.int(2, 16)}px rgba(0, 0, 0, .${r.int(1, 5)})`,
  (r) => `grid-template-columns: repeat(${r.int(2, 6)}, minmax(0, 1fr))`,
  (r) => `transform: translateY(${r.int(-8, 8)}px)`,
]

function genCss(r, i, target) {
  const out = [`/* generated stylesheet ${i} */`]
  let n = 0
  while (out.join('\n').length < target) {
    const cls = `.${r.pick(WORDS)}-${i}-${n++}`
    const sel = r.chance(0.3) ? `${cls}:hover, ${cls}:focus-visible` : r.chance(0.3) ? `${cls} > .${r.pick(WORDS)}` : cls
    const decls = Array.from({ length: r.int(2, 6) }, () => `  ${r.pick(PROPS)(r)};`)
    if (r.chance(0.05)) decls.push(`  background-image: url(../../vendor/leaflet/images/${r.pick(['layers.png', 'marker-icon.png', 'marker-shadow.png'])});`)
    const rule = `${sel} {\n${decls.join('\n')}\n}`
    out.push(r.chance(0.1) ? `@media (min-width: ${r.pick([576, 768, 992, 1200])}px) {\n${rule}\n}` : rule)
  }
  return `${out.join('\n')}\n`
}

function genJs(r, i, target) {
  const name = `gen${i}`
  const out = [`/* generated script ${i} */`, `var ${name} = (function () {`, `  'use strict';`, '  var api = {};']
  let n = 0
  while (out.join('\n').length < target) {
    const fn = `${r.pick(WORDS)}${n++}`
    const k = r.int(2, 9)
    out.push(
      `  api.${fn} = function (items, options) {`,
      '    var total = 0;',
      '    options = options || {};',
      `    for (var i = 0; i < items.length; i += ${r.int(1, 3)}) {`,
      `      var value = items[i] * ${k} + (options.offset || ${r.int(0, 99)});`,
      `      if (value % ${k} === 0) { total += value; } else { total -= ${r.int(1, 9)}; }`,
      '    }',
      `    return { name: ${JSON.stringify(`${fn}-${i}`)}, total: total, label: 'item ' + total + ' of ' + items.length };`,
      '  };',
    )
  }
  out.push('  return api;', '})();', '')
  return out.join('\n')
}

/** How a link/script URL is written in a template: three spellings both tools understand. */
function url(r, file) {
  const s = r.int(0, 2)
  if (s === 0) return `/static/${file}`
  if (s === 1) return `{% static '${file}' %}`
  return `{{ STATIC_URL }}${file}`
}

const cssTag = (r, file) => `<link rel="stylesheet" href="${url(r, file)}"${r.chance(0.2) ? ' type="text/css"' : ''}>`
const jsTag = (r, file) => `<script src="${url(r, file)}"></script>`

/** Returns the block text (`{% compress %}…{% endcompress %}`) for a layout. */
function layoutBlocks(r, i, layouts, gen) {
  const v = (kind, sub) => VENDOR[kind].find((f) => f[2].endsWith(sub))[2]
  // Every vendor file is used by at least one layout: layout i forces one of each kind, round robin.
  const forcedCss = VENDOR.css[i % VENDOR.css.length][2]
  const forcedJs = VENDOR.js[i % VENDOR.js.length][2]
  const css = [v('css', 'normalize.css')]
  const base = r.int(0, 2)
  if (base === 0) css.push(v('css', '/bootstrap.css'))
  else if (base === 1) css.push(v('css', '/bootstrap.rtl.css'))
  else css.push(v('css', 'bootstrap-reboot.css'), v('css', 'bootstrap-grid.css'), v('css', 'bootstrap-utilities.css'))
  if (r.chance(0.6)) css.push(v('css', 'all.css'))
  if (r.chance(0.3)) css.push(v('css', 'v4-shims.css'))
  if (r.chance(0.4)) css.push(v('css', 'animate.css'))
  if (r.chance(0.3)) css.push(v('css', 'leaflet.css'))
  if (!css.includes(forcedCss)) css.push(forcedCss)
  css.push(gen.css[i % gen.css.length])
  const js = [r.chance(0.7) ? v('js', '/jquery.js') : v('js', 'jquery.slim.js')]
  js.push(r.chance(0.5) ? v('js', 'bootstrap.bundle.js') : v('js', '/bootstrap.js'))
  if (r.chance(0.4)) js.push(r.chance(0.5) ? v('js', '/lodash.js') : v('js', 'core.js'))
  if (r.chance(0.3)) js.push(v('js', 'leaflet-src.js'))
  if (r.chance(0.3)) js.push(v('js', '/fontawesome.js'), v('js', 'regular.js'))
  if (!js.includes(forcedJs)) js.push(forcedJs)
  js.push(gen.js[i % gen.js.length])
  const cssBlock = ['{% compress css %}', ...css.map((f) => cssTag(r, f)), '{% endcompress %}'].join('\n')
  const jsBlock = [
    '{% compress js %}',
    ...js.map((f) => jsTag(r, f)),
    `<script>window.LAYOUT = ${JSON.stringify(`base${i}`)};</script>`,
    '{% endcompress %}',
  ].join('\n')
  void layouts
  return { cssBlock, jsBlock }
}

function pageBlock(r, i, gen) {
  const kind = r.chance(0.5) ? 'css' : 'js'
  const files = r.sample(gen[kind], r.int(1, 4))
  const lines = []
  if (r.chance(0.15)) lines.push(kind === 'css' ? cssTag(r, r.pick(PAGE_VENDOR.css)) : jsTag(r, r.pick(PAGE_VENDOR.js)))
  for (const f of files) lines.push(kind === 'css' ? cssTag(r, f) : jsTag(r, f))
  if (r.chance(0.25)) {
    lines.push(
      kind === 'css'
        ? `<style>.page-block-${i} { color: ${r.pick(COLORS)}; padding: ${r.int(0, 20)}px; }</style>`
        : `<script>window.pageBlock${i} = { ready: true, id: ${i} };</script>`,
    )
  }
  const named = r.chance(0.2) ? ` file block${i}` : ''
  return { kind, text: [`{% compress ${kind}${named} %}`, ...lines, '{% endcompress %}'].join('\n') }
}

/**
 * Writes a site of `size` templates into `dir` (default: a fresh folder under os.tmpdir()).
 * Returns { dir, templates, layouts, pageBlocks, uniqueBlocks, blockUses, staticBytes, vendorBytes, genFiles }.
 */
export function generateSite(size, dir = fs.mkdtempSync(path.join(os.tmpdir(), `vc-bench-${size}-`)), seed = SEED) {
  const r = rng(seed + size)
  const write = (rel, content) => {
    const file = path.join(dir, rel)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, content)
  }
  let vendorBytes = 0
  for (const kind of ['css', 'js']) {
    for (const [name, from, to] of VENDOR[kind]) {
      const src = path.join(pkg(name), from)
      write(`static/${to}`, fs.readFileSync(src))
      vendorBytes += fs.statSync(src).size
    }
  }
  for (const [name, from, to] of VENDOR_ASSETS) {
    fs.cpSync(path.join(pkg(name), from), path.join(dir, 'static', to), { recursive: true })
  }
  const genCount = 20 + Math.round(size / 20)
  const gen = { css: [], js: [] }
  let genBytes = 0
  for (let i = 0; i < genCount; i++) {
    const c = genCss(r, i, r.int(2000, 8000))
    const j = genJs(r, i, r.int(2000, 8000))
    gen.css.push(`gen/css/c${i}.css`)
    gen.js.push(`gen/js/j${i}.js`)
    write(`static/gen/css/c${i}.css`, c)
    write(`static/gen/js/j${i}.js`, j)
    genBytes += c.length + j.length
  }

  const layouts = Math.min(size, 2 + Math.ceil(size / 250))
  const unique = Math.max(2 * layouts + 1, Math.round(size / 5))
  const poolSize = unique - 2 * layouts
  const pool = Array.from({ length: poolSize }, (_, i) => pageBlock(r, i, gen))
  let blockUses = 0
  for (let i = 0; i < layouts; i++) {
    const { cssBlock, jsBlock } = layoutBlocks(r, i, layouts, gen)
    write(
      `templates/layouts/base${i}.html`,
      [
        '{% load static %}{% load compress %}<!doctype html>',
        '<html lang="en">',
        '<head>',
        '<meta charset="utf-8">',
        `<title>{% block title %}Layout ${i}{% endblock %}</title>`,
        cssBlock,
        '{% block extra_head %}{% endblock %}',
        '</head>',
        `<body class="layout-${i}">`,
        '<header><nav><a href="/">Home</a> <a href="/about">About</a></nav></header>',
        '{% block content %}{% endblock %}',
        jsBlock,
        '{% block scripts %}{% endblock %}',
        '</body>',
        '</html>',
        '',
      ].join('\n'),
    )
    blockUses += 2
  }
  const pages = size - layouts
  for (let p = 0; p < pages; p++) {
    const own = r.int(1, 3)
    const chosen = new Set([p % poolSize])
    while (chosen.size < Math.min(own, poolSize)) chosen.add(r.int(0, poolSize - 1))
    const blocks = [...chosen].map((i) => pool[i])
    blockUses += blocks.length
    const head = blocks.filter((b) => b.kind === 'css').map((b) => b.text)
    const foot = blocks.filter((b) => b.kind === 'js').map((b) => b.text)
    const paragraphs = Array.from({ length: r.int(2, 6) }, () => `<p>${Array.from({ length: r.int(8, 30) }, () => r.pick(WORDS)).join(' ')}</p>`)
    write(
      `templates/pages/p${String(p).padStart(4, '0')}.html`,
      [
        `{% extends "layouts/base${r.int(0, layouts - 1)}.html" %}`,
        '{% load static %}',
        '{% load compress %}',
        `{% block title %}Page ${p}{% endblock %}`,
        ...(head.length ? ['{% block extra_head %}', ...head, '{% endblock %}'] : []),
        '{% block content %}',
        `<main><h1>Page ${p}</h1>`,
        ...paragraphs,
        `<img src="{% static 'vendor/leaflet/images/marker-icon.png' %}" alt="">`,
        '</main>',
        '{% endblock %}',
        ...(foot.length ? ['{% block scripts %}', ...foot, '{% endblock %}'] : []),
        '',
      ].join('\n'),
    )
  }

  writeDjangoProject(dir)
  const info = {
    dir,
    seed,
    templates: size,
    layouts,
    pages,
    pageBlocks: poolSize,
    uniqueBlocks: unique,
    blockUses,
    vendorBytes,
    genFiles: genCount * 2,
    genBytes,
  }
  fs.writeFileSync(path.join(dir, 'site.json'), `${JSON.stringify(info, null, 2)}\n`)
  return info
}

/** A minimal Django project (as test/fixtures/django-site's) whose settings read BENCH_* variables. */
function writeDjangoProject(dir) {
  const settings = `"""Django settings for the vite-compressor benchmark site (generated by bench/generate.js).

BENCH_COMPRESS_ROOT  where CACHE/ and the manifest are written (required)
BENCH_FILTERS        'default' (django-compressor 4.0's defaults: CssAbsoluteFilter + rCSSMinFilter,
                     rJSMinFilter) or 'nomin' (CssAbsoluteFilter only, no JS filter)
"""
import os

SITE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = 'vite-compressor-bench'
DEBUG = False
ALLOWED_HOSTS = ['*']
USE_TZ = True
DATABASES = {}
INSTALLED_APPS = ['django.contrib.staticfiles', 'compressor']
STATIC_URL = '/static/'
STATICFILES_DIRS = [os.path.join(SITE, 'static')]
STATIC_ROOT = os.path.abspath(os.environ['BENCH_COMPRESS_ROOT'])
STATICFILES_FINDERS = [
    'django.contrib.staticfiles.finders.FileSystemFinder',
    'django.contrib.staticfiles.finders.AppDirectoriesFinder',
    'compressor.finders.CompressorFinder',
]
COMPRESS_ENABLED = True
COMPRESS_OFFLINE = True
COMPRESS_ROOT = STATIC_ROOT
COMPRESS_OFFLINE_CONTEXT = {'STATIC_URL': STATIC_URL}
if os.environ.get('BENCH_FILTERS') == 'nomin':
    COMPRESS_FILTERS = {'css': ['compressor.filters.css_default.CssAbsoluteFilter'], 'js': []}
else:
    COMPRESS_FILTERS = {
        'css': ['compressor.filters.css_default.CssAbsoluteFilter', 'compressor.filters.cssmin.rCSSMinFilter'],
        'js': ['compressor.filters.jsmin.rJSMinFilter'],
    }
TEMPLATES = [{
    'BACKEND': 'django.template.backends.django.DjangoTemplates',
    'DIRS': [os.path.join(SITE, 'templates')],
    'APP_DIRS': True,
}]
`
  const manage = `#!/usr/bin/python3
import os
import sys

if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
`
  fs.mkdirSync(path.join(dir, 'django'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'django', 'settings.py'), settings)
  fs.writeFileSync(path.join(dir, 'django', 'manage.py'), manage)
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const size = Number(process.argv[2] ?? 50)
  const info = generateSite(size, process.argv[3] ? path.resolve(process.argv[3]) : undefined)
  console.log(JSON.stringify(info, null, 2))
}
