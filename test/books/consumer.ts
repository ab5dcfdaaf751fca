// A book consumer as a dashboard would write one: apply the snapshot, then
// the changes in order; on resync forget the book until the next snapshot.
// check() compares what it holds with the simulator's true book at the same
// sequence, an independent witness (the simulator's own history).
import type { Simulator } from '../../src/simulator/index.js'
import type { Gateway } from '../helper.js'
import { connect, type TestSocket } from '../ws/ws-client.js'

type Level = [string, string]

export interface Message { subject: string, data: any, recovered?: boolean }

export class BookConsumer {
  bids = new Map<string, string>()
  asks = new Map<string, string>()
  sequence: number | undefined
  readonly seen = { snapshots: 0, changes: 0, resyncs: 0, checks: 0, recoveries: [] as any[] }
  readonly problems: string[] = []

  constructor (private readonly sim: Simulator, private readonly market: 'spot' | 'futures', private readonly symbol: string) {}

  /** Applies one message; checks the book against the truth whenever it claims a consistent sequence. */
  apply (m: Message): void {
    if (m.subject === 'snapshot') {
      this.seen.snapshots++
      this.bids = new Map(m.data.bids as Level[])
      this.asks = new Map(m.data.asks as Level[])
      this.sequence = m.data.sequence
      this.check()
    } else if (m.subject === 'changes') {
      this.seen.changes++
      if (this.sequence === undefined) { this.problems.push(`changes ${m.data.sequenceStart} without a book`); return }
      if (m.data.sequenceStart !== this.sequence + 1) this.problems.push(`changes start at ${m.data.sequenceStart}, book at ${this.sequence}`)
      for (const [price, size] of m.data.bids as Level[]) size === '0' ? this.bids.delete(price) : this.bids.set(price, size)
      for (const [price, size] of m.data.asks as Level[]) size === '0' ? this.asks.delete(price) : this.asks.set(price, size)
      this.sequence = m.data.sequenceEnd
      this.check()
    } else if (m.subject === 'resync') {
      this.seen.resyncs++
      this.sequence = undefined
    } else if (m.subject === 'recovery') {
      this.seen.recoveries.push(m.data)
    }
  }

  private check (): void {
    const truth = this.sim.books.at(this.market, this.symbol, this.sequence!)
    if (truth === undefined) { this.problems.push(`no truth at ${this.sequence}`); return }
    this.seen.checks++
    const sorted = (side: Map<string, string>, desc: boolean): Level[] => [...side].sort((a, b) => desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0]))
    const mine = JSON.stringify([sorted(this.bids, true), sorted(this.asks, false)])
    if (mine !== JSON.stringify([truth.bids, truth.asks])) this.problems.push(`book differs from the truth at ${this.sequence}`)
  }
}

/** Feeds a socket's frames of `topic` to the consumer as they arrive; returns the stopper. */
export function follow (socket: TestSocket, consumer: BookConsumer, topic: string): () => void {
  let done = 0
  const timer = setInterval(() => {
    const frames = socket.frames
    for (; done < frames.length; done++) if (frames[done]!.topic === topic && frames[done]!.type === 'message') consumer.apply(frames[done] as any)
  }, 5)
  return () => clearInterval(timer)
}

/** A socket following one book, with its consumer. */
export async function watch (gw: Gateway, market: 'spot' | 'futures', symbol: string): Promise<{ socket: TestSocket, consumer: BookConsumer, stop: () => void }> {
  const socket = await connect(gw.url, market)
  const consumer = new BookConsumer(gw.sim, market, symbol)
  const topic = `/gateway/book:${symbol}`
  const stop = follow(socket, consumer, topic)
  const ack = await socket.subscribe(topic)
  if (ack.type !== 'ack') throw new Error(JSON.stringify(ack))
  return { socket, consumer, stop: () => { stop(); socket.close() } }
}
