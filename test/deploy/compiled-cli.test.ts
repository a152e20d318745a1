import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildVersion, tmpDir } from './helpers.js'

// The package as npm installs it: compiled with the build config, run by node, in a folder with no
// node_modules — so the optional AWS SDK is absent, as it is for users who don't upload.
let dist: string
let root: string

beforeAll(async () => {
  dist = tmpDir()
  execFileSync(
    process.execPath,
    [path.resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', dist],
    {
      stdio: 'pipe',
    },
  )
  root = tmpDir()
  await buildVersion(root, 1, false)
}, 120_000)

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(dist, 'cli.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  })

describe('the compiled vite-compressor command', () => {
  it('starts with a shebang and runs verify', () => {
    expect(fs.readFileSync(path.join(dist, 'cli.js'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
    const r = cli('verify', '--outDir', 'dist')
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('verify: 1 manifest(s), 7 file(s) in dist: ok\n')
    expect(r.status).toBe(0)
  })

  it('exits 1 with one line per problem, and 2 on bad usage', () => {
    fs.rmSync(path.join(root, 'dist/assets'), { recursive: true })
    const r = cli('verify')
    expect(r.status).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(4)
    expect(cli('frobnicate').status).toBe(2)
  })

  it('says how to install the AWS SDK when it is missing', async () => {
    const fresh = tmpDir()
    await buildVersion(fresh, 1, false)
    const r = spawnSync(
      process.execPath,
      [path.join(dist, 'cli.js'), 'upload', '--bucket', 'b', '--endpoint', 'http://127.0.0.1:9'],
      {
        cwd: fresh,
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      },
    )
    expect(r.stderr.trim()).toBe(
      'vite-compressor upload: S3 storage needs the AWS SDK, which is not installed: run `npm install -D @aws-sdk/client-s3`',
    )
    expect(r.status).toBe(2)
  })
})
