// Client-side connection bounds (slowloris, descriptor exhaustion). Each
// downstream connection holds a file descriptor, and so do the upstream
// KuCoin sockets: one client opening half-finished requests must not use up
// the descriptors everyone needs. So: a total cap that leaves headroom below
// the open-file limit for upstream sockets, a per-client (remote address) cap
// at half of it, and a short header timeout (Node's, set in app.ts, plus a
// deadline for the first byte). A connection over a cap gets a typed problem
// and is closed before any HTTP parsing.
import { readFileSync } from 'node:fs'
import type { IncomingMessage, Server } from 'node:http'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { randomUUID } from 'node:crypto'
import { GatewayError, toProblem, type ErrorKind } from '../errors.js'

/** Descriptors kept for upstream KuCoin WebSockets, files, DNS and the like, besides the REST pools. */
const RESERVED_DESCRIPTORS = 256
const UNKNOWN_FILE_LIMIT = 1024

/** The soft open-file limit from /proc (Linux), or undefined elsewhere. */
export function openFileLimit (read: (path: string) => string = path => readFileSync(path, 'utf8')): number | undefined {
  try {
    const line = read('/proc/self/limits').split('\n').find(l => l.startsWith('Max open files'))
    const soft = line?.split(/\s{2,}/)[1]
    if (soft === 'unlimited') return Number.MAX_SAFE_INTEGER
    const value = Number(soft)
    return Number.isInteger(value) && value > 0 ? value : undefined
  } catch {
    return undefined
  }
}

export interface ConnectionLimits { max: number, maxPerClient: number }

/**
 * The effective caps: configured values win; otherwise the total leaves room
 * for both upstream REST pools and RESERVED_DESCRIPTORS below the open-file
 * limit, and one client may take half of it.
 */
export function connectionLimits (configured: { max: number, maxPerClient: number }, upstreamConnections: number, fileLimit = openFileLimit()): ConnectionLimits {
  const derived = Math.max(16, (fileLimit ?? UNKNOWN_FILE_LIMIT) - 2 * upstreamConnections - RESERVED_DESCRIPTORS)
  const max = configured.max > 0 ? configured.max : derived
  const maxPerClient = configured.maxPerClient > 0 ? configured.maxPerClient : Math.max(1, Math.floor(max / 2))
  return { max, maxPerClient }
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client. */
const clientOf = (socket: Socket): string => (socket.remoteAddress ?? 'unknown').replace(/^::ffff:(?=\d+\.)/, '')

/** A complete HTTP/1.1 problem response, for sockets that never reach the HTTP parser. */
export function rawProblem (kind: ErrorKind, detail: string, retryAfterSeconds?: number): string {
  const error = new GatewayError(kind, { detail })
  const id = randomUUID()
  const body = JSON.stringify(toProblem(error, id))
  const retry = retryAfterSeconds === undefined ? '' : `retry-after: ${retryAfterSeconds}\r\n`
  return `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\ncontent-type: application/problem+json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n${retry}x-request-id: ${id}\r\nconnection: close\r\n\r\n${body}`
}

/** Answers, reads and drops whatever the client still sends, and closes soon. */
function refuse (socket: Socket, response: string): void {
  socket.on('data', () => {}).on('error', () => {}).on('end', () => socket.destroy())
  socket.setTimeout(1000, () => socket.destroy())
  socket.end(response)
}

/** Why connections were closed unheard: over the per-client cap, over the total cap, or no request in time. */
export const REFUSALS = ['client-cap', 'total-cap', 'no-request'] as const

export interface ConnectionStats { open: number, refused: Record<typeof REFUSALS[number], number> }

/**
 * Node's header timeout starts at a request's first byte: a connection that
 * sends nothing at all would be held forever. So each connection must have
 * begun a request (or an upgrade) within the same time, or is answered 408.
 */
function firstRequestDeadline (server: Server, timeoutMs: number, stats: ConnectionStats): (socket: Socket) => void {
  const started = new WeakSet<Socket>()
  const start = (request: IncomingMessage): void => { started.add(request.socket) }
  server.on('request', start)
  server.on('upgrade', start)
  return socket => {
    const timer = setTimeout(() => {
      if (started.has(socket) || socket.destroyed) return
      stats.refused['no-request']++
      socket.end(rawProblem('request-timeout', 'no request arrived within KGW_HEADERS_TIMEOUT_MS'))
      socket.destroySoon()
    }, timeoutMs)
    timer.unref()
    socket.once('close', () => { clearTimeout(timer) })
  }
}

/**
 * Counts connections per client ahead of Node's HTTP parser: the server's own
 * 'connection' listeners only see admitted sockets, so a refused one never
 * has a request parsed or a route run.
 */
export function guardConnections (server: Server, limits: ConnectionLimits, headersTimeoutMs: number): ConnectionStats {
  const perClient = new Map<string, number>()
  const stats: ConnectionStats = { open: 0, refused: { 'client-cap': 0, 'total-cap': 0, 'no-request': 0 } }
  const parsers = server.listeners('connection') as Array<(socket: Socket) => void>
  server.removeAllListeners('connection')
  const deadline = firstRequestDeadline(server, headersTimeoutMs, stats)
  server.on('connection', (socket: Socket) => {
    const client = clientOf(socket)
    const held = perClient.get(client) ?? 0
    if (stats.open >= limits.max || held >= limits.maxPerClient) {
      stats.refused[stats.open >= limits.max ? 'total-cap' : 'client-cap']++
      refuse(socket, stats.open >= limits.max
        ? rawProblem('connections-exhausted', `the gateway holds its maximum of ${limits.max} connections (KGW_MAX_CONNECTIONS); retry shortly`, 1)
        : rawProblem('too-many-connections', `this client holds its maximum of ${limits.maxPerClient} connections (KGW_MAX_CONNECTIONS_PER_CLIENT); reuse or close some`, 1))
      return
    }
    stats.open++
    perClient.set(client, held + 1)
    socket.once('close', () => {
      stats.open--
      const left = (perClient.get(client) ?? 1) - 1
      if (left === 0) perClient.delete(client)
      else perClient.set(client, left)
    })
    deadline(socket)
    for (const parse of parsers) parse.call(server, socket)
  })
  return stats
}
