// Every valid HTTP/1.1 framing of KuCoin's answers, against a scripted raw
// upstream (not the simulator): Content-Length, chunked and close-delimited
// bodies, each whole and split down to one byte per write. A success must
// reach the client byte for byte; a cut or invalid body must be a typed 502.
import t from 'tap'
import { request } from 'undici'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { startRawUpstream, type Framing, type RawResponse } from './raw-upstream.js'

const LEVEL1 = '{"code":"200000","data":{"time":1729000000000,"sequence":"1","price":"67000.1","size":"0.01","bestBid":"67000","bestBidSize":"1","bestAsk":"67000.2","bestAskSize":"2"}}'
const ERROR = '{"code":"400100","msg":"Parameter error: symbol"}'
/** A success larger than the gateway buffers, so it streams. */
const LARGE = `{"code":"200000","data":[${Array.from({ length: 4000 }, (_, i) => `{"symbol":"S${i}-USDT","name":"S${i}-USDT","baseIncrement":"0.0001"}`).join(',')}]}`

let script: (target: string) => RawResponse = () => ({ body: LEVEL1, framing: 'chunked' })
const upstream = await startRawUpstream(req => script(req.target))
t.teardown(() => upstream.close())
const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', KUCOIN_SPOT_URL: upstream.url, KUCOIN_FUTURES_URL: upstream.url }))
t.teardown(() => app.close())
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`

async function get (path: string): Promise<{ status: number, type: string, text: string }> {
  const res = await request(base + path)
  return { status: res.statusCode, type: String(res.headers['content-type']), text: await res.body.text() }
}

const FRAMINGS: Framing[] = ['content-length', 'chunked', 'close']
const SPLITS: Array<number | undefined> = [undefined, 1, 7, 1000]

for (const framing of FRAMINGS) {
  for (const split of SPLITS) {
    const name = `${framing}, ${split === undefined ? 'one write' : `${split}-byte writes`}`
    t.test(`small success passes byte for byte: ${name}`, async t => {
      script = () => ({ body: LEVEL1, framing, split })
      const res = await get('/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT')
      t.equal(res.status, 200)
      t.equal(res.text, LEVEL1)
    })
    t.test(`error envelope becomes a typed problem: ${name}`, async t => {
      script = () => ({ status: 400, body: ERROR, framing, split })
      const res = await get('/spot/api/v1/market/orderbook/level1?symbol=NOPE')
      t.equal(res.status, 400)
      t.match(res.type, /problem\+json/)
      t.match(JSON.parse(res.text), { code: '400100', msg: 'Parameter error: symbol' })
    })
    if (split !== undefined && split < 1000) continue // 300 KB in tiny writes is slow and proves nothing more
    t.test(`large success streams byte for byte: ${name}`, async t => {
      script = () => ({ body: LARGE, framing, split })
      const res = await get('/spot/api/v2/symbols')
      t.equal(res.status, 200)
      t.equal(res.text.length, LARGE.length)
      t.equal(res.text, LARGE)
    })
  }
  t.test(`a truncated small success is a typed 502, never a 200: ${framing}`, async t => {
    script = () => ({ body: LEVEL1, framing, cutAt: 40 })
    const res = await get('/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT')
    t.equal(res.status, 502)
    t.match(JSON.parse(res.text), { type: /urn:kgw:upstream-(bad-response|reset)/ })
  })
  t.test(`a success envelope that is not JSON is a typed 502: ${framing}`, async t => {
    script = () => ({ body: '{"code":"200000","data":{"price":', framing })
    const res = await get('/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT')
    t.equal(res.status, 502)
    t.match(JSON.parse(res.text), { type: 'urn:kgw:upstream-bad-response' })
  })
  t.test(`the gateway's own calls read the same way (server time): ${framing}, 1-byte writes`, async t => {
    script = target => target.startsWith('/api/v1/timestamp')
      ? { body: `{"code":"200000","data":${Date.now() + 5000}}`, framing, split: 1 }
      : { body: LEVEL1, framing }
    await app.kucoin.clocks.spot.sync()
    const state = app.kucoin.clocks.spot.state()
    t.ok(state.known, 'clock synced from a split body')
    t.ok(Math.abs(state.offsetMs - 5000) < 1000, `offset ≈ 5000 ms (got ${state.offsetMs})`)
  })
}
