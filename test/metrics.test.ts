import t from 'tap'
import { readFile } from 'node:fs/promises'
import { parseExposition, type Family } from './fixtures/exposition.js'
import { startGateway, type Gateway } from './helper.js'
import { connect, until } from './ws/ws-client.js'

async function scrape (gw: Gateway): Promise<Family[]> {
  const res = await gw.get('/metrics')
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  if (!String(res.headers['content-type']).startsWith('text/plain; version=0.0.4')) throw new Error('not the text exposition format')
  return parseExposition(res.text)
}

/** The value of one sample (use `<histogram>_count` for a count), 0 when absent. */
function value (families: Family[], name: string, labels: Record<string, string>): number {
  const sample = families.flatMap(f => f.samples).find(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  return sample?.value ?? 0
}

t.test('/metrics is valid exposition, every series kgw_-prefixed', async t => {
  const gw = await startGateway(t)
  const families = await scrape(gw)
  t.ok(families.length > 20, `${families.length} families`)
  t.same(families.filter(f => !f.name.startsWith('kgw_')).map(f => f.name), [], 'one prefix for all, process defaults included')
  for (const name of ['kgw_process_cpu_seconds_total', 'kgw_clock_offset_seconds', 'kgw_ws_clients', 'kgw_upstream_ws_connections']) {
    t.ok(families.some(f => f.name === name), name)
  }
})

t.test('REST traffic moves the HTTP, upstream, KuCoin-code and rate-limit series, with templates as labels', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const before = await scrape(gw)
  await gw.get('/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT')
  await gw.get('/spot/api/v1/market/orderbook/level1?symbol=ETH-USDT')
  await gw.call('DELETE', '/spot/api/v1/hf/orders/no-such-order-123?symbol=BTC-USDT')
  gw.sim.addFault({ path: '/api/v1/accounts', times: 1, action: { kind: 'code', code: '400100' } })
  await gw.get('/spot/api/v1/accounts')
  const after = await scrape(gw)

  const level1 = { market: 'spot', endpoint: '/api/v1/market/orderbook/level1', outcome: 'ok' }
  t.equal(value(after, 'kgw_upstream_request_duration_seconds_count', level1) - value(before, 'kgw_upstream_request_duration_seconds_count', level1), 2)
  t.equal(value(after, 'kgw_http_requests_total', { route: '/spot/*', method: 'GET', status: '200' }), 2)
  t.ok(value(after, 'kgw_kucoin_errors_total', { market: 'spot', code: '400100' }) >= 1, 'the KuCoin code is counted')
  const labels = after.flatMap(f => f.samples.flatMap(s => Object.values(s.labels)))
  t.notOk(labels.some(l => l.includes('no-such-order-123') || l.includes('BTC-USDT')), 'no raw path or symbol in any label')
  t.ok(labels.includes('/api/v1/hf/orders/{orderId}'), 'the endpoint template instead')
  t.ok(value(after, 'kgw_upstream_ratelimit_limit', { market: 'spot', pool: 'Public' }) > 0, 'rate-limit quota from gw-ratelimit-*')
  t.ok(value(after, 'kgw_upstream_ratelimit_remaining', { market: 'spot', pool: 'Public' }) > 0)
  t.equal(value(after, 'kgw_clock_synced', { market: 'spot' }), 1)
})

t.test('WebSocket traffic moves the client, topic, connection and message series', async t => {
  const gw = await startGateway(t)
  const clients = await Promise.all([connect(gw.url), connect(gw.url), connect(gw.url)])
  t.teardown(() => { for (const c of clients) c.close() })
  await Promise.all(clients.map(c => c.subscribe('/market/ticker:BTC-USDT')))
  await until(() => gw.sim.ws.subscriptions().some(c => c.topics.includes('/market/ticker:BTC-USDT')), 5000, 'upstream subscription')
  const frame = JSON.stringify({ type: 'message', topic: '/market/ticker:BTC-USDT', subject: 'test', data: {} })
  for (let i = 0; i < 5; i++) gw.sim.ws.publishRaw('spot', '/market/ticker:BTC-USDT', frame)
  await until(() => clients.every(c => c.frames.filter(f => f.subject === 'test').length === 5), 5000, 'deliveries')
  const m = await scrape(gw)
  t.equal(value(m, 'kgw_ws_clients', { market: 'spot' }), 3)
  t.equal(value(m, 'kgw_ws_subscriptions', { market: 'spot' }), 3)
  t.equal(value(m, 'kgw_ws_topics', { market: 'spot' }), 1)
  t.equal(value(m, 'kgw_upstream_ws_connections', { market: 'spot', channel: 'public', state: 'open' }), 1)
  t.ok(value(m, 'kgw_ws_messages_received_total', { market: 'spot' }) >= 5)
  t.ok(value(m, 'kgw_ws_messages_delivered_total', { market: 'spot' }) >= 15)
})

t.test('the exposition reader is strict (so the checks above mean something)', async t => {
  t.throws(() => parseExposition('kgw_x 1\n'), /without HELP\/TYPE/)
  t.throws(() => parseExposition('# TYPE kgw_x gauge\nkgw_x{a="b} 1\n'), /not a sample line/)
  t.throws(() => parseExposition('# TYPE kgw_h histogram\nkgw_h_bucket{le="1"} 1\nkgw_h_sum 1\nkgw_h_count 1\n'), /lacks le=\+Inf/)
  t.throws(() => parseExposition('# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n'), /not contiguous/)
  t.same(parseExposition('# HELP a h\n# TYPE a gauge\na{l="x\\"y"} 1.5\n')[0]?.samples, [{ name: 'a', labels: { l: 'x"y' }, value: 1.5 }])
})

t.test('the Grafana dashboard only queries series the gateway exports', async t => {
  const gw = await startGateway(t)
  await gw.get('/healthz')
  const exported = new Set((await scrape(gw)).flatMap(f => [f.name, ...f.samples.map(s => s.name)]))
  const dashboard = JSON.parse(await readFile(new URL('../ops/grafana-dashboard.json', import.meta.url), 'utf8'))
  const queried = new Set<string>()
  for (const panel of dashboard.panels) for (const target of panel.targets) for (const m of String(target.expr).matchAll(/kgw_[a-z0-9_]+/g)) queried.add(m[0])
  t.ok(queried.size > 15, `${queried.size} series queried`)
  t.same([...queried].filter(name => !exported.has(name)), [], 'no panel queries a series that does not exist')
})

t.test('GraphQL operations and errors are counted by type, outcome and kind', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const post = (query: string): Promise<unknown> => gw.call('POST', '/graphql', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })
  await post('{ spot { serverTime } }')
  await post('{ spot { serverTime } spotAccount { balances { currency } } }')
  await post('{ nope }')
  const m = await scrape(gw)
  t.equal(value(m, 'kgw_graphql_operations_total', { type: 'query', outcome: 'ok' }), 1)
  t.equal(value(m, 'kgw_graphql_operations_total', { type: 'query', outcome: 'partial' }), 1)
  t.equal(value(m, 'kgw_graphql_operations_total', { type: 'unknown', outcome: 'error' }), 1, 'rejected before execution')
  t.equal(value(m, 'kgw_graphql_errors_total', { kind: 'credentials-missing' }), 1)
  t.equal(value(m, 'kgw_graphql_errors_total', { kind: 'bad-request' }), 1)
})
