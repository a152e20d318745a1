/**
 * Interop with the real django-compressor (Debian's python3-django-compressor, run with
 * /usr/bin/python3): our block finder + offline renderer + key must produce exactly the offline
 * keys `manage.py compress` computes for the fixture site in test/fixtures/django-site.
 * Never skipped: if django-compressor is missing, the test fails and says how to install it.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { findBlocks } from '../../src/core/blocks.js'
import { offlineKey } from '../../src/core/key.js'
import { LineIndex } from '../../src/core/position.js'
import { type OfflineContext, renderBody } from '../../src/plugin/context.js'

const PYTHON = '/usr/bin/python3'
const SITE = fileURLToPath(new URL('../fixtures/django-site/', import.meta.url))
const TEMPLATE_DIRS = ['templates', 'jinja2']
const STATIC_URL = '/static/'

interface DjangoBlock {
  template: string
  engine: 'django' | 'jinja2'
  kind: string
  mode: string
  name: string | null
  context: number
  key: string
  rendered: string
}

interface KeysOutput {
  static_url: string
  contexts: OfflineContext[]
  keys: string[]
  manifest: Record<string, string>
  blocks: DjangoBlock[]
}

interface OurBlock {
  template: string
  kind: string
  mode: string
  tag: string
  where: string
  context: number
  key: string
  rendered: string
}

function python(args: string[], env: Record<string, string> = {}) {
  return spawnSync(PYTHON, args, {
    cwd: SITE,
    encoding: 'utf8',
    env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1' },
    maxBuffer: 64 * 1024 * 1024,
  })
}

function assertDjangoCompressor(): void {
  let problem: string | undefined
  try {
    execFileSync(PYTHON, ['-c', 'import django, compressor, jinja2'], { stdio: 'pipe' })
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer }
    problem = err.code === 'ENOENT' ? `${PYTHON} not found` : (err.stderr?.toString().trim() ?? String(e))
  }
  if (problem !== undefined) {
    throw new Error(
      `django-compressor interop tests need Debian's python3-django, python3-django-compressor and python3-jinja2 ` +
        `importable by ${PYTHON}; run scripts/setup-system.sh (npm test does). Problem: ${problem}`,
    )
  }
}

function templateFiles(): string[] {
  const out: string[] = []
  for (const dir of TEMPLATE_DIRS) {
    for (const entry of readdirSync(join(SITE, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.html')) {
        out.push(relative(SITE, join(entry.parentPath, entry.name)).split(sep).join('/'))
      }
    }
  }
  return out.sort()
}

/** Our side: scan every fixture template, render each block in each offline context, key it. */
function ourBlocks(contexts: readonly OfflineContext[]): OurBlock[] {
  const out: OurBlock[] = []
  for (const template of templateFiles()) {
    const source = readFileSync(join(SITE, template), 'utf8')
    const lines = new LineIndex(source)
    for (const block of findBlocks(source, template)) {
      contexts.forEach((context, index) => {
        const { text } = renderBody(block.content, {
          context,
          staticUrl: STATIC_URL,
          locate: (offset) => ({ file: template, ...lines.locate(block.contentStart + offset) }),
          block: block.tag,
        })
        out.push({
          template,
          kind: block.kind,
          mode: block.mode,
          tag: block.tag,
          where: `${template}:${block.loc.line}:${block.loc.column}`,
          context: index,
          key: offlineKey(text, STATIC_URL),
          rendered: text,
        })
      })
    }
  }
  return out
}

function describeMismatch(ours: OurBlock[], theirs: DjangoBlock[]): string {
  const theirKeys = new Set(theirs.map((b) => b.key))
  const ourKeys = new Set(ours.map((b) => b.key))
  const lines: string[] = []
  for (const b of ours.filter((o) => !theirKeys.has(o.key))) {
    lines.push(
      `only ours: ${b.where} ${b.tag} (context ${b.context}) key ${b.key}`,
      `  our text: ${JSON.stringify(b.rendered)}`,
    )
    for (const t of theirs.filter(
      (x) =>
        x.template === b.template &&
        x.kind === b.kind &&
        x.mode === b.mode &&
        x.context === b.context &&
        !ourKeys.has(x.key),
    )) {
      lines.push(
        `  django-compressor, same template/kind/mode, unmatched: ${t.kind} ${t.mode} ${t.name ?? ''} key ${t.key}`,
      )
      lines.push(`    their text: ${JSON.stringify(t.rendered)}`)
    }
  }
  for (const t of theirs.filter((x) => !ourKeys.has(x.key))) {
    lines.push(
      `only django-compressor: ${t.template} (${t.engine}) ${t.kind} ${t.mode} ${t.name ?? ''} (context ${t.context}) key ${t.key}`,
      `  their text: ${JSON.stringify(t.rendered)}`,
    )
  }
  return lines.join('\n')
}

describe('offline keys agree with django-compressor', () => {
  let django: KeysOutput

  beforeAll(() => {
    assertDjangoCompressor()
    const run = python(['keys.py'])
    if (run.status !== 0) throw new Error(`keys.py failed (exit ${run.status}):\n${run.stderr}`)
    django = JSON.parse(run.stdout) as KeysOutput
  })

  it('the fixture is what keys.py reports about', () => {
    expect(django.static_url).toBe(STATIC_URL)
    expect(django.contexts.length).toBeGreaterThan(0)
    expect(Object.keys(django.manifest).sort()).toEqual(django.keys)
    // Every fixture template has at least one block django-compressor found.
    expect([...new Set(django.blocks.map((b) => b.template))].sort()).toEqual(templateFiles())
  })

  it('our key set equals the manifest keys of manage.py compress', () => {
    const ours = ourBlocks(django.contexts)
    const ourKeys = [...new Set(ours.map((b) => b.key))].sort()
    const mismatch = describeMismatch(ours, django.blocks)
    expect(mismatch, mismatch).toBe('')
    expect(ourKeys).toEqual(django.keys)
  })

  it('each template: our rendered block texts are the ones django-compressor renders there', () => {
    // A child template also shows the compress blocks it inherits, so ours ⊆ theirs per template.
    const ours = ourBlocks(django.contexts)
    for (const b of ours) {
      const theirs = django.blocks.filter((t) => t.template === b.template && t.context === b.context)
      expect(
        theirs.map((t) => t.rendered),
        `${b.where} ${b.tag}`,
      ).toContain(b.rendered)
    }
  })
})

describe('render.py (renders the fixture against a manifest, offline)', () => {
  let root: string
  let django: KeysOutput

  beforeAll(() => {
    assertDjangoCompressor()
    root = mkdtempSync(join(tmpdir(), 'vc-interop-'))
    const run = python(['keys.py', '--root', root])
    if (run.status !== 0) throw new Error(`keys.py --root failed (exit ${run.status}):\n${run.stderr}`)
    django = JSON.parse(run.stdout) as KeysOutput
    return () => rmSync(root, { recursive: true, force: true })
  })

  it('renders every template with the manifest django-compressor wrote', () => {
    const run = python(['render.py'], { VC_COMPRESS_ROOT: root })
    expect(run.status, run.stderr).toBe(0)
    const pages = JSON.parse(run.stdout) as Record<string, string>
    expect(Object.keys(pages).sort()).toEqual(templateFiles())
    const html = Object.values(pages).join('\n')
    for (const value of Object.values(django.manifest)) {
      expect(html).toContain(value.replaceAll('/__compressor_url_placeholder__/', STATIC_URL))
    }
    expect(html).not.toContain('__compressor_url_placeholder__')
  })

  it('reports a block missing from the manifest as an OfflineGenerationError', () => {
    const empty = mkdtempSync(join(tmpdir(), 'vc-interop-empty-'))
    try {
      mkdirSync(join(empty, 'CACHE'))
      writeFileSync(join(empty, 'CACHE', 'manifest.json'), '{}')
      const run = python(['render.py', 'templates/pages/preload.html'], { VC_COMPRESS_ROOT: empty })
      expect(run.status).toBe(1)
      const out = JSON.parse(run.stdout) as { errors: Record<string, string> }
      expect(out.errors['templates/pages/preload.html']).toMatch(
        /^OfflineGenerationError: .*is missing from offline manifest/,
      )
      expect(run.stderr).toContain('templates/pages/preload.html: OfflineGenerationError')
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })
})
