// ccxt's REST layer (kucoin and kucoinfutures, unchanged, default options,
// dummy keys) through the gateway against the simulator, over real sockets.
// The simulator answers chunked, as KuCoin's CDN does. Witnesses are the
// simulator's own state and request log, never the gateway's view.
import t from 'tap'
import type { Test } from 'tap'
import type { Exchange, Order } from 'ccxt'
import { seen, startGateway } from '../helper.js'
import type { Gateway } from '../helper.js'
import { ccxtClient } from './ccxt.js'
import type { Flavour } from './ccxt.js'

interface Case {
  flavour: Flavour
  symbol: string
  id: string
  amount: number
  usdt: number
  /** Where orders go: KuCoin's spec example says the account is not HF, so ccxt uses the Classic paths unless told. */
  orders: string
  hf?: boolean
}

const CASES: Case[] = [
  { flavour: 'kucoin', symbol: 'BTC/USDT', id: 'BTC-USDT', amount: 0.001, usdt: 10_000, orders: '/api/v1/orders' },
  { flavour: 'kucoinfutures', symbol: 'BTC/USDT:USDT', id: 'XBTUSDTM', amount: 1, usdt: 10_000, orders: '/api/v1/orders' }
]

async function simJson (url: string): Promise<any> {
  return await (await fetch(url)).json()
}

async function marketData (t: Test, gw: Gateway, exchange: Exchange, c: Case): Promise<void> {
  const before = gw.sim.now()
  const time = await exchange.fetchTime()
  t.ok(time !== undefined && time >= before - 1000 && time <= gw.sim.now() + 1000, 'fetchTime: the simulator\'s clock')

  const markets = await exchange.loadMarkets()
  const listed = c.flavour === 'kucoin'
    ? (await simJson(`${gw.sim.spotUrl}/api/v2/symbols`)).data.map((s: { symbol: string }) => s.symbol)
    : (await simJson(`${gw.sim.futuresUrl}/api/v1/contracts/active`)).data.map((s: { symbol: string }) => s.symbol)
  const ids = Object.values(markets).filter(m => m?.type === (c.flavour === 'kucoin' ? 'spot' : 'swap')).map(m => m!.id)
  t.ok(listed.length > 0 && listed.every((id: string) => ids.includes(id)), `loadMarkets: all ${listed.length} listed instruments`)
  t.equal(markets[c.symbol]?.id, c.id)

  const ticker = await exchange.fetchTicker(c.symbol)
  t.ok(ticker.bid! > 0 && ticker.ask! > ticker.bid!, `fetchTicker: bid ${ticker.bid} < ask ${ticker.ask}`)
  const book = await exchange.fetchOrderBook(c.symbol)
  t.ok(book.bids.length > 0 && book.asks.length > 0, 'fetchOrderBook: both sides')
  t.ok(book.bids[0]![0]! < book.asks[0]![0]!, 'fetchOrderBook: not crossed')
  t.ok(book.bids.every((b, i) => i === 0 || b[0]! < book.bids[i - 1]![0]!), 'fetchOrderBook: bids descending')
  const trades = await exchange.fetchTrades(c.symbol)
  t.ok(trades.length > 0 && trades.every(x => (x.price ?? 0) > 0 && (x.side === 'buy' || x.side === 'sell')), `fetchTrades: ${trades.length} trades`)
  const candles = await exchange.fetchOHLCV(c.symbol, '1m')
  t.ok(candles.length > 0 && candles.every(([, o, h, l, cl]) => h! >= Math.max(o!, cl!) && l! <= Math.min(o!, cl!)), `fetchOHLCV: ${candles.length} candles`)
}

async function balance (t: Test, exchange: Exchange, c: Case): Promise<void> {
  const balance = await exchange.fetchBalance()
  t.equal((balance.total as unknown as Record<string, number>).USDT, c.usdt, 'fetchBalance: the demo account\'s USDT')
}

async function trading (t: Test, gw: Gateway, exchange: Exchange, c: Case): Promise<void> {
  t.same(await exchange.fetchOpenOrders(c.symbol), [], 'fetchOpenOrders: none yet')

  const placed: Array<Order & { id: string }> = []
  for (const price of [1000, 1001]) placed.push(await exchange.createOrder(c.symbol, 'limit', 'buy', c.amount, price) as Order & { id: string })
  t.ok(placed.every(o => typeof o.id === 'string' && o.id.length > 0), 'createOrder: ids')
  t.not(placed[0]!.id, placed[1]!.id, 'createOrder: every order has its own id')
  const posts = gw.sim.requests.filter(r => r.method === 'POST' && r.url === c.orders)
  t.equal(posts.length, 2, 'the simulator received both orders')
  t.match(JSON.parse(posts[0]!.body), { symbol: c.id, side: 'buy', type: 'limit' })

  const open = await exchange.fetchOpenOrders(c.symbol)
  t.same(open.map(o => o.id).sort(), placed.map(o => o.id).sort(), 'fetchOpenOrders: both')
  t.match(open.find(o => o.id === placed[0]!.id), { symbol: c.symbol, side: 'buy', price: 1000, amount: c.amount, status: 'open' })

  await exchange.cancelOrder(placed[0]!.id, c.symbol)
  t.same((await exchange.fetchOpenOrders(c.symbol)).map(o => o.id), [placed[1]!.id], 'cancelOrder: one left open')
  await exchange.cancelOrder(placed[1]!.id, c.symbol)
  t.same(await exchange.fetchOpenOrders(c.symbol), [], 'cancelOrder: none left')
  t.equal(seen(gw.sim, `${c.orders}/`).filter(r => r.method === 'DELETE').length, 2, 'the simulator received both cancels')
}

for (const c of CASES) {
  t.test(`ccxt ${c.flavour}: market data, balance, orders`, async t => {
    const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
    const exchange = ccxtClient(c.flavour, gw.url)
    await marketData(t, gw, exchange, c)
    await balance(t, exchange, c)
    await trading(t, gw, exchange, c)
    t.notOk(gw.sim.requests.some(r => typeof r.headers['kc-api-key'] === 'string' && r.headers['kc-api-key'].startsWith('dummy')), 'ccxt\'s dummy key never reached KuCoin')
  })
}

t.test('ccxt kucoin on an HF account: orders go to /api/v1/hf/orders', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const exchange = ccxtClient('kucoin', gw.url)
  // ccxt's own switch, otherwise set from GET /api/v1/hf/accounts/opened (the spec's example says false).
  // Its HF fetchBalance asks for account type trade_hf, which the spec does not list (main, trade, option).
  exchange.options.hf = true
  await exchange.loadMarkets()
  await trading(t, gw, exchange, { ...CASES[0]!, orders: '/api/v1/hf/orders' })
})

t.test('ccxt with trading disabled: a clear refusal, nothing reaches KuCoin', async t => {
  const gw = await startGateway(t)
  const exchange = ccxtClient('kucoin', gw.url)
  await exchange.loadMarkets()
  const error = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 1000).then(() => undefined, (e: Error) => e)
  t.ok(error, `refused: ${String(error).slice(0, 160)}`)
  t.equal(gw.sim.requests.filter(r => r.method === 'POST' && r.url.startsWith('/api/v1/orders')).length, 0)
})
