// What travels on a slot's bus Stream, and how it is read back: pure, no I/O.
// Each entry carries the publishing owner's epoch and the slot's offset, so a
// reader can tell a new owner (epoch change: its clients resync) from lost
// entries (offset gap).

/** m: an upstream frame; a: topics KuCoin acked; r: a topic refused; d/u: upstream down/up; x: topics let go upstream; E: a new owner. */
export type EntryKind = 'm' | 'a' | 'r' | 'd' | 'u' | 'x' | 'E'

export interface BusEntry {
  /** The Stream entry id (`<ms>-<seq>`), where reading resumes. */
  id: string
  epoch: string
  offset: number
  kind: EntryKind
  /** The topic of m and r entries. */
  topic: string
  /** The frame (m), or a JSON payload (a, r, d, u, x, E). */
  payload: string
}

const KINDS = new Set<string>(['m', 'a', 'r', 'd', 'u', 'x', 'E'])

/** One XREAD/XRANGE entry ([id, [field, value, ...]]); undefined when it is not one of ours. */
export function parseEntry (id: string, fields: readonly string[]): BusEntry | undefined {
  const values: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]!] = fields[i + 1]!
  const { e, o, k, t, p } = values
  if (e === undefined || o === undefined || k === undefined || !KINDS.has(k)) return undefined
  const offset = Number(o)
  if (!Number.isSafeInteger(offset)) return undefined
  return { id, epoch: e, offset, kind: k as EntryKind, topic: t ?? '', payload: p ?? '' }
}

/** Milliseconds since Redis stamped the entry: the bus lag on one machine's clock (Redis and replicas share it in tests). */
export function entryAgeMs (id: string, now: number): number {
  const ms = Number(id.slice(0, id.indexOf('-')))
  return Number.isFinite(ms) ? Math.max(0, now - ms) : 0
}

/** A Stream position after `id`, for XRANGE: exclusive ranges need Redis ≥ 6.2. */
export function after (id: string): string {
  return `(${id}`
}

/** How a reader relates an entry to what it saw last on the slot. */
export type Continuity =
  | { kind: 'first' }
  | { kind: 'next' }
  | { kind: 'new-owner', previousEpoch: string }
  | { kind: 'gap', missed: number }
  | { kind: 'duplicate' }

export function continuity (last: { epoch: string, offset: number } | undefined, entry: BusEntry): Continuity {
  if (last === undefined) return { kind: 'first' }
  if (entry.epoch !== last.epoch) return { kind: 'new-owner', previousEpoch: last.epoch }
  if (entry.offset <= last.offset) return { kind: 'duplicate' }
  if (entry.offset > last.offset + 1) return { kind: 'gap', missed: entry.offset - last.offset - 1 }
  return { kind: 'next' }
}
