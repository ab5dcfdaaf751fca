import t from 'tap'
import { SPEC_EXAMPLES } from '../../src/simulator/rest/examples.generated.js'
import { call, signed, simulator } from './fixtures/sim-client.js'

t.test('spot market data', async t => {
  const sim = await simulator(t)
  const get = async (path: string): Promise<any> => (await call(sim.spotUrl + path)).body

  t.test('a non-core GET endpoint answers with its spec example', async t => {
    const res = await fetch(`${sim.spotUrl}/api/v3/mark-price/all-symbols`)
    t.equal(res.headers.get('content-type'), 'application/json')
    t.equal(await res.text(), SPEC_EXAMPLES['spot GET /api/v3/mark-price/all-symbols'])
  })

  t.test('level1, level2, allTickers and stats agree at one moment', async t => {
    let checked = false
    for (let attempt = 0; attempt < 20 && !checked; attempt++) {
      const [level1, level2, tickers, full] = await Promise.all([
        get('/api/v1/market/orderbook/level1?symbol=BTC-USDT'),
        get('/api/v1/market/orderbook/level2_20?symbol=BTC-USDT'),
        get('/api/v1/market/allTickers'),
        signed(sim.spotUrl, 'GET', '/api/v3/market/orderbook/level2?symbol=BTC-USDT')
      ])
      if (level1.data.time !== tickers.data.time || level1.data.sequence !== level2.data.sequence || level2.data.sequence !== full.body.data.sequence) continue
      checked = true
      const ticker = tickers.data.ticker.find((x: any) => x.symbol === 'BTC-USDT')
      t.same(level2.data.bids[0], [level1.data.bestBid, level1.data.bestBidSize])
      t.same(level2.data.asks[0], [level1.data.bestAsk, level1.data.bestAskSize])
      t.same(full.body.data.bids[0], level2.data.bids[0], 'full book top equals level2_20 top')
      t.equal(ticker.buy, level1.data.bestBid)
      t.equal(ticker.sell, level1.data.bestAsk)
      t.equal(ticker.last, level1.data.price)
      t.ok(Number(level1.data.bestBid) < Number(level1.data.bestAsk), 'book is not crossed')
      t.equal(level2.data.bids.length, 20)
      t.ok(full.body.data.bids.length > 100, 'the private book is deeper')
    }
    t.ok(checked, 'found a consistent snapshot')
  })

  t.test('the book moves and its sequence increases', async t => {
    const before = (await get('/api/v1/market/orderbook/level1?symbol=ETH-USDT')).data
    await new Promise(resolve => setTimeout(resolve, 350))
    const after = (await get('/api/v1/market/orderbook/level1?symbol=ETH-USDT')).data
    t.ok(BigInt(after.sequence) > BigInt(before.sequence))
    t.ok(after.time > before.time)
    t.type(after.bestBid, 'string')
  })

  t.test('candles: rows newest first, seconds, strings', async t => {
    const end = Math.floor(Date.now() / 1000)
    const rows = (await get(`/api/v1/market/candles?symbol=BTC-USDT&type=1min&startAt=${end - 600}&endAt=${end}`)).data as string[][]
    t.ok(rows.length >= 10 && rows.length <= 11)
    t.ok(Number(rows[0]![0]) > Number(rows[1]![0]), 'newest first')
    t.equal(rows[0]!.length, 7)
    t.ok(rows.every(row => row.every(cell => typeof cell === 'string')))
    const again = (await get(`/api/v1/market/candles?symbol=BTC-USDT&type=1min&startAt=${end - 600}&endAt=${end}`)).data as string[][]
    t.same(again.slice(2), rows.slice(2), 'closed candles are stable')
    t.equal((await get('/api/v1/market/candles?symbol=BTC-USDT&type=7min')).code, '400100')
  })

  t.test('reference data and small endpoints', async t => {
    const symbols = (await get('/api/v2/symbols')).data as any[]
    t.same(symbols.map(s => s.symbol), ['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'KCS-USDT', 'ETH-BTC'])
    t.equal((await get('/api/v2/symbols?market=BTC')).data.length, 1)
    t.equal((await get('/api/v2/symbols/ETH-USDT')).data.priceIncrement, '0.01')
    t.equal((await get('/api/v3/currencies/USDT')).data.currency, 'USDT')
    t.equal((await get('/api/v3/currencies')).data.length, 5)
    t.type((await get('/api/v1/timestamp')).data, 'number')
    t.same((await get('/api/v1/status')).data, { status: 'open', msg: '' })
    const trades = (await get('/api/v1/market/histories?symbol=SOL-USDT')).data as any[]
    t.ok(trades.length > 0)
    t.ok(trades[0].time > 1e18, 'trade times are nanoseconds')
    const stats = (await get('/api/v1/market/stats?symbol=KCS-USDT')).data
    t.ok(Number(stats.high) >= Number(stats.low))
  })

  t.test('unknown symbol, unknown path', async t => {
    t.same(await get('/api/v1/market/orderbook/level1?symbol=NOPE-USDT'), { code: '400100', msg: 'Unsupported trading pair.' })
    t.equal((await get('/api/v1/market/orderbook/level1')).code, '400100')
    const missing = await call(`${sim.spotUrl}/api/v1/no-such-thing`)
    t.equal(missing.status, 404)
    t.equal(missing.body.code, '404000')
  })

  t.test('bullet tokens point at this host', async t => {
    const pub = await call(`${sim.spotUrl}/api/v1/bullet-public`, { method: 'POST' })
    const server = pub.body.data.instanceServers[0]
    t.equal(server.endpoint, `${sim.spotUrl.replace('http', 'ws')}/`)
    t.equal(server.pingInterval, 18000)
    t.equal(server.pingTimeout, 10000)
    t.type(pub.body.data.token, 'string')
    const priv = await signed(sim.futuresUrl, 'POST', '/api/v1/bullet-private')
    t.equal(priv.body.data.instanceServers[0].endpoint, `${sim.futuresUrl.replace('http', 'ws')}/`)
    t.not(priv.body.data.token, pub.body.data.token)
  })
})

t.test('futures market data', async t => {
  const sim = await simulator(t)
  const get = async (path: string): Promise<any> => (await call(sim.futuresUrl + path)).body

  const contracts = (await get('/api/v1/contracts/active')).data as any[]
  t.same(contracts.map(c => c.symbol), ['XBTUSDTM', 'ETHUSDTM', 'SOLUSDTM', 'XBTUSDM'])
  t.equal(contracts[3].isInverse, true)
  t.type(contracts[0].markPrice, 'number')
  t.equal((await get('/api/v1/contracts/ETHUSDTM')).data.multiplier, 0.01)

  let checked = false
  for (let attempt = 0; attempt < 20 && !checked; attempt++) {
    const [ticker, depth, all] = await Promise.all([
      get('/api/v1/ticker?symbol=XBTUSDTM'), get('/api/v1/level2/depth20?symbol=XBTUSDTM'), get('/api/v1/allTickers')
    ])
    if (ticker.data.ts !== depth.data.ts || ticker.data.ts !== all.data[0].ts) continue
    checked = true
    t.same(depth.data.bids[0], [Number(ticker.data.bestBidPrice), ticker.data.bestBidSize])
    t.same(depth.data.asks[0], [Number(ticker.data.bestAskPrice), ticker.data.bestAskSize])
    t.same(all.data[0], ticker.data)
    t.type(ticker.data.price, 'string')
    t.type(ticker.data.sequence, 'number')
  }
  t.ok(checked, 'found a consistent snapshot')

  const spotBid = Number((await call(`${sim.spotUrl}/api/v1/market/orderbook/level1?symbol=BTC-USDT`)).body.data.bestBid)
  const mark = (await get('/api/v1/mark-price/XBTUSDTM/current')).data
  t.ok(Math.abs(mark.value / spotBid - 1) < 0.01, 'futures track their spot index')
  const klines = (await get('/api/v1/kline/query?symbol=XBTUSDTM&granularity=5')).data as number[][]
  t.ok(klines.length > 100)
  t.ok(klines[1]![0]! > klines[0]![0]!, 'futures klines are oldest first, times in ms')
  t.equal((await get('/api/v1/level2/snapshot?symbol=SOLUSDTM')).data.symbol, 'SOLUSDTM')
  t.ok((await get('/api/v1/trade/history?symbol=ETHUSDTM')).data.length > 0)
  t.equal((await get('/api/v1/funding-rate/XBTUSDM/current')).data.symbol, '.XBTUSDMFPI8H')
  t.same(await get('/api/v1/ticker?symbol=NOPE'), { code: '100003', msg: 'Contract parameter invalid.' })
})
