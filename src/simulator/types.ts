// The public contract of the embedded KuCoin simulator. Everything here is
// re-exported from index.ts; other modules import only from there.

/** KuCoin's two hosts: api.kucoin.com (spot, margin) and api-futures.kucoin.com. */
export type Market = 'spot' | 'futures'

/** An API key the simulator accepts, with KuCoin's key-version rules (PROTOCOL §1.5). */
export interface SimKey {
  key: string
  secret: string
  /** The plain passphrase; v1 clients send it as is, v2/v3 send its HMAC. */
  passphrase: string
  version: 1 | 2 | 3
  /** Granted permissions, e.g. `['General', 'Spot', 'Margin', 'Futures']`. */
  permissions: string[]
}

export interface SimulatorOptions {
  /** Interface both servers listen on; default `127.0.0.1`. */
  host?: string
  /** Port of the spot host (`api.kucoin.com`); default 0 (ephemeral). */
  spotPort?: number
  /** Port of the futures host (`api-futures.kucoin.com`); default 0 (ephemeral). */
  futuresPort?: number
  /** Accepted keys; default `[DEMO_KEY]`. */
  keys?: SimKey[]
  /** The simulator's clock is `Date.now() + clockOffsetMs`, to exercise skew correction; default 0. */
  clockOffsetMs?: number
  /** Allowed |KC-API-TIMESTAMP − simulator now|, exclusive; default 5000. */
  timestampWindowMs?: number
  /**
   * Which query form the signature may cover: `decoded` (KuCoin's documented rule) or
   * `decoded-or-raw` (also the query exactly as received, for SDKs that sign the
   * encoded form); default `decoded-or-raw`.
   */
  querySigning?: 'decoded' | 'decoded-or-raw'
  /** Per-pool quota per window, e.g. `{ Spot: 10 }`; unspecified pools use KuCoin's VIP0 quotas. */
  rateLimits?: Partial<Record<string, number>>
  /** Length of a rate-limit window; default 30000. */
  rateWindowMs?: number
  /**
   * How REST bodies are delimited: `chunked` (no Content-Length), as KuCoin's CDN answers, or
   * `content-length`; default `chunked`. Either way a body is gzipped when Accept-Encoding admits gzip.
   */
  framing?: 'chunked' | 'content-length'
  /** Seed of the synthetic market; default 42. */
  seed?: number
  /** WebSocket limits, timings and push rates (PROTOCOL §5.8); every field optional. */
  ws?: WsOptions
  /** Lookups of an order younger than this answer "order does not exist" (OrderLag); default 0. `sim.orders.setLag` changes it. */
  lookupLagMs?: number
  /** Private order-stream messages are pushed this much later (OrderLag); default 0. */
  streamLagMs?: number
}

/**
 * How long a new order stays invisible, as KuCoin's eventually consistent
 * order views are right after a create (lookups answer "order does not exist").
 */
export interface OrderLag {
  /** Single-order lookups (by orderId or clientOid) of an order younger than this answer the market's "order does not exist" error; default 0. */
  lookupLagMs?: number
  /** Private order-stream messages (spot orderChange V1/V2, futures symbolOrderChange) are pushed this much later; default 0. */
  streamLagMs?: number
}

/** Which order book of the demo account: spot (HF and Classic share it), margin HF, futures. */
export type OrderAccount = 'spot' | 'margin' | 'futures'

/** Test controls of the demo account's orders. */
export interface SimulatorOrders {
  /** How many orders were ever created with this clientOid (active and done), in one account or all three. */
  count: (clientOid: string, account?: OrderAccount) => number
  /** Changes the visibility lag; fields left out keep their value. */
  setLag: (lag: OrderLag) => void
}

/**
 * The WebSocket half's knobs. Defaults follow KuCoin's documented Classic
 * limits; tests shrink them to exercise each limit quickly.
 */
export interface WsOptions {
  /** How long a bullet token admits new connections after it was issued (simulator clock); default 86400000 (24 h). */
  tokenTtlMs?: number
  /** `pingInterval` advertised by the bullet endpoints; default 18000. */
  pingIntervalMs?: number
  /** `pingTimeout` advertised by the bullet endpoints; default 10000. */
  pingTimeoutMs?: number
  /** A connection with no client frame for this long gets error 400 "ping timeout" and is closed; default pingIntervalMs + pingTimeoutMs. */
  idleTimeoutMs?: number
  /** Every connection is closed (code 1000, no error frame) this long after it opened; default 86400000 (24 h). */
  maxConnectionMs?: number
  /** Open connections per key (private token) or client IP (public token), both hosts together; default 800. */
  maxConnections?: number
  /** New connections per key or IP in any 60 s; default unlimited (KuCoin documents 30). */
  maxNewConnectionsPerMinute?: number
  /** Symbol-topics in one subscribe frame (`/market/ticker:A,B` counts 2); default 100. */
  maxTopicsPerSubscribe?: number
  /** Symbol-topics one connection may hold; default 300. */
  maxTopicsPerConnection?: number
  /** Client frames (pings included) allowed per `clientMessageWindowMs`; default 100. */
  maxClientMessages?: number
  /** Sliding window of `maxClientMessages`; default 10000. */
  clientMessageWindowMs?: number
  /** Feed tick: the market advances and ticker, level1, depth5/50 and spot candle topics push once per tick; default 100. */
  pushIntervalMs?: number
  /** Push period of `/contract/instrument` mark.index.price and futures `limitCandle`; default 1000. */
  instrumentIntervalMs?: number
  /** Push period of `/market/snapshot` and `/contractMarket/snapshot`; default 2000. */
  snapshotIntervalMs?: number
  /** Push period of `/contract/instrument` funding.rate; default 60000. */
  fundingIntervalMs?: number
  /**
   * Accept subscriptions naming any well-formed symbol (`ABC-USDT`, `ABCUSDTM`), not only the
   * listed ones; they carry only what `publishRaw` sends. For limit tests and benchmarks that
   * need hundreds of topics; default false (KuCoin answers 404 for an unknown symbol).
   */
  anySymbol?: boolean
}

/** One open WebSocket connection, as `Simulator.ws.subscriptions()` reports it. */
export interface WsConnectionInfo {
  /** The connectId (or the random id the welcome carried). */
  id: string
  market: Market
  /** Whether it connected with a bullet-private token. */
  private: boolean
  /** Its symbol-topics, e.g. `/market/ticker:BTC-USDT`, in subscription order. */
  topics: string[]
}

/** Test and benchmark controls of the WebSocket half. */
export interface SimulatorWs {
  /** Open connections (after welcome), of one host or both. */
  connections: (market?: Market) => number
  /** Every open connection with its topics. */
  subscriptions: () => WsConnectionInfo[]
  /**
   * Sends `frame` as is, as one text frame, to every socket subscribed to `topic`
   * (a symbol-topic such as `/market/ticker:BTC-USDT`); returns how many got it.
   * Encoded once, whatever the number of subscribers. Ignores `silence`.
   */
  publishRaw: (market: Market, topic: string, frame: string | Buffer) => number
  /** Destroys every socket at once, without a close frame. */
  dropAll: () => void
  /** While on, nothing at all is sent (welcome, pushes, pongs, acks, errors); sockets stay open and keep reading. */
  silence: (on: boolean) => void
  /** Invalidates every token issued so far: new connections with them get 401; open connections stay. */
  expireTokens: () => void
  /** While on, new connections get error 509 "service busy, please retry later" and are closed. */
  refuseConnections: (on: boolean) => void
  /** Sets the maximum connection age (also for open ones, measured from their opening); undefined restores `maxConnectionMs`. */
  closeAfter: (ms: number | undefined) => void
}

/** One request as it arrived, recorded before faults, auth or rate limiting apply. */
export interface RecordedRequest {
  market: Market
  method: string
  /** Raw path and query exactly as received. */
  url: string
  /** Header names lowercased, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>
  /** The body as UTF-8 text; `''` when there was none. */
  body: string
  /** Simulator clock (ms) when the request was complete. */
  at: number
}

export type FaultAction =
  /** A KuCoin envelope error; `status` defaults from the code (business codes → 200). */
  | { kind: 'code', code: string, msg?: string, status?: number }
  /** Answer normally after `ms`. */
  | { kind: 'delay', ms: number }
  /** Destroy the socket without a response. */
  | { kind: 'reset' }
  /** A Cloudflare-like HTML error page, `text/html`, default status 502. */
  | { kind: 'html', status?: number }
  /** Never answer; the socket stays open until the simulator closes. */
  | { kind: 'stall' }
  /** An arbitrary response; `contentType` defaults to `application/json`. */
  | { kind: 'raw', status: number, contentType?: string, body: string }
  /** 200 headers and part of a JSON body, then the socket is destroyed. */
  | { kind: 'truncate' }

export interface FaultRule {
  /**
   * `before` (default): the action replaces the request, which never runs.
   * `after-commit`: the request runs fully first (orders created or filled, private
   * stream messages pushed), then the action replaces its response — the lost
   * response of an order that exists.
   */
  when?: 'before' | 'after-commit'
  /** Only requests to this host; default both. */
  market?: Market
  /** Only this HTTP method (case-insensitive); default any. */
  method?: string
  /** Matched against the path without its query: exact string or RegExp. */
  path: string | RegExp
  /** How many requests the rule applies to before it removes itself; default unlimited. */
  times?: number
  action: FaultAction
}

/** A true book at one sequence, best levels first, as KuCoin's wire texts (futures sizes in lots). */
export interface SimTrueBook {
  sequence: number
  bids: Array<[string, string]>
  asks: Array<[string, string]>
}

/** Faults of one symbol's level2 delta topic: probabilities per message, seeded. */
export interface SimLevel2Faults {
  drop?: number
  duplicate?: number
  reorder?: number
  seed?: number
}

/** Order-book controls: the true book's history, and faults of what a book keeper reads. */
export interface SimulatorBooks {
  /** Starts recording a symbol's true book (its state now, then every change); false for an unknown symbol. */
  record: (market: Market, symbol: string) => boolean
  /** The true book at `sequence`, when recorded and within the history. */
  at: (market: Market, symbol: string, sequence: number) => SimTrueBook | undefined
  /** Faults of the symbol's level2 topic; undefined clears them. */
  faults: (market: Market, symbol: string, faults: SimLevel2Faults | undefined) => void
  /** How many level2 messages the faults dropped, repeated and held back so far. */
  faultCounts: () => { dropped: number, duplicated: number, reordered: number }
  /**
   * The next `times` REST snapshots of the symbol (the endpoints a book keeper
   * uses) answer the true book as it was `lag` changes ago: a stale snapshot,
   * behind the deltas already pushed. Records the symbol. Returns the remover.
   */
  staleSnapshots: (market: Market, symbol: string, lag: number, times?: number) => () => void
}

export interface Simulator {
  /** Base URL of the spot host, e.g. `http://127.0.0.1:41234`. */
  readonly spotUrl: string
  /** Base URL of the futures host. */
  readonly futuresUrl: string
  /** The last 1000 requests received on either host, oldest first (faulted and rejected ones too). */
  readonly requests: RecordedRequest[]
  clearRequests: () => void
  /** Adds a fault rule (tried in insertion order, before auth and rate limiting); returns its remover. */
  addFault: (rule: FaultRule) => () => void
  clearFaults: () => void
  /** Moves the simulator clock relative to `Date.now()`. */
  setClockOffset: (ms: number) => void
  /** The simulator clock in ms. */
  now: () => number
  /** The WebSocket half's controls. */
  readonly ws: SimulatorWs
  /** True books and level2 faults. */
  readonly books: SimulatorBooks
  /** Order counts per clientOid and visibility lag. */
  readonly orders: SimulatorOrders
  /** Closes both servers, destroying open (also stalled) sockets and WebSockets, and stops timers. */
  close: () => Promise<void>
}
