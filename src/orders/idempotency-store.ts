// Where placements are remembered, by (caller, key). An interface, so a
// shared store (Redis, for replicas) can replace the in-memory one; every
// method is async for that reason. The contract every store keeps:
//  - begin() is atomic: of any number of concurrent begins for one
//    (caller, key), exactly one creates the record; the others get it;
//  - a record is durable (as the store defines it) before begin() resolves,
//    because the placement is sent only after it resolves.
import { LRUCache } from 'lru-cache'
import type { Market } from '../kucoin/catalog.js'
import type { Outcome } from './outcome.js'
import { Journal } from './journal.js'

export type PlacementState = 'pending' | Outcome

/** A stored answer: what a replay sends again. */
export interface StoredAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

/** The error a rejected placement answered with (problem fields, no request id). */
export interface StoredError {
  kind: string
  code: string
  msg: string
  detail: string
}

export interface PlacementRecord {
  caller: string
  key: string
  clientOid: string
  market: Market
  /** The placement route's name (placement-targets.ts). */
  target: string
  symbol: string
  /** Hash of the route and the caller's canonical body: the same key must come with the same request. */
  fingerprint: string
  outcome: PlacementState
  orderId?: string
  answer?: StoredAnswer
  error?: StoredError
  /** KuCoin time (ms) after which a lookup that finds nothing proves the order was never placed. */
  notPlacedAfter?: number
  createdAt: number
  updatedAt: number
}

export interface IdempotencyStore {
  /** Creates the record unless (caller, key) has one; returns the existing one, or undefined when created. */
  begin: (record: PlacementRecord) => Promise<PlacementRecord | undefined>
  get: (caller: string, key: string) => Promise<PlacementRecord | undefined>
  /** Replaces the record's mutable fields (outcome, orderId, answer, error, updatedAt). */
  update: (record: PlacementRecord) => Promise<void>
  /** Forgets the key: the order was not placed, so a retry may place it. `createdAt`: only that incarnation of the record (shared stores). */
  drop: (caller: string, key: string, createdAt?: number) => Promise<void>
  close: () => Promise<void>
}

export interface MemoryStoreOptions {
  /** Records kept (least recently used go first). */
  maxRecords: number
  /** How long a finished record is replayed. */
  ttlMs: number
  /** Append-only journal file that makes records survive a restart; none keeps them in memory only. */
  journalPath?: string
  /** fdatasync after every journal append (power-loss safe, ~ms on most disks); otherwise a process crash is survived, not a power loss. */
  fsync?: boolean
}

export const storeKey = (caller: string, key: string): string => `${caller}\n${key}`

/** The in-process store, optionally journaled to a file. */
export class MemoryStore implements IdempotencyStore {
  private readonly records: LRUCache<string, PlacementRecord>
  private readonly journal: Journal | undefined

  constructor (options: MemoryStoreOptions) {
    this.records = new LRUCache({ max: options.maxRecords, ttl: options.ttlMs, updateAgeOnGet: false })
    if (options.journalPath !== undefined) {
      this.journal = new Journal(options.journalPath, options.fsync === true)
      const now = Date.now()
      for (const record of this.journal.load()) {
        const age = now - record.updatedAt
        if (age >= options.ttlMs) continue
        // A placement the previous process sent but never heard back about: settle it before answering.
        const loaded = record.outcome === 'pending' ? { ...record, outcome: 'unknown' as const } : record
        this.records.set(storeKey(record.caller, record.key), loaded, { ttl: options.ttlMs - age })
      }
      this.journal.compact([...this.records.values()])
    }
  }

  get size (): number {
    return this.records.size
  }

  async begin (record: PlacementRecord): Promise<PlacementRecord | undefined> {
    const id = storeKey(record.caller, record.key)
    const existing = this.records.get(id)
    if (existing !== undefined) return existing
    this.records.set(id, record)
    this.write(record)
    return undefined
  }

  async get (caller: string, key: string): Promise<PlacementRecord | undefined> {
    return this.records.get(storeKey(caller, key))
  }

  async update (record: PlacementRecord): Promise<void> {
    this.records.set(storeKey(record.caller, record.key), record)
    this.write(record)
  }

  async drop (caller: string, key: string): Promise<void> {
    this.records.delete(storeKey(caller, key))
    this.journal?.append({ drop: [caller, key] })
    this.maybeCompact()
  }

  async close (): Promise<void> {
    this.journal?.close()
  }

  private write (record: PlacementRecord): void {
    this.journal?.append({ put: record })
    this.maybeCompact()
  }

  /** The journal grows by a line per change; rewriting it at 4× the live records keeps it bounded. */
  private maybeCompact (): void {
    if (this.journal !== undefined && this.journal.lines > Math.max(1000, this.records.size * 4)) {
      this.journal.compact([...this.records.values()])
    }
  }
}
