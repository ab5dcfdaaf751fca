// `/gateway/book:{symbol}` on /spot/ws and /futures/ws: each subscription is
// one consumer of the book, written to the socket as KuCoin-style frames.
// The ack is sent when the book is consistent (just before its snapshot),
// so an ack means the book exists; a repeated subscribe is acked with the
// first. A book that cannot exist (unknown symbol, level2 topic refused) is
// refused with KuCoin's code; one that ends after its ack goes through the
// session's refused() like a relayed topic, so the session forgets it too.
import { GatewayError } from '../errors.js'
import type { Market } from '../kucoin/catalog.js'
import type { HubClient } from '../ws/hub.js'
import { WS_ERROR } from '../ws/protocol.js'
import type { VirtualReply, VirtualTopics } from '../ws/virtual-topics.js'
import type { Books } from './books.js'
import type { BookConsumer, BookKeeper } from './keeper.js'
import { BOOK_TOPIC_PREFIX } from './messages.js'
import type { BookMessage } from './messages.js'

/** KuCoin's WebSocket code for a book that cannot be had. */
function wsCode (error: GatewayError): number {
  // KuCoin's own refusal of the level2 topic carries its WebSocket code.
  if (/^\d{3}$/.test(error.code)) return Number(error.code)
  if (error.kind === 'unknown-symbol' || error.kind === 'invalid-parameter' || error.kind === 'bad-request') return WS_ERROR.topicNotFound
  if (error.kind === 'book-limit-reached') return WS_ERROR.limitExceeded
  return error.status
}

/**
 * One socket's subscription of one book, the book's consumer. A class, so the
 * keeper's per-delta loop over its consumers calls one shape of object, and
 * a delta costs each subscription a buffered-amount check and one write.
 */
class BookSubscription implements BookConsumer {
  keeper: BookKeeper | undefined
  /** The book was consistent once: acked. Until then, every subscribe of the topic waits here. */
  acked = false
  readonly replies: VirtualReply[]
  /** Still the client's subscription of the topic (not after an unsubscribe, even if the topic was subscribed again). */
  current = true

  constructor (private readonly client: HubClient, private readonly mine: Map<string, BookSubscription>, readonly topic: string, reply: VirtualReply) {
    this.replies = [reply]
  }

  get bufferedAmount (): number {
    return this.client.bufferedAmount
  }

  /** Acks on the first message. */
  deliver (message: BookMessage, recovered?: boolean): void {
    if (!this.acked && this.current) {
      this.acked = true
      for (const r of this.replies.splice(0)) r.ok()
    }
    this.client.send(message.bytes(recovered))
  }

  notice (frame: Buffer): void {
    if (this.current && this.acked) this.client.send(frame)
  }

  /** A failure after the ack ends the topic in the session too. */
  fail (error: GatewayError): void {
    if (!this.current) return
    this.current = false
    this.mine.delete(this.topic)
    const { client, topic } = this
    if (!this.acked) {
      for (const r of this.replies.splice(0)) r.refuse(wsCode(error), `topic ${topic} is not available: ${error.detail}`)
      return
    }
    // The session forgets the topic (its count frees) and sends KuCoin's error frame with the subscribe's id.
    if (client.refused) client.refused(topic, wsCode(error), error.detail)
    else client.send(Buffer.from(JSON.stringify({ id: topic, type: 'error', code: wsCode(error), data: error.detail, topic })))
  }
}

export class BookTopics implements VirtualTopics {
  private readonly held = new Map<HubClient, Map<string, BookSubscription>>()

  constructor (private readonly books: Books) {}

  subscribe (client: HubClient, market: Market, topic: string, since: number | undefined, reply: VirtualReply): void {
    const colon = topic.indexOf(':')
    if (topic.slice(0, colon) !== BOOK_TOPIC_PREFIX) {
      reply.refuse(WS_ERROR.topicNotFound, `topic ${topic} is not found`)
      return
    }
    const mine = this.topicsOf(client)
    const existing = mine.get(topic)
    if (existing) {
      // The same topic again: acked with the first, once the book is consistent.
      if (existing.acked) reply.ok()
      else existing.replies.push(reply)
      return
    }
    const subscription = new BookSubscription(client, mine, topic, reply)
    mine.set(topic, subscription)
    try {
      subscription.keeper = this.books.subscribe(market, topic.slice(colon + 1), subscription, since)
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error
      subscription.current = false
      mine.delete(topic)
      reply.refuse(wsCode(error), error.detail)
    }
  }

  unsubscribe (client: HubClient, _market: Market, topic: string): void {
    const mine = this.held.get(client)
    const subscription = mine?.get(topic)
    if (!mine || !subscription) return
    mine.delete(topic)
    subscription.current = false
    if (subscription.keeper) this.books.unsubscribe(subscription.keeper, subscription)
  }

  drained (client: HubClient): void {
    for (const subscription of this.held.get(client)?.values() ?? []) subscription.keeper?.drained(subscription)
  }

  remove (client: HubClient): void {
    const mine = this.held.get(client)
    if (!mine) return
    this.held.delete(client)
    for (const subscription of mine.values()) {
      subscription.current = false
      if (subscription.keeper) this.books.unsubscribe(subscription.keeper, subscription)
    }
  }

  private topicsOf (client: HubClient): Map<string, BookSubscription> {
    let mine = this.held.get(client)
    if (!mine) {
      mine = new Map()
      this.held.set(client, mine)
    }
    return mine
  }
}
