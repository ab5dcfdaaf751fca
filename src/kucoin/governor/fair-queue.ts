// The waiting room of one pool: strict priority between classes (cancels,
// then placements, then private reads, then public reads), and within a
// class the caller served least weight this window goes next, so callers
// are served in proportion however fast each one asks. Bounded in total and
// per caller. Pure: no timers, no I/O.

export const PRIORITIES = ['cancel', 'place', 'private-read', 'public-read'] as const
export type Priority = typeof PRIORITIES[number]

export interface Waiter {
  caller: string
  weight: number
  priority: Priority
}

export type Refusal = 'queue-full' | 'caller-queue-full'

export interface QueueLimits {
  /** Most waiters in the pool's queue. */
  maxSize: number
  /** Most waiters one caller may have in it. */
  maxPerCaller: number
}

export class FairQueue<W extends Waiter> {
  /** Per class, per caller, FIFO. Map order is arrival order of callers, which breaks ties. */
  private readonly classes = PRIORITIES.map(() => new Map<string, W[]>())
  private readonly perCaller = new Map<string, number>()
  /** Weight dispatched per caller in this window. */
  private served = new Map<string, number>()
  size = 0

  constructor (private readonly limits: QueueLimits) {}

  push (waiter: W): Refusal | undefined {
    if (this.size >= this.limits.maxSize) return 'queue-full'
    const mine = this.perCaller.get(waiter.caller) ?? 0
    if (mine >= this.limits.maxPerCaller) return 'caller-queue-full'
    const byCaller = this.classes[PRIORITIES.indexOf(waiter.priority)]!
    const list = byCaller.get(waiter.caller)
    if (list) list.push(waiter)
    else byCaller.set(waiter.caller, [waiter])
    this.perCaller.set(waiter.caller, mine + 1)
    this.size++
    return undefined
  }

  /** Whether anyone of this class or a more urgent one waits (a newcomer must not overtake them). */
  waitingAtOrAbove (priority: Priority): boolean {
    const last = PRIORITIES.indexOf(priority)
    for (let i = 0; i <= last; i++) if (this.classes[i]!.size > 0) return true
    return false
  }

  /** Who goes next: the most urgent class, then the caller served least, then the earliest. */
  next (): W | undefined {
    for (const byCaller of this.classes) {
      let best: W | undefined
      let bestServed = Infinity
      for (const [caller, list] of byCaller) {
        const served = this.served.get(caller) ?? 0
        if (served < bestServed) {
          best = list[0]
          bestServed = served
        }
      }
      if (best) return best
    }
    return undefined
  }

  /** Takes a waiter out, either dispatched (counted toward its caller's share) or given up. */
  remove (waiter: W, dispatched: boolean): void {
    const byCaller = this.classes[PRIORITIES.indexOf(waiter.priority)]!
    const list = byCaller.get(waiter.caller)
    const at = list?.indexOf(waiter) ?? -1
    if (!list || at === -1) return
    list.splice(at, 1)
    if (list.length === 0) byCaller.delete(waiter.caller)
    const mine = (this.perCaller.get(waiter.caller) ?? 1) - 1
    if (mine === 0) this.perCaller.delete(waiter.caller)
    else this.perCaller.set(waiter.caller, mine)
    this.size--
    if (dispatched) this.charge(waiter.caller, waiter.weight)
  }

  /** Counts weight a caller was given without waiting, so shares stay fair across both paths. */
  charge (caller: string, weight: number): void {
    this.served.set(caller, (this.served.get(caller) ?? 0) + weight)
  }

  /**
   * A new window. Shares carry over (a caller that had the last window to
   * itself waits behind the others in this one), measured from the least
   * served waiting caller; callers not waiting are forgotten, which keeps
   * the map as small as the queue.
   */
  newWindow (): void {
    const waiting = new Set<string>()
    for (const byCaller of this.classes) for (const caller of byCaller.keys()) waiting.add(caller)
    const min = Math.min(...[...waiting].map(caller => this.served.get(caller) ?? 0))
    const served = new Map<string, number>()
    for (const caller of waiting) served.set(caller, (this.served.get(caller) ?? 0) - min)
    this.served = served
  }
}
