// `/gateway/book:{symbol}` on /spot/ws and /futures/ws: each subscription is
// one consumer of the book, written to the socket as KuCoin-style frames.
// The ack is sent when the book is consistent (just before its snapshot),
// so an ack means the book exists; a book that cannot exist (unknown symbol)
// is refused with KuCoin's 404, like KuCoin refuses the level2 topic.
import { GatewayError } from '../errors.js'
import type { Market } from '../kucoin/catalog.js'
import type { HubClient } from '../ws/hub.js'
import { WS_ERROR } from '../ws/protocol.js'
import type { VirtualReply, VirtualTopics } from '../ws/virtual-topics.js'
import type { Books } from './books.js'
import type { BookConsumer, BookKeeper } from './keeper.js'
import { BOOK_TOPIC_PREFIX } from './messages.js'
import type { BookMessage } from './messages.js'

interface Held { keeper: BookKeeper, consumer: BookConsumer }

/** KuCoin's WebSocket code for a book that cannot be had. */
function wsCode (error: GatewayError): number {
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
    if (mine.has(topic)) {
      reply.ok()
      return
    }
    const symbol = topic.slice(colon + 1)
    let acked = false
    const consumer: BookConsumer = {
      get bufferedAmount () { return client.bufferedAmount },
      deliver: (message: BookMessage, recovered?: boolean) => {
        if (!acked) {
          acked = true
          reply.ok()
        }
        client.send(message.bytes(recovered))
      },
      fail: (error: GatewayError) => {
        mine.delete(topic)
        if (acked) return client.send(Buffer.from(JSON.stringify({ id: topic, type: 'error', code: wsCode(error), data: error.detail })))
        acked = true
        reply.refuse(wsCode(error), `topic ${topic} is not available: ${error.detail}`)
      }
    }
    try {
      const keeper = this.books.subscribe(market, symbol, consumer, since)
      if (mine.has(topic) || keeper.failure) return
      mine.set(topic, { keeper, consumer })
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error
      reply.refuse(wsCode(error), error.detail)
    }
  }

  unsubscribe (client: HubClient, _market: Market, topic: string): void {
    const mine = this.held.get(client)
    const held = mine?.get(topic)
    if (!mine || !held) return
    mine.delete(topic)
    this.books.unsubscribe(held.keeper, held.consumer)
  }

  drained (client: HubClient): void {
    for (const { keeper, consumer } of this.held.get(client)?.values() ?? []) keeper.drained(consumer)
  }

  remove (client: HubClient): void {
    const mine = this.held.get(client)
    if (!mine) return
    this.held.delete(client)
    for (const { keeper, consumer } of mine.values()) this.books.unsubscribe(keeper, consumer)
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
