// bench/books: S symbols × R level2 deltas/s each, C consumers each following
// B books, through the gateway (its own process, CPU 0 when pinning works).
// Two modes on the same gateway and feed, one after the other:
//   books: consumers subscribe /gateway/book:{symbol} and apply snapshot + changes;
//   raw:   consumers subscribe /market/level2:{symbol} and keep their own books
//          (sequence checks and level updates), the work every client repeats.
// Reported: gateway CPU per upstream delta, consumer time per message in its
// handler, p50/p99 latency from the upstream send to the consumer applying it,
// and gateway RSS per book. The simulator (publishing) and consumers share
// this process; a snapshot fault gives every synthetic symbol the same start.
// Then memory per book: the gateway's heap after full collections with M
// books of L levels a side held by one consumer, fresh and after each took
// enough changes to fill its replay window, against none held.
// BOOKS_ROUNDS runs the modes that many times, the order alternating, each pair read as a round.
//   BOOKS_SYMBOLS=50 BOOKS_RATE=100 BOOKS_CONSUMERS=200 BOOKS_PER_CONSUMER=5 BENCH_SECONDS=10 BOOKS_MODES=books,raw BOOKS_ROUNDS=1
//   BOOKS_MEMORY_BOOKS=50 BOOKS_MEMORY_LEVELS=500 BOOKS_MEMORY_CHANGES=1000 (0 books: no memory phase)
import WebSocket from 'ws'
import { startSimulator } from '../src/simulator/index.js'
import { sleep } from './lib/deliveries.js'
import { canPin, pinSelf, procStat, startRole, stopAll } from './lib/processes.js'

const SYMBOLS = Number(process.env.BOOKS_SYMBOLS ?? 50)
const RATE = Number(process.env.BOOKS_RATE ?? 100)
const CONSUMERS = Number(process.env.BOOKS_CONSUMERS ?? 200)
const PER_CONSUMER = Math.min(SYMBOLS, Number(process.env.BOOKS_PER_CONSUMER ?? 5))
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10) / 2
const ROUNDS = Number(process.env.BOOKS_ROUNDS ?? 1)
const TICK_MS = 10
const LEVELS = 50
const MEMORY_BOOKS = Number(process.env.BOOKS_MEMORY_BOOKS ?? 50)
const MEMORY_LEVELS = Number(process.env.BOOKS_MEMORY_LEVELS ?? 500)
// The gateway's default replay window (KGW_BOOKS_REPLAY_FRAMES): every book full.
const MEMORY_CHANGES = Number(process.env.BOOKS_MEMORY_CHANGES ?? 1000)

type Side = Map<string, string>
interface Model { sequence: number, bids: Side, asks: Side, sent: Map<number, number> }

const symbolAt = (i: number): string => `BK${i}-USDT`
const initial = (): { bids: string[][], asks: string[][] } => ({
  bids: Array.from({ length: LEVELS }, (_, i) => [String(1000 - i), '1']),
  asks: Array.from({ length: LEVELS }, (_, i) => [String(1001 + i), '1'])
})

/** One consumer's book and what it measured. */
class Consumer {
  books = new Map<string, { sequence: number, bids: Side, asks: Side }>()
  handlerMs = 0
  messages = 0
  latencies: number[] = []
  errors = 0

  constructor (private readonly models: Map<string, Model>, private readonly mode: 'books' | 'raw', private readonly measuring: () => boolean) {}

  onMessage (text: string): void {
    const started = performance.now()
    const m = JSON.parse(text) as { type: string, topic: string, subject: string, data: any }
    if (m.type !== 'message') return
    const symbol = m.topic.slice(m.topic.indexOf(':') + 1)
    let end: number | undefined
    if (this.mode === 'books') end = this.applyBook(symbol, m.subject, m.data)
    else end = this.applyRaw(symbol, m.data)
    const done = performance.now()
    if (!this.measuring()) return
    this.handlerMs += done - started
    this.messages++
    const sent = end === undefined ? undefined : this.models.get(symbol)?.sent.get(end)
    if (sent !== undefined) this.latencies.push(performance.timeOrigin + done - sent)
  }

  private applyBook (symbol: string, subject: string, data: any): number | undefined {
    if (subject === 'snapshot') {
      this.books.set(symbol, { sequence: data.sequence, bids: new Map(data.bids), asks: new Map(data.asks) })
      return undefined
    }
    if (subject !== 'changes') { this.books.delete(symbol); return undefined }
    const book = this.books.get(symbol)
    if (!book || data.sequenceStart !== book.sequence + 1) { this.errors++; return undefined }
    for (const [p, s] of data.bids) s === '0' ? book.bids.delete(p) : book.bids.set(p, s)
    for (const [p, s] of data.asks) s === '0' ? book.asks.delete(p) : book.asks.set(p, s)
    book.sequence = data.sequenceEnd
    return data.sequenceEnd
  }

  /** What a client does with the raw feed (the snapshot is the shared start, sequence 0). */
  private applyRaw (symbol: string, data: any): number | undefined {
    let book = this.books.get(symbol)
    if (!book) {
      const start = initial()
      book = { sequence: 0, bids: new Map(start.bids as Array<[string, string]>), asks: new Map(start.asks as Array<[string, string]>) }
      this.books.set(symbol, book)
    }
    if (data.sequenceEnd <= book.sequence) return undefined
    if (data.sequenceStart > book.sequence + 1) { this.errors++; return undefined }
    for (const [p, s, q] of data.changes.bids) if (Number(q) > book.sequence) s === '0' ? book.bids.delete(p) : book.bids.set(p, s)
    for (const [p, s, q] of data.changes.asks) if (Number(q) > book.sequence) s === '0' ? book.asks.delete(p) : book.asks.set(p, s)
    book.sequence = data.sequenceEnd
    return data.sequenceEnd
  }
}

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

async function bullet (url: string): Promise<string> {
  const res = await fetch(`${url}/spot/api/v1/bullet-public`, { method: 'POST' })
  const { data } = await res.json() as { data: { token: string, instanceServers: Array<{ endpoint: string }> } }
  return `${data.instanceServers[0]!.endpoint}?token=${data.token}`
}

interface ModeResult { mode: 'books' | 'raw', row: string, gatewayUs: number, consumersUs: number, p99: number }

async function runMode (mode: 'books' | 'raw', gatewayUrl: string, sim: Awaited<ReturnType<typeof startSimulator>>, gatewayPid: number): Promise<ModeResult> {
  const models = new Map<string, Model>()
  for (let i = 0; i < SYMBOLS; i++) {
    const start = initial()
    models.set(symbolAt(i), { sequence: 0, bids: new Map(start.bids as Array<[string, string]>), asks: new Map(start.asks as Array<[string, string]>), sent: new Map() })
  }
  let measuring = false
  const consumers: Consumer[] = []
  const sockets: WebSocket[] = []
  const endpoint = await bullet(gatewayUrl)
  for (let c = 0; c < CONSUMERS; c++) {
    const consumer = new Consumer(models, mode, () => measuring)
    const ws = new WebSocket(`${endpoint}&connectId=c${c}`)
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    ws.on('message', data => consumer.onMessage(data.toString()))
    for (let k = 0; k < PER_CONSUMER; k++) {
      const symbol = symbolAt((c * PER_CONSUMER + k) % SYMBOLS)
      ws.send(JSON.stringify({ id: `${c}-${k}`, type: 'subscribe', topic: mode === 'books' ? `/gateway/book:${symbol}` : `/market/level2:${symbol}`, response: true }))
    }
    consumers.push(consumer)
    sockets.push(ws)
  }
  // Publish only once every symbol is subscribed upstream: the shared snapshot (sequence 0) is then bridged.
  const wanted = Math.min(SYMBOLS, CONSUMERS * PER_CONSUMER)
  for (let waited = 0; sim.ws.subscriptions().flatMap(s => s.topics).length < wanted; waited += 50) {
    if (waited > 30_000) throw new Error('symbols never all subscribed upstream')
    await sleep(50)
  }
  let published = 0
  let debt = 0
  const timer = setInterval(() => {
    debt += RATE * TICK_MS / 1000
    const perTick = Math.floor(debt)
    debt -= perTick
    for (const [symbol, model] of models) {
      for (let n = 0; n < perTick; n++) {
        model.sequence++
        const bid = (model.sequence & 1) === 0
        const price = String(bid ? 1000 - (model.sequence % LEVELS) : 1001 + (model.sequence % LEVELS))
        const size = model.sequence % 7 === 0 ? '0' : String(1 + (model.sequence % 5))
        const row = [price, size, String(model.sequence)]
        const sent = performance.timeOrigin + performance.now()
        if (measuring) model.sent.set(model.sequence, sent)
        sim.ws.publishRaw('spot', `/market/level2:${symbol}`, JSON.stringify({
          type: 'message',
          topic: `/market/level2:${symbol}`,
          subject: 'trade.l2update',
          data: { changes: { bids: bid ? [row] : [], asks: bid ? [] : [row] }, sequenceEnd: model.sequence, sequenceStart: model.sequence, symbol, time: Math.floor(sent) }
        }))
        if (measuring) published++
      }
    }
  }, TICK_MS)
  await sleep(1000)
  const rssBefore = (await procStat(gatewayPid)).rssKb
  const before = await procStat(gatewayPid)
  measuring = true
  await sleep(SECONDS * 1000)
  measuring = false
  const after = await procStat(gatewayPid)
  clearInterval(timer)
  await sleep(500)
  for (const ws of sockets) ws.close()
  const latencies = consumers.flatMap(c => c.latencies)
  const messages = consumers.reduce((n, c) => n + c.messages, 0)
  const handlerMs = consumers.reduce((n, c) => n + c.handlerMs, 0)
  const errors = consumers.reduce((n, c) => n + c.errors, 0)
  const gatewayUs = (after.cpuTicks - before.cpuTicks) * 10_000 / Math.max(1, published)
  const consumersUs = handlerMs * 1000 / Math.max(1, published)
  const p99 = percentile(latencies, 0.99)
  const row = `| ${mode} | ${published} | ${messages} | ${gatewayUs.toFixed(1)} | ${(handlerMs * 1000 / Math.max(1, messages)).toFixed(1)} | ` +
    `${consumersUs.toFixed(1)} | ${percentile(latencies, 0.5).toFixed(1)} | ${p99.toFixed(1)} | ${rssBefore} | ${errors} |`
  return { mode, row, gatewayUs, consumersUs, p99 }
}

const median = (values: number[]): number => percentile(values, 0.5)

/**
 * Per round, the gateway's extra CPU for keeping the books (books − raw)
 * against what the raw-feed consumers spent; the median of the rounds. On a
 * shared machine one mode can meet a busier minute than the other, so rounds
 * alternate the order and are read as pairs.
 */
function verdict (results: ModeResult[]): string[] {
  const rounds: Array<{ extra: number, consumers: number }> = []
  for (let i = 0; i + 1 < results.length; i += 2) {
    const books = results.slice(i, i + 2).find(r => r.mode === 'books')
    const raw = results.slice(i, i + 2).find(r => r.mode === 'raw')
    if (books && raw) rounds.push({ extra: books.gatewayUs - raw.gatewayUs, consumers: raw.consumersUs })
  }
  if (rounds.length === 0) return []
  const list = rounds.map(r => `${r.extra.toFixed(1)} vs ${r.consumers.toFixed(1)}`).join('; ')
  const ratio = median(rounds.map(r => r.extra / r.consumers))
  return [
    '',
    `Gateway extra CPU for the books (books − raw, µs per delta) vs the raw-feed consumers' own handler time (sum, µs per delta), per round: ${list}. ` +
      `Median extra ÷ consumers: **${ratio.toFixed(2)}** (target < 1). p99 in books mode, median of rounds: ${median(results.filter(r => r.mode === 'books').map(r => r.p99)).toFixed(1)} ms.`
  ]
}

interface Memory { heapUsed: number, external: number }

/** The gateway's memory after full collections (bench/serve.ts's bench-only route). */
async function gatewayMemory (url: string): Promise<Memory> {
  const res = await fetch(`${url}/__bench/memory`)
  if (!res.ok) throw new Error(`memory: HTTP ${res.status}`)
  return await res.json() as Memory
}

/** A deep book as KuCoin's full spot snapshot gives it: decimal prices and sizes. */
const deepBook = (levels: number): { bids: string[][], asks: string[][] } => ({
  bids: Array.from({ length: levels }, (_, i) => [(60000 - i / 10).toFixed(1), (0.001 * (1 + i % 97)).toFixed(8)]),
  asks: Array.from({ length: levels }, (_, i) => [(60000.1 + i / 10).toFixed(1), (0.001 * (1 + i % 89)).toFixed(8)])
})

/**
 * One consumer holds `symbols`' books through their snapshots and `changes`
 * changes each, the gateway's memory read at both points; then it leaves.
 */
async function holdBooks (gatewayUrl: string, sim: Awaited<ReturnType<typeof startSimulator>>, book: { bids: string[][], asks: string[][] }, symbols: string[], changes: number): Promise<{ fresh: Memory, full: Memory }> {
  const ws = new WebSocket(`${await bullet(gatewayUrl)}&connectId=memory`)
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  const at = new Map<string, number>()
  ws.on('message', data => {
    const m = JSON.parse(data.toString()) as { type: string, topic: string, subject: string, data: any }
    if (m.type !== 'message') return
    const symbol = m.topic.slice(m.topic.indexOf(':') + 1)
    if (m.subject === 'snapshot') at.set(symbol, m.data.sequence)
    else if (m.subject === 'changes') at.set(symbol, m.data.sequenceEnd)
  })
  for (const symbol of symbols) ws.send(JSON.stringify({ id: symbol, type: 'subscribe', topic: `/gateway/book:${symbol}`, response: true }))
  const reached = async (sequence: number, what: string): Promise<void> => {
    for (let waited = 0; symbols.some(s => at.get(s) !== sequence); waited += 50) {
      if (waited > 60_000) throw new Error(`memory: the books never reached ${what}`)
      await sleep(50)
    }
  }
  await reached(0, 'their snapshots')
  const fresh = await gatewayMemory(gatewayUrl)
  // Size changes at existing levels, bids and asks alternately, in bursts the gateway keeps up with.
  for (let sequence = 1; sequence <= changes; sequence++) {
    const side = (sequence & 1) === 0 ? book.bids : book.asks
    const [price] = side[sequence % side.length]!
    const row = [price, (0.001 * (1 + sequence % 53)).toFixed(8), String(sequence)]
    for (const symbol of symbols) {
      sim.ws.publishRaw('spot', `/market/level2:${symbol}`, JSON.stringify({
        type: 'message',
        topic: `/market/level2:${symbol}`,
        subject: 'trade.l2update',
        data: { changes: { bids: side === book.bids ? [row] : [], asks: side === book.asks ? [row] : [] }, sequenceEnd: sequence, sequenceStart: sequence, symbol, time: Date.now() }
      }))
    }
    if (sequence % 20 === 0) await sleep(5)
  }
  await reached(changes, `sequence ${changes}`)
  const full = await gatewayMemory(gatewayUrl)
  ws.close()
  await sleep(500)
  return { fresh, full }
}

/**
 * Gateway memory per held book: MEMORY_BOOKS books of MEMORY_LEVELS levels a
 * side, fresh and after MEMORY_CHANGES changes each (a full replay window),
 * less the same with none held. A few other books come and go first, so
 * what the first book of all costs once (compiled code) is not counted.
 * `snapshot` installs the deep book as the snapshot answer.
 */
async function memoryPerBook (gatewayUrl: string, sim: Awaited<ReturnType<typeof startSimulator>>, snapshot: (book: object) => void): Promise<string[]> {
  const book = deepBook(MEMORY_LEVELS)
  snapshot(book)
  await holdBooks(gatewayUrl, sim, book, Array.from({ length: 5 }, (_, i) => `WARM${i}-USDT`), 100)
  const none = await gatewayMemory(gatewayUrl)
  const { fresh, full } = await holdBooks(gatewayUrl, sim, book, Array.from({ length: MEMORY_BOOKS }, (_, i) => `MEM${i}-USDT`), MEMORY_CHANGES)
  const released = await gatewayMemory(gatewayUrl)
  const kb = (m: Memory, key: keyof Memory): string => ((m[key] - none[key]) / 1024 / MEMORY_BOOKS).toFixed(1)
  const total = (m: Memory): string => ((m.heapUsed + m.external - none.heapUsed - none.external) / 1024 / MEMORY_BOOKS).toFixed(1)
  const row = (label: string, m: Memory): string => `| ${label} | ${kb(m, 'heapUsed')} | ${kb(m, 'external')} | **${total(m)}** |`
  return [
    `Memory per book: ${MEMORY_BOOKS} books of ${MEMORY_LEVELS} levels a side held by one consumer; the gateway's heapUsed and external (Buffers) after full collections, less the same with no book held ` +
      `(heap ${(none.heapUsed / 1024).toFixed(0)} KB, after 5 other books came and went), divided by ${MEMORY_BOOKS}. The replay window is the gateway's default (KGW_BOOKS_REPLAY_FRAMES=1000). ` +
      '(RSS is not used: after a collection the allocator keeps or returns pages as it likes.)',
    '',
    '| books held | heap KB per book | external KB per book | total KB per book |',
    '|---|---|---|---|',
    row('fresh (snapshot only)', fresh),
    row(`after ${MEMORY_CHANGES} changes each (window full)`, full),
    row('released (all unsubscribed)', released)
  ]
}

export async function booksBench (): Promise<string> {
  pinSelf(1)
  const sim = await startSimulator({ ws: { anySymbol: true, maxConnections: 100_000, maxNewConnectionsPerMinute: 1_000_000, maxTopicsPerConnection: 100_000 } })
  const start = initial()
  const snapshotFault = (book: object): () => void => sim.addFault({ market: 'spot', method: 'GET', path: '/api/v3/market/orderbook/level2', action: { kind: 'raw', status: 200, body: JSON.stringify({ code: '200000', data: { time: Date.now(), sequence: '0', ...book } }) } })
  let removeSnapshot = snapshotFault(start)
  const gateway = await startRole('gateway', [sim.spotUrl, sim.futuresUrl, 'KGW_BOOKS_MAX=100000', 'KGW_WS_MAX_TOPICS_PER_CLIENT=100000', 'KGW_UPSTREAM_WS_MAX_TOPICS=1000', 'KGW_BOOKS_LINGER_MS=0'], 0)
  const pid = gateway.child.pid!
  const idleRss = (await procStat(pid)).rssKb
  const results: ModeResult[] = []
  // BOOKS_MODES=books runs one mode (for a CPU profile of the books path alone).
  const modes = (process.env.BOOKS_MODES ?? 'books,raw').split(',').filter((m): m is 'books' | 'raw' => m === 'books' || m === 'raw')
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      process.stderr.write(`  round ${round + 1}, ${mode}: ${SYMBOLS} symbols × ${RATE} deltas/s, ${CONSUMERS} consumers × ${PER_CONSUMER} books ...\n`)
      results.push(await runMode(mode, gateway.info.url!, sim, pid))
    }
  }
  const memory = MEMORY_BOOKS > 0 ? await memoryPerBook(gateway.info.url!, sim, book => { removeSnapshot(); removeSnapshot = snapshotFault(book) }) : []
  stopAll()
  await sim.close()
  return [
    `${SYMBOLS} symbols × ${RATE} deltas/s (one level per delta, books of ${LEVELS} levels a side), ${CONSUMERS} consumers × ${PER_CONSUMER} books, ${SECONDS} s measured after 1 s warm-up; ` +
      `${canPin ? 'gateway alone on CPU 0, simulator and consumers on CPU 1' : 'no pinning'}. Gateway idle RSS ${idleRss} KB; the RSS column is with that mode's books held. ` +
      'Consumer µs: time inside the consumers\' message handlers (parse + apply), per message and summed per upstream delta — the book work every raw-feed client repeats. Latency: upstream send → consumer applied.',
    '',
    '| mode | upstream deltas | consumer messages | gateway CPU µs per delta | consumer µs per message | consumers µs per delta (sum) | p50 ms | p99 ms | gateway RSS KB | consumer errors |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(r => r.row),
    ...verdict(results),
    ...(memory.length > 0 ? ['', ...memory] : [])
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await booksBench())
  process.exit(0)
}
