// A book's replay window: its last changes frames, for consumers that
// resume. Every book keeps one (a resume can come for any book), so it must
// cost little: the frames are bytes packed into shared slabs and their
// sequences sit in typed arrays, so a full window is a handful of objects
// for the garbage collector, not thousands of messages promoted to the old
// generation and traced at every major collection. Slabs are never written
// twice: a frame handed to a socket stays valid after it leaves the window.

/** Bytes per slab; a frame larger than this gets a slab of its own. */
const SLAB_BYTES = 16 * 1024
/** Entries allocated at first; the arrays double up to the window's capacity. */
const FIRST_ENTRIES = 64

interface Slab { bytes: Buffer, used: number, live: number }

export class FrameLog {
  private starts = new Float64Array(0)
  private ends = new Float64Array(0)
  private offsets = new Uint32Array(0)
  private lengths = new Uint32Array(0)
  private slabOf: Slab[] = []
  /** Index of the oldest entry in the ring. */
  private head = 0
  private count = 0
  /** Slabs holding live frames, oldest first; the last one takes new frames. */
  private slabs: Slab[] = []

  constructor (readonly capacity: number) {}

  get length (): number {
    return this.count
  }

  /** Bytes held: the slabs and the entry arrays. */
  get retainedBytes (): number {
    let bytes = this.starts.byteLength + this.ends.byteLength + this.offsets.byteLength + this.lengths.byteLength + 8 * this.slabOf.length
    for (const slab of this.slabs) bytes += slab.bytes.length
    return bytes
  }

  /** Appends a frame (its text) covering sequences `start`..`end`; returns its bytes, to send. */
  append (start: number, end: number, text: string): Buffer {
    if (this.count === this.capacity) this.dropOldest()
    if (this.count === this.starts.length) this.grow()
    // Room for the worst case (3 bytes per UTF-16 unit) rather than measuring the text first;
    // a frame that would need a new slab is measured, so a large one gets a slab its own size,
    // not three times it.
    const worst = 3 * text.length
    const slab = this.slabFor(worst <= this.room() ? worst : Buffer.byteLength(text))
    const offset = slab.used
    const size = slab.bytes.write(text, offset)
    slab.used += size
    slab.live++
    const i = (this.head + this.count) % this.starts.length
    this.starts[i] = start
    this.ends[i] = end
    this.offsets[i] = offset
    this.lengths[i] = size
    this.slabOf[i] = slab
    this.count++
    return slab.bytes.subarray(offset, offset + size)
  }

  /** The sequence range of the k-th oldest entry. */
  start (k: number): number {
    return this.starts[this.index(k)]!
  }

  end (k: number): number {
    return this.ends[this.index(k)]!
  }

  /** The bytes of the k-th oldest entry. */
  frame (k: number): Buffer {
    const i = this.index(k)
    const offset = this.offsets[i]!
    return this.slabOf[i]!.bytes.subarray(offset, offset + this.lengths[i]!)
  }

  /** Position of the entry starting at `start`, or -1. */
  indexOfStart (start: number): number {
    for (let k = 0; k < this.count; k++) if (this.starts[this.index(k)] === start) return k
    return -1
  }

  clear (): void {
    this.head = 0
    this.count = 0
    this.slabOf.fill(undefined as unknown as Slab)
    this.slabs = []
  }

  private index (k: number): number {
    return (this.head + k) % this.starts.length
  }

  private dropOldest (): void {
    const slab = this.slabOf[this.head]!
    this.slabOf[this.head] = undefined as unknown as Slab
    this.head = (this.head + 1) % this.starts.length
    this.count--
    slab.live--
    // Frames leave oldest first, so an emptied slab is the first one; the one taking frames stays.
    while (this.slabs.length > 1 && this.slabs[0]!.live === 0) this.slabs.shift()
  }

  /** Bytes left in the slab taking frames. */
  private room (): number {
    const last = this.slabs[this.slabs.length - 1]
    return last === undefined ? 0 : last.bytes.length - last.used
  }

  private slabFor (size: number): Slab {
    const last = this.slabs[this.slabs.length - 1]
    if (last !== undefined && last.bytes.length - last.used >= size) return last
    const slab = { bytes: Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, size)), used: 0, live: 0 }
    this.slabs.push(slab)
    // A full slab nobody refers to any more goes now rather than at the next drop.
    if (last !== undefined && last.live === 0) this.slabs.splice(this.slabs.length - 2, 1)
    return slab
  }

  /** Doubles the ring (up to the capacity), oldest entry first again. */
  private grow (): void {
    const size = Math.min(this.capacity, Math.max(FIRST_ENTRIES, this.starts.length * 2))
    const order = Array.from({ length: this.count }, (_, k) => this.index(k))
    const take = <T extends Float64Array | Uint32Array>(from: T, to: T): T => {
      order.forEach((i, k) => { to[k] = from[i]! })
      return to
    }
    this.starts = take(this.starts, new Float64Array(size))
    this.ends = take(this.ends, new Float64Array(size))
    this.offsets = take(this.offsets, new Uint32Array(size))
    this.lengths = take(this.lengths, new Uint32Array(size))
    const slabOf = new Array<Slab>(size)
    order.forEach((i, k) => { slabOf[k] = this.slabOf[i]! })
    this.slabOf = slabOf
    this.head = 0
  }
}
