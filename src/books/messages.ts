// What a book's consumers receive, as values (GraphQL reads these) and as
// KuCoin-style frames (/spot/ws and /futures/ws write these), encoded once
// per message whatever the number of consumers (DESIGN §1.6):
//   snapshot  {market, symbol, sequence, time, ageMs, bids, asks}
//   changes   {sequenceStart, sequenceEnd, bids, asks}  (size "0" removes)
//   resync    {reason, sequence}  (a new snapshot follows)
//   recovery  {recovered, since, sequence, frames}  (answer to a resume)
import type { Market } from '../kucoin/catalog.js'
import type { Level } from './side.js'

export interface BookView {
  market: Market
  symbol: string
  sequence: number
  /** KuCoin's time of the last change, ms. */
  time: number
  /** How long ago the gateway applied the last change (or the snapshot), ms. */
  ageMs: number
  bids: Level[]
  asks: Level[]
}

export interface BookChanges { sequenceStart: number, sequenceEnd: number, bids: Level[], asks: Level[] }

export type ResyncReason = 'gap' | 'reconnect' | 'stale-snapshot' | 'overflow' | 'shallow' | 'cross-check' | 'slow-consumer'

export type BookEvent =
  | { subject: 'snapshot', data: BookView }
  | { subject: 'changes', data: BookChanges }
  | { subject: 'resync', data: { reason: ResyncReason, sequence: number } }
  | { subject: 'recovery', data: { recovered: boolean, since: number, sequence: number, frames: number } }

/** The `/gateway/book:{symbol}` topic. */
export const BOOK_TOPIC_PREFIX = '/gateway/book'
export const bookTopic = (symbol: string): string => `${BOOK_TOPIC_PREFIX}:${symbol}`

const RECOVERED = Buffer.from('{"recovered":true,')
const NOT_RECOVERED = Buffer.from('{"recovered":false,')

/** The text every changes frame of `topic` starts with, up to its first number. */
export function changesPrefix (topic: string): string {
  return `{"type":"message","topic":${JSON.stringify(topic)},"subject":"changes","data":{"sequenceStart":`
}

/**
 * A changes frame's text, the same as JSON.stringify of the message would be,
 * from the book's prefix: only the rows are stringified, once per delta.
 */
export function changesText (prefix: string, changes: BookChanges): string {
  return `${prefix}${changes.sequenceStart},"sequenceEnd":${changes.sequenceEnd},"bids":${JSON.stringify(changes.bids)},"asks":${JSON.stringify(changes.asks)}}}`
}

/**
 * One message for every consumer of a book: its value, and its frame built
 * on first use (or given, when the keeper encoded it for its replay window).
 * A message read back from the window has only its frame; its value is
 * decoded if a consumer asks for it (GraphQL).
 */
export class BookMessage {
  private frame: Buffer | undefined
  private value: BookEvent | undefined

  constructor (readonly topic: string, event: BookEvent | undefined, frame?: Buffer) {
    this.value = event
    this.frame = frame
  }

  get event (): BookEvent {
    this.value ??= decode(this.frame!)
    return this.value
  }

  /** The KuCoin-style frame; `recovered` marks a replayed (true) or resume-answering snapshot (false) frame. */
  bytes (recovered?: boolean): Buffer {
    this.frame ??= Buffer.from(JSON.stringify({ type: 'message', topic: this.topic, subject: this.event.subject, data: this.event.data }))
    if (recovered === undefined) return this.frame
    // Spliced in front, so a replayed frame is the original bytes plus the mark.
    return Buffer.concat([recovered ? RECOVERED : NOT_RECOVERED, this.frame.subarray(1)])
  }
}

function decode (frame: Buffer): BookEvent {
  const { subject, data } = JSON.parse(frame.toString('utf8')) as BookEvent
  return { subject, data } as BookEvent
}
