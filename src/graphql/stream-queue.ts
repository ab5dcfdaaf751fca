// The queue behind a subscription's source stream (hub-stream.ts,
// book-stream.ts): items pushed by a producer that never waits, taken by one
// reader through the async iterator protocol. Its size in bytes is the
// producer's measure of a slow reader (`bufferedAmount`, as on a socket).
// Ending it, by a failure or by the reader, drops what is queued: a failure
// is thrown to the reader at its next take, and `onEnd` runs once either way.

export abstract class StreamQueue<I, T> implements AsyncIterableIterator<T> {
  private readonly items: I[] = []
  private queued = 0
  private wake: (() => void) | undefined
  private failure: Error | undefined
  private isEnded = false

  /** Bytes queued and not yet taken. */
  get bufferedAmount (): number {
    return this.queued
  }

  protected get ended (): boolean {
    return this.isEnded
  }

  /** About how many bytes `item` stands for; asked when it is queued and again when it is taken. */
  protected abstract weigh (item: I): number
  /** The value an item stands for, or undefined to skip it. */
  protected abstract take (item: I): T | undefined
  /** The reader has taken everything queued. */
  protected abstract drained (): void
  /** The stream ended (once): let go of the producer. */
  protected abstract onEnd (): void

  /** Queues `item` for the reader, unless the stream has ended. */
  protected push (item: I): void {
    if (this.isEnded) return
    this.items.push(item)
    this.queued += this.weigh(item)
    this.wakeUp()
  }

  /** Ends the stream with `error`, thrown to the reader at its next take. */
  protected end (error?: Error): void {
    if (this.isEnded) return
    this.isEnded = true
    this.failure = error
    this.items.length = 0
    this.queued = 0
    this.onEnd()
    this.wakeUp()
  }

  async next (): Promise<IteratorResult<T>> {
    for (;;) {
      const item = this.items.shift()
      if (item !== undefined) {
        this.queued -= this.weigh(item)
        if (this.items.length === 0) this.drained()
        const value = this.take(item)
        if (value !== undefined) return { value, done: false }
        continue
      }
      if (this.failure) {
        const failure = this.failure
        this.failure = undefined
        throw failure
      }
      if (this.isEnded) return { value: undefined, done: true }
      await new Promise<void>(resolve => { this.wake = resolve })
    }
  }

  /** The reader stopped: a failure not yet thrown is dropped with the rest. */
  async return (): Promise<IteratorResult<T>> {
    this.failure = undefined
    this.end()
    return { value: undefined, done: true }
  }

  async throw (error: unknown): Promise<IteratorResult<T>> {
    await this.return()
    throw error
  }

  [Symbol.asyncIterator] (): this {
    return this
  }

  private wakeUp (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }
}
