// The rate-limit governor: every KuCoin call, the proxy's and the gateway's
// own, asks its pool for the call's weight before it is sent. Within budget
// it goes at once; beyond it the call waits in the pool's fair queue until
// the window refills or its deadline passes, and then gets a local 429 with
// Retry-After, so KuCoin is never asked to refuse. The pure parts are
// budget.ts (the count) and fair-queue.ts (who goes next); this file holds
// the timers and promises.
import { GatewayError } from '../../errors.js'
import type { CallSignal } from '../../light-abort.js'
import type { Market } from '../catalog.js'
import { PoolBudget, rateHeaders } from './budget.js'
import { FairQueue, PRIORITIES, type Priority, type Refusal, type Waiter } from './fair-queue.js'
import { DEFAULT_QUOTA } from './quotas.js'

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

export type Rejection = Refusal | 'deadline' | 'wait-too-long'

/** What the governor reports, for metrics. Must not throw. */
export interface GovernorEvents {
  waited?: (pool: string, priority: Priority, seconds: number) => void
  rejected?: (pool: string, priority: Priority, reason: Rejection) => void
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
}

/** Thrown to a waiter whose own caller went away; nobody reads it. */
export class CallerGone extends GatewayError {
  constructor (market: Market) {
    super('client-closed-request', { market, detail: 'the caller went away before KuCoin was asked' })
  }
}

export class Governor {
  events: GovernorEvents = {}
  private readonly pools = new Map<string, Pool>()
  private readonly now: () => number
  /** Weight a class must leave in the pool, as a share of the limit. */
  private readonly reserve: Record<Priority, number>

  constructor (private readonly options: GovernorOptions) {
    this.now = options.now ?? Date.now
    const r = options.cancelReserve
    this.reserve = { cancel: 0, place: r / 2, 'private-read': r, 'public-read': r }
  }

  /** Resolves when the call may go; rejects with a local 429 (or CallerGone when `signal` aborts first). */
  admit (ticket: Ticket, signal?: CallSignal): Promise<void> {
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
      if (outcome.status === 429) pool.budget.pause(outcome.retryAfterMs ?? rateHeaders(outcome.headers).resetMs, now)
      else pool.budget.sync(rateHeaders(outcome.headers), now)
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
      this.drain(pool)
    }
  }

  close (): void {
    for (const pool of this.pools.values()) clearTimeout(pool.timer)
  }

  private pool (name: string): Pool {
    let pool = this.pools.get(name)
    if (pool === undefined) {
      pool = {
        budget: this.newBudget(name),
        queue: new FairQueue({ maxSize: this.options.maxQueue, maxPerCaller: this.options.maxQueuePerCaller }),
        timer: undefined
      }
      this.pools.set(name, pool)
    }
    return pool
  }

  private newBudget (pool: string): PoolBudget {
    return new PoolBudget({ limit: this.options.quotas[pool] ?? DEFAULT_QUOTA, windowMs: this.options.windowMs, marginMs: this.options.marginMs ?? 100 })
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

  private refuse (pool: Pool, ticket: Ticket, reason: Rejection, now: number): GatewayError {
    this.events.rejected?.(ticket.pool, ticket.priority, reason)
    const retryAfterMs = Math.max(1, pool.budget.msUntilRefill(now))
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
