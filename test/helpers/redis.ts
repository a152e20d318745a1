import { type ChildProcess, spawn } from 'node:child_process'
import net from 'node:net'

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** Whether something answers PING with PONG on the port. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.setTimeout(300)
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (d) => {
      socket.destroy()
      resolve(d.toString().startsWith('+PONG'))
    })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

export interface RedisServer {
  port: number
  url: string
  stop(): Promise<void>
}

/** Starts Debian's redis-server on 127.0.0.1 (no persistence) and waits until it answers. */
export async function startRedis(port?: number): Promise<RedisServer> {
  const p = port ?? (await freePort())
  const child: ChildProcess = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  let failed: Error | undefined
  child.once('error', (err) => {
    failed = new Error(`redis-server could not start (${err.message}); run scripts/setup-system.sh`)
  })
  for (let i = 0; i < 100 && !failed; i++) {
    if (await ping(p)) {
      return {
        port: p,
        url: `redis://127.0.0.1:${p}`,
        stop: () =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve()
            child.once('exit', () => resolve())
            child.kill('SIGKILL')
          }),
      }
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  child.kill('SIGKILL')
  throw failed ?? new Error(`redis-server did not answer on port ${p}`)
}
