// During a renewal's make-before-break overlap two sockets carry the same
// topics, so every frame arrives twice. This passes each once: per frame
// bytes, a balance says how many copies one socket delivered that the other
// has not yet. A frame the other socket is ahead on is its duplicate and is
// dropped; otherwise it passes and the balance tips its way. So a frame that
// KuCoin really sent twice passes twice. After one socket goes, the filter
// keeps dropping the late copies of what it passed ("tail") until cleared.
// Bounded: beyond `maxKeys` distinct frames a new one passes unrecorded (a
// possible duplicate, never a loss).
export class OverlapFilter {
  /** frame → copies `a` delivered minus copies `b` delivered. */
  private readonly balance = new Map<string, number>()
  private gone: number | undefined

  constructor (private readonly a: number, private readonly b: number, private readonly maxKeys = 100_000) {}

  /** Whether this frame from `socket` should pass. */
  pass (socket: number, frame: Buffer): boolean {
    if (socket !== this.a && socket !== this.b) return false
    const key = frame.toString('latin1')
    const sign = socket === this.a ? 1 : -1
    const now = this.balance.get(key) ?? 0
    if (now * sign < 0) { // the other socket delivered this one first
      if (now + sign === 0) this.balance.delete(key)
      else this.balance.set(key, now + sign)
      return false
    }
    // With one socket gone nobody will send the copy: remember nothing new.
    if (this.gone === undefined && (this.balance.has(key) || this.balance.size < this.maxKeys)) this.balance.set(key, now + sign)
    return true
  }

  /** One socket stopped delivering: keep dropping the remaining one's late copies only. */
  tail (gone: number): void {
    this.gone = gone
  }

  get size (): number {
    return this.balance.size
  }
}
