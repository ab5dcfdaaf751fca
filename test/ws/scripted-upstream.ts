// A scripted fake KuCoin WebSocket upstream over real sockets, written from
// PROTOCOL.md §5 (not from gateway code): `POST /api/v1/bullet-public` hands
// out a token and this server's endpoint, the WebSocket sends a welcome, acks
// subscribes (`response: true`) or refuses the whole frame with one error
// when any topic in it is "bad", answers pings, and pushes `message` frames
// to every socket subscribed to a topic, as KuCoin does. A test scripts the
// faults: failed bullets, a welcome that is late, missing or an error, a
// socket that closes when it is asked to subscribe, drops at any moment.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import type { BulletToken } from '../../src/ws/upstream-connection.js'

export type Welcome = 'now' | 'never' | { delayMs: number } | { error: number, message: string }

export interface Behaviour {
  welcome?: Welcome
  /** Close the socket (1006-like terminate) when its n-th subscribe frame arrives (1-based). */
  dropOnSubscribe?: number
  /** Never answer subscribes. */
  silent?: boolean
}

export interface ScriptedSocket {
  /** 1-based, in connect order. */
  index: number
  ws: WebSocket
  openedAt: number
  closedAt: number | undefined
  topics: Set<string>
  /** Every client frame, parsed. */
  received: Array<Record<string, any>>
  subscribeFrames: number
  /** Terminates the socket (no close frame, as a network drop). */
  drop: () => void
}

export interface ScriptedUpstream {
  url: string
  sockets: ScriptedSocket[]
  /** Times of bullet requests, successful or not. */
  bullets: number[]
  /** Topics (single-symbol) whose subscribe frames KuCoin refuses with 404. */
  bad: Set<string>
  /** The next n bullet requests fail with a KuCoin 5xx. */
  failBullets: (n: number) => void
  /** Behaviour of each new socket, by index; default: a normal KuCoin. */
  script: (index: number) => Behaviour
  open: () => ScriptedSocket[]
  /** Pushes a message to every open socket subscribed to the topic; returns how many got it. */
  publish: (topic: string, data: unknown) => number
  fetchToken: () => Promise<BulletToken>
  close: () => Promise<void>
}

const split = (topic: string): string[] => {
  const colon = topic.indexOf(':')
  if (colon === -1) return [topic]
  return topic.slice(colon + 1).split(',').map(s => `${topic.slice(0, colon)}:${s}`)
}

export async function startScriptedUpstream (options: { pingIntervalMs?: number, pingTimeoutMs?: number } = {}): Promise<ScriptedUpstream> {
  let failing = 0
  const wss = new WebSocketServer({ noServer: true })
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/v1/bullet-public') {
      up.bullets.push(Date.now())
      if (failing > 0) {
        failing--
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ code: '503000', msg: 'Service unavailable' }))
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        code: '200000',
        data: { token: `tok-${up.bullets.length}`, instanceServers: [{ endpoint: `${up.url.replace('http', 'ws')}/endpoint`, encrypt: false, protocol: 'websocket', pingInterval: options.pingIntervalMs ?? 18_000, pingTimeout: options.pingTimeoutMs ?? 10_000 }] }
      }))
      return
    }
    res.writeHead(404).end()
  })
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, ws => accept(ws, req)))

  const accept = (ws: WebSocket, req: IncomingMessage): void => {
    const index = up.sockets.length + 1
    const behaviour = up.script(index)
    const connectId = new URL(req.url ?? '/', 'http://x').searchParams.get('connectId') ?? 'c'
    const s: ScriptedSocket = { index, ws, openedAt: Date.now(), closedAt: undefined, topics: new Set(), received: [], subscribeFrames: 0, drop: () => ws.terminate() }
    up.sockets.push(s)
    ws.on('close', () => { s.closedAt = Date.now() })
    ws.on('error', () => {})
    const send = (frame: object): void => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame)) }
    const welcome = behaviour.welcome ?? 'now'
    if (welcome === 'now') send({ id: connectId, type: 'welcome' })
    else if (typeof welcome === 'object' && 'delayMs' in welcome) setTimeout(() => send({ id: connectId, type: 'welcome' }), welcome.delayMs)
    else if (typeof welcome === 'object') { send({ id: connectId, type: 'error', code: welcome.error, data: welcome.message }); ws.close() }
    ws.on('message', raw => {
      const frame = JSON.parse(raw.toString()) as Record<string, any>
      s.received.push(frame)
      if (frame.type === 'ping') return send({ id: frame.id, type: 'pong' })
      if (frame.type === 'unsubscribe') {
        for (const t of split(String(frame.topic))) s.topics.delete(t)
        return send({ id: String(frame.id), type: 'ack' })
      }
      if (frame.type !== 'subscribe') return send({ id: String(frame.id), type: 'error', code: 415, data: 'type is not supported' })
      s.subscribeFrames++
      if (behaviour.dropOnSubscribe === s.subscribeFrames) return ws.terminate()
      if (behaviour.silent) return
      const topics = split(String(frame.topic))
      const wrong = topics.find(t => up.bad.has(t))
      if (wrong) return send({ id: String(frame.id), type: 'error', code: 404, data: `topic ${wrong} is not found` })
      for (const t of topics) s.topics.add(t)
      send({ id: String(frame.id), type: 'ack' })
    })
  }

  const up: ScriptedUpstream = {
    url: '',
    sockets: [],
    bullets: [],
    bad: new Set(),
    failBullets: n => { failing = n },
    script: () => ({}),
    open: () => up.sockets.filter(s => s.closedAt === undefined && s.ws.readyState === s.ws.OPEN),
    publish: (topic, data) => {
      const frame = JSON.stringify({ type: 'message', topic, subject: 'test', data })
      const to = up.open().filter(s => s.topics.has(topic))
      for (const s of to) s.ws.send(frame)
      return to.length
    },
    fetchToken: async () => {
      const res = await fetch(`${up.url}/api/v1/bullet-public`, { method: 'POST' })
      const body = await res.json() as { code: string, msg?: string, data: { token: string, instanceServers: Array<{ endpoint: string, pingInterval: number, pingTimeout: number }> } }
      if (body.code !== '200000') throw new Error(`bullet refused: ${body.code} ${body.msg ?? ''}`)
      const server = body.data.instanceServers[0]!
      return { token: body.data.token, endpoint: server.endpoint, pingIntervalMs: server.pingInterval, pingTimeoutMs: server.pingTimeout }
    },
    close: async () => {
      for (const client of wss.clients) client.terminate()
      wss.close()
      await new Promise(resolve => server.close(resolve))
    }
  }
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  up.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return up
}
