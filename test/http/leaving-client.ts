// For tests of a client that leaves mid-request: an upstream that holds every
// call (counting those closed unanswered), a gateway in front of it, and a
// raw-socket client that can hang up at a chosen moment.
import { createServer, type ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Env } from '../../src/config.js'
import type { TestContext } from '../helper.js'

export interface HoldingUpstream {
  url: string
  /** Calls other than time syncs that reached it. */
  received: () => number
  /** Of those, the ones the gateway closed before they were answered. */
  abandoned: () => number
  /** `METHOD path` of each of those calls, in arrival order. */
  calls: () => string[]
}

/** Answers time syncs; holds every other call until its connection closes. */
export async function holdingUpstream (t: TestContext): Promise<HoldingUpstream> {
  let received = 0
  let abandoned = 0
  const calls: string[] = []
  const server = createServer((req, res: ServerResponse) => {
    if (req.url?.startsWith('/api/v1/timestamp') === true) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ code: '200000', data: Date.now() }))
      return
    }
    received++
    calls.push(`${req.method ?? ''} ${req.url ?? ''}`)
    res.on('close', () => { if (!res.writableFinished) abandoned++ })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => { server.closeAllConnections(); server.close(resolve) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received: () => received, abandoned: () => abandoned, calls: () => [...calls] }
}

/** A gateway on that upstream, not yet listening, so a test may add hooks first. */
export async function gatewayApp (t: TestContext, upstream: string, env: Env = {}): Promise<FastifyInstance> {
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', KUCOIN_SPOT_URL: upstream, KUCOIN_FUTURES_URL: upstream, ...env }))
  t.teardown(() => app.close())
  return app
}

export async function listen (app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return (app.server.address() as AddressInfo).port
}

/** Sends one raw HTTP/1.1 request and returns the open socket (destroy it to leave). */
export async function sendRaw (port: number, method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<Socket> {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await new Promise<void>(resolve => socket.once('connect', resolve))
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', `content-length: ${Buffer.byteLength(body)}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)]
  socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`)
  return socket
}

export async function until (check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
