// KuCoin's incremental order book, as the gateway's books (src/books/) read
// it (PROTOCOL §6.1 `/market/level2`, §6.3 `/contractMarket/level2`, §7 and
// Appendix A for the snapshot endpoints): which topic carries the deltas,
// where a snapshot comes from, and both parsed into one shape. Malformed
// input is an error, never a silently empty delta.
import { canonicalDecimal } from '../books/decimal.js'
import type { Delta, Row, Snapshot } from '../books/sync.js'
import type { Level } from '../books/side.js'
import type { Market } from './catalog.js'

/** The delta topic of one symbol. */
export function level2Topic (market: Market, symbol: string): string {
  return market === 'spot' ? `/market/level2:${symbol}` : `/contractMarket/level2:${symbol}`
}

export interface SnapshotSource {
  path: string
  signed: boolean
  /** Levels per side it returns at most; undefined for the whole book. */
  limit: number | undefined
}

/**
 * Where a book's snapshot comes from. The whole spot book is a signed call;
 * without credentials (or when told) the public top 100 is used, and the
 * book then only answers for the range that snapshot covered.
 */
export function snapshotSource (market: Market, full: boolean): SnapshotSource {
  if (market === 'futures') return { path: '/api/v1/level2/snapshot', signed: false, limit: undefined }
  return full
    ? { path: '/api/v3/market/orderbook/level2', signed: true, limit: undefined }
    : { path: '/api/v1/market/orderbook/level2_100', signed: false, limit: 100 }
}

export class Level2FormatError extends Error {}

const bad = (what: string): never => { throw new Level2FormatError(`level2: ${what}`) }

function decimal (value: unknown, what: string): string {
  return canonicalDecimal(value) ?? bad(`${what} is not a decimal: ${JSON.stringify(value)}`)
}

function sequence (value: unknown, what: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return bad(`${what} is not a sequence: ${JSON.stringify(value)}`)
  return n
}

function millis (value: unknown): number {
  const n = Number(value)
  return Number.isFinite(n) ? n : 0
}

function levels (value: unknown, what: string): Level[] {
  if (!Array.isArray(value)) return bad(`${what} is not a list`)
  return value.map((row: unknown) => {
    if (!Array.isArray(row) || row.length < 2) return bad(`${what} row is not [price, size]`)
    return [decimal(row[0], `${what} price`), decimal(row[1], `${what} size`)]
  })
}

interface Message { type?: unknown, topic?: unknown, subject?: unknown, data?: Record<string, unknown> }

/** A spot delta's `changes.bids` or `.asks`: [price, size, sequence] rows (a loop: this runs for every delta). */
function rows (value: unknown, what: 'bids' | 'asks'): Row[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) return bad(`${what} is not a list`)
  const out: Row[] = new Array(value.length)
  for (let i = 0; i < value.length; i++) {
    const row: unknown = value[i]
    if (!Array.isArray(row) || row.length < 3) return bad(`${what} row is not [price, size, sequence]`)
    // Labels only on failure: no string is built per row.
    const price = canonicalDecimal(row[0]) ?? decimal(row[0], `${what} price`)
    const size = canonicalDecimal(row[1]) ?? decimal(row[1], `${what} size`)
    const seq = typeof row[2] === 'number' && Number.isSafeInteger(row[2]) && row[2] >= 0 ? row[2] : sequence(row[2], `${what} sequence`)
    out[i] = [price, size, seq]
  }
  return out
}

/** A spot `trade.l2update` or a futures `level2` message's data as a Delta; undefined for other subjects. */
export function parseDelta (market: Market, message: Message): Delta | undefined {
  const data = message.data
  if (message.type !== 'message' || data === undefined || data === null || typeof data !== 'object') return undefined
  if (market === 'spot') {
    if (message.subject !== 'trade.l2update') return undefined
    const changes = (data.changes ?? {}) as Record<string, unknown>
    const start = sequence(data.sequenceStart, 'sequenceStart')
    const end = sequence(data.sequenceEnd, 'sequenceEnd')
    if (end < start) bad(`sequenceEnd ${end} before sequenceStart ${start}`)
    return { start, end, bids: rows(changes.bids, 'bids'), asks: rows(changes.asks, 'asks'), time: millis(data.time) }
  }
  if (message.subject !== 'level2') return undefined
  const seq = sequence(data.sequence, 'sequence')
  const parts = typeof data.change === 'string' ? data.change.split(',') : bad('change is not "price,side,size"')
  if (parts.length !== 3 || (parts[1] !== 'buy' && parts[1] !== 'sell')) bad(`change ${JSON.stringify(data.change)} is not "price,side,size"`)
  const row: Row = [decimal(parts[0], 'change price'), decimal(parts[2], 'change size'), seq]
  return { start: seq, end: seq, bids: parts[1] === 'buy' ? [row] : [], asks: parts[1] === 'sell' ? [row] : [], time: millis(data.timestamp) }
}

/**
 * The futures top-5 topic (PROTOCOL §6.3 `/contractMarket/level2Depth5`): KuCoin's
 * own best levels with the book sequence they belong to, for cross-checking a
 * book. Spot's depth topics carry no sequence, so they cannot be aligned.
 */
export function depthTopic (market: Market, symbol: string): string | undefined {
  return market === 'futures' ? `/contractMarket/level2Depth5:${symbol}` : undefined
}

/** A depth message's data as sequence and levels; undefined when it is not one. */
export function parseDepth (message: Message): { sequence: number, bids: Level[], asks: Level[] } | undefined {
  const data = message.data
  if (message.type !== 'message' || data === undefined || data === null || typeof data !== 'object' || data.sequence === undefined) return undefined
  return { sequence: sequence(data.sequence, 'depth sequence'), bids: levels(data.bids, 'depth bids'), asks: levels(data.asks, 'depth asks') }
}

/** A REST order book's `data` (spot strings and ms `time`, futures numbers and ns `ts`) as a Snapshot. */
export function parseSnapshot (market: Market, data: unknown, limit: number | undefined): Snapshot {
  if (data === null || typeof data !== 'object') return bad('snapshot is not an object')
  const d = data as Record<string, unknown>
  const time = market === 'spot' ? millis(d.time) : Math.floor(millis(d.ts) / 1e6)
  return { sequence: sequence(d.sequence, 'snapshot sequence'), bids: levels(d.bids, 'bids'), asks: levels(d.asks, 'asks'), time, limit }
}
