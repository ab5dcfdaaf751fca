import t from 'tap'
import { WS_EXAMPLES } from './fixtures/ws-examples.js'
import { call, signed, simulator } from './fixtures/sim-client.js'
import { open, sameShape, sleep } from './fixtures/ws-client.js'
import type { Frame, WsClient } from './fixtures/ws-client.js'

const FAST = { ws: { snapshotIntervalMs: 200, instrumentIntervalMs: 200, fundingIntervalMs: 200 } }

/** Subscribes and returns the first push of `topic` (the pushed, single-symbol topic) with `subject`. */
async function first (c: WsClient, subscribe: string, topic: string, subject?: string): Promise<Frame> {
  if (!c.frames.some(f => f.id === `sub-${subscribe}`)) t.equal((await c.subscribe(subscribe)).type, 'ack')
  return await c.next(f => f.type === 'message' && f.topic === topic && (subject === undefined || f.subject === subject))
}

t.test('spot public topics have the spec shapes', async t => {
  const sim = await simulator(t, FAST)
  const c = await open(t, sim)
  // The spec example spells the ticker's time `Time`; KuCoin sends `time` (PROTOCOL §6.1).
  const { Time, ...tickerData } = WS_EXAMPLES['/market/ticker'].data
  const ticker = await first(c, '/market/ticker:BTC-USDT,ETH-USDT', '/market/ticker:ETH-USDT')
  sameShape(t, ticker, { ...WS_EXAMPLES['/market/ticker'], data: { ...tickerData, time: Time } })
  t.equal(ticker.subject, 'trade.ticker')
  t.ok(Number(ticker.data.bestBid) < Number(ticker.data.bestAsk))
  await first(c, '/market/ticker:BTC-USDT,ETH-USDT', '/market/ticker:BTC-USDT')

  const all = await first(c, '/market/ticker:all', '/market/ticker:all', 'SOL-USDT')
  sameShape(t, all, WS_EXAMPLES['/market/ticker:all'])

  for (const prefix of ['/spotMarket/level1', '/spotMarket/level2Depth5', '/spotMarket/level2Depth50', '/market/match']) {
    const frame = await first(c, `${prefix}:KCS-USDT`, `${prefix}:KCS-USDT`)
    sameShape(t, frame, WS_EXAMPLES[prefix])
    t.equal(frame.subject, WS_EXAMPLES[prefix].subject, prefix)
  }
  const depth = await first(c, '/spotMarket/level2Depth50:KCS-USDT', '/spotMarket/level2Depth50:KCS-USDT')
  t.same([depth.data.asks.length, depth.data.bids.length], [50, 50])

  const candle = await first(c, '/market/candles:BTC-USDT_1hour', '/market/candles:BTC-USDT_1hour')
  sameShape(t, candle, WS_EXAMPLES['/market/candles'])
  t.equal(Number(candle.data.candles[0]) % 3600, 0, 'bucket start in seconds')

  const snapshot = await first(c, '/market/snapshot:BTC-USDT', '/market/snapshot:BTC-USDT')
  sameShape(t, snapshot, WS_EXAMPLES['/market/snapshot'])
  const byMarket = await first(c, '/market/snapshot:BTC', '/market/snapshot:BTC')
  t.equal(byMarket.data.data.symbol, 'ETH-BTC', 'a market tag pushes its symbols under the tag topic')

  const l2 = await first(c, '/market/level2:BTC-USDT', '/market/level2:BTC-USDT')
  sameShape(t, l2, WS_EXAMPLES['/market/level2'])
})

t.test('futures public topics have the spec shapes', async t => {
  const sim = await simulator(t, FAST)
  const c = await open(t, sim, { market: 'futures' })
  for (const prefix of ['/contractMarket/tickerV2', '/contractMarket/ticker', '/contractMarket/level2Depth5', '/contractMarket/level2Depth50', '/contractMarket/execution', '/contractMarket/level2', '/contractMarket/snapshot']) {
    const frame = await first(c, `${prefix}:XBTUSDTM`, `${prefix}:XBTUSDTM`)
    sameShape(t, frame, WS_EXAMPLES[prefix])
    t.equal(frame.subject, WS_EXAMPLES[prefix].subject, prefix)
  }
  const candle = await first(c, '/contractMarket/limitCandle:ETHUSDTM_1min', '/contractMarket/limitCandle:ETHUSDTM_1min')
  sameShape(t, candle, WS_EXAMPLES['/contractMarket/limitCandle'])
  const mark = await first(c, '/contract/instrument:XBTUSDTM', '/contract/instrument:XBTUSDTM', 'mark.index.price')
  sameShape(t, mark, WS_EXAMPLES['/contract/instrument'])
  const funding = await first(c, '/contract/instrument:XBTUSDTM', '/contract/instrument:XBTUSDTM', 'funding.rate')
  t.same(Object.keys(funding.data).sort(), ['fundingRate', 'granularity', 'timestamp'])
  t.equal((await c.subscribe('/contract/announcement')).type, 'ack', 'known topics without pushes can be subscribed')
})

interface Book { bids: Map<string, string>, asks: Map<string, string> }

function bookOf (bids: Array<[unknown, unknown]>, asks: Array<[unknown, unknown]>): Book {
  return { bids: new Map(bids.map(([p, s]) => [String(p), String(s)])), asks: new Map(asks.map(([p, s]) => [String(p), String(s)])) }
}

function setLevel (side: Map<string, string>, price: string, size: string): void {
  if (Number(size) === 0) side.delete(price)
  else side.set(price, size)
}

function top (side: Map<string, string>, descending: boolean, n = 10): string[][] {
  return [...side.entries()].sort((a, b) => descending ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])).slice(0, n)
}

async function waitForSequence (c: WsClient, topic: string, sequence: (f: Frame) => number, target: number): Promise<void> {
  await c.next(f => f.topic === topic && sequence(f) >= target, 8000)
}

t.test('spot level2 deltas continue the REST snapshot without a gap', async t => {
  const sim = await simulator(t)
  const c = await open(t, sim)
  const topic = '/market/level2:BTC-USDT'
  await c.subscribe(topic)
  const snap = (await call(`${sim.spotUrl}/api/v1/market/orderbook/level2_100?symbol=BTC-USDT`)).body.data
  await sleep(400)
  const later = (await signed(sim.spotUrl, 'GET', '/api/v3/market/orderbook/level2?symbol=BTC-USDT')).body.data
  const [from, to] = [Number(snap.sequence), Number(later.sequence)]
  t.ok(to > from, 'the book moved')
  await waitForSequence(c, topic, f => f.data.sequenceEnd, to)

  const book = bookOf(snap.bids, snap.asks)
  let end = from
  for (const f of c.frames.filter(f => f.topic === topic && f.data.sequenceEnd > from)) {
    const { sequenceStart, sequenceEnd, changes } = f.data
    if (end === from) t.ok(sequenceStart <= from + 1, 'the first delta reaches back to the snapshot')
    else if (sequenceStart !== end + 1) t.fail(`gap: ${end} → ${sequenceStart as number}`)
    end = sequenceEnd
    const rows = [...changes.bids.map((r: string[]) => ['bids', ...r]), ...changes.asks.map((r: string[]) => ['asks', ...r])]
      .sort((a, b) => Number(a[3]) - Number(b[3]))
    for (const [side, price, size, seq] of rows) {
      if (Number(seq) > from && Number(seq) <= to) setLevel(book[side as 'bids' | 'asks'], price, size)
    }
  }
  t.ok(end >= to)
  t.same(top(book.bids, true), later.bids.slice(0, 10), 'snapshot + deltas = later snapshot (bids)')
  t.same(top(book.asks, false), later.asks.slice(0, 10), 'snapshot + deltas = later snapshot (asks)')
})

t.test('futures level2 changes continue /api/v1/level2/snapshot one by one', async t => {
  const sim = await simulator(t)
  const c = await open(t, sim, { market: 'futures' })
  const topic = '/contractMarket/level2:ETHUSDTM'
  await c.subscribe(topic)
  const get = async (): Promise<any> => (await call(`${sim.futuresUrl}/api/v1/level2/snapshot?symbol=ETHUSDTM`)).body.data
  const snap = await get()
  await sleep(400)
  const later = await get()
  await waitForSequence(c, topic, f => f.data.sequence, later.sequence)
  const frames = c.frames.filter(f => f.topic === topic && f.data.sequence > snap.sequence && f.data.sequence <= later.sequence)
  t.same(frames.map(f => f.data.sequence), Array.from({ length: later.sequence - snap.sequence }, (_, i) => snap.sequence + 1 + i), 'strictly consecutive')
  t.ok(frames.every(f => f.sn === f.data.sequence))
  const book = bookOf(snap.bids, snap.asks)
  for (const f of frames) {
    const [price, side, size] = f.data.change.split(',')
    setLevel(side === 'buy' ? book.bids : book.asks, String(Number(price)), size)
  }
  const numeric = (rows: string[][]): number[][] => rows.map(([p, s]) => [Number(p), Number(s)])
  t.same(numeric(top(book.bids, true)), later.bids.slice(0, 10))
  t.same(numeric(top(book.asks, false)), later.asks.slice(0, 10))
})

t.test('pushes stop when nothing is subscribed', async t => {
  const sim = await simulator(t)
  const c = await open(t, sim)
  await first(c, '/market/ticker:BTC-USDT', '/market/ticker:BTC-USDT')
  // Pushes sent before the ack arrive before it; after it, none may follow.
  t.equal((await c.request({ id: 'u', type: 'unsubscribe', topic: '/market/ticker:BTC-USDT', response: true })).type, 'ack')
  const mark = c.frames.length
  await sleep(300)
  t.equal((await c.request({ id: 'p', type: 'ping' })).type, 'pong')
  t.same(c.frames.slice(mark).map(f => f.type), ['pong'], 'nothing pushed after unsubscribing')
  t.same(sim.ws.subscriptions()[0]?.topics, [])
})
