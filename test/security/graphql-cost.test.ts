// GraphQL cost limits, checked before anything runs: an alias bomb, a pile of
// full order books, a body-sized document, a deep or batched request each get
// their typed error and cost KuCoin nothing. The declared per-field costs are
// checked against the calls KuCoin actually sees.
import t from 'tap'
import { performance } from 'node:perf_hooks'
import { seen, startGateway, type Gateway } from '../helper.js'
import { subscriber, until } from './subscribe.js'
import { raw } from './raw.js'

const post = (gw: Gateway, body: unknown, headers: Record<string, string> = {}): ReturnType<typeof raw> =>
  raw(gw.url, { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
/** Every KuCoin call but the clock's. */
const calls = (gw: Gateway): number => gw.sim.requests.filter(r => !r.url.startsWith('/api/v1/timestamp')).length

t.test('an alias bomb is refused before parsing, with 0 KuCoin calls', async t => {
  const gw = await startGateway(t)
  const bomb = `{ spot { ${Array.from({ length: 1000 }, (_, i) => `t${i}: ticker(symbol: "S${i}-USDT") { price }`).join(' ')} } }`
  const before = calls(gw)
  const timings: number[] = []
  for (let i = 0; i < 11; i++) {
    const started = performance.now()
    const res = await post(gw, { query: bomb })
    timings.push(performance.now() - started)
    t.equal(res.status, 400)
    t.match(res.json(), { data: null, errors: [{ message: /1000 aliases; the limit is 50/, extensions: { type: 'urn:kgw:graphql-aliases-exceeded', status: 400 } }] })
  }
  // The same check for a query string and for an operation inside a batch (the whole batch is refused).
  const small = `{ spot { ${Array.from({ length: 60 }, (_, i) => `a${i}: serverTime`).join(' ')} } }` // a URL's size
  const viaGet = await raw(gw.url, { method: 'GET', path: `/graphql?query=${encodeURIComponent(small)}` })
  t.equal(viaGet.status, 400)
  t.match(viaGet.json(), { errors: [{ message: /the document has 60 aliases; the limit is 50/ }] })
  const batched = await post(gw, [{ query: '{ spot { serverTime } }' }, { query: bomb }])
  t.equal(batched.status, 400)
  t.match(batched.json(), { errors: [{ message: /the document has 1000 aliases; the limit is 50/ }] })
  t.equal(calls(gw) - before, 0, 'KuCoin saw nothing')
  // Measured, never asserted: the first request warms the JIT up.
  const warm = timings.slice(1).sort((a, b) => a - b)
  t.comment(`alias bomb (1000 aliases, ${bomb.length} bytes): first ${timings[0]!.toFixed(1)} ms, then median ${warm[5]!.toFixed(1)} ms, min ${warm[0]!.toFixed(1)} ms (a new loopback connection each, trace logging, shared machine)`)
})

t.test('300 full order books: refused by aliases, and by calls when aliases are allowed; no signed call', async t => {
  const query = `{ spot { ${Array.from({ length: 300 }, (_, i) => `b${i}: orderBook(symbol: "BTC-USDT", depth: FULL) { sequence }`).join(' ')} } }`
  const gw = await startGateway(t)
  t.match((await post(gw, { query })).json(), { errors: [{ extensions: { type: 'urn:kgw:graphql-aliases-exceeded' } }] })
  const wide = await startGateway(t, { env: { KGW_GRAPHQL_MAX_ALIASES: '1000' } })
  const res = await post(wide, { query })
  t.equal(res.status, 400)
  t.match(res.json(), { errors: [{ message: /could make 300 KuCoin calls; the limit is 50/, extensions: { type: 'urn:kgw:graphql-calls-exceeded' } }] })
  t.equal(seen(gw.sim, '/api/v3/market/orderbook/level2').length + seen(wide.sim, '/api/v3/market/orderbook/level2').length, 0, 'no full book was fetched')
})

t.test('fragments do not hide aliases or calls', async t => {
  const gw = await startGateway(t)
  const fragment = 'fragment Two on SpotMarket { a: ticker(symbol: "BTC-USDT") { price } b: ticker(symbol: "ETH-USDT") { price } }'
  const spreads = (n: number): string => Array.from({ length: n }, (_, i) => `s${i}: spot { ...Two }`).join(' ')
  const aliases = await post(gw, { query: `{ ${spreads(20)} } ${fragment}` })
  t.match(aliases.json(), { errors: [{ message: /60 aliased fields, fragments expanded/, extensions: { type: 'urn:kgw:graphql-aliases-exceeded' } }] }, '22 written, 60 run')
  const costly = await startGateway(t, { env: { KGW_GRAPHQL_MAX_UPSTREAM_CALLS: '10' } })
  const res = await post(costly, { query: `{ ${spreads(6)} } ${fragment}` })
  t.match(res.json(), { errors: [{ message: /could make 12 KuCoin calls; the limit is 10/, extensions: { type: 'urn:kgw:graphql-calls-exceeded' } }] })
  t.equal(seen(costly.sim, '/api/v1/market/orderbook/level1').length, 0)
  const fits = await post(costly, { query: `{ ${spreads(5)} } ${fragment}` })
  t.equal(fits.status, 200, 'exactly at the limit runs')
  t.equal(fits.json().data.s4.b.price !== undefined, true)
})

t.test('a query string is checked before graphql parses it, like a body', async t => {
  // 150 fields of __typename: no alias, no KuCoin call, depth 1, and under graphql's own parse backstop
  // (the limit + 100 tokens): only the raw-text token count refuses it.
  const gw = await startGateway(t, { env: { KGW_GRAPHQL_MAX_TOKENS: '100' } })
  const viaGet = await raw(gw.url, { method: 'GET', path: `/graphql?query=${encodeURIComponent(`{ ${'__typename '.repeat(150)}}`)}` })
  t.equal(viaGet.status, 400)
  t.match(viaGet.json(), { errors: [{ message: /about 152 tokens; the limit is 100/ }] })
})

t.test('a body-sized document is refused by its length, before graphql parses it', async t => {
  const gw = await startGateway(t)
  const query = `{ spot { ${'serverTime '.repeat(90_000)} } }`
  const before = gw.sim.requests.length
  const started = performance.now()
  const res = await post(gw, { query })
  const ms = performance.now() - started
  t.equal(res.status, 400)
  t.match(res.json(), { errors: [{ message: /about 900\d\d tokens; the limit is 10000/, extensions: { type: 'urn:kgw:graphql-tokens-exceeded' } }] })
  t.equal(gw.sim.requests.length - before, 0, 'KuCoin saw nothing')
  t.comment(`${(query.length / 1024).toFixed(0)} KiB of fields refused in ${ms.toFixed(1)} ms`)
})

t.test('depth and batch size are bounded; a batch shares one call budget', async t => {
  const gw = await startGateway(t, { env: { KGW_GRAPHQL_MAX_DEPTH: '3', KGW_GRAPHQL_MAX_UPSTREAM_CALLS: '5', KGW_GRAPHQL_MAX_BATCH: '4' } })
  const deep = await post(gw, { query: '{ spotAccount { orders(symbol: "BTC-USDT", status: DONE) { items { id } } } }' })
  t.equal(deep.status, 400)
  t.match(deep.json(), { errors: [{ message: /4 fields deep; the limit is 3/, extensions: { type: 'urn:kgw:graphql-depth-exceeded' } }] })
  t.equal((await post(gw, { query: '{ spot { ticker(symbol: "BTC-USDT") { price } } }' })).status, 200, 'three deep runs')
  const two = { query: '{ spot { serverTime } futures { serverTime } }' }
  const tooMany = await post(gw, Array.from({ length: 5 }, () => two))
  t.equal(tooMany.status, 400)
  t.match(tooMany.json(), { errors: [{ message: /5 operations; the limit is 4/, extensions: { type: 'urn:kgw:graphql-batch-exceeded' } }] })
  const before = calls(gw)
  const batch = await post(gw, [two, two, two])
  t.equal(batch.status, 200)
  const answers = batch.json<Array<{ data?: unknown, errors?: Array<{ extensions: { type: string } }> }>>()
  t.equal(answers.length, 3)
  t.equal(answers.filter(a => a.errors?.[0]?.extensions.type === 'urn:kgw:graphql-calls-exceeded').length, 1, '2 + 2 fit in 5, the third operation does not')
  t.ok(calls(gw) - before <= 5, `KuCoin saw ${calls(gw) - before} calls`)
})

t.test('subscriptions are measured too', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const s = await subscriber(gw)
  t.teardown(() => s.close())
  const aliases = Array.from({ length: 60 }, (_, i) => `p${i}: price`).join(' ')
  s.subscribe('bomb', `subscription { spotTicker(symbol: "BTC-USDT") { ${aliases} } }`)
  await until(() => s.errors.has('bomb'), 5000, 'a refusal')
  t.match(s.errors.get('bomb'), [{ extensions: { type: 'urn:kgw:graphql-aliases-exceeded' } }])
  t.equal(gw.app.feeds.spot.hub.stats().subscriptions, 0, 'nothing subscribed')
})

t.test('declared costs match what KuCoin sees: one call per namespace field, one per operation for SpotSymbol.stats', async t => {
  const gw = await startGateway(t, { env: { KGW_CACHE_TTL_MS: '0' } })
  const cases: Array<[string, number]> = [
    ['{ spot { serverTime } }', 1],
    ['{ spot { ticker(symbol: "BTC-USDT") { price } stats(symbol: "BTC-USDT") { last } } futures { ticker(symbol: "XBTUSDTM") { price } } }', 3],
    ['{ spot { symbols { symbol stats { last } } } }', 2],
    ['{ spotAccount { balances { currency } } futuresAccount { positions { symbol } } }', 2]
  ]
  for (const [query, declared] of cases) {
    const before = gw.sim.requests.length
    const res = await post(gw, { query })
    t.equal(res.status, 200, query)
    t.equal(gw.sim.requests.length - before, declared, `${query}: ${declared} call(s)`)
  }
})
