// bench/books-keeper: BookKeepers in-process, no sockets: CPU per delta of the keeper path alone
// (parse, sequence rules, one encode per change, the replay window, the hand-off to each
// /gateway/book subscription of BookTopics). KEEPER_BOOKS books (1), 20 subscriptions each
// (the full bench/books fan-out), deltas round-robin over the books; N deltas in all.
//   N=200000 KEEPER_BOOKS=20 KEEPER_REPLAY=1000
import { BookKeeper } from '../src/books/keeper.js'
import { BookTopics } from '../src/books/ws-topics.js'

const N = Number(process.env.N ?? 200000)
const BOOKS = Number(process.env.KEEPER_BOOKS ?? 1)
const REPLAY = Number(process.env.KEEPER_REPLAY ?? 1000)
const PER_BOOK = 20
const hub = { subscribe: (_c: any, _t: any, done?: any) => done?.(undefined), remove: () => {}, isLive: () => true }
const bids = Array.from({ length: 50 }, (_, i) => [String(1000 - i), '1'])
const asks = Array.from({ length: 50 }, (_, i) => [String(1001 + i), '1'])
const symbolAt = (b: number): string => `BK${b}-USDT`
const keepers = Array.from({ length: BOOKS }, (_, b) => new BookKeeper('spot', symbolAt(b), {
  hub,
  fetch: async () => ({ time: Date.now(), sequence: '0', bids, asks }),
  source: { path: '', signed: false, limit: undefined },
  limits: { softLimitBytes: 1 << 20, snapshotDelayMs: 0, maxBufferedDeltas: 10000, replayFrames: REPLAY, crossCheck: false },
  observer: { resync: () => {}, latency: () => {} },
  kucoinNow: Date.now,
  now: Date.now,
  failed: () => {}
} as any))
for (const keeper of keepers) keeper.start()
// Sockets as the hub sees them: a buffered amount and a send.
class Client { bufferedAmount = 0; sent = 0; send (frame: Buffer): void { this.sent += frame.length } close (): void {} }
const books = { subscribe: (_m: any, symbol: string, consumer: any) => { const k = keepers[Number(symbol.slice(2, symbol.indexOf('-')))]!; k.add(consumer); return k }, unsubscribe: () => {} }
const topics = new BookTopics(books as any)
// As in bench/books: each client follows (up to) 5 books, every book has PER_BOOK clients.
const perClient = Math.min(5, BOOKS)
const clients = Array.from({ length: Math.ceil(BOOKS * PER_BOOK / perClient) }, () => new Client())
clients.forEach((client, c) => {
  for (let k = 0; k < perClient; k++) topics.subscribe(client as any, 'spot', `/gateway/book:${symbolAt((c * perClient + k) % BOOKS)}`, undefined, { ok: () => {}, refuse: () => {} })
})
const frame = (b: number, seq: number): Buffer => {
  const bid = (seq & 1) === 0
  const row = [String(bid ? 1000 - (seq % 50) : 1001 + (seq % 50)), seq % 7 === 0 ? '0' : String(1 + (seq % 5)), String(seq)]
  return Buffer.from(JSON.stringify({ type: 'message', topic: `/market/level2:${symbolAt(b)}`, subject: 'trade.l2update', data: { changes: { bids: bid ? [row] : [], asks: bid ? [] : [row] }, sequenceEnd: seq, sequenceStart: seq, symbol: symbolAt(b), time: Date.now() } }))
}
const rounds = Math.floor(N / BOOKS)
const frames = Array.from({ length: rounds }, (_, r) => Array.from({ length: BOOKS }, (_, b) => frame(b, r + 1)))
keepers.forEach((keeper, b) => keeper.send(frames[0]![b]!))
await new Promise(resolve => setTimeout(resolve, 50))
if (!keepers.every(k => k.live)) throw new Error('not live')
const t0 = process.cpuUsage()
for (let r = 1; r < rounds; r++) for (let b = 0; b < BOOKS; b++) keepers[b]!.send(frames[r]![b]!)
const d = process.cpuUsage(t0)
const deltas = (rounds - 1) * BOOKS
const sent = clients.reduce((n, c) => n + c.sent, 0)
console.log(`keeper path: ${((d.user + d.system) / deltas).toFixed(2)} µs CPU per delta (${BOOKS} books × ${PER_BOOK} subscriptions, window ${REPLAY}, no sockets); ${sent} bytes handed to sockets`)
