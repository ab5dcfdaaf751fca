// Grouped subscriptions over real sockets: a thousand subscribers of one
// operation cost one execution per event (counted by the gateway's own
// executions counter, also exported as a metric), and subscribers whose
// results could differ (variables, scopes, the caller on the account's
// streams) never share one. A group that fails ends with an error for each
// of its subscribers.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { parseExposition } from '../../fixtures/exposition.js'
import { startGateway, type Gateway, type TestContext } from '../../helper.js'
import { until } from '../../ws/ws-client.js'
import { subscriber, type Subscriber } from '../gql.js'

const quiet = { ws: { pushIntervalMs: 3_600_000 } } // the simulator pushes nothing of its own: every event is the test's
const upstreamTopics = (gw: Gateway): string[] => gw.sim.ws.subscriptions().flatMap(c => c.topics)

function ticker (symbol: string, n: number): string {
  return JSON.stringify({
    type: 'message',
    topic: `/market/ticker:${symbol}`,
    subject: 'trade.ticker',
    data: { sequence: String(n), price: `${67000 + n}.5`, size: '0.01', bestAsk: '67000.2', bestAskSize: '1.5', bestBid: '67000.1', bestBidSize: '2.5', time: 1_700_000_000_000 + n }
  })
}

async function sockets (t: TestContext, gw: Gateway, n: number, payload: Record<string, unknown> = {}): Promise<Subscriber[]> {
  const list = await Promise.all(Array.from({ length: n }, () => subscriber(gw, payload)))
  t.teardown(() => { for (const s of list) s.close() })
  return list
}

async function metric (gw: Gateway, name: string): Promise<number | undefined> {
  const families = parseExposition((await gw.get('/metrics')).text)
  return families.flatMap(f => f.samples).find(s => s.name === name)?.value
}

const nextsOf = (s: Subscriber, id: string): any[] => s.next.get(id) ?? []

t.test('1000 subscribers of one operation: one execution per event, one payload in 1000 envelopes', async t => {
  const gw = await startGateway(t, { key: 'none', simulator: quiet })
  const streams = gw.app.graphqlGateway.streams
  const conns = await sockets(t, gw, 100)
  // The same operation written three ways; ids as graphql-ws clients make them (unique per subscription).
  const variants = [
    'subscription { spotTicker(symbol: "BTC-USDT") { symbol price sequence time } }',
    'subscription{spotTicker(symbol:"BTC-USDT"){symbol price sequence time}}',
    '# dashboard\nsubscription {\n  spotTicker(symbol: "BTC-USDT") {\n    symbol\n    price # last\n    sequence\n    time\n  }\n}'
  ]
  const ids = conns.map((s, i) => Array.from({ length: 10 }, (_, j) => {
    const id: string = randomUUID()
    s.subscribe(id, variants[(i + j) % 3]!)
    return id
  }))
  await until(() => streams.open === 1000 && upstreamTopics(gw).includes('/market/ticker:BTC-USDT'), 20_000, '1000 subscriptions')
  t.equal(streams.groups, 1, 'one group')
  t.equal(gw.app.feeds.spot.hub.stats().subscriptions, 1, 'one hub client')
  const before = streams.executions
  for (let n = 1; n <= 5; n++) gw.sim.ws.publishRaw('spot', '/market/ticker:BTC-USDT', ticker('BTC-USDT', n))
  const everyone = (count: number): boolean => conns.every((s, i) => ids[i]!.every(id => nextsOf(s, id).length >= count))
  await until(() => everyone(5), 30_000, 'five results for every subscriber')
  t.equal(streams.executions - before, 5, 'five events, five executions')
  t.equal(await metric(gw, 'kgw_graphql_subscription_executions_total'), streams.executions, 'the metric says the same')
  t.equal(await metric(gw, 'kgw_graphql_subscription_groups'), 1)
  t.equal(await metric(gw, 'kgw_graphql_subscriptions'), 1000)

  // Each subscriber's message is its own id around the same payload bytes.
  const payloads = new Set<string>()
  const foreign: string[] = []
  for (const [i, s] of conns.entries()) {
    for (const line of s.raw.filter(r => r.includes('"next"'))) {
      const { id } = JSON.parse(line) as { id: string }
      if (!ids[i]!.includes(id)) foreign.push(id)
      payloads.add(line.replace(`{"id":${JSON.stringify(id)},"type":"next","payload":`, ''))
    }
  }
  t.same(foreign, [], 'every message carries an id of its own socket')
  t.equal(payloads.size, 5, 'five distinct payloads, byte for byte, among 5000 messages')
  t.same(nextsOf(conns[0]!, ids[0]![0]!).map(p => p.data.spotTicker.sequence), ['1', '2', '3', '4', '5'])

  // Half complete: the rest go on in the same group.
  conns.forEach((s, i) => { if (i % 2 === 0) for (const id of ids[i]!) s.complete(id) })
  await until(() => streams.open === 500, 10_000, 'half completed')
  gw.sim.ws.publishRaw('spot', '/market/ticker:BTC-USDT', ticker('BTC-USDT', 6))
  await until(() => conns.every((s, i) => i % 2 === 0 || ids[i]!.every(id => nextsOf(s, id).length === 6)), 30_000, 'the sixth event for those left')
  t.equal(streams.executions - before, 6)
  t.ok(conns.every((s, i) => i % 2 === 1 || ids[i]!.every(id => nextsOf(s, id).length === 5)), 'nothing after complete')
  for (const s of conns) s.close()
  await until(() => streams.groups === 0 && gw.app.feeds.spot.hub.stats().subscriptions === 0, 10_000, 'the last one out releases the group and its hub client')
  t.equal(streams.open, 0)
})

const READ = 'r'.repeat(20)
const READ2 = 'q'.repeat(20)
const STREAM = 's'.repeat(20)
const STREAM2 = 'p'.repeat(20)
const TRADE = 't'.repeat(20)
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

t.test('different variables or scopes never share a result; the account\'s streams never across callers', async t => {
  const gw = await startGateway(t, {
    simulator: quiet,
    env: {
      KGW_TRADING_ENABLED: 'true',
      KGW_TOKENS: `viewer:${READ}:read,viewer2:${READ2}:read,streamer:${STREAM}:read+private-stream,streamer2:${STREAM2}:read+private-stream,trader:${TRADE}:read+trade`
    }
  })
  const streams = gw.app.graphqlGateway.streams
  const [viewer, viewer2] = await Promise.all([subscriber(gw, bearer(READ)), subscriber(gw, bearer(READ2))])
  const [streamer, streamer2] = await Promise.all([subscriber(gw, bearer(STREAM)), subscriber(gw, bearer(STREAM2))])
  t.teardown(() => { for (const s of [viewer, viewer2, streamer, streamer2]) s!.close() })
  const byVariable = 'subscription ($s: String!) { spotTicker(symbol: $s) { symbol sequence } }'
  viewer!.subscribe('btc', byVariable, { s: 'BTC-USDT' })
  viewer!.subscribe('eth', byVariable, { s: 'ETH-USDT' })
  viewer2!.subscribe('btc', byVariable, { s: 'BTC-USDT' }) // same scopes as viewer: same group
  streamer!.subscribe('btc', byVariable, { s: 'BTC-USDT' }) // other scopes: a group of its own
  const balances = 'subscription { balances { currency hold event } }'
  streamer!.subscribe('bal', balances)
  streamer2!.subscribe('bal', balances) // same scopes, other caller: a group of its own
  await until(() => streams.open === 6 && upstreamTopics(gw).length === 3, 10_000, 'six subscriptions, three topics upstream')
  t.equal(streams.groups, 5, 'BTC for read, BTC for read+private-stream, ETH, and one balances group per caller')

  let before = streams.executions
  gw.sim.ws.publishRaw('spot', '/market/ticker:BTC-USDT', ticker('BTC-USDT', 1))
  await until(() => [viewer!, viewer2!, streamer!].every(s => nextsOf(s, 'btc').length === 1), 10_000, 'the BTC subscribers')
  t.equal(streams.executions - before, 2, 'one execution per group that wants BTC: the two scope sets')
  t.equal(nextsOf(viewer!, 'eth').length, 0, 'the ETH subscriber got nothing')
  t.equal(nextsOf(streamer!, 'bal').length, 0)

  before = streams.executions
  const res = await gw.call('POST', '/spot/api/v1/hf/orders', {
    headers: { 'content-type': 'application/json', ...bearer(TRADE) },
    body: '{"clientOid":"group-1","symbol":"BTC-USDT","side":"buy","type":"limit","price":"1000","size":"0.01"}'
  })
  t.equal(res.status, 200, res.text)
  await until(() => nextsOf(streamer!, 'bal').length > 0 && nextsOf(streamer2!, 'bal').length === nextsOf(streamer!, 'bal').length, 10_000, 'balance events for both callers')
  const events = nextsOf(streamer!, 'bal').length
  t.match(nextsOf(streamer2!, 'bal')[0].data.balances, { currency: 'USDT', event: 'trade.hold' })
  t.equal(streams.executions - before, 2 * events, 'each caller\'s group executed each balance event for itself')
})

t.test('a group whose source fails ends every subscriber with an error of its own', async t => {
  // Limits at their minimum: a burst of trades the group cannot take at once overflows its hub queue.
  const gw = await startGateway(t, { key: 'none', simulator: quiet, env: { KGW_WS_SOFT_LIMIT_BYTES: '1024', KGW_WS_HARD_LIMIT_BYTES: '1024' } })
  const streams = gw.app.graphqlGateway.streams
  const [a, b] = await sockets(t, gw, 2)
  const query = 'subscription { spotTrades(symbol: "KCS-USDT") { sequence price } }'
  a!.subscribe('1', query)
  a!.subscribe('2', query)
  b!.subscribe('1', query)
  const topic = '/market/match:KCS-USDT'
  await until(() => streams.open === 3 && upstreamTopics(gw).includes(topic), 10_000, 'three subscribers, one group')
  t.equal(streams.groups, 1)
  const padding = 'x'.repeat(4096)
  for (let burst = 0; burst < 50 && gw.app.feeds.spot.hub.counters.slowDisconnects === 0; burst++) {
    for (let i = 0; i < 20; i++) {
      gw.sim.ws.publishRaw('spot', topic, JSON.stringify({ type: 'message', topic, subject: 'trade.l3match', data: { sequence: String(i), price: '1.5', size: '2', side: 'buy', time: '1700000000000000000', padding } }))
    }
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  t.equal(gw.app.feeds.spot.hub.counters.slowDisconnects, 1, 'the hub cut the group\'s source')
  await until(() => a!.errors.size === 2 && b!.errors.size === 1, 10_000, 'an error for each subscriber')
  for (const errors of [a!.errors.get('1'), a!.errors.get('2'), b!.errors.get('1')]) {
    t.match(errors, [{ extensions: { type: 'urn:kgw:slow-consumer', closeCode: 4008 } }])
  }
  t.match(streams, { open: 0, groups: 0 }, 'the group is gone')
  t.equal(a!.completed.size + b!.completed.size, 0, 'no complete after an error (graphql-transport-ws)')
  t.equal(a!.ws.readyState, a!.ws.OPEN, 'the sockets stay open')
  a!.subscribe('1', query)
  await until(() => streams.groups === 1, 5000, 'the id can be used again: a fresh group')
})
