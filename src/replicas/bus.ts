// The bus: each slot's capped Redis Stream. The owner appends through one Lua
// script that first checks the slot's epoch — a replica that was paused or cut
// off past its lease publishes under an old epoch and is refused (fencing) —
// then numbers the entry with the slot's offset. Every replica reads every
// slot's bus and control Streams with XREAD BLOCK on a connection of its own;
// after losing that connection it reads what it missed with XRANGE before
// blocking again, so an outage shorter than the Stream's cap loses nothing.
import { after, parseEntry, type BusEntry, type EntryKind } from './bus-entry.js'
import type { SlotKeys } from './keys.js'
import type { RedisClient } from './redis.js'

// One script call appends a whole batch: the epoch is checked once, the
// offsets are taken in one INCRBY and returned as the first of them.
const PUBLISH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local count = (#ARGV - 2) / 3
local first = redis.call('INCRBY', KEYS[2], count) - count + 1
for i = 0, count - 1 do
  local at = 3 + i * 3
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[1], 'o', first + i, 'k', ARGV[at], 't', ARGV[at + 1], 'p', ARGV[at + 2])
end
return first`

/** What one script call may append: bounds how long Redis runs it (other replicas' lease renewals wait behind it). */
const MAX_BATCH_ENTRIES = 256
const MAX_BATCH_BYTES = 256 * 1024

interface Batch {
  keys: SlotKeys
  epoch: string
  fields: Array<string | Buffer>
  bytes: number
  waiters: Array<{ resolve: (offset: number | null) => void, reject: (error: Error) => void }>
}

/**
 * Appends to a slot's bus. Publishes made in the same event-loop turn (the
 * frames of one upstream read) leave as one script call: at 2000 frames/s a
 * call per frame was most of the owner's CPU (bench/replica-bus). Each batch
 * is one EVAL with the script's text, written at once on one connection, so
 * entries keep the order of the calls; EVALSHA would need a SCRIPT LOAD after
 * Redis forgot the script, and a batch flushed while another waited for that
 * load could overtake it.
 */
export class Publisher {
  private readonly open = new Map<string, Batch>()

  constructor (private readonly redis: RedisClient, private readonly maxLen: number) {}

  /** The entry's offset, or null when the epoch is not the slot's current one (a stale owner). Rejects when Redis fails. */
  async publish (keys: SlotKeys, epoch: string, kind: EntryKind, topic: string, payload: string | Buffer): Promise<number | null> {
    const id = `${keys.bus} ${epoch}`
    let batch = this.open.get(id)
    if (batch === undefined) {
      batch = { keys, epoch, fields: [], bytes: 0, waiters: [] }
      this.open.set(id, batch)
      const started = batch
      process.nextTick(() => this.flush(id, started))
    }
    batch.fields.push(kind, topic, payload)
    batch.bytes += topic.length + payload.length
    const offset = new Promise<number | null>((resolve, reject) => batch.waiters.push({ resolve, reject }))
    if (batch.waiters.length >= MAX_BATCH_ENTRIES || batch.bytes >= MAX_BATCH_BYTES) this.flush(id, batch)
    return await offset
  }

  private flush (id: string, batch: Batch): void {
    if (this.open.get(id) !== batch) return // already sent (it filled up)
    this.open.delete(id)
    const { keys, epoch, fields, waiters } = batch
    const sent = this.redis.eval(PUBLISH, 3, keys.epoch, keys.offset, keys.bus, epoch, this.maxLen, ...fields) as Promise<number | null>
    sent.then(first => {
      waiters.forEach((waiter, i) => waiter.resolve(first === null ? null : first + i))
    }, (error: Error) => {
      for (const waiter of waiters) waiter.reject(error)
    })
  }
}

export interface ReaderStream {
  key: string
  /** Bus streams are recovered after an outage; control streams only matter live. */
  kind: 'bus' | 'control'
  /** Where reading resumes (an entry id); undefined until positioned at the Stream's end. */
  lastId?: string
  deliver: (entries: BusEntry[], recovered: boolean) => void
  control?: (fields: Record<string, string>) => void
}

type XEntries = Array<[string, string[]]>

const RECOVERY_PAGE = 1000

export class BusReader {
  /** Whether the last read reached Redis. */
  up = false
  private closed = false
  private interrupted = false
  private readonly done: Promise<void>

  constructor (private readonly redis: RedisClient, private readonly streams: ReaderStream[], private readonly blockMs = 1000) {
    this.done = this.run()
  }

  async close (): Promise<void> {
    this.closed = true
    this.redis.disconnect()
    await this.done
  }

  private async run (): Promise<void> {
    while (!this.closed) {
      try {
        await this.position()
        if (this.interrupted) await this.recover()
        this.interrupted = false
        const answer = await this.redis.xread('COUNT', 1000, 'BLOCK', this.blockMs, 'STREAMS',
          ...this.streams.map(s => s.key), ...this.streams.map(s => s.lastId!)) as Array<[string, XEntries]> | null
        this.up = true
        for (const [key, entries] of answer ?? []) {
          const stream = this.streams.find(s => s.key === key)
          if (stream) this.dispatch(stream, entries, false)
        }
      } catch {
        if (this.closed) return
        this.up = false
        this.interrupted = true
        await new Promise(resolve => setTimeout(resolve, 200))
      }
    }
  }

  /** A stream read for the first time starts at its end: history before this replica existed is not its clients'. */
  private async position (): Promise<void> {
    for (const stream of this.streams) {
      if (stream.lastId !== undefined) continue
      const last = await this.redis.xrevrange(stream.key, '+', '-', 'COUNT', 1)
      stream.lastId = last[0]?.[0] ?? '0-0'
    }
  }

  /** After an outage: what each bus Stream holds past where this replica stopped. */
  private async recover (): Promise<void> {
    for (const stream of this.streams) {
      if (stream.kind !== 'bus') continue
      for (let page = 0; page < 100; page++) {
        const entries = await this.redis.xrange(stream.key, after(stream.lastId!), '+', 'COUNT', RECOVERY_PAGE) as XEntries
        this.dispatch(stream, entries, true)
        if (entries.length < RECOVERY_PAGE) break
      }
    }
  }

  private dispatch (stream: ReaderStream, entries: XEntries, recovered: boolean): void {
    if (!entries.length) return
    stream.lastId = entries[entries.length - 1]![0]
    if (stream.kind === 'control') {
      for (const [, fields] of entries) {
        const values: Record<string, string> = {}
        for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]!] = fields[i + 1]!
        stream.control?.(values)
      }
      return
    }
    const parsed: BusEntry[] = []
    for (const [id, fields] of entries) {
      const entry = parseEntry(id, fields)
      if (entry) parsed.push(entry)
    }
    stream.deliver(parsed, recovered)
  }
}
