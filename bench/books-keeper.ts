// bench/books-keeper: one BookKeeper in-process, 20 consumers, N spot deltas: CPU per delta of the
// keeper path alone (parse, sequence rules, one JSON encode per change), no sockets.
import { BookKeeper } from '../src/books/keeper.js'
const N = Number(process.env.N ?? 200000)
let sink = 0
const hub = { subscribe: (_c: any, _t: any, done?: any) => done?.(undefined), remove: () => {}, isLive: () => true }
const bids = Array.from({ length: 50 }, (_, i) => [String(1000 - i), '1'])
const asks = Array.from({ length: 50 }, (_, i) => [String(1001 + i), '1'])
const keeper = new BookKeeper('spot', 'BK-USDT', {
  hub,
  fetch: async () => ({ time: Date.now(), sequence: '0', bids, asks }),
  source: { path: '', signed: false, limit: undefined },
  limits: { softLimitBytes: 1 << 20, snapshotDelayMs: 0, maxBufferedDeltas: 10000, replayFrames: 1000, crossCheck: false },
  observer: { resync: () => {}, latency: () => {} },
  kucoinNow: Date.now,
  now: Date.now,
  failed: () => {}
} as any)
keeper.start()
for (let c = 0; c < 20; c++) keeper.add({ bufferedAmount: 0, deliver: (m: any) => { sink += m.bytes().length }, fail: () => {} })
const frame = (seq: number): Buffer => {
  const bid = (seq & 1) === 0
  const row = [String(bid ? 1000 - (seq % 50) : 1001 + (seq % 50)), seq % 7 === 0 ? '0' : String(1 + (seq % 5)), String(seq)]
  return Buffer.from(JSON.stringify({ type: 'message', topic: '/market/level2:BK-USDT', subject: 'trade.l2update', data: { changes: { bids: bid ? [row] : [], asks: bid ? [] : [row] }, sequenceEnd: seq, sequenceStart: seq, symbol: 'BK-USDT', time: Date.now() } }))
}
const frames = Array.from({ length: N }, (_, i) => frame(i + 1))
keeper.send(frames[0]!)
await new Promise(resolve => setTimeout(resolve, 50))
if (!keeper.live) throw new Error('not live')
const t0 = process.cpuUsage()
for (let i = 1; i < N; i++) keeper.send(frames[i]!)
const d = process.cpuUsage(t0)
console.log(`keeper path: ${((d.user + d.system) / (N - 1)).toFixed(2)} µs CPU per delta (20 consumers, no sockets); seq ${keeper.sync.sequence} sink ${sink}`)
