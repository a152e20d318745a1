/**
 * The shell commands of docs/scenarios.md sections 1 and 2 that need no other host, run as written
 * with bash in a fresh project that installs this package (linked), like a user's.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeTree } from '../helpers/fixture.js'
import { guideShellLines } from './helpers.js'

const REPO = path.resolve('.')

/** The lines of the ```sh blocks of a section of the guide. */
const shellLines = (section: number): string[] => guideShellLines().get(section) ?? []

/** A project folder: templates, static files, a Vite config using the package, a git commit. */
function project(config: string): string {
  const dir = writeTree({
    'templates/base.html': '{% load compress %}\n{% compress css %}<link rel="stylesheet" href="/static/css/a.css">{% endcompress %}\n',
    'static/css/a.css': '.a { color: red }',
    'vite.config.mjs': `import compressor from 'vite-compressor'\nexport default { base: '/static/', build: { outDir: 'dist' }, plugins: [${config}] }\n`,
  })
  // node_modules as `npm install -D vite vite-compressor` would leave it (the package linked).
  const modules = path.join(dir, 'node_modules')
  fs.mkdirSync(path.join(modules, '.bin'), { recursive: true })
  for (const name of fs.readdirSync(path.join(REPO, 'node_modules'))) {
    if (name !== '.bin') fs.symlinkSync(path.join(REPO, 'node_modules', name), path.join(modules, name))
  }
  fs.symlinkSync(REPO, path.join(modules, 'vite-compressor'))
  fs.symlinkSync(path.join(REPO, 'node_modules/vite/bin/vite.js'), path.join(modules, '.bin/vite'))
  fs.symlinkSync(path.join(REPO, 'dist/cli.js'), path.join(modules, '.bin/vite-compressor'))
  const git = (...args: string[]) => spawnSync('git', args, { cwd: dir, encoding: 'utf8' })
  git('init', '-q')
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'release')
  return dir
}

function sh(line: string, cwd: string) {
  const r = spawnSync('bash', ['-c', line], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } })
  expect(r.status, `${line}\n${r.stdout}\n${r.stderr}`).toBe(0)
  return r
}

describe('docs/scenarios.md commands, run as written', () => {
  beforeAll(() => {
    expect(fs.existsSync(path.join(REPO, 'dist/cli.js')), 'run `npm run build` first (the test command does)').toBe(true)
  })

  it('1. one front-end server: build, then verify', () => {
    const dir = project("compressor({ templates: 'templates/**/*.html' })")
    const lines = shellLines(1)
    expect(lines).toEqual(['npx vite build', 'npx vite-compressor verify --outDir dist'])
    for (const line of lines) sh(line, dir)
    expect(fs.existsSync(path.join(dir, 'dist/CACHE/manifest.json'))).toBe(true)
  })

  it('2. shared static files: a build per release writes its own versioned manifest', () => {
    const dir = project("compressor({ templates: 'templates/**/*.html', manifest: 'manifest.[version].json' })")
    const [build] = shellLines(2)
    expect(build).toBe('VITE_COMPRESSOR_VERSION=$(git rev-parse --short HEAD) npx vite build')
    sh(build as string, dir)
    const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' }).stdout.trim()
    expect(fs.readdirSync(path.join(dir, 'dist/CACHE')).filter((f) => f.startsWith('manifest'))).toEqual([
      `manifest.${commit}.json`,
    ])
  })
})
