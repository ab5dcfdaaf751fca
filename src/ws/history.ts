// Replay windows for resumable subscriptions of relayed KuCoin topics
// (Centrifugo's offset + epoch model). A topic gets a window only once some
// client asked for resumable delivery on it; from then on each of its frames
// gets the next offset, and the last frames are kept, bounded by count and
// age. The epoch names one unbroken run of offsets: it changes when the run
// breaks (the upstream connection dropped, so KuCoin's frames in between are
// gone), and a client resuming with another epoch is told it was not
// recovered. Pure: no sockets; the hub passes the time in.
import { randomBytes } from 'node:crypto'

export interface HistoryLimits {
  /** Frames kept per topic; 0 keeps none (offsets are still given, a resume is never recovered). */
  frames: number
  /** Frames older than this are dropped. */
  maxAgeMs: number
}

/** What a client asks for: resumable delivery, and where it was (both from an earlier resumable delivery). */
export interface ResumeRequest { since?: number, epoch?: string }

export interface Recovery {
  recovered: boolean
  /** The frames after `since`, marked `"recovered": true`, oldest first (none when not recovered). */
  frames: Buffer[]
}

const newEpoch = (): string => randomBytes(6).toString('base64url')
const RECOVERED = Buffer.from('{"recovered":true,')

/** A frame with its offset and epoch spliced in front: `{"offset":7,"epoch":"…",` + KuCoin's fields. */
function mark (frame: Buffer, offset: number, epoch: string): Buffer {
  const head = Buffer.from(`{"offset":${offset},"epoch":"${epoch}",`)
  return Buffer.concat([head, frame.subarray(1)], head.length + frame.length - 1)
}

/** A ring of the last frames of one topic, oldest first. */
export class TopicHistory {
  epoch = newEpoch()
  /** The offset of the last frame (0: none yet in this epoch). */
  offset = 0
  private readonly ring: Array<{ offset: number, at: number, frame: Buffer } | undefined>
  private head = 0
  private count = 0

  constructor (private readonly limits: HistoryLimits) {
    this.ring = new Array(limits.frames)
  }

  get size (): number {
    return this.count
  }

  /** The frame as resumable subscribers get it, now held in the window. */
  append (frame: Buffer, now: number): Buffer {
    const marked = mark(frame, ++this.offset, this.epoch)
    const capacity = this.ring.length
    if (capacity === 0) return marked
    this.ring[(this.head + this.count) % capacity] = { offset: this.offset, at: now, frame: marked }
    if (this.count < capacity) this.count++
    else this.head = (this.head + 1) % capacity
    this.expire(now)
    return marked
  }

  /** The run of offsets broke: a new epoch, nothing held. */
  reset (): void {
    this.epoch = newEpoch()
    this.offset = 0
    this.ring.fill(undefined)
    this.head = 0
    this.count = 0
  }

  /** What a client that last saw `since` in `epoch` missed, if the window still holds all of it. */
  recover (since: number | undefined, epoch: string | undefined, now: number): Recovery {
    this.expire(now)
    if (since === undefined || epoch !== this.epoch || since > this.offset) return { recovered: false, frames: [] }
    const missed = this.offset - since
    if (missed > this.count) return { recovered: false, frames: [] }
    const frames: Buffer[] = []
    for (let i = this.count - missed; i < this.count; i++) {
      const entry = this.ring[(this.head + i) % this.ring.length]!
      frames.push(Buffer.concat([RECOVERED, entry.frame.subarray(1)]))
    }
    return { recovered: true, frames }
  }

  private expire (now: number): void {
    const oldest = now - this.limits.maxAgeMs
    while (this.count > 0) {
      const entry = this.ring[this.head]!
      if (entry.at >= oldest) return
      this.ring[this.head] = undefined
      this.head = (this.head + 1) % this.ring.length
      this.count--
    }
  }
}

/** The answer to a resume, sent before the missed frames: `{"type":"message","subject":"recovery",...}`. */
export function recoveryFrame (topic: string, since: number | undefined, history: TopicHistory, recovery: Recovery): Buffer {
  const data = { recovered: recovery.recovered, since: since ?? null, offset: history.offset, epoch: history.epoch, frames: recovery.frames.length }
  return Buffer.from(JSON.stringify({ type: 'message', topic, subject: 'recovery', data }))
}
