/**
 * Faults, output side: when the output folder can't be written, the build fails with an error that
 * names the path and the cause, writes no manifest, and leaves the previous release as it was.
 * Tests run as root here, where chmod does not stop writes: a file where a folder is expected does.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFixture, listFiles, writeTree } from '../helpers/fixture.js'

const css = '{% load compress %}\n{% compress css %}<link rel="stylesheet" href="/static/a.css">{% endcompress %}\n'
const js = '{% compress js %}<script src="/static/a.js"></script>{% endcompress %}\n'
const sources = { 'static/a.css': '.a{color:red}', 'static/a.js': 'var a = 1' }

/** The build's error (Rolldown wraps it: `errors[0]` is the first cause) and the outer message. */
async function buildError(
  root: string,
): Promise<{ first: Error & { code?: string; pluginCode?: string }; outer: string }> {
  let caught: unknown
  try {
    await buildFixture(root, { templates: 'templates/*.html' })
  } catch (err) {
    caught = err
  }
  expect(caught, 'the build should fail').toBeInstanceOf(Error)
  const outer = caught as Error & { errors?: Error[] }
  return { first: (outer.errors?.[0] ?? outer) as Error & { code?: string }, outer: outer.message }
}

const snapshot = (dir: string) => listFiles(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')])

describe('faults: an output folder that cannot be written gives a clear error', () => {
  it('dist/CACHE is a regular file → fails with OUTPUT "dist/CACHE is not a directory"; nothing written', async () => {
    const root = writeTree({ 'templates/a.html': css, ...sources, 'dist/CACHE': 'a file, not a folder' })
    const { first, outer } = await buildError(root)
    expect(first.pluginCode ?? first.code).toBe('OUTPUT')
    expect(outer).toContain('dist/CACHE is not a directory')
    expect(fs.readFileSync(path.join(root, 'dist/CACHE'), 'utf8')).toBe('a file, not a folder')
    expect(listFiles(path.join(root, 'dist'))).toEqual(['CACHE'])
  })

  it('dist/CACHE/js is a regular file (new outputs can’t be written) → fails; the previous manifest and outputs are untouched', async () => {
    const root = writeTree({ 'templates/a.html': css, ...sources })
    await buildFixture(root, { templates: 'templates/*.html' })
    fs.writeFileSync(path.join(root, 'dist/CACHE/js'), 'in the way')
    const before = snapshot(path.join(root, 'dist'))
    fs.writeFileSync(path.join(root, 'templates/a.html'), css + js)
    const { first, outer } = await buildError(root)
    expect(first.pluginCode ?? first.code).toBe('OUTPUT')
    expect(outer).toContain('dist/CACHE/js is not a directory')
    expect(snapshot(path.join(root, 'dist'))).toEqual(before)
  })

  it('dist/CACHE/manifest.json is a directory → fails naming the manifest path (EISDIR); no temporary file is left', async () => {
    const root = writeTree({ 'templates/a.html': css, ...sources, 'dist/CACHE/manifest.json/keep': '' })
    const { first } = await buildError(root)
    expect(first.pluginCode ?? first.code).toBe('EISDIR')
    expect(first.message).toContain(`'${path.join(root, 'dist/CACHE/manifest.json')}'`)
    expect(first.message).toMatch(/^EISDIR: illegal operation on a directory, rename /)
    expect(fs.readdirSync(path.join(root, 'dist/CACHE')).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('disk full while writing an output (a symlink to /dev/full) → fails naming the file and ENOSPC; the previous release is untouched', async () => {
    // Outputs are named by content, so a clean build elsewhere tells which file the next build writes.
    const next = await buildFixture(
      writeTree({ 'templates/a.html': css, ...sources, 'static/a.css': '.a{color:blue}' }),
      {
        templates: 'templates/*.html',
      },
    )
    const [nextFile] = next.urls(Object.values(next.manifest)[0] as string)
    const root = writeTree({ 'templates/a.html': css, ...sources })
    await buildFixture(root, { templates: 'templates/*.html' })
    const before = snapshot(path.join(root, 'dist'))
    fs.symlinkSync('/dev/full', path.join(root, 'dist', nextFile as string))
    fs.writeFileSync(path.join(root, 'static/a.css'), '.a{color:blue}')
    const { outer } = await buildError(root)
    expect(outer).toContain(path.join(root, 'dist', nextFile as string))
    expect(outer).toContain('No space left on device')
    fs.rmSync(path.join(root, 'dist', nextFile as string))
    expect(snapshot(path.join(root, 'dist'))).toEqual(before)
  })

  it('build.outDir is a regular file → fails naming it', async () => {
    const root = writeTree({ 'templates/a.html': css, ...sources, dist: 'not a folder' })
    const { outer } = await buildError(root)
    expect(outer).toContain('dist is not a directory')
    expect(fs.readFileSync(path.join(root, 'dist'), 'utf8')).toBe('not a folder')
  })
})
