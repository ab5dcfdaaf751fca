// ccxt's WebSocket layer (ccxt.pro kucoin and kucoinfutures, unchanged)
// through the gateway: ccxt asks the gateway's bullet for a WebSocket
// endpoint, gets ws://<gateway>/spot/ws (or /futures/ws) and speaks KuCoin's
// Classic protocol to it. ccxt refuses plain ws:// URLs unless the caller
// first runs `await exchange.loadHttpProxyAgent()`: that one line is the only
// change from talking to KuCoin. Every wait is bounded and event-driven.
import t from 'tap'
import type { Test } from 'tap'
import type { Exchange, Order } from 'ccxt'
import { startGateway } from '../helper.js'
import type { Gateway } from '../helper.js'
import { until } from '../ws/ws-client.js'
import { ccxtClient } from './ccxt.js'
import type { Flavour } from './ccxt.js'

const WAIT_MS = 15_000

interface Case { flavour: Flavour, market: 'spot' | 'futures', symbol: string, amount: number, ordersTopic: string }

const CASES: Case[] = [
  { flavour: 'kucoin', market: 'spot', symbol: 'BTC/USDT', amount: 0.001, ordersTopic: '/spotMarket/tradeOrders' },
  { flavour: 'kucoinfutures', market: 'futures', symbol: 'BTC/USDT:USDT', amount: 1, ordersTopic: '/contractMarket/tradeOrders' }
]

/** `promise`, or a rejection naming `what` after WAIT_MS: a hang becomes a failure, not a stuck file. */
async function within<T> (promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS) })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function proClient (t: Test, gw: Gateway, flavour: Flavour): Promise<Exchange> {
  const exchange = ccxtClient(flavour, gw.url, true)
  await exchange.loadHttpProxyAgent()
  t.teardown(() => exchange.close())
  return exchange
}

for (const c of CASES) {
  t.test(`ccxt.pro ${c.flavour}: watchTicker, watchOrderBook, watchTrades`, async t => {
    const gw = await startGateway(t)
    const exchange = await proClient(t, gw, c.flavour)
    const ticker = await within(exchange.watchTicker(c.symbol), 'ticker')
    t.ok(ticker.symbol === c.symbol && ticker.bid! > 0 && ticker.ask! > ticker.bid!, `watchTicker: bid ${ticker.bid} < ask ${ticker.ask}`)
    const book = await within(exchange.watchOrderBook(c.symbol), 'order book')
    t.ok(book.bids.length > 0 && book.asks.length > 0 && book.bids[0]![0]! < book.asks[0]![0]!, 'watchOrderBook: both sides, not crossed')
    const trades = await within(exchange.watchTrades(c.symbol), 'trades')
    t.ok(trades.length > 0 && trades.every(x => x.symbol === c.symbol && (x.price ?? 0) > 0), `watchTrades: ${trades.length} trades`)
    const upstream = gw.sim.ws.subscriptions().filter(s => s.market === c.market).flatMap(s => s.topics)
    t.ok(upstream.length >= 3, `the gateway subscribed upstream: ${upstream.join(' ')}`)
  })
}

async function watchOrders (t: Test, c: Case): Promise<void> {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const exchange = await proClient(t, gw, c.flavour)
  const rest = ccxtClient(c.flavour, gw.url)
  await rest.loadMarkets()
  const first = within(exchange.watchOrders(c.symbol), 'order update')
  first.catch(() => {})
  // The order must be placed after the private subscription reaches KuCoin, or its events are not for us.
  await until(() => gw.sim.ws.subscriptions().some(s => s.private && s.topics.some(topic => topic.startsWith(c.ordersTopic))), WAIT_MS, 'the private upstream subscription')
  const placed = await rest.createOrder(c.symbol, 'limit', 'buy', c.amount, 1000) as Order & { id: string }
  const updates = await first
  t.ok(updates.some(o => o.id === placed.id), `watchOrders: the order placed over REST (${placed.id})`)
  t.match(updates.find(o => o.id === placed.id), { symbol: c.symbol, side: 'buy', price: 1000, amount: c.amount, status: 'open' })
  const next = within(exchange.watchOrders(c.symbol), 'cancel update')
  await rest.cancelOrder(placed.id, c.symbol)
  const after = await next
  t.match(after.find(o => o.id === placed.id), { status: 'canceled' }, 'watchOrders: its cancellation')
}

t.test('ccxt.pro kucoin: watchOrders sees an order placed over REST, then its cancellation', async t => watchOrders(t, CASES[0]!))

// KuCoin pushes orders of a bare /contractMarket/tradeOrders subscription under the per-symbol
// topic (/contractMarket/tradeOrders:XBTUSDTM); the gateway's push aliases (src/kucoin/ws-topics.ts)
// deliver them to the bare topic's subscribers, which is what ccxt subscribes to.
t.test('ccxt.pro kucoinfutures: watchOrders sees an order placed over REST, then its cancellation',
  async t => watchOrders(t, CASES[1]!))
