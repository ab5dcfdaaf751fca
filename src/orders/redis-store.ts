// The idempotency store replicas share (KGW_REDIS_URL): one record per
// (caller, key) in Redis, so a retry that lands on another replica finds it.
//  - begin() is one script: the record is created (SET NX semantics, with the
//    in-memory store's TTL) or the existing one returned, atomically;
//  - a record being sent carries a lease naming the replica that sends it,
//    renewed while it runs. A pending record whose lease expired belongs to a
//    replica that died mid-request: readers see it as `unknown`, and the
//    settler finds the order by its derived clientOid instead of waiting;
//  - updates and drops are fenced by the record's createdAt, so a slow first
//    owner never overwrites a newer incarnation of the key;
//  - Redis unavailable: every call throws `idempotency-store-unavailable`
//    (503) — a placement is never sent without a durable record.
import type { Redis } from 'ioredis'
import { GatewayError } from '../errors.js'
import type { IdempotencyStore, PlacementRecord } from './idempotency-store.js'

// KEYS: record, lease. ARGV: record JSON, record TTL, owner, lease TTL.
// Returns false when created, else {existing JSON, 1 when its lease is held}.
const BEGIN = `
local current = redis.call('GET', KEYS[1])
if current then return {current, redis.call('EXISTS', KEYS[2])} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
return false`

const GET = `
local current = redis.call('GET', KEYS[1])
if not current then return false end
return {current, redis.call('EXISTS', KEYS[2])}`

// ARGV: record JSON, record TTL, createdAt. Only the same incarnation (or none) is written; the lease ends.
const UPDATE = `
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).createdAt ~= tonumber(ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[2])
return 1`

// ARGV: createdAt, or '' for any incarnation.
const DROP = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if ARGV[1] ~= '' and cjson.decode(current).createdAt ~= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1`

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`

export interface RedisStoreOptions {
  redis: Redis
  keyPrefix: string
  /** This replica's name: the owner of the records it sends. */
  replicaId: string
  /** How long a finished record is replayed (the in-memory store's TTL). */
  ttlMs: number
  /** A sending replica's hold on its record; one that died is taken over after it. */
  leaseMs: number
  /** A connection not ready yet (starting, reconnecting) is waited for this long, then the call fails. */
  readyWaitMs: number
  /** Longest a lease is renewed (a placement's send and settlement are bounded well below it). */
  maxHoldMs?: number
}

export class RedisStore implements IdempotencyStore {
  /** Leases this replica renews, by record key. */
  private readonly held = new Map<string, { timer: NodeJS.Timeout, until: number }>()

  constructor (private readonly options: RedisStoreOptions) {}

  private keys (caller: string, key: string): [string, string] {
    const base = `${this.options.keyPrefix}idem:${encodeURIComponent(caller)}:${encodeURIComponent(key)}`
    return [base, `${base}:lease`]
  }

  async begin (record: PlacementRecord): Promise<PlacementRecord | undefined> {
    const keys = this.keys(record.caller, record.key)
    const { ttlMs, replicaId, leaseMs } = this.options
    const existing = await this.call(async r => await r.eval(BEGIN, 2, ...keys, JSON.stringify(record), ttlMs, replicaId, leaseMs))
      .catch((error: unknown) => {
        // A timed-out begin may still have run in Redis: free the key again (nothing was sent), or a
        // retry would find a pending record nobody sends and settle it by lookup.
        this.options.redis.eval(DROP, 2, ...keys, record.createdAt).catch(() => {})
        throw error
      })
    if (existing === null) {
      this.hold(keys[1])
      return undefined
    }
    return parsed(existing as [string, number])
  }

  async get (caller: string, key: string): Promise<PlacementRecord | undefined> {
    const existing = await this.call(async r => await r.eval(GET, 2, ...this.keys(caller, key)))
    return existing === null ? undefined : parsed(existing as [string, number])
  }

  async update (record: PlacementRecord): Promise<void> {
    const keys = this.keys(record.caller, record.key)
    this.release(keys[1])
    await this.call(async r => await r.eval(UPDATE, 2, ...keys, JSON.stringify(record), this.options.ttlMs, record.createdAt))
  }

  async drop (caller: string, key: string, createdAt?: number): Promise<void> {
    const keys = this.keys(caller, key)
    this.release(keys[1])
    await this.call(async r => await r.eval(DROP, 2, ...keys, createdAt ?? ''))
  }

  async close (): Promise<void> {
    for (const lease of [...this.held.keys()]) this.release(lease)
  }

  /** Renews a lease at a third of its TTL until the record is updated, dropped, or held too long. */
  private hold (lease: string): void {
    const { leaseMs, replicaId, maxHoldMs = 10 * 60_000 } = this.options
    const entry = {
      until: Date.now() + maxHoldMs,
      timer: setInterval(() => {
        if (Date.now() > entry.until) { this.release(lease); return }
        // A missed renewal is harmless: another replica then settles the key by lookup, which is safe.
        this.options.redis.eval(RENEW, 1, lease, replicaId, leaseMs).catch(() => {})
      }, Math.max(20, Math.floor(leaseMs / 3)))
    }
    entry.timer.unref()
    this.held.set(lease, entry)
  }

  private release (lease: string): void {
    const entry = this.held.get(lease)
    if (entry === undefined) return
    clearInterval(entry.timer)
    this.held.delete(lease)
  }

  private async call<T> (command: (redis: Redis) => Promise<T>): Promise<T> {
    try {
      await this.connected()
      return await command(this.options.redis)
    } catch (error) {
      throw new GatewayError('idempotency-store-unavailable', {
        retryAfterMs: 1000,
        cause: error,
        detail: `the shared idempotency store (Redis) did not answer (${error instanceof Error ? error.message : String(error)}); a placement is never sent without its record, retry with the same key`
      })
    }
  }

  /** A fresh replica's first placement must not fail for a connection still opening; a down Redis costs at most readyWaitMs. */
  private async connected (): Promise<void> {
    const { redis, readyWaitMs } = this.options
    if (redis.status === 'ready') return
    await new Promise<void>(resolve => {
      const done = (): void => { clearTimeout(timer); redis.off('ready', done); resolve() }
      const timer = setTimeout(done, readyWaitMs)
      redis.once('ready', done)
    })
  }
}

/** A pending record whose sender's lease is gone: that replica died mid-request, so the outcome is unknown until settled. */
function parsed ([json, leaseHeld]: [string, number]): PlacementRecord {
  const record = JSON.parse(json) as PlacementRecord
  return record.outcome === 'pending' && leaseHeld !== 1 ? { ...record, outcome: 'unknown' } : record
}
