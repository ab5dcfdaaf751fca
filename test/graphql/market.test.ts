// Every market-data query family against the simulator, checked against
// what KuCoin's REST answers through the proxy where the data is stable.
import t from 'tap'
import { startGateway } from '../helper.js'
import { errorAt, gql } from './gql.js'

const DECIMAL = /^-?\d+(\.\d+)?$/

t.test('spot market data', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const reply = await gql(gw, `{ spot {
    serverTime
    status { status message }
    symbols(market: "USDS") { symbol baseCurrency quoteCurrency priceIncrement baseMinSize enableTrading }
    symbol(symbol: "ETH-BTC") { symbol market }
    ticker(symbol: "BTC-USDT") { symbol sequence price size bestBid bestBidSize bestAsk bestAskSize time }
    tickers(symbols: ["BTC-USDT", "SOL-USDT", "NOPE-USDT"]) { symbol last high low volume volumeValue changeRate time }
    stats(symbol: "ETH-USDT") { symbol last high low time }
    top20: orderBook(symbol: "BTC-USDT") { symbol sequence time bids { price size } asks { price size } }
    top100: orderBook(symbol: "BTC-USDT", depth: TOP_100) { bids { price } }
    trades(symbol: "BTC-USDT") { sequence price size side time }
    currencies { code precision chains { chainId } }
    currency(code: "BTC") { code fullName precision }
  } }`)
  t.equal(reply.status, 200)
  t.notOk(reply.errors, 'no errors')
  const spot = reply.data.spot
  t.ok(Math.abs(spot.serverTime - gw.sim.now()) < 60_000, 'server time is the simulator clock, in ms')
  t.same(spot.status, { status: 'open', message: '' })
  const rest = (await gw.get('/spot/api/v2/symbols?market=USDS')).json().data as Array<Record<string, string>>
  t.same(spot.symbols.map((s: any) => s.symbol), rest.map(s => s.symbol), 'the same symbols as KuCoin lists')
  t.same(spot.symbols[0], { symbol: rest[0]!.symbol, baseCurrency: rest[0]!.baseCurrency, quoteCurrency: rest[0]!.quoteCurrency, priceIncrement: rest[0]!.priceIncrement, baseMinSize: rest[0]!.baseMinSize, enableTrading: true })
  t.same(spot.symbol, { symbol: 'ETH-BTC', market: 'BTC' })
  const ticker = spot.ticker
  t.equal(ticker.symbol, 'BTC-USDT')
  for (const field of ['price', 'size', 'bestBid', 'bestBidSize', 'bestAsk', 'bestAskSize']) t.match(ticker[field], DECIMAL, `${field} is a decimal string`)
  t.ok(Number(ticker.bestBid) < Number(ticker.bestAsk), 'bid below ask')
  t.same(spot.tickers.map((s: any) => s.symbol), ['BTC-USDT', 'SOL-USDT'], 'unknown symbols left out')
  t.match(spot.tickers[0], { last: DECIMAL, high: DECIMAL, volume: DECIMAL, changeRate: DECIMAL, time: Number })
  t.equal(spot.stats.symbol, 'ETH-USDT')
  t.ok(Number(spot.stats.low) <= Number(spot.stats.last) && Number(spot.stats.last) <= Number(spot.stats.high))
  t.equal(spot.top20.bids.length, 20)
  t.equal(spot.top20.asks.length, 20)
  t.ok(Number(spot.top20.bids[0].price) > Number(spot.top20.bids[1].price), 'bids best first')
  t.ok(Number(spot.top20.asks[0].price) < Number(spot.top20.asks[1].price), 'asks best first')
  t.equal(spot.top100.bids.length, 100)
  t.ok(spot.trades.length > 0)
  t.ok(spot.trades.every((tr: any, i: number) => i === 0 || tr.time <= spot.trades[i - 1].time), 'trades newest first')
  t.match(spot.trades[0], { side: /^(BUY|SELL)$/, price: DECIMAL })
  t.ok(spot.currencies.some((c: any) => c.code === 'USDT'))
  t.same(spot.currency, { code: 'BTC', fullName: 'Bitcoin', precision: 8 })
})

t.test('spot candles: the KuCoin range, oldest first, times in ms', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const endAt = Math.floor(gw.sim.now() / 3_600_000) * 3_600_000 - 3_600_000
  const startAt = endAt - 10 * 3_600_000
  const reply = await gql(gw, 'query ($s: Timestamp, $e: Timestamp) { spot { candles(symbol: "BTC-USDT", interval: HOUR_1, startAt: $s, endAt: $e) { time open close high low volume turnover } } }', { s: startAt, e: endAt })
  t.notOk(reply.errors)
  const rest = (await gw.get(`/spot/api/v1/market/candles?symbol=BTC-USDT&type=1hour&startAt=${startAt / 1000}&endAt=${endAt / 1000}`)).json().data as string[][]
  t.ok(rest.length > 0)
  t.same(reply.data.spot.candles, rest.map(([time, open, close, high, low, volume, turnover]) =>
    ({ time: Number(time) * 1000, open, close, high, low, volume, turnover })).reverse())
})

t.test('futures market data, mark price and funding', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const reply = await gql(gw, `{ futures {
    serverTime
    status { status }
    contracts { symbol settleCurrency multiplier isInverse }
    contract(symbol: "XBTUSDTM") { symbol baseCurrency multiplier tickSize maxLeverage markPrice indexPrice fundingFeeRate volume24h high24h low24h priceChangeRate24h nextFundingInMs }
    ticker(symbol: "XBTUSDTM") { symbol sequence price size side bestBid bestBidSize bestAsk bestAskSize time }
    tickers(symbols: ["ETHUSDTM"]) { symbol price }
    orderBook(symbol: "XBTUSDTM", depth: TOP_100) { symbol time bids { price size } asks { price size } }
    full: orderBook(symbol: "XBTUSDTM", depth: FULL) { bids { price } }
    candles(symbol: "XBTUSDTM", interval: MIN_15) { time open high low close volume }
    trades(symbol: "XBTUSDTM") { sequence tradeId price size side time }
    markPrice(symbol: "XBTUSDTM") { symbol markPrice indexPrice time }
    fundingRate(symbol: "XBTUSDTM") { symbol rateSymbol rate predictedRate cap floor time nextFundingTime }
  } }`)
  t.notOk(reply.errors, 'no errors')
  const f = reply.data.futures
  t.ok(Math.abs(f.serverTime - gw.sim.now()) < 60_000)
  t.equal(f.status.status, 'open')
  t.same(f.contracts.map((c: any) => c.symbol).sort(), ['ETHUSDTM', 'SOLUSDTM', 'XBTUSDM', 'XBTUSDTM'])
  t.match(f.contract, { symbol: 'XBTUSDTM', baseCurrency: 'XBT', multiplier: '0.001', maxLeverage: Number, markPrice: DECIMAL, volume24h: DECIMAL })
  t.match(f.ticker, { symbol: 'XBTUSDTM', sequence: /^\d+$/, price: DECIMAL, size: /^\d+$/, bestBid: DECIMAL })
  t.ok(Math.abs(f.ticker.time - gw.sim.now()) < 60_000, 'nanoseconds became milliseconds')
  t.same(f.tickers.map((x: any) => x.symbol), ['ETHUSDTM'])
  t.equal(f.orderBook.bids.length, 100)
  t.ok(f.full.bids.length > 100, 'the full book is deeper')
  t.ok(f.candles.length > 1 && f.candles[0].time < f.candles[1].time, 'candles oldest first')
  t.ok(f.trades.length > 0 && f.trades.every((tr: any, i: number) => i === 0 || tr.time <= f.trades[i - 1].time), 'trades newest first')
  t.match(f.markPrice, { symbol: 'XBTUSDTM', markPrice: DECIMAL, indexPrice: DECIMAL, time: Number })
  t.match(f.fundingRate, { symbol: 'XBTUSDTM', rateSymbol: '.XBTUSDTMFPI8H', rate: DECIMAL, cap: '0.003', floor: '-0.003' })
  t.ok(f.fundingRate.nextFundingTime > f.fundingRate.time)
})

t.test('a futures interval KuCoin does not offer is a bad request for that field only', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const reply = await gql(gw, '{ futures { candles(symbol: "XBTUSDTM", interval: MIN_3) { time } ticker(symbol: "XBTUSDTM") { symbol } } }')
  t.equal(reply.data.futures.candles, null)
  t.equal(reply.data.futures.ticker.symbol, 'XBTUSDTM')
  t.match(errorAt(reply, 'futures.candles')?.extensions, { type: 'urn:kgw:bad-request', status: 400, market: 'futures' })
})

t.test('the full spot book is private on KuCoin: without credentials it is a typed error', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const reply = await gql(gw, '{ spot { orderBook(symbol: "BTC-USDT", depth: FULL) { bids { price } } } }')
  t.equal(reply.data.spot.orderBook, null)
  t.match(errorAt(reply, 'spot.orderBook')?.extensions, { type: 'urn:kgw:credentials-missing', status: 401 })
  const signed = await startGateway(t)
  const full = await gql(signed, '{ spot { orderBook(symbol: "BTC-USDT", depth: FULL) { bids { price } } } }')
  t.notOk(full.errors)
  t.ok(full.data.spot.orderBook.bids.length > 100)
})
