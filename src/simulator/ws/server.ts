// The WebSocket half's entry point: upgrades on both hosts (any path, as
// KuCoin's endpoint is the bare `wss://ws-api-spot.kucoin.com/`), token and
// connection-limit checks before the welcome, scripted faults, and the
// `Simulator.ws` controls. One instance per simulator; nothing global.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, Server } from 'node:http'
import { WebSocketServer } from 'ws'
import type { WebSocket } from 'ws'
import type { Market } from '../../kucoin/catalog.js'
import type { SyntheticMarket } from '../engine/market.js'
import type { IssuedToken, SimState } from '../engine/state.js'
import type { SimulatorWs } from '../types.js'
import { WsFeeds } from './feeds.js'
import type { BookFaults } from './book-faults.js'
import { TopicIndex } from './connection-index.js'
import { WsSession } from './session.js'
import { symbolCheck } from './topics.js'
import type { SymbolCheck } from './topics.js'
import type { SessionHost } from './session.js'
import { WS_ERRORS } from './types.js'
import type { WsError, WsLimits } from './types.js'

const MINUTE_MS = 60_000

export class WsServer implements SessionHost {
  readonly index = new TopicIndex<WsSession>()
  readonly market: SyntheticMarket
  readonly symbols: SymbolCheck
  silent = false
  private refusing = false
  private maxAgeMs: number
  private readonly sessions = new Set<WsSession>()
  /** Every upgraded socket, also rejected ones still closing, so close() can destroy them all. */
  private readonly sockets = new Set<WebSocket>()
  private readonly connectTimes = new Map<string, number[]>()
  private readonly wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false })
  private readonly feeds: WsFeeds

  constructor (private readonly state: SimState, readonly limits: WsLimits, userId: string, level2Faults?: BookFaults) {
    this.market = state.market
    this.symbols = symbolCheck(state.market, limits.anySymbol)
    this.maxAgeMs = limits.maxConnectionMs
    this.feeds = new WsFeeds({ state, index: this.index, limits, silent: () => this.silent, userId, level2Faults })
  }

  now = (): number => this.state.clock.now()
  changed = (): void => this.feeds.sync()
  closed = (session: WsSession): void => { this.sessions.delete(session) }

  /** Serves WebSocket upgrades of one host. */
  attach (server: Server, market: Market): void {
    server.on('upgrade', (req: IncomingMessage, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, ws => this.connect(ws, req, market))
    })
  }

  /** Destroys every socket and stops the feeds. */
  close (): void {
    for (const socket of this.sockets) socket.terminate()
    this.sockets.clear()
    this.sessions.clear()
    this.feeds.stop()
    this.wss.close()
  }

  api (): SimulatorWs {
    return {
      connections: market => this.open().filter(s => market === undefined || s.market === market).length,
      subscriptions: () => this.open().map(s => s.info()),
      publishRaw: (market, topic, frame) => this.index.broadcast(market, topic, typeof frame === 'string' ? Buffer.from(frame) : frame),
      dropAll: () => { for (const socket of this.sockets) socket.terminate() },
      silence: on => { this.silent = on },
      expireTokens: () => { this.state.tokens.clear() },
      refuseConnections: on => { this.refusing = on },
      closeAfter: ms => {
        this.maxAgeMs = ms ?? this.limits.maxConnectionMs
        for (const session of this.sessions) session.setMaxAge(this.maxAgeMs)
      }
    }
  }

  private open (): WsSession[] {
    return [...this.sessions].filter(s => s.isOpen)
  }

  private connect (ws: WebSocket, req: IncomingMessage, market: Market): void {
    this.sockets.add(ws)
    ws.on('close', () => this.sockets.delete(ws))
    const url = new URL(req.url ?? '/', 'ws://simulator')
    const connectId = url.searchParams.get('connectId')
    const id = connectId !== null && connectId !== '' ? connectId : randomBytes(8).toString('hex')
    const admitted = this.admit(url.searchParams.get('token') ?? '', market, req)
    if ('code' in admitted) return this.reject(ws, id, admitted)
    this.sessions.add(new WsSession(ws, id, market, admitted.token, admitted.identity, this, this.maxAgeMs))
  }

  /** The identity the connection counts against, or why it is refused (PROTOCOL §5.10 steps 2 and 4). */
  private admit (tokenText: string, market: Market, req: IncomingMessage): { token: IssuedToken, identity: string } | WsError {
    if (this.refusing) return WS_ERRORS.busy
    const token = this.state.tokens.get(tokenText)
    // A token is bound to the host that issued it (PROTOCOL §0.7).
    if (token === undefined || token.market !== market || this.now() - token.issuedAt >= this.limits.tokenTtlMs) return WS_ERRORS.tokenInvalid
    const identity = token.key !== undefined ? `key:${token.key.key}` : `ip:${req.socket.remoteAddress ?? 'unknown'}`
    if (!this.admitNew(identity)) return WS_ERRORS.tooManyMessages
    const open = this.open().filter(s => s.identity === identity).length
    if (open >= this.limits.maxConnections) return WS_ERRORS.sessions(this.limits.maxConnections)
    return { token, identity }
  }

  /** New connections per identity in the last minute (attempts with a valid token count). */
  private admitNew (identity: string): boolean {
    if (this.limits.maxNewConnectionsPerMinute === Infinity) return true
    const now = Date.now()
    const times = (this.connectTimes.get(identity) ?? []).filter(t => t > now - MINUTE_MS)
    times.push(now)
    this.connectTimes.set(identity, times)
    return times.length <= this.limits.maxNewConnectionsPerMinute
  }

  /** Connection-level error: the id is the connectId; then a normal close. */
  private reject (ws: WebSocket, id: string, error: WsError): void {
    ws.on('error', () => {})
    if (!this.silent) ws.send(JSON.stringify({ id, type: 'error', code: error.code, data: error.data }))
    ws.close(1000)
  }
}
