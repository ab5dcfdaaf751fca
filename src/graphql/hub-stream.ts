// A GraphQL subscription as a client of the WebSocket hub. The hub routes the
// upstream frames' bytes here exactly as it does to a /spot/ws socket, and its
// slow-consumer policy bounds this queue the same way: `bufferedAmount` is the
// bytes queued and not yet taken by mercurius (which takes the next value only
// once the previous one is written to the socket). Above the soft limit state
// topics are conflated by the hub; past the hard limit on an event topic the
// hub drops the subscriber, which ends this stream with a slow-consumer error.
// Frames are decoded only when taken, so a conflated frame costs nothing.
import type { Hub, HubClient } from '../ws/hub.js'
import { slowConsumerError } from './errors.js'

export interface StreamStats {
  /** Open subscriptions. */
  open: number
  /** The most bytes any one subscription has had queued. */
  maxQueuedBytes: number
  /** Subscriptions ended for falling behind on an event stream. */
  slowConsumers: number
  /** Frames that could not be decoded (skipped). */
  undecodable: number
}

export function newStreamStats (): StreamStats {
  return { open: 0, maxQueuedBytes: 0, slowConsumers: 0, undecodable: 0 }
}

const NOTICE = Buffer.from('{"type":"notice"')

export class HubStream<T> implements HubClient, AsyncIterableIterator<T> {
  private readonly queue: Buffer[] = []
  private queued = 0
  private wake: (() => void) | undefined
  private ended = false
  private failure: Error | undefined

  constructor (
    private readonly hub: Hub,
    topics: readonly string[],
    /** The value a frame stands for, or undefined to skip it. */
    private readonly decode: (frame: Buffer) => T | undefined,
    private readonly stats: StreamStats
  ) {
    stats.open++
    hub.subscribe(this, topics)
  }

  get bufferedAmount (): number {
    return this.queued
  }

  send (frame: Buffer): void {
    // Gateway notices (upstream reconnects) are for KuCoin-protocol clients; GraphQL has no slot for them.
    if (this.ended || frame.subarray(0, NOTICE.length).equals(NOTICE)) return
    this.queue.push(frame)
    this.queued += frame.length
    if (this.queued > this.stats.maxQueuedBytes) this.stats.maxQueuedBytes = this.queued
    this.wakeUp()
  }

  /** The hub dropped this subscriber (slow consumer): what is queued is useless after a gap. */
  close (): void {
    if (this.ended) return
    this.stats.slowConsumers++
    this.failure = slowConsumerError()
    this.finish()
  }

  async next (): Promise<IteratorResult<T>> {
    for (;;) {
      const frame = this.queue.shift()
      if (frame !== undefined) {
        this.queued -= frame.length
        if (this.queue.length === 0) this.hub.drained(this)
        const value = this.tryDecode(frame)
        if (value !== undefined) return { value, done: false }
        continue
      }
      if (this.failure) {
        const failure = this.failure
        this.failure = undefined
        throw failure
      }
      if (this.ended) return { value: undefined, done: true }
      await new Promise<void>(resolve => { this.wake = resolve })
    }
  }

  async return (): Promise<IteratorResult<T>> {
    this.hub.remove(this)
    this.failure = undefined
    this.finish()
    return { value: undefined, done: true }
  }

  async throw (error: unknown): Promise<IteratorResult<T>> {
    await this.return()
    throw error
  }

  [Symbol.asyncIterator] (): this {
    return this
  }

  private tryDecode (frame: Buffer): T | undefined {
    try {
      return this.decode(frame)
    } catch {
      this.stats.undecodable++
      return undefined
    }
  }

  private finish (): void {
    if (this.ended) return
    this.ended = true
    this.stats.open--
    this.queue.length = 0
    this.queued = 0
    this.wakeUp()
  }

  private wakeUp (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }
}
