import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { tmpDir } from './helpers.js'

export const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>
  close(): Promise<void>
}

/** A real S3-compatible server (s3rver) on 127.0.0.1 with an empty bucket `static`. */
export async function startS3(
  buckets: string[] = ['static'],
): Promise<{ endpoint: string; close: () => Promise<void>; client: S3Client }> {
  const { default: S3rver } = (await import('s3rver' as string)) as {
    default: new (options: object) => S3rverInstance
  }
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: tmpDir(),
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  })
  const { port } = await server.run()
  const endpoint = `http://127.0.0.1:${port}`
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: { ...CREDENTIALS },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy()
      await server.close()
    },
  }
}

/** An object's bytes and headers, or undefined. */
export async function getObject(client: S3Client, key: string) {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: 'static', Key: key }))
    return {
      body: Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()),
      contentType: out.ContentType,
      cacheControl: out.CacheControl,
    }
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return undefined
    throw err
  }
}

export async function listKeys(client: S3Client): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: 'static', MaxKeys: 1000 }))
  return (out.Contents ?? []).map((o) => o.Key as string).sort()
}

export type Fault = 'pass' | '500' | 'drop'

/**
 * A tiny HTTP proxy on 127.0.0.1 in front of the S3 server. `fault(n)` decides the fate of the
 * n-th PUT (1-based): passed on, answered with 500, or the connection dropped before any answer.
 */
export async function startFaultyProxy(
  target: string,
  fault: (n: number) => Fault,
): Promise<{ endpoint: string; puts: () => number; faults: () => number; close: () => Promise<void> }> {
  const to = new URL(target)
  let puts = 0
  let faults = 0
  const server = http.createServer((req, res) => {
    let what: Fault = 'pass'
    if (req.method === 'PUT') what = fault(++puts)
    if (what !== 'pass') {
      faults++
      req.resume()
      req.on('end', () => {
        if (what === '500') {
          res.writeHead(500, { 'content-type': 'application/xml' })
          res.end('<?xml version="1.0"?><Error><Code>InternalError</Code><Message>injected failure</Message></Error>')
        } else {
          req.socket.destroy()
        }
      })
      return
    }
    const upstream = http.request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      },
    )
    upstream.on('error', () => req.socket.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    puts: () => puts,
    faults: () => faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Every file under dir, read, by posix path. */
export function readTree(dir: string, files: string[]): Map<string, Buffer> {
  return new Map(files.map((f) => [f, fs.readFileSync(path.join(dir, f))]))
}
