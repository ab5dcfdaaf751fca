// A sliding-window budget: at most `limit` events per `windowMs`. KuCoin
// counts client frames per connection (100 / 10 s, pings included) and new
// connections per user (30 / min); going over gets a 509 or a ban, so the
// gateway waits instead.
export class RateWindow {
  private readonly times: number[] = []

  constructor (private readonly limit: number, private readonly windowMs: number, private readonly now: () => number = Date.now) {}

  /** Milliseconds until one more event fits; 0 when it fits now. */
  delay (): number {
    const now = this.now()
    while (this.times.length && this.times[0]! <= now - this.windowMs) this.times.shift()
    if (this.times.length < this.limit) return 0
    return this.times[0]! + this.windowMs - now
  }

  /** Records an event; call only when delay() is 0. */
  take (): void {
    this.times.push(this.now())
  }
}
