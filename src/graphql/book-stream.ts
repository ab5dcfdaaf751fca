// The source of a `spotBook`/`futuresBook` subscription: one consumer of a
// verified book (src/books/). Book streams are never grouped (each
// subscriber needs its own snapshot, operation.ts keys them apart). Its
// queue counts as the consumer's buffer, so a subscription that falls behind
// is conflated by the book itself: it stops getting changes and then gets a
// RESYNC and a fresh SNAPSHOT, never a book with a hole in it.
import type { Books } from '../books/books.js'
import type { BookConsumer, BookKeeper } from '../books/keeper.js'
import type { BookMessage, BookView } from '../books/messages.js'
import type { GatewayError } from '../errors.js'
import type { Market } from '../kucoin/catalog.js'
import type { BookUpdate, VerifiedBook } from './schema-types.generated.js'
import { StreamQueue } from './stream-queue.js'

const levels = (rows: Array<[string, string]>): Array<{ price: string, size: string }> => rows.map(([price, size]) => ({ price, size }))

export function verifiedBook (view: BookView): VerifiedBook {
  return { ...view, sequence: String(view.sequence), bids: levels(view.bids), asks: levels(view.asks) }
}

/** A book message as the schema's BookUpdate. */
export function bookUpdate (message: BookMessage, recovered: boolean | undefined): BookUpdate {
  const { event } = message
  switch (event.subject) {
    case 'snapshot': return { kind: 'SNAPSHOT', sequence: String(event.data.sequence), book: verifiedBook(event.data), recovered }
    case 'changes': return {
      kind: 'CHANGES',
      sequence: String(event.data.sequenceEnd),
      sequenceStart: String(event.data.sequenceStart),
      bids: levels(event.data.bids),
      asks: levels(event.data.asks),
      recovered
    }
    case 'resync': return { kind: 'RESYNC', sequence: String(event.data.sequence), reason: event.data.reason }
    case 'recovery': return { kind: 'RECOVERY', sequence: String(event.data.sequence), recovered: event.data.recovered }
  }
}

/** Rough bytes of a message once serialized, for the slow-consumer rule (no encoding just to measure). */
function weight (message: BookMessage): number {
  const { event } = message
  if (event.subject === 'snapshot') return 128 + 48 * (event.data.bids.length + event.data.asks.length)
  if (event.subject === 'changes') return 96 + 48 * (event.data.bids.length + event.data.asks.length)
  return 96
}

interface Queued { message: BookMessage, recovered: boolean | undefined }

export class BookStream extends StreamQueue<Queued, BookUpdate> implements BookConsumer {
  private readonly keeper: BookKeeper

  constructor (private readonly books: Books, market: Market, symbol: string, since: number | undefined) {
    super()
    this.keeper = books.subscribe(market, symbol, this, since)
  }

  deliver (message: BookMessage, recovered?: boolean): void {
    this.push({ message, recovered })
  }

  fail (error: GatewayError): void {
    this.end(error)
  }

  protected weigh (item: Queued): number {
    return weight(item.message)
  }

  protected take (item: Queued): BookUpdate {
    return bookUpdate(item.message, item.recovered)
  }

  protected drained (): void {
    this.keeper.drained(this)
  }

  protected onEnd (): void {
    this.books.unsubscribe(this.keeper, this)
  }
}
