import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { buildFixture, writeTree } from '../helpers/fixture.js'

export const PNG = (fill: number, size = 6000) =>
  Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(size, fill)])

/** A site with CSS (an image shared by every version, one that changes), module scripts sharing a chunk, and a classic script. */
export function siteFiles(version: number): Record<string, string | Uint8Array> {
  return {
    'templates/base.html': `{% load compress %}<html><head>
{% compress css %}
<link rel="stylesheet" href="/static/css/site.css">
<style>.v{color:#${String(version).padStart(3, '0')}}</style>
{% endcompress %}
{% compress js %}
<script type="module" src="/static/js/a.js"></script>
{% endcompress %}
</head></html>
`,
    'templates/other.html': `{% load compress %}<html><head>
{% compress js %}
<script type="module" src="/static/js/b.js"></script>
{% endcompress %}
{% compress js file classic %}
<script src="/static/js/classic.js"></script>
{% endcompress %}
{% compress css inline %}
<style>.i{background:url(/static/img/bg.png)}</style>
{% endcompress %}
</head></html>
`,
    'static/css/site.css': `body{background:url(../img/bg.png)}\n.logo{background:url(../img/logo.png)}\n`,
    'static/img/bg.png': PNG(7),
    'static/img/logo.png': PNG(version),
    'static/js/shared.js': `export const big = ${JSON.stringify('x'.repeat(3000) + version)}\n`,
    'static/js/a.js': `import { big } from './shared.js'\nwindow.a = big.length\n`,
    'static/js/b.js': `import { big } from './shared.js'\nwindow.b = big.length + 1\n`,
    'static/js/classic.js': `var classicVersion = ${version}\n`,
  }
}

/**
 * Builds version `version` of the site into `root/dist` with the real plugin, then renames the
 * manifest to `manifest.v<version>.json` (what `[version]` will produce) and dates it `version`
 * minutes after the epoch of the test, so "newest" is well defined.
 */
export async function buildVersion(root: string, version: number, rename = true): Promise<string> {
  writeTree(siteFiles(version), root)
  const built = await buildFixture(root, { templates: 'templates/*.html' })
  const cache = path.join(built.outDir, 'CACHE')
  if (rename) {
    const target = path.join(cache, `manifest.v${version}.json`)
    fs.renameSync(path.join(cache, 'manifest.json'), target)
    const t = new Date(Date.UTC(2030, 0, 1, 0, version))
    fs.utimesSync(target, t, t)
  }
  return built.outDir
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vc-deploy-'))
}

/** Serves `dir` under `mount` on 127.0.0.1 (a free port); GET and HEAD only, 404 otherwise. */
export async function serveStatic(
  dir: string,
  mount = '/static/',
): Promise<{ url: string; close: () => Promise<void>; requests: string[] }> {
  const requests: string[] = []
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    requests.push(`${req.method} ${url.pathname}`)
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !url.pathname.startsWith(mount)) {
      res.writeHead(404).end()
      return
    }
    const rel = decodeURIComponent(url.pathname.slice(mount.length))
    const file = path.join(dir, rel)
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end()
      return
    }
    const body = fs.readFileSync(file)
    res.writeHead(200, { 'content-length': body.length })
    res.end(req.method === 'HEAD' ? undefined : body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${mount}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Collects what the CLI prints. */
export function captureIO(cwd?: string) {
  const out: string[] = []
  const err: string[] = []
  return {
    out,
    err,
    io: {
      out: (l: string) => void out.push(l),
      err: (l: string) => void err.push(l),
      cwd,
      env: {} as NodeJS.ProcessEnv,
    },
  }
}

/** The lines of the ```sh blocks of docs/scenarios.md, by section number (`## 2. …` is 2). */
export function guideShellLines(): Map<number, string[]> {
  const text = fs.readFileSync(path.resolve('docs/scenarios.md'), 'utf8')
  const out = new Map<number, string[]>()
  let section = 0
  let inSh = false
  for (const line of text.split('\n')) {
    const heading = /^## (\d+)\./.exec(line)
    if (heading) section = Number(heading[1])
    if (line.startsWith('```')) {
      inSh = line === '```sh'
      continue
    }
    if (inSh && line.trim() !== '' && !line.startsWith('#')) out.set(section, [...(out.get(section) ?? []), line])
  }
  return out
}
