// One graphql-ws socket as its subscription groups see it: results go out as
// spliced bytes (the subscriber's own envelope around the group's payload,
// never re-serialized), under the same slow-consumer rules as a /spot/ws
// client of the hub, counted on the socket's own send buffer. Up to the soft
// limit everything is written; above it a state stream keeps only the latest
// result, written once the socket drains; an event stream keeps writing until
// the hard limit and is then cut (the connection ends that subscription with
// a slow-consumer error; the socket and its other subscriptions carry on).
import { slowConsumerError } from '../errors.js'
import type { StreamStats } from '../hub-stream.js'

/** One subscription of one connection. */
export interface Subscriber {
  readonly id: string
  /** The result envelope up to the payload, e.g. `{"id":"7","type":"next","payload":`. */
  readonly prefix: Buffer
  readonly outlet: Outlet
  /** The latest result held back while the socket is over the soft limit (state streams only). */
  pending: Buffer | undefined
  /** The group it belongs to, once joined. */
  group: { remove: (subscriber: Subscriber) => void } | undefined
}

/** The connection, told when a subscription ends from the server side. */
export interface OutletOwner {
  /** `errors` is a serialized GraphQL error array for an `error` message; undefined means `complete`. */
  end: (subscriber: Subscriber, errors: Buffer | undefined) => void
}

/** The socket under an outlet. */
export interface Sink {
  /** Bytes queued and not yet taken by the kernel. */
  readonly bufferedAmount: number
  /** Writes `prefix + payload + "}"` as one text message. */
  writeResult: (prefix: Buffer, payload: Buffer) => void
  onDrain: (listener: () => void) => void
}

export interface OutletLimits {
  softLimitBytes: number
  hardLimitBytes: number
}

const slow = slowConsumerError()
const SLOW_CONSUMER = Buffer.from(JSON.stringify([{ message: slow.message, extensions: slow.extensions }]))

export class Outlet {
  /** Subscribers with a result held back, flushed when the socket drains. */
  private readonly held = new Set<Subscriber>()

  constructor (
    private readonly sink: Sink,
    private readonly limits: OutletLimits,
    private readonly stats: StreamStats,
    private readonly owner: OutletOwner
  ) {
    sink.onDrain(() => this.drained())
  }

  /** One result for one subscriber. `conflate`: a state stream, where only the latest result matters. */
  offer (subscriber: Subscriber, payload: Buffer, conflate: boolean): void {
    const buffered = this.sink.bufferedAmount
    if (buffered <= this.limits.softLimitBytes) {
      // A held-back state is older than this one: superseded, not worth the bytes.
      if (subscriber.pending !== undefined) this.drop(subscriber)
      this.write(subscriber, payload)
    } else if (conflate) {
      if (subscriber.pending !== undefined) this.stats.conflated++
      else this.held.add(subscriber)
      subscriber.pending = payload
    } else if (buffered > this.limits.hardLimitBytes) {
      this.stats.slowConsumers++
      this.end(subscriber, SLOW_CONSUMER)
    } else {
      this.write(subscriber, payload)
    }
  }

  /** Ends a subscription from the server side (its group ended, or it fell behind). */
  end (subscriber: Subscriber, errors: Buffer | undefined): void {
    this.owner.end(subscriber, errors)
  }

  /** The subscriber is gone: nothing held for it is sent. */
  forget (subscriber: Subscriber): void {
    this.held.delete(subscriber)
    subscriber.pending = undefined
  }

  private drained (): void {
    for (const subscriber of this.held) {
      if (this.sink.bufferedAmount > this.limits.softLimitBytes) return
      const payload = subscriber.pending!
      this.forget(subscriber)
      this.write(subscriber, payload)
    }
  }

  private drop (subscriber: Subscriber): void {
    this.stats.conflated++
    this.forget(subscriber)
  }

  private write (subscriber: Subscriber, payload: Buffer): void {
    this.sink.writeResult(subscriber.prefix, payload)
    this.stats.deliveries++
    const queued = this.sink.bufferedAmount
    if (queued > this.stats.maxQueuedBytes) this.stats.maxQueuedBytes = queued
  }
}
