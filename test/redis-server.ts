// A real redis-server (Debian's) on a free loopback port, for the replica
// tests. Nothing is persisted. `stop()`/`start()` let a test take Redis away
// under load and bring it back on the same port; teardown always kills it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer, Socket } from 'node:net'
import type { TestContext } from './helper.js'

export const REDIS_BINARY = process.env.KGW_TEST_REDIS_SERVER ?? 'redis-server'

/** Why the replica tests cannot run here, or undefined when redis-server is available. */
export function redisUnavailable (): string | undefined {
  const probe = spawnSync(REDIS_BINARY, ['--version'], { encoding: 'utf8' })
  return probe.status === 0 ? undefined : `${REDIS_BINARY} not found (apt-get install -y redis-server)`
}

export interface RedisServer {
  port: number
  url: string
  /** Stops the server (SIGTERM, or SIGKILL with `hard`) and waits for it to exit. */
  stop: (hard?: boolean) => Promise<void>
  /** Starts it again on the same port; resolves once it accepts connections. */
  start: () => Promise<void>
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function launch (port: number): Promise<ChildProcess> {
  const child = spawn(REDIS_BINARY, [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--protected-mode', 'yes', '--loglevel', 'warning'
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    // At warning level redis-server prints only problems; readiness is polled with a connection.
    let output = ''
    const onData = (chunk: Buffer): void => { output += chunk.toString() }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('error', reject)
    child.once('exit', code => reject(new Error(`redis-server exited with ${String(code)}: ${output}`)))
    const deadline = Date.now() + 10_000
    const poll = (): void => {
      const socket = new Socket()
      socket.once('connect', () => { socket.destroy(); child.removeAllListeners('exit'); resolve(child) })
      socket.once('error', () => {
        socket.destroy()
        if (Date.now() > deadline) { child.kill('SIGKILL'); reject(new Error(`redis-server did not listen on ${port}: ${output}`)) } else setTimeout(poll, 25)
      })
      socket.connect(port, '127.0.0.1')
    }
    poll()
  })
}

export async function startRedis (t: TestContext): Promise<RedisServer> {
  const port = await freePort()
  let child: ChildProcess | undefined = await launch(port)
  const stop = async (hard = false): Promise<void> => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null) return
    await new Promise<void>(resolve => {
      running.once('exit', () => resolve())
      running.kill(hard ? 'SIGKILL' : 'SIGTERM')
    })
  }
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start: async () => { if (child === undefined) child = await launch(port) }
  }
  t.teardown(async () => await stop(true))
  return server
}
