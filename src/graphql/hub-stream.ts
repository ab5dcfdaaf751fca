// The source stream of a subscription group (live/group.ts): one client of the
// WebSocket hub however many subscribers share the group. The hub routes the
// upstream frames' bytes here exactly as it does to a /spot/ws socket, and its
// slow-consumer policy bounds this queue the same way: `bufferedAmount` is the
// bytes queued and not yet taken by the group (which takes the next frame as
// soon as it has executed and fanned out the previous one). Above the soft
// limit state topics are conflated by the hub; past the hard limit on an event
// topic the hub drops the stream, which ends it with a slow-consumer error for
// every subscriber of the group. Frames are decoded only when taken, so a
// conflated frame costs nothing.
import type { Hub, HubClient } from '../ws/hub.js'
import { slowConsumerError, topicRefusedError } from './errors.js'
import { StreamQueue } from './stream-queue.js'

export interface StreamStats {
  /** Open subscriptions (one per subscriber and id). */
  open: number
  /** Live groups: subscriptions that share one execution per event and one hub client. */
  groups: number
  /** Executions of a group's operation, one per event and group (not per subscriber). */
  executions: number
  /** `next` messages written to subscribers' sockets. */
  deliveries: number
  /** Results held back for a slow subscriber and replaced by a newer one (state streams). */
  conflated: number
  /** The most bytes any one subscription has had queued (its socket's buffer, or its group's source). */
  maxQueuedBytes: number
  /** Subscriptions (or whole groups, when the group itself fell behind) ended for falling behind on an event stream. */
  slowConsumers: number
  /** Frames that could not be decoded (skipped). */
  undecodable: number
}

export function newStreamStats (): StreamStats {
  return { open: 0, groups: 0, executions: 0, deliveries: 0, conflated: 0, maxQueuedBytes: 0, slowConsumers: 0, undecodable: 0 }
}

const NOTICE = Buffer.from('{"type":"notice"')

export class HubStream<T> extends StreamQueue<Buffer, T> implements HubClient {
  constructor (
    private readonly hub: Hub,
    topics: readonly string[],
    /** The value a frame stands for, or undefined to skip it. */
    private readonly decode: (frame: Buffer) => T | undefined,
    private readonly stats: StreamStats,
    /** A state stream (ticker, book, candle): a slow subscriber gets the latest result. Else an event stream. */
    readonly conflate = false,
    /** For the error a refusal ends the stream with. */
    private readonly market = ''
  ) {
    super()
    hub.subscribe(this, topics)
  }

  send (frame: Buffer): void {
    // Gateway notices (upstream reconnects) are for KuCoin-protocol clients; GraphQL has no slot for them.
    if (this.ended || frame.subarray(0, NOTICE.length).equals(NOTICE)) return
    this.push(frame)
    if (this.bufferedAmount > this.stats.maxQueuedBytes) this.stats.maxQueuedBytes = this.bufferedAmount
  }

  /** The hub dropped this subscriber (slow consumer): what is queued is useless after a gap. */
  close (): void {
    if (this.ended) return
    this.stats.slowConsumers++
    this.fail(slowConsumerError())
  }

  /** KuCoin refused the topic (at first subscribe, or at a reconnect or renewal): subscribers get an error, not silence. */
  refused (topic: string, code: number, message: string): void {
    this.fail(topicRefusedError(this.market, topic, code, message))
  }

  /**
   * Ends the stream with `error`, thrown to the reader at its next take (what
   * is queued is dropped): every subscriber of the group gets it as a GraphQL error. The
   * hub's slow-consumer cut comes through here; so can any refusal of the
   * topic (KuCoin refused it, a budget is exhausted).
   */
  fail (error: Error): void {
    this.end(error)
  }

  protected weigh (frame: Buffer): number {
    return frame.length
  }

  protected take (frame: Buffer): T | undefined {
    try {
      return this.decode(frame)
    } catch {
      this.stats.undecodable++
      return undefined
    }
  }

  protected drained (): void {
    this.hub.drained(this)
  }

  protected onEnd (): void {
    this.hub.remove(this)
  }
}
