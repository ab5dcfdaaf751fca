// Which sockets hold which symbol-topic, per host, and the fan-out: a frame
// is encoded once and the same Buffer is handed to every subscriber.
import type { Market } from '../types.js'

/** What the index needs of a connection. */
export interface Subscriber {
  /** Queues an already encoded text frame. */
  push: (frame: Buffer) => void
}

export class TopicIndex<S extends Subscriber = Subscriber> {
  private readonly byMarket: Record<Market, Map<string, Set<S>>> = { spot: new Map(), futures: new Map() }

  /** Number of distinct symbol-topics with subscribers, both hosts. */
  get size (): number {
    return this.byMarket.spot.size + this.byMarket.futures.size
  }

  add (market: Market, topic: string, subscriber: S): void {
    const map = this.byMarket[market]
    let set = map.get(topic)
    if (set === undefined) {
      set = new Set()
      map.set(topic, set)
    }
    set.add(subscriber)
  }

  remove (market: Market, topic: string, subscriber: S): void {
    const map = this.byMarket[market]
    const set = map.get(topic)
    if (set === undefined) return
    set.delete(subscriber)
    if (set.size === 0) map.delete(topic)
  }

  has (market: Market, topic: string): boolean {
    return this.byMarket[market].has(topic)
  }

  /** Subscribed symbol-topics of one host (a live view: copy before subscribing inside a loop). */
  topics (market: Market): IterableIterator<string> {
    return this.byMarket[market].keys()
  }

  /**
   * Sends `frame` to the subscribers of any of `topics`, each socket once
   * (e.g. `/contract/position:XBTUSDTM` and `/contract/positionAll`); returns the count.
   */
  broadcast (market: Market, topics: string | readonly string[], frame: Buffer): number {
    const map = this.byMarket[market]
    if (typeof topics === 'string') {
      const set = map.get(topics)
      if (set === undefined) return 0
      for (const subscriber of set) subscriber.push(frame)
      return set.size
    }
    const seen = new Set<S>()
    for (const topic of topics) {
      for (const subscriber of map.get(topic) ?? []) {
        if (seen.has(subscriber)) continue
        seen.add(subscriber)
        subscriber.push(frame)
      }
    }
    return seen.size
  }
}

/** Frames are JSON text sent as Buffers, so ws does not re-encode them per socket. */
export function encode (message: unknown): Buffer {
  return Buffer.from(JSON.stringify(message))
}
