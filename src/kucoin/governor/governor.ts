// The rate-limit governor: every KuCoin call, the proxy's and the gateway's
// own, asks its pool for the call's weight before it is sent. Within budget
// it goes at once; beyond it the call waits in the pool's fair queue until
// the window refills or its deadline passes, and then gets a local 429 with
// Retry-After, so KuCoin is never asked to refuse. The pure parts are
// budget.ts (the count) and fair-queue.ts (who goes next); this file holds
// the timers and promises. In replica mode a call admitted here must also be
// admitted by the budget the replicas share (shared.ts; Redis behind it).
import { GatewayError } from '../../errors.js'
import type { CallSignal } from '../../light-abort.js'
import type { Market } from '../catalog.js'
import { PoolBudget, rateHeaders, type RateHeaders } from './budget.js'
import { FairQueue, PRIORITIES, type Priority, type Refusal, type Waiter } from './fair-queue.js'
import { DEFAULT_QUOTA } from './quotas.js'
import { FallbackShare, type SharedLedger, type SharedVerdict } from './shared.js'

/** Wait past KuCoin's reset before a window refills, unless told otherwise. */
export const DEFAULT_MARGIN_MS = 100

export interface GovernorOptions {
  /** Quota per pool per window (VIP table plus overrides). */
  quotas: Readonly<Record<string, number>>
  windowMs: number
  /** Share of every pool (0–1) only cancels may use; placements may use half of it. */
  cancelReserve: number
  maxQueue: number
  maxQueuePerCaller: number
  /** Longest a call waits for budget before its local 429. */
  maxWaitMs: number
  /** Wait past KuCoin's reset before refilling (its window starts when our first call arrives). */
  marginMs?: number
  now?: () => number
}

export interface Ticket {
  market: Market
  pool: string
  weight: number
  priority: Priority
  /** Fair-share key: the token name, or the remote address without tokens; `gateway` for its own calls. */
  caller: string
  /** The pool is a guess (the catalog does not know the call): KuCoin's headers and 429 on it are not applied to the pool. */
  guessed?: boolean
}

export type Rejection = Refusal | 'deadline' | 'wait-too-long' | 'shared-spent'

/**
 * How the shared budget answered a call this replica had admitted: `credit` is weight reserved ahead
 * (no Redis round trip); `fallback` is the local share, Redis being unavailable.
 */
export type SharedResult = 'admitted' | 'credit' | 'refused' | 'fallback' | 'fallback-refused'

/** What the governor reports, for metrics. Must not throw. */
export interface GovernorEvents {
  waited?: (pool: string, priority: Priority, seconds: number) => void
  rejected?: (pool: string, priority: Priority, reason: Rejection) => void
  shared?: (pool: string, result: SharedResult) => void
}

interface Pending extends Waiter {
  ticket: Ticket
  queuedAt: number
  resolve: () => void
  reject: (error: unknown) => void
  timer: NodeJS.Timeout
  unlisten: () => void
}

interface Pool {
  budget: PoolBudget
  queue: FairQueue<Pending>
  timer: NodeJS.Timeout | undefined
  /** What this replica spends alone while the shared budget is unreachable. */
  fallback: FallbackShare
}

/** Thrown to a waiter whose own caller went away; nobody reads it. */
export class CallerGone extends GatewayError {
  constructor (market: Market) {
    super('client-closed-request', { market, detail: 'the caller went away before KuCoin was asked' })
  }
}

export class Governor {
  events: GovernorEvents = {}
  /** Replica mode: the budget shared with the other replicas; undefined alone. */
  private shared: SharedLedger | undefined
  /** Calls waiting for the shared budget to refill (cleared on close). */
  private readonly sleepers = new Set<() => void>()
  private closed = false
  private readonly pools = new Map<string, Pool>()
  private readonly now: () => number
  /** Weight a class must leave in the pool, as a share of the limit. */
  private readonly reserve: Record<Priority, number>

  constructor (private readonly options: GovernorOptions) {
    this.now = options.now ?? Date.now
    const r = options.cancelReserve
    this.reserve = { cancel: 0, place: r / 2, 'private-read': r, 'public-read': r }
  }

  /** Replica mode: every call admitted locally is then reserved in `ledger` too. */
  useShared (ledger: SharedLedger): void {
    this.shared = ledger
  }

  /** Resolves when the call may go; rejects with a local 429 (or CallerGone when `signal` aborts first). */
  admit (ticket: Ticket, signal?: CallSignal): Promise<void> {
    const local = this.admitLocal(ticket, signal)
    const shared = this.shared
    if (shared === undefined) return local
    return local.then(async () => { await this.admitShared(shared, ticket, signal) })
  }

  /** This replica's own count and fair queue: alone, the whole admission; in replica mode, KuCoin's headers as a hard stop. */
  private admitLocal (ticket: Ticket, signal?: CallSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(new CallerGone(ticket.market))
    const pool = this.pool(ticket.pool)
    const now = this.now()
    if (!pool.queue.waitingAtOrAbove(ticket.priority) && this.fits(pool, ticket, now)) {
      this.dispatch(pool, ticket, now)
      return Promise.resolve()
    }
    const wait = pool.budget.msUntilRefill(now)
    if (wait > this.options.maxWaitMs) return Promise.reject(this.refuse(pool, ticket, 'wait-too-long', now))
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        caller: ticket.caller,
        weight: ticket.weight,
        priority: ticket.priority,
        ticket,
        queuedAt: now,
        resolve,
        reject,
        timer: setTimeout(() => { this.drop(pool, pending, this.refuse(pool, ticket, 'deadline', this.now())) }, this.options.maxWaitMs),
        unlisten: () => {}
      }
      const refusal = pool.queue.push(pending)
      if (refusal !== undefined) {
        clearTimeout(pending.timer)
        reject(this.refuse(pool, ticket, refusal, now))
        return
      }
      if (signal) {
        const onAbort = (): void => { this.drop(pool, pending, new CallerGone(ticket.market)) }
        signal.addEventListener('abort', onAbort, { once: true })
        pending.unlisten = () => { signal.removeEventListener('abort', onAbort) }
      }
      this.arm(pool)
    })
  }

  /**
   * After the call: KuCoin's headers update the pool; a 429 from KuCoin pauses it until the reset.
   * Not for a guessed pool: the headers may describe another pool, and pausing the wrong one
   * (Spot, say) would block order placement for a read KuCoin charges elsewhere.
   */
  settle (ticket: Ticket, outcome: { headers: Record<string, string>, status: number, retryAfterMs?: number }): void {
    const pool = this.pool(ticket.pool)
    const now = this.now()
    pool.budget.settle(ticket.weight)
    if (ticket.guessed !== true) {
      const headers = rateHeaders(outcome.headers)
      if (outcome.status === 429) pool.budget.pause(outcome.retryAfterMs ?? headers.resetMs, now)
      else pool.budget.sync(headers, now)
      if (this.shared !== undefined) this.syncShared(this.shared, pool, ticket.pool, outcome.status === 429 ? { ...headers, remaining: 0, resetMs: outcome.retryAfterMs ?? headers.resetMs ?? this.options.windowMs } : headers)
    }
    this.drain(pool)
  }

  /** Per pool: queue depth and the budget as the gateway counts it. */
  stats (): Array<{ pool: string, queued: number, remaining: number, limit: number }> {
    return [...this.pools].map(([name, p]) => ({ pool: name, queued: p.queue.size, remaining: p.budget.available(this.now()), limit: p.budget.limit }))
  }

  /** Forgets every pool's count and pause (a scripted upstream between test cases; a new key). Waiters stay queued. */
  forget (): void {
    for (const [name, pool] of this.pools) {
      pool.budget = this.newBudget(name)
      pool.fallback = new FallbackShare()
      this.drain(pool)
    }
  }

  close (): void {
    this.closed = true
    for (const pool of this.pools.values()) clearTimeout(pool.timer)
    for (const wake of this.sleepers) wake()
  }

  private pool (name: string): Pool {
    let pool = this.pools.get(name)
    if (pool === undefined) {
      pool = {
        budget: this.newBudget(name),
        queue: new FairQueue({ maxSize: this.options.maxQueue, maxPerCaller: this.options.maxQueuePerCaller }),
        timer: undefined,
        fallback: new FallbackShare()
      }
      this.pools.set(name, pool)
    }
    return pool
  }

  private newBudget (pool: string): PoolBudget {
    return new PoolBudget({ limit: this.options.quotas[pool] ?? DEFAULT_QUOTA, windowMs: this.options.windowMs, marginMs: this.options.marginMs ?? DEFAULT_MARGIN_MS })
  }

  private fits (pool: Pool, ticket: Ticket, now: number): boolean {
    const before = pool.budget.resetAt
    const available = pool.budget.available(now)
    if (pool.budget.resetAt === undefined) {
      if (before !== undefined) pool.queue.newWindow()
      // A fresh window: the first call goes whatever it weighs, or a heavy one would starve.
      return true
    }
    return available - ticket.weight >= this.reserve[ticket.priority] * pool.budget.limit
  }

  private dispatch (pool: Pool, ticket: Ticket, now: number): void {
    pool.budget.take(ticket.weight, now)
    pool.queue.charge(ticket.caller, ticket.weight)
  }

  /** Lets waiters go, most urgent and least served first, while the budget allows. */
  private drain (pool: Pool): void {
    const now = this.now()
    for (let next = pool.queue.next(); next !== undefined; next = pool.queue.next()) {
      if (!this.fits(pool, next.ticket, now)) break
      pool.queue.remove(next, false)
      this.dispatch(pool, next.ticket, now)
      this.release(next)
      this.events.waited?.(next.ticket.pool, next.priority, (now - next.queuedAt) / 1000)
      next.resolve()
    }
    this.arm(pool)
  }

  /** One timer per pool, for the moment its budget refills, while anyone waits. */
  private arm (pool: Pool): void {
    clearTimeout(pool.timer)
    pool.timer = undefined
    if (pool.queue.size === 0) return
    const wait = pool.budget.msUntilRefill(this.now())
    pool.timer = setTimeout(() => { this.drain(pool) }, Math.max(1, wait))
  }

  private drop (pool: Pool, pending: Pending, error: unknown): void {
    pool.queue.remove(pending, false)
    this.release(pending)
    pending.reject(error)
    this.drain(pool)
  }

  private release (pending: Pending): void {
    clearTimeout(pending.timer)
    pending.unlisten()
  }

  /**
   * Replica mode, after the local admission: the shared budget must admit the call too. Refused
   * there, the local take is given back and the call waits for the shared window's refill (if that
   * comes within its wait allowance) and is admitted again from the start; otherwise a local 429.
   * Redis unavailable: the call spends this replica's fallback share instead.
   */
  private async admitShared (shared: SharedLedger, ticket: Ticket, signal: CallSignal | undefined): Promise<void> {
    const deadline = this.now() + this.options.maxWaitMs
    for (;;) {
      const pool = this.pool(ticket.pool)
      const generation = pool.budget.generation
      const verdict = await this.reserveShared(shared, pool, ticket)
      const waitMs = this.sharedWait(shared, pool, ticket, verdict)
      if (waitMs === 0) return
      pool.budget.refund(ticket.weight, generation)
      this.drain(pool)
      const now = this.now()
      if (now + waitMs > deadline) throw this.refuse(pool, ticket, 'shared-spent', now, waitMs)
      await this.sleep(waitMs, ticket, signal)
      await this.admitLocal(ticket, signal)
    }
  }

  /** 0 when the call may go; otherwise how long until the budget that refused it refills. */
  private sharedWait (shared: SharedLedger, pool: Pool, ticket: Ticket, verdict: SharedVerdict): number {
    let result: SharedResult
    let waitMs = 0
    if (verdict.kind === 'admitted') {
      pool.fallback.shared(verdict.remaining, this.now() + verdict.refillMs)
      result = verdict.credit === true ? 'credit' : 'admitted'
    } else if (verdict.kind === 'refused') {
      pool.fallback.shared(verdict.remaining, this.now() + verdict.retryAfterMs)
      result = 'refused'
      waitMs = Math.max(1, verdict.retryAfterMs)
    } else if (pool.fallback.take(pool.budget, ticket.weight, shared.fallbackShare(), this.now(), this.options.marginMs ?? DEFAULT_MARGIN_MS)) {
      result = 'fallback'
    } else {
      result = 'fallback-refused'
      waitMs = Math.max(1, pool.budget.msUntilRefill(this.now()))
    }
    this.events.shared?.(ticket.pool, result)
    return waitMs
  }

  private async reserveShared (shared: SharedLedger, pool: Pool, ticket: Ticket): Promise<SharedVerdict> {
    const { budget } = pool
    // What KuCoin's headers told this replica (its own takes since included, this call's not): seeds a Redis that lost its count.
    const known = budget.synced && budget.resetAt !== undefined
    const knownResetInMs = known ? Math.max(0, budget.resetAt! - this.now()) : 0
    return await shared.reserve({
      pool: ticket.pool,
      weight: ticket.weight,
      limit: budget.limit,
      keep: Math.ceil(this.reserve[ticket.priority] * budget.limit),
      creditKeep: Math.ceil(Math.max(...Object.values(this.reserve)) * budget.limit),
      knownUsed: knownResetInMs > 0 ? Math.max(0, budget.limit - budget.remaining - ticket.weight) : 0,
      knownResetInMs
    })
  }

  private syncShared (shared: SharedLedger, pool: Pool, name: string, headers: RateHeaders): void {
    pool.fallback.sync(pool.budget, headers.remaining, shared.fallbackShare())
    if (headers.remaining === undefined || headers.resetMs === undefined) return
    shared.sync({ pool: name, limit: headers.limit ?? pool.budget.limit, remaining: headers.remaining, resetMs: headers.resetMs, inFlight: pool.budget.inFlight })
  }

  /** Waits for the shared budget's refill; the caller going (or the governor closing) ends the wait with CallerGone. */
  private async sleep (ms: number, ticket: Ticket, signal: CallSignal | undefined): Promise<void> {
    if (signal?.aborted === true) throw new CallerGone(ticket.market)
    await new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', wake)
        this.sleepers.delete(wake)
        if (signal?.aborted === true || this.closed) reject(new CallerGone(ticket.market))
        else resolve()
      }
      const timer = setTimeout(wake, ms)
      signal?.addEventListener('abort', wake, { once: true })
      this.sleepers.add(wake)
    })
  }

  private refuse (pool: Pool, ticket: Ticket, reason: Rejection, now: number, sharedWaitMs?: number): GatewayError {
    this.events.rejected?.(ticket.pool, ticket.priority, reason)
    const retryAfterMs = sharedWaitMs ?? Math.max(1, pool.budget.msUntilRefill(now))
    if (reason === 'shared-spent') {
      return new GatewayError('rate-limited', {
        market: ticket.market,
        code: 'KGW_RATE_LIMITED',
        detail: `the budget for KuCoin's ${ticket.pool} pool that the gateway's replicas share is spent and refills in ${Math.ceil(retryAfterMs)} ms, past the ${this.options.maxWaitMs} ms wait allowed; KuCoin was not asked`,
        retryAfterMs
      })
    }
    const why = {
      'queue-full': 'its queue is full',
      'caller-queue-full': `caller ${ticket.caller} already has ${this.options.maxQueuePerCaller} calls waiting`,
      deadline: `no budget within ${this.options.maxWaitMs} ms`,
      'wait-too-long': `the budget refills in ${Math.ceil(retryAfterMs)} ms, past the ${this.options.maxWaitMs} ms wait allowed`
    }[reason]
    return new GatewayError('rate-limited', {
      market: ticket.market,
      code: 'KGW_RATE_LIMITED',
      detail: `the gateway's budget for KuCoin's ${ticket.pool} pool is spent and ${why}; KuCoin was not asked`,
      retryAfterMs
    })
  }
}

export { PRIORITIES, type Priority }
