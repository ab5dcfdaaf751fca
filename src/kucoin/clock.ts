// KuCoin rejects a signed request whose timestamp is 5 s or more away from its
// own clock (400002). ServerClock learns the offset from GET /api/v1/timestamp,
// refreshes it periodically, and resyncs on demand; concurrent resyncs share
// one upstream call.

export interface ClockState {
  /** serverTime − localTime in ms; 0 until the first sync. */
  offsetMs: number
  known: boolean
  lastSyncAt: number | undefined
  lastError: string | undefined
}

export class ServerClock {
  private offsetMs = 0
  private known = false
  private lastSyncAt: number | undefined
  private lastError: string | undefined
  private inFlight: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined

  constructor (
    private readonly fetchServerTime: () => Promise<number>,
    private readonly localNow: () => number = Date.now
  ) {}

  /** Server time estimate in ms. */
  now (): number {
    return this.localNow() + this.offsetMs
  }

  state (): ClockState {
    return { offsetMs: this.offsetMs, known: this.known, lastSyncAt: this.lastSyncAt, lastError: this.lastError }
  }

  /** One round trip; the server's answer is taken to be from the trip's midpoint. */
  sync (): Promise<void> {
    this.inFlight ??= this.measure().finally(() => { this.inFlight = undefined })
    return this.inFlight
  }

  private async measure (): Promise<void> {
    const sent = this.localNow()
    try {
      const server = await this.fetchServerTime()
      const received = this.localNow()
      this.offsetMs = Math.round(server - (sent + received) / 2)
      this.known = true
      this.lastSyncAt = received
      this.lastError = undefined
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error)
      throw error
    }
  }

  /** Syncs every intervalMs; failures keep the last known offset. */
  start (intervalMs: number): void {
    this.stop()
    this.timer = setInterval(() => { this.sync().catch(() => {}) }, intervalMs)
    this.timer.unref()
  }

  stop (): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }
}
