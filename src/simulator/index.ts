// The embedded KuCoin simulator: two node:http servers (spot and futures
// host) over one state. Every instance owns its state and timers, so tests
// can run many side by side.
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { KeyRing } from './rest/auth.js'
import { registerBulletRoutes } from './rest/bullet.js'
import { FaultList } from './rest/faults.js'
import { FuturesAccount } from './engine/futures-account.js'
import { registerFuturesAccountRoutes } from './rest/futures/account-routes.js'
import { registerFuturesMarketRoutes } from './rest/futures/market-routes.js'
import { SyntheticMarket } from './engine/market.js'
import { Responder } from './rest/http.js'
import { OperationIndex } from './rest/operations.js'
import { RateLimiter } from './rest/rate-limit.js'
import type { RouteTable } from './rest/routes.js'
import { RequestLog, requestListener } from './rest/server.js'
import type { ServerDeps } from './rest/server.js'
import { Rng, hexId } from './engine/random.js'
import { SpotAccount } from './engine/spot-account.js'
import { registerSpotAccountRoutes } from './rest/spot/account-routes.js'
import { registerSpotClassicOrderRoutes } from './rest/spot/classic-order-routes.js'
import { registerSpotMarketRoutes } from './rest/spot/market-routes.js'
import { registerMarginOrderRoutes } from './rest/margin/order-routes.js'
import { registerUnifiedRoutes } from './rest/unified-routes.js'
import { Clock } from './engine/state.js'
import type { SimState } from './engine/state.js'
import type { Market, SimKey, Simulator, SimulatorOptions } from './types.js'
import { WsServer } from './ws/server.js'
import { BookFaults } from './ws/book-faults.js'
import { BookHistory } from './engine/book-history.js'
import type { SimulatorBooks, SimulatorOrders } from './types.js'
import { resolveWsLimits } from './ws/types.js'

export type { FaultAction, FaultRule, OrderAccount, OrderLag, SimulatorOrders, RecordedRequest, SimKey, SimLevel2Faults, SimTrueBook, Simulator, SimulatorBooks, SimulatorOptions, SimulatorWs, WsConnectionInfo, WsOptions } from './types.js'

/** The key `--simulate` mode and the tests use unless they configure their own. */
export const DEMO_KEY: SimKey = {
  key: 'kgw-demo-key',
  secret: 'kgw-demo-secret',
  passphrase: 'kgw-demo-passphrase',
  version: 3,
  permissions: ['General', 'Spot', 'Margin', 'Futures']
}

const SPOT_BALANCES = { USDT: 10_000, BTC: 1, ETH: 10 }
const FUTURES_BALANCES = { USDT: 10_000, XBT: 0.1 }
const MARGIN_BALANCES = { USDT: 10_000, BTC: 1 }
// Comfortably above any proxy's idle timeout, so the simulator never drops a pooled connection first.
const KEEP_ALIVE_MS = 65_000

function buildRoutes (): RouteTable {
  const table: RouteTable = new Map()
  registerSpotMarketRoutes(table)
  registerSpotAccountRoutes(table)
  registerSpotClassicOrderRoutes(table)
  registerMarginOrderRoutes(table)
  registerUnifiedRoutes(table)
  registerFuturesMarketRoutes(table)
  registerFuturesAccountRoutes(table)
  registerBulletRoutes(table)
  return table
}

async function listen (server: Server, port: number, host: string): Promise<string> {
  server.keepAliveTimeout = KEEP_ALIVE_MS
  server.headersTimeout = KEEP_ALIVE_MS + 1000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  const { port: bound } = server.address() as AddressInfo
  return `${host.includes(':') ? `[${host}]` : host}:${bound}`
}

async function shutdown (server: Server): Promise<void> {
  if (!server.listening) return
  const closed = new Promise<void>(resolve => server.close(() => resolve()))
  server.closeAllConnections()
  await closed
}

/** Starts both hosts; resolves once they listen. */
export async function startSimulator (options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1'
  const seed = options.seed ?? 42
  const clock = new Clock(options.clockOffsetMs ?? 0)
  const ring = new KeyRing(options.keys ?? [DEMO_KEY])
  const wsLimits = resolveWsLimits(options.ws)
  const state: SimState = {
    clock,
    market: new SyntheticMarket(seed, clock.now()),
    spotAccount: new SpotAccount(seed + 1, SPOT_BALANCES),
    marginAccount: new SpotAccount(seed + 4, MARGIN_BALANCES),
    futuresAccount: new FuturesAccount(seed + 2, FUTURES_BALANCES),
    lag: { lookupMs: options.lookupLagMs ?? 0, streamMs: options.streamLagMs ?? 0 },
    tokens: new Map(),
    wsEndpoints: { spot: '', futures: '' },
    wsPing: { interval: wsLimits.pingIntervalMs, timeout: wsLimits.pingTimeoutMs }
  }
  const timers = new Set<NodeJS.Timeout>()
  const faults = new FaultList()
  const log = new RequestLog()
  const deps: ServerDeps = {
    state,
    operations: new OperationIndex(),
    routes: buildRoutes(),
    ring,
    limiter: new RateLimiter(options.rateLimits ?? {}, options.rateWindowMs ?? 30_000),
    faults,
    log,
    reply: new Responder(options.framing ?? 'chunked'),
    policy: { windowMs: options.timestampWindowMs ?? 5000, querySigning: options.querySigning ?? 'decoded-or-raw' },
    sleep: ms => new Promise(resolve => {
      const timer = setTimeout(() => { timers.delete(timer); resolve() }, ms)
      timers.add(timer)
    })
  }
  const spotServer = createServer(requestListener(deps, 'spot'))
  const futuresServer = createServer(requestListener(deps, 'futures'))
  // Every key trades the one demo account, so private messages carry one userId (24 hex digits, like KuCoin's).
  const level2Faults = new BookFaults()
  const history = new BookHistory(state.market)
  const ws = new WsServer(state, wsLimits, hexId(new Rng(seed + 3), 12), level2Faults)
  ws.attach(spotServer, 'spot')
  ws.attach(futuresServer, 'futures')
  try {
    const spotAddress = await listen(spotServer, options.spotPort ?? 0, host)
    const futuresAddress = await listen(futuresServer, options.futuresPort ?? 0, host)
    state.wsEndpoints = { spot: `ws://${spotAddress}/`, futures: `ws://${futuresAddress}/` }
    return {
      spotUrl: `http://${spotAddress}`,
      futuresUrl: `http://${futuresAddress}`,
      get requests () { return log.entries },
      clearRequests: () => log.clear(),
      addFault: rule => faults.add(rule),
      clearFaults: () => faults.clear(),
      setClockOffset: ms => { clock.offsetMs = ms },
      now: () => clock.now(),
      ws: ws.api(),
      books: booksApi(state, history, level2Faults, faults),
      orders: ordersApi(state),
      close: async () => {
        history.close()
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        // Upgraded sockets keep a server from closing, so they go first.
        ws.close()
        await Promise.all([shutdown(spotServer), shutdown(futuresServer)])
      }
    }
  } catch (error) {
    ws.close()
    await Promise.all([shutdown(spotServer), shutdown(futuresServer)])
    throw error
  }
}

/** Simulator.orders: what the demo account holds per clientOid, and the visibility lag. */
function ordersApi (state: SimState): SimulatorOrders {
  const accounts = { spot: state.spotAccount, margin: state.marginAccount, futures: state.futuresAccount }
  return {
    count: (clientOid, account) => account !== undefined
      ? accounts[account].countByClientOid(clientOid)
      : Object.values(accounts).reduce((sum, a) => sum + a.countByClientOid(clientOid), 0),
    setLag: lag => {
      if (lag.lookupLagMs !== undefined) state.lag.lookupMs = lag.lookupLagMs
      if (lag.streamLagMs !== undefined) state.lag.streamMs = lag.streamLagMs
    }
  }
}

const SNAPSHOT_PATHS: Record<Market, RegExp> = {
  spot: /^\/api\/(v3\/market\/orderbook\/level2|v1\/market\/orderbook\/level2_\d+)$/,
  futures: /^\/api\/v1\/level2\/(snapshot|depth\d+)$/
}

/** Simulator.books: the true books' history, level2 faults, stale snapshots (as KuCoin's REST shapes, PROTOCOL §7). */
function booksApi (state: SimState, history: BookHistory, level2: BookFaults, faults: FaultList): SimulatorBooks {
  const level2Topic = (market: Market, symbol: string): string => market === 'spot' ? `/market/level2:${symbol}` : `/contractMarket/level2:${symbol}`
  return {
    record: (market, symbol) => history.record(market, symbol),
    at: (market, symbol, sequence) => history.at(market, symbol, sequence),
    faults: (market, symbol, rules) => level2.set(level2Topic(market, symbol), rules),
    faultCounts: () => ({ ...level2.counts }),
    staleSnapshots: (market, symbol, lag, times = 1) => {
      if (!history.record(market, symbol)) throw new Error(`unknown symbol ${symbol}`)
      const current = (market === 'spot' ? state.market.spot : state.market.futures).get(symbol)!.book.sequence
      const book = history.at(market, symbol, current - lag)
      if (book === undefined) throw new Error(`the history of ${symbol} does not reach ${lag} changes back yet`)
      const time = state.clock.now()
      const data = market === 'spot'
        ? { time, sequence: String(book.sequence), bids: book.bids, asks: book.asks }
        : { sequence: book.sequence, symbol, bids: book.bids.map(([p, s]) => [Number(p), Number(s)]), asks: book.asks.map(([p, s]) => [Number(p), Number(s)]), ts: time * 1e6 }
      return faults.add({ market, method: 'GET', path: SNAPSHOT_PATHS[market], times, action: { kind: 'raw', status: 200, body: JSON.stringify({ code: '200000', data }) } })
    }
  }
}
