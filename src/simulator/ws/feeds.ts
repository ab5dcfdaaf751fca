// What is pushed when. While anything is subscribed a tick timer advances the
// market and pushes the periodic topics; level2 and trade topics follow the
// book as it changes (also when a REST request advanced it), so their
// sequences continue any REST snapshot without a gap; private topics follow
// the demo accounts' change events. Each message is encoded once per topic.
import type { Market } from '../types.js'
import type { FuturesEvent } from '../engine/futures-account.js'
import type { FuturesContract, SpotPair } from '../engine/instruments.js'
import type { BookChange, InstrumentState } from '../engine/market.js'
import type { SpotEvent } from '../engine/spot-account.js'
import type { SimState } from '../engine/state.js'
import { encode } from './connection-index.js'
import type { Subscriber, TopicIndex } from './connection-index.js'
import { futuresCandle, futuresDepth, futuresExecution, futuresFundingRate, futuresLevel2, futuresMarkIndex, futuresSnapshot, futuresTicker, futuresTickerV2 } from './futures-frames.js'
import { futuresOrderChange, futuresWallet, positionMessage, spotBalance, spotOrderChange } from './private-frames.js'
import { spotCandle, spotDepth, spotL2Update, spotLevel1, spotMatch, spotSnapshot, spotTicker, spotTickerAll } from './spot-frames.js'
import { splitCandle, splitTopic } from './topics.js'
import type { WsLimits } from './types.js'
import type { BookFaults } from './book-faults.js'

export interface FeedDeps {
  state: SimState
  index: TopicIndex<Subscriber>
  limits: WsLimits
  silent: () => boolean
  /** The demo account's userId on private messages. */
  userId: string
  /** Scripted faults of the level2 delta topics (book-faults.ts). */
  level2Faults?: BookFaults
}

const isSpot = (state: InstrumentState): state is InstrumentState<SpotPair> => state.instrument.kind === 'spot'
const isFutures = (state: InstrumentState): state is InstrumentState<FuturesContract> => state.instrument.kind === 'futures'

/** Which slower topics are due this tick. */
interface Due { instrument: boolean, snapshot: boolean, funding: boolean }

export class WsFeeds {
  private timer: NodeJS.Timeout | undefined
  private immediate: NodeJS.Immediate | undefined
  private pending: BookChange[] = []
  /** Last trade sequence pushed (or skipped) per symbol, so the tape is never replayed. */
  private readonly lastTrade = new Map<string, number>()
  private readonly next = { instrument: 0, snapshot: 0, funding: 0 }
  private detach: Array<() => void> = []
  /** Order-stream messages held back by the stream lag. */
  private readonly lagging = new Set<NodeJS.Timeout>()
  private walletVersion = 0
  private balanceEventId = 0

  constructor (private readonly deps: FeedDeps) {}

  /** Runs while anything is subscribed, so an idle simulator costs nothing. */
  sync (): void {
    const active = this.deps.index.size > 0
    if (active && this.timer === undefined) this.start()
    else if (!active && this.timer !== undefined) this.stop()
  }

  stop (): void {
    clearInterval(this.timer)
    clearImmediate(this.immediate)
    for (const timer of this.lagging) clearTimeout(timer)
    this.lagging.clear()
    this.timer = undefined
    this.immediate = undefined
    this.pending = []
    for (const off of this.detach) off()
    this.detach = []
  }

  private start (): void {
    const { market, spotAccount, marginAccount, futuresAccount } = this.deps.state
    for (const state of this.instruments()) this.lastTrade.set(state.instrument.symbol, state.tradeSequence)
    this.detach = [
      market.onChange(change => this.onBookChange(change)),
      spotAccount.events.on(event => this.onSpot(event)),
      // Margin HF orders report on the spot order topics; the margin balance topics are not modelled.
      marginAccount.events.on(event => { if (event.kind === 'order') this.onSpot(event) }),
      futuresAccount.events.on(event => this.onFutures(event))
    ]
    this.timer = setInterval(() => this.tick(), this.deps.limits.pushIntervalMs).unref()
  }

  private * instruments (): Generator<InstrumentState> {
    yield * this.deps.state.market.spot.values()
    yield * this.deps.state.market.futures.values()
  }

  private send (market: Market, topic: string | readonly string[], message: unknown): void {
    this.deps.index.broadcast(market, topic, encode(message))
  }

  /**
   * An order-stream message, rendered now (the order object changes later) and
   * pushed after the stream lag; equal delays keep the messages in order.
   */
  private sendOrder (market: Market, topic: string | readonly string[], message: unknown): void {
    const lag = this.deps.state.lag.streamMs
    if (lag <= 0) return this.send(market, topic, message)
    const frame = encode(message)
    const timer = setTimeout(() => {
      this.lagging.delete(timer)
      if (!this.deps.silent()) this.deps.index.broadcast(market, topic, frame)
    }, lag)
    timer.unref()
    this.lagging.add(timer)
  }

  private onBookChange (change: BookChange): void {
    this.pending.push(change)
    // Batches all changes of one advance() (a tick or a REST request) into one flush.
    this.immediate ??= setImmediate(() => this.flush()).unref()
  }

  /** Pushes the buffered book changes and new trades. */
  private flush (): void {
    this.immediate = undefined
    const changes = this.pending
    this.pending = []
    const { index, silent } = this.deps
    const bySymbol = new Map<string, BookChange[]>()
    for (const change of changes) {
      const list = bySymbol.get(change.instrument.symbol)
      if (list === undefined) bySymbol.set(change.instrument.symbol, [change])
      else list.push(change)
    }
    for (const state of this.instruments()) {
      const symbol = state.instrument.symbol
      const list = silent() ? undefined : bySymbol.get(symbol)
      if (list !== undefined && isSpot(state)) {
        const topic = `/market/level2:${symbol}`
        if (index.has('spot', topic)) this.sendLevel2('spot', topic, spotL2Update(state, topic, list))
      } else if (list !== undefined && isFutures(state)) {
        const topic = `/contractMarket/level2:${symbol}`
        if (index.has('futures', topic)) for (const change of list) this.sendLevel2('futures', topic, futuresLevel2(state, topic, change))
      }
      this.flushTrades(state, silent())
    }
  }

  /** A level2 delta, through the scripted faults when there are any. */
  private sendLevel2 (market: Market, topic: string, message: unknown): void {
    const faults = this.deps.level2Faults
    if (faults === undefined) return this.send(market, topic, message)
    for (const frame of faults.apply(topic, encode(message))) this.deps.index.broadcast(market, topic, frame)
  }

  private flushTrades (state: InstrumentState, silent: boolean): void {
    const symbol = state.instrument.symbol
    const last = this.lastTrade.get(symbol) ?? state.tradeSequence
    this.lastTrade.set(symbol, state.tradeSequence)
    if (silent || state.tradeSequence <= last) return
    const market = state.instrument.kind
    const topic = market === 'spot' ? `/market/match:${symbol}` : `/contractMarket/execution:${symbol}`
    if (!this.deps.index.has(market, topic)) return
    for (const trade of state.tape) {
      if (trade.sequence <= last) continue
      if (isSpot(state)) this.send(market, topic, spotMatch(state, topic, trade))
      else if (isFutures(state)) this.send(market, topic, futuresExecution(state, topic, trade))
    }
  }

  private tick (): void {
    const now = this.deps.state.clock.now()
    this.deps.state.market.advance(now)
    // Deltas and trades of this step go out before the snapshots that already include them.
    this.flush()
    if (this.deps.silent()) return
    const { limits } = this.deps
    const due: Due = { instrument: now >= this.next.instrument, snapshot: now >= this.next.snapshot, funding: now >= this.next.funding }
    if (due.instrument) this.next.instrument = now + limits.instrumentIntervalMs
    if (due.snapshot) this.next.snapshot = now + limits.snapshotIntervalMs
    if (due.funding) this.next.funding = now + limits.fundingIntervalMs
    for (const topic of this.deps.index.topics('spot')) this.pushSpot(topic, now, due)
    for (const topic of this.deps.index.topics('futures')) this.pushFutures(topic, now, due)
  }

  private pushSpot (topic: string, now: number, due: Due): void {
    const { market } = this.deps.state
    const [prefix, arg] = splitTopic(topic)
    if (prefix === '/market/ticker' && arg === 'all') {
      for (const state of market.spot.values()) this.send('spot', topic, spotTickerAll(state))
      return
    }
    if (prefix === '/market/candles') {
      const [symbol, type] = splitCandle(arg)
      const state = market.spot.get(symbol)
      if (state !== undefined) this.send('spot', topic, spotCandle(market, state, topic, type, now))
      return
    }
    if (prefix === '/market/snapshot') {
      if (!due.snapshot) return
      // A market tag (`USDS`, `BTC`) sends each of its symbols under the tag's topic.
      for (const state of market.spot.values()) {
        if (state.instrument.symbol === arg || state.instrument.marketTag === arg) this.send('spot', topic, spotSnapshot(market, state, topic, now))
      }
      return
    }
    const state = market.spot.get(arg)
    if (state === undefined) return
    switch (prefix) {
      case '/market/ticker': return this.send('spot', topic, spotTicker(state, topic))
      case '/spotMarket/level1': return this.send('spot', topic, spotLevel1(state, topic))
      case '/spotMarket/level2Depth5': return this.send('spot', topic, spotDepth(state, topic, 5))
      case '/spotMarket/level2Depth50': return this.send('spot', topic, spotDepth(state, topic, 50))
    }
  }

  private pushFutures (topic: string, now: number, due: Due): void {
    const { market } = this.deps.state
    const [prefix, arg] = splitTopic(topic)
    const [candleSymbol, type] = splitCandle(arg)
    const state = market.futures.get(prefix === '/contractMarket/limitCandle' ? candleSymbol : arg)
    if (state === undefined) return
    switch (prefix) {
      case '/contractMarket/tickerV2': return this.send('futures', topic, futuresTickerV2(state, topic))
      case '/contractMarket/ticker': return this.send('futures', topic, futuresTicker(state, topic))
      case '/contractMarket/level2Depth5': return this.send('futures', topic, futuresDepth(state, topic, 5))
      case '/contractMarket/level2Depth50': return this.send('futures', topic, futuresDepth(state, topic, 50))
      case '/contractMarket/limitCandle':
        if (due.instrument) this.send('futures', topic, futuresCandle(market, state, topic, type, now))
        return
      case '/contractMarket/snapshot':
        if (due.snapshot) this.send('futures', topic, futuresSnapshot(market, state, topic, now))
        return
      case '/contract/instrument':
        if (due.instrument) this.send('futures', topic, futuresMarkIndex(market, state, topic, now))
        if (due.funding) this.send('futures', topic, futuresFundingRate(state, topic, now))
    }
  }

  private onSpot (event: SpotEvent): void {
    const { index, silent, userId, state } = this.deps
    if (silent()) return
    if (event.kind === 'balance') {
      if (index.has('spot', '/account/balance')) this.send('spot', '/account/balance', spotBalance(event, userId, String(++this.balanceEventId)))
      return
    }
    const decimals = state.market.spot.get(event.order.symbol)?.instrument.priceDecimals ?? 8
    for (const topic of ['/spotMarket/tradeOrdersV2', '/spotMarket/tradeOrders']) {
      // The V1 topic has no `received` messages (PROTOCOL §6.2).
      if (event.type === 'received' && topic === '/spotMarket/tradeOrders') continue
      if (index.has('spot', topic)) this.sendOrder('spot', topic, spotOrderChange(event, topic, userId, decimals))
    }
  }

  private onFutures (event: FuturesEvent): void {
    const { index, silent, userId, state } = this.deps
    if (silent()) return
    const any = (topics: string[]): boolean => topics.some(topic => index.has('futures', topic))
    if (event.kind === 'order') {
      const topics = [`/contractMarket/tradeOrders:${event.order.contract.symbol}`, '/contractMarket/tradeOrders']
      if (any(topics)) this.sendOrder('futures', topics, futuresOrderChange(event.order, event.type, event.time, userId))
    } else if (event.kind === 'position') {
      const topics = [`/contract/position:${event.position.contract.symbol}`, '/contract/positionAll']
      if (any(topics)) this.send('futures', topics, positionMessage(state.market, event.position, event.time, userId))
    } else if (index.has('futures', '/contractAccount/wallet')) {
      this.send('futures', '/contractAccount/wallet', futuresWallet(state.market, state.futuresAccount, event.currency, event.time, userId, ++this.walletVersion))
    }
  }
}
