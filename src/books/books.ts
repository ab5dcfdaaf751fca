// The registry of verified books: one BookKeeper per (market, symbol) that
// someone asked for, however many consumers; at most `maxBooks` at a time;
// a book nobody uses any more is released after the linger (a consumer
// coming back within it finds the book, and its replay window, still there).
import { GatewayError } from '../errors.js'
import type { Market } from '../kucoin/catalog.js'
import type { SnapshotSource } from '../kucoin/level2.js'
import { snapshotSource } from '../kucoin/level2.js'
import { BookKeeper, type BookConsumer, type BookObserver, type HubPort, type KeeperLimits } from './keeper.js'
import type { BookView } from './messages.js'

export interface BooksLimits extends KeeperLimits {
  maxBooks: number
  lingerMs: number
  /** How long a REST caller waits for a book to become consistent. */
  syncTimeoutMs: number
}

export interface BooksDeps {
  hubs: Record<Market, HubPort>
  fetch: (market: Market, source: SnapshotSource, symbol: string) => Promise<unknown>
  /** Spot snapshots from the whole (signed) book; else the public top 100. */
  fullSpotBook: boolean
  limits: BooksLimits
  observer: BookObserver
  kucoinNow: (market: Market) => number
  now?: () => number
}

// As KuCoin's topics take them (src/ws/topics.ts).
const SYMBOL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

interface Entry { keeper: BookKeeper, holds: number, linger: NodeJS.Timeout | undefined }

export class Books {
  private readonly entries = new Map<string, Entry>()
  private readonly now: () => number

  constructor (private readonly deps: BooksDeps) {
    this.now = deps.now ?? Date.now
  }

  /** Books held (lingering ones included), by market. */
  held (): Record<Market, number> {
    const held = { spot: 0, futures: 0 }
    for (const { keeper } of this.entries.values()) held[keeper.market]++
    return held
  }

  /** The oldest age of a consistent book's last change, by market (seconds; 0 with none). */
  maxAgeSeconds (): Record<Market, number> {
    const age = { spot: 0, futures: 0 }
    for (const { keeper } of this.entries.values()) {
      if (keeper.live) age[keeper.market] = Math.max(age[keeper.market], keeper.ageMs() / 1000)
    }
    return age
  }

  /** Adds a consumer to the book of `symbol` (creating the book); `since` asks to resume after that sequence. */
  subscribe (market: Market, symbol: string, consumer: BookConsumer, since?: number): BookKeeper {
    const entry = this.acquire(market, symbol)
    entry.keeper.add(consumer, since)
    return entry.keeper
  }

  unsubscribe (keeper: BookKeeper, consumer: BookConsumer): void {
    keeper.remove(consumer)
    const entry = this.entries.get(key(keeper.market, keeper.symbol))
    if (entry?.keeper === keeper) this.maybeLinger(entry)
  }

  /** The book at `depth` once it is consistent (REST, GraphQL queries). */
  async view (market: Market, symbol: string, depth: number): Promise<BookView> {
    const entry = this.acquire(market, symbol)
    entry.holds++
    try {
      await entry.keeper.whenLive(this.deps.limits.syncTimeoutMs)
      return entry.keeper.view(depth)
    } finally {
      entry.holds--
      this.maybeLinger(entry)
    }
  }

  close (): void {
    for (const entry of this.entries.values()) {
      clearTimeout(entry.linger)
      entry.keeper.release()
    }
    this.entries.clear()
  }

  private acquire (market: Market, symbol: string): Entry {
    if (!SYMBOL.test(symbol)) throw new GatewayError('bad-request', { market, detail: `symbol ${JSON.stringify(symbol)} is not a KuCoin symbol` })
    const k = key(market, symbol)
    let entry = this.entries.get(k)
    if (entry !== undefined) {
      clearTimeout(entry.linger)
      entry.linger = undefined
      return entry
    }
    if (this.entries.size >= this.deps.limits.maxBooks && !this.evictOne()) {
      throw new GatewayError('book-limit-reached', { market, detail: `the gateway already keeps ${this.deps.limits.maxBooks} books (KGW_BOOKS_MAX)` })
    }
    const source = snapshotSource(market, this.deps.fullSpotBook)
    const keeper = new BookKeeper(market, symbol, {
      hub: this.deps.hubs[market],
      fetch: async (s, sym) => await this.deps.fetch(market, s, sym),
      source,
      limits: this.deps.limits,
      observer: this.deps.observer,
      kucoinNow: () => this.deps.kucoinNow(market),
      now: this.now,
      failed: failed => this.forget(failed)
    })
    entry = { keeper, holds: 0, linger: undefined }
    this.entries.set(k, entry)
    keeper.start()
    return entry
  }

  /** Makes room by releasing a lingering book (nobody uses it); false when every book is in use. */
  private evictOne (): boolean {
    for (const entry of this.entries.values()) {
      if (entry.linger !== undefined) {
        this.drop(entry)
        return true
      }
    }
    return false
  }

  private maybeLinger (entry: Entry): void {
    if (entry.keeper.consumerCount > 0 || entry.holds > 0 || entry.linger !== undefined) return
    entry.linger = setTimeout(() => this.drop(entry), this.deps.limits.lingerMs)
    entry.linger.unref()
  }

  private drop (entry: Entry): void {
    clearTimeout(entry.linger)
    entry.keeper.release()
    this.forget(entry.keeper)
  }

  private forget (keeper: BookKeeper): void {
    const k = key(keeper.market, keeper.symbol)
    if (this.entries.get(k)?.keeper === keeper) this.entries.delete(k)
  }
}

const key = (market: Market, symbol: string): string => `${market}:${symbol}`
