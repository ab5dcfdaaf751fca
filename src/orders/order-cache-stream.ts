// The read-your-writes cache's ear on one market's private order stream: a
// client of the WebSocket hub, like a /spot/ws socket, subscribed to the
// account's order topic. It hands every order message to the cache and keeps
// the one fact trust depends on: since when the stream has been live without
// a gap. A drop (the hub's reconnect notice, or the topic no longer live), a
// refusal or being cut off as a slow consumer ends that; the next ack after
// it starts a new unbroken stretch.
import type { Hub, HubClient } from '../ws/hub.js'

const NOTICE = Buffer.from('{"type":"notice"')

export interface StreamSink {
  /** One order message's `data`. */
  message: (data: unknown) => void
}

export class OrderStream implements HubClient {
  readonly bufferedAmount = 0
  /** Monotonic ms since when the topic has been live without a gap; undefined while it is not. */
  private liveSince: number | undefined
  private subscribed = false

  constructor (
    private readonly hub: Hub,
    readonly topic: string,
    private readonly sink: StreamSink,
    private readonly clock: () => number
  ) {}

  /** Subscribes (again) unless already subscribed; cheap to call before every placement. */
  ensure (): void {
    if (this.subscribed) return
    this.subscribed = true
    this.hub.subscribe(this, [this.topic], refusal => {
      if (refusal === undefined && this.subscribed) this.liveSince = this.clock()
      else this.lost()
    })
  }

  /**
   * Whether every order message since `since` (monotonic ms) has reached the
   * cache: live now, and live without a gap since no later than `since`.
   */
  unbrokenSince (since: number): boolean {
    this.refresh()
    return this.liveSince !== undefined && this.liveSince <= since
  }

  send (frame: Buffer): void {
    if (frame.subarray(0, NOTICE.length).equals(NOTICE)) {
      // upstream.reconnecting: a gap, whatever follows. Other notices change nothing.
      if (frame.includes('"upstream.reconnecting"')) this.liveSince = undefined
      return
    }
    this.refresh()
    let parsed: { type?: unknown, data?: unknown }
    try {
      parsed = JSON.parse(frame.toString('utf8')) as typeof parsed
    } catch {
      return
    }
    if (parsed.type === 'message') this.sink.message(parsed.data)
  }

  /** The hub dropped this client (slow consumer): a gap; the next ensure() subscribes again. */
  close (): void {
    this.lost()
    this.hub.remove(this)
  }

  refused (): void {
    this.lost()
  }

  stop (): void {
    this.lost()
    this.hub.remove(this)
  }

  /** Catches a drop whose notice was missed, and a stretch that began with a re-ack. */
  private refresh (): void {
    if (!this.subscribed) return
    const live = this.hub.isLive(this.topic)
    if (!live) this.liveSince = undefined
    else if (this.liveSince === undefined) this.liveSince = this.clock()
  }

  private lost (): void {
    this.subscribed = false
    this.liveSince = undefined
  }
}
