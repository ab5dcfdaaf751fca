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

interface Held {
  keeper: BookKeeper | undefined
  consumer: BookConsumer
  /** The book was consistent once: acked. Until then, every subscribe of the topic waits here. */
  acked: boolean
  replies: VirtualReply[]
}

/** KuCoin's WebSocket code for a book that cannot be had. */
function wsCode (error: GatewayError): number {
  // KuCoin's own refusal of the level2 topic carries its WebSocket code.
  if (/^\d{3}$/.test(error.code)) return Number(error.code)
  if (error.kind === 'unknown-symbol' || error.kind === 'invalid-parameter' || error.kind === 'bad-request') return WS_ERROR.topicNotFound
  if (error.kind === 'book-limit-reached') return WS_ERROR.limitExceeded
  return error.status
}

export class BookTopics implements VirtualTopics {
  private readonly held = new Map<HubClient, Map<string, Held>>()

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
    const held: Held = { keeper: undefined, consumer: this.consumer(client, mine, topic), acked: false, replies: [reply] }
    mine.set(topic, held)
    try {
      held.keeper = this.books.subscribe(market, topic.slice(colon + 1), held.consumer, since)
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error
      mine.delete(topic)
      reply.refuse(wsCode(error), error.detail)
    }
  }

  /** One subscription's consumer: acks on the first message; a failure after the ack ends the topic in the session too. */
  private consumer (client: HubClient, mine: Map<string, Held>, topic: string): BookConsumer {
    // Only while this subscription is the client's (not after an unsubscribe and a new subscribe).
    const held = (): Held | undefined => { const h = mine.get(topic); return h?.consumer === self ? h : undefined }
    const self: BookConsumer = {
      get bufferedAmount () { return client.bufferedAmount },
      deliver: (message: BookMessage, recovered?: boolean) => {
        const h = held()
        if (h && !h.acked) {
          h.acked = true
          for (const r of h.replies.splice(0)) r.ok()
        }
        client.send(message.bytes(recovered))
      },
      notice: (frame: Buffer) => { if (held()?.acked === true) client.send(frame) },
      fail: (error: GatewayError) => {
        const h = held()
        if (!h) return
        mine.delete(topic)
        if (!h.acked) {
          for (const r of h.replies.splice(0)) r.refuse(wsCode(error), `topic ${topic} is not available: ${error.detail}`)
          return
        }
        // The session forgets the topic (its count frees) and sends KuCoin's error frame with the subscribe's id.
        if (client.refused) client.refused(topic, wsCode(error), error.detail)
        else client.send(Buffer.from(JSON.stringify({ id: topic, type: 'error', code: wsCode(error), data: error.detail, topic })))
      }
    }
    return self
  }

  unsubscribe (client: HubClient, _market: Market, topic: string): void {
    const mine = this.held.get(client)
    const held = mine?.get(topic)
    if (!mine || !held) return
    mine.delete(topic)
    if (held.keeper) this.books.unsubscribe(held.keeper, held.consumer)
  }

  drained (client: HubClient): void {
    for (const { keeper, consumer } of this.held.get(client)?.values() ?? []) keeper?.drained(consumer)
  }

  remove (client: HubClient): void {
    const mine = this.held.get(client)
    if (!mine) return
    this.held.delete(client)
    for (const { keeper, consumer } of mine.values()) if (keeper) this.books.unsubscribe(keeper, consumer)
  }

  private topicsOf (client: HubClient): Map<string, Held> {
    let mine = this.held.get(client)
    if (!mine) {
      mine = new Map()
      this.held.set(client, mine)
    }
    return mine
  }
}
