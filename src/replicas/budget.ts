// Replica mode's shared KuCoin budget: the governor's reservations, made
// atomically in Redis (budget-scripts.ts) so N replicas spend one account's
// budget exactly once. Redis slow or down never holds a call longer than the
// command timeout: the check answers `unavailable`, the governor spends this
// replica's fallback share, and Redis is left alone for a short probe interval
// before it is asked again. Replicas announce themselves in a TTL'd set, so
// the fallback share can be the quota divided among the replicas last seen.
// Most calls do not wait for Redis at all: a reservation asks for a chunk of
// credit on top of the call's weight, and later calls of the pool spend it
// here (budget-credit.ts says why that is never more generous than asking).
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { SharedLedger, SharedReservation, SharedSync, SharedVerdict } from '../kucoin/governor/shared.js'
import { PoolCredit, type CreditGrant } from './budget-credit.js'
import { PRESENCE, RESERVE, SYNC } from './budget-scripts.js'

export interface SharedBudgetOptions {
  redis: Redis
  keyPrefix: string
  replicaId: string
  /** The KuCoin API key (or undefined: public calls only); only a hash of it names the keys. */
  apiKey: string | undefined
  windowMs: number
  /** Wait past a window's end before it refills (KuCoin starts its window when our first call arrives). */
  marginMs: number
  /** Percent of every pool never reserved, against weight KuCoin counts that the replicas did not. */
  safetyPercent: number
  /** Percent of a pool one replica spends alone while Redis is unavailable; 0 = 1 / the replicas last seen alive. */
  fallbackPercent: number
  /** How often a replica renews its presence; it counts as gone after three of these. */
  presenceIntervalMs: number
  /** Percent of a pool reserved ahead as credit with a call (spent later without asking Redis); 0 = none. */
  creditPercent: number
}

export interface SharedBudgetStats {
  admitted: number
  refused: number
  /** Calls admitted from this replica's prefetched credit, without asking Redis. */
  credit: number
  /** Credit reservations asked for in the background (top-ups). */
  topUps: number
  unavailable: number
  /** Syncs from KuCoin's headers that did not reach Redis. */
  syncFailures: number
  /** The longest a failed check took, in ms (the command timeout bounds it). */
  slowestFailureMs: number
  /** Whether the last check found Redis unavailable (the governor spends the fallback share). */
  fallback: boolean
  /** Replicas that announced themselves within their TTL, this one included; 0 before Redis was reached. */
  replicas: number
}

type Reply = [admitted: number, remaining: number, msToRefill: number, granted: number]

interface BudgetCommands {
  kgwBudgetReserve: (key: string, ...args: number[]) => Promise<Reply>
  kgwBudgetSync: (key: string, ...args: number[]) => Promise<number>
  kgwBudgetPresence: (key: string, id: string, ttlMs: number) => Promise<number>
}

/** A stable, non-secret name for the account: KuCoin counts private pools per API key. */
export function accountName (apiKey: string | undefined): string {
  return apiKey === undefined ? 'public' : createHash('sha256').update(apiKey).digest('hex').slice(0, 16)
}

export class SharedBudget implements SharedLedger {
  readonly stats: SharedBudgetStats = { admitted: 0, refused: 0, credit: 0, topUps: 0, unavailable: 0, syncFailures: 0, slowestFailureMs: 0, fallback: false, replicas: 0 }
  private readonly commands: BudgetCommands
  private readonly prefix: string
  /** Until then Redis is not asked: it just failed a check. */
  private downUntil = 0
  private readonly probeMs: number
  private heartbeat: NodeJS.Timeout | undefined
  private readonly credits = new Map<string, PoolCredit>()

  constructor (private readonly options: SharedBudgetOptions) {
    const { redis } = options
    redis.defineCommand('kgwBudgetReserve', { numberOfKeys: 1, lua: RESERVE })
    redis.defineCommand('kgwBudgetSync', { numberOfKeys: 1, lua: SYNC })
    redis.defineCommand('kgwBudgetPresence', { numberOfKeys: 1, lua: PRESENCE })
    this.commands = redis as unknown as BudgetCommands
    this.prefix = `${options.keyPrefix}budget:${accountName(options.apiKey)}:`
    // Probed again well within a window, so shared counting resumes within one window of Redis's return.
    this.probeMs = Math.max(50, Math.min(1000, options.windowMs / 4))
    // A new connection may be to a Redis that lost its count, the credit in it too.
    redis.on('ready', () => { this.clearCredit() })
  }

  /** Announces this replica now and every presenceIntervalMs. */
  start (): void {
    const beat = (): void => { this.announce(this.options.presenceIntervalMs * 3) }
    beat()
    this.heartbeat = setInterval(beat, this.options.presenceIntervalMs)
    this.heartbeat.unref()
  }

  /** Stops announcing and leaves the set (best effort: a stopped replica also simply expires). */
  async close (): Promise<void> {
    clearInterval(this.heartbeat)
    if (this.options.redis.status === 'ready') await this.presence(0).catch(() => {})
  }

  key (pool: string): string {
    return this.prefix + pool
  }

  async reserve (r: SharedReservation): Promise<SharedVerdict> {
    const started = performance.now()
    if (started < this.downUntil || this.options.redis.status !== 'ready') return this.unavailable(started, false)
    const credit = this.credit(r.pool, r.limit)
    const spent = credit.spend(r.weight, started)
    if (spent !== undefined) {
      this.stats.credit++
      this.topUp(r, credit, started)
      return { kind: 'admitted', credit: true, ...spent }
    }
    // One chunk asked for at a time: a burst that finds no credit must not prefetch a chunk per call.
    const chunk = credit.asking || r.weight === 0 ? 0 : credit.chunkFor(r.weight)
    if (chunk > 0) credit.asking = true
    try {
      const [admitted, remaining, msToRefill, granted] = await this.ask(r, r.weight, r.keep, chunk)
      this.stats.fallback = false
      if (chunk > 0) this.granted(credit, { granted, sentAt: started, msToRefill, marginMs: this.options.marginMs, remaining })
      if (admitted === 1) {
        this.stats.admitted++
        return { kind: 'admitted', remaining, refillMs: msToRefill }
      }
      this.stats.refused++
      return { kind: 'refused', remaining, retryAfterMs: Math.max(1, msToRefill) }
    } catch {
      if (chunk > 0) credit.asking = false
      return this.unavailable(started, true)
    }
  }

  sync (s: SharedSync): void {
    const now = performance.now()
    if (now < this.downUntil || this.options.redis.status !== 'ready') return
    // Unspent credit is weight this replica may still send: a Redis that lost its window must count it too.
    const held = this.credits.get(s.pool)?.held(now) ?? 0
    // Written once the response that carried the headers has gone to its caller: off the call's path.
    // (Only later: Redis then reads resetMs against a later clock, which puts the window's end later, more careful.)
    setImmediate(() => {
      this.commands.kgwBudgetSync(this.key(s.pool), s.limit, s.remaining, Math.round(s.resetMs), this.options.windowMs, this.options.marginMs, s.inFlight + held)
        .catch(() => { this.stats.syncFailures++ })
    })
  }

  fallbackShare (): number {
    if (this.options.fallbackPercent > 0) return this.options.fallbackPercent / 100
    // Never seen Redis: assume at least one other replica rather than spend the whole pool alone.
    // Halved: a replica's local window is its own view of KuCoin's (from headers, late by the
    // response's latency, or started by its own first call), so one KuCoin window can overlap two
    // of them; a full share in each would overfill it. The safety margin holds here too.
    return (1 - this.options.safetyPercent / 100) / (2 * Math.max(2, this.stats.replicas))
  }

  /** The pool's credit; its chunk a share of the limit the governor knows now (KuCoin's, once seen). */
  private credit (pool: string, limit: number): PoolCredit {
    const chunk = Math.floor(limit * this.options.creditPercent / 100)
    let credit = this.credits.get(pool)
    if (credit === undefined) {
      credit = new PoolCredit(chunk)
      this.credits.set(pool, credit)
    }
    credit.chunk = chunk
    return credit
  }

  private async ask (r: SharedReservation, weight: number, keep: number, chunk: number): Promise<Reply> {
    const safety = Math.ceil(r.limit * this.options.safetyPercent / 100)
    return await this.commands.kgwBudgetReserve(this.key(r.pool), r.limit, weight, this.options.windowMs, this.options.marginMs,
      keep + safety, r.knownUsed, Math.round(r.knownResetInMs), chunk, r.creditKeep + safety)
  }

  private granted (credit: PoolCredit, grant: CreditGrant): void {
    credit.asking = false
    // Redis went away while it answered: the credit may be gone with it.
    if (this.stats.fallback || this.options.redis.status !== 'ready') return
    credit.grant(grant, performance.now())
  }

  /** Credit running low: one background reservation of a chunk alone (weight 0), never two at once. */
  private topUp (r: SharedReservation, credit: PoolCredit, now: number): void {
    if (!credit.wantsTopUp(now)) return
    credit.asking = true
    this.stats.topUps++
    this.ask({ ...r, knownUsed: 0, knownResetInMs: 0 }, 0, r.creditKeep, credit.chunkFor(0))
      .then(([, remaining, msToRefill, granted]) => { this.granted(credit, { granted, sentAt: now, msToRefill, marginMs: this.options.marginMs, remaining }) },
        () => { credit.asking = false })
  }

  private clearCredit (): void {
    for (const credit of this.credits.values()) credit.clear()
  }

  private unavailable (started: number, failed: boolean): SharedVerdict {
    const now = performance.now()
    this.clearCredit()
    if (failed) {
      this.downUntil = now + this.probeMs
      this.stats.slowestFailureMs = Math.max(this.stats.slowestFailureMs, now - started)
    }
    this.stats.unavailable++
    this.stats.fallback = true
    return { kind: 'unavailable' }
  }

  private announce (ttlMs: number): void {
    if (this.options.redis.status !== 'ready') return
    this.presence(ttlMs).then(alive => { this.stats.replicas = alive }, () => {})
  }

  private async presence (ttlMs: number): Promise<number> {
    return await this.commands.kgwBudgetPresence(`${this.options.keyPrefix}budget:replicas`, this.options.replicaId, ttlMs)
  }
}
