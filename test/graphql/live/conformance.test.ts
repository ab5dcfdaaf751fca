// graphql-ws on /graphql judged by clients nobody here wrote: the `graphql-ws`
// package's client (graphql-transport-ws, what Apollo and urql use today)
// and subscriptions-transport-ws's client (the legacy `graphql-ws`
// subprotocol). The protocol's close codes are checked over a raw socket,
// from graphql-ws's PROTOCOL.md.
import t from 'tap'
import { createClient, type Client, type ClientOptions } from 'graphql-ws'
import { SubscriptionClient } from 'subscriptions-transport-ws'
import WebSocket from 'ws'
import { startGateway, type Gateway, type TestContext } from '../../helper.js'
import { until } from '../../ws/ws-client.js'

const TICKER = 'subscription { spotTicker(symbol: "BTC-USDT") { symbol price sequence } }'
const wsUrl = (gw: Gateway): string => `${gw.url.replace('http', 'ws')}/graphql`

function client (t: TestContext, gw: Gateway, options: Partial<ClientOptions> = {}): Client {
  const c = createClient({ url: wsUrl(gw), webSocketImpl: WebSocket, retryAttempts: 0, ...options })
  t.teardown(() => c.dispose())
  return c
}

/** Collects what a graphql-ws subscription's sink is told. */
function watch (c: Client, query: string, variables?: Record<string, unknown>): { results: any[], error: unknown, done: boolean, stop: () => void } {
  const seen = { results: [] as any[], error: undefined as unknown, done: false, stop: () => {} }
  seen.stop = c.subscribe({ query, variables }, {
    next: value => { seen.results.push(value) },
    error: error => { seen.error = error },
    complete: () => { seen.done = true }
  })
  return seen
}

t.test('graphql-ws client: results, then complete from the client releases the group', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const c = client(t, gw)
  const iterator = c.iterate<any>({ query: TICKER })
  const first = await iterator.next()
  const second = await iterator.next()
  t.match(first.value, { data: { spotTicker: { symbol: 'BTC-USDT', price: /^\d/, sequence: /^\d+$/ } } })
  t.notOk(second.done)
  t.equal(gw.app.graphqlGateway.streams.groups, 1)
  await iterator.return!()
  await until(() => gw.app.graphqlGateway.streams.groups === 0 && gw.app.feeds.spot.hub.stats().subscriptions === 0, 5000, 'released')
})

t.test('graphql-ws client: errors belong to their operation; the others carry on', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const c = client(t, gw)
  const ticker = watch(c, TICKER)
  const invalid = watch(c, 'subscription { spotTicker(symbol: "BTC-USDT") { nope } }')
  const refused = watch(c, 'subscription { balances { currency } }')
  const badSymbol = watch(c, 'subscription ($s: String!) { spotTicker(symbol: $s) { price } }', { s: 'BTC USDT' })
  const query = watch(c, '{ spot { serverTime } }')
  await until(() => [invalid, refused, badSymbol, query].every(s => s.error !== undefined) && ticker.results.length >= 2, 15_000, 'four refusals and ticker results')
  t.match(invalid.error, [{ message: /Cannot query field "nope"/, extensions: { type: 'urn:kgw:bad-request' } }])
  t.match(refused.error, [{ path: ['balances'], extensions: { type: 'urn:kgw:credentials-missing', status: 401 } }])
  t.match(badSymbol.error, [{ extensions: { type: 'urn:kgw:bad-request' } }])
  t.match(query.error, [{ message: /only subscriptions run over WebSocket/ }])
  t.equal(ticker.error, undefined)
  t.equal(gw.app.graphqlGateway.streams.open, 1, 'only the ticker is live')
  t.same(gw.sim.ws.subscriptions().flatMap(s => s.topics), ['/market/ticker:BTC-USDT'], 'nothing refused was subscribed upstream')
})

t.test('graphql-ws client: a refused token is a 4403 close; keep-alive pings are answered', async t => {
  const gw = await startGateway(t, { key: 'none', env: { KGW_TOKENS: `viewer:${'r'.repeat(20)}:read` } })
  let closedWith: number | undefined
  const denied = client(t, gw, { connectionParams: { authorization: 'Bearer wrong-wrong-wrong-wrong' }, on: { closed: event => { closedWith = (event as { code: number }).code } } })
  const sub = watch(denied, TICKER)
  await until(() => sub.error !== undefined, 5000, 'the subscription fails')
  t.equal(closedWith, 4403)
  t.match(sub.error, { code: 4403, reason: 'Forbidden' })

  let pongs = 0
  const allowed = client(t, gw, { connectionParams: { authorization: `Bearer ${'r'.repeat(20)}` }, keepAlive: 50, on: { pong: () => { pongs++ } } })
  const ticker = watch(allowed, TICKER)
  await until(() => pongs >= 3 && ticker.results.length > 0, 10_000, 'pongs and results')
  t.pass(`${pongs} pongs`)
})

/** A raw socket: what the server sends, and how it closes. */
async function raw (gw: Gateway, protocol = 'graphql-transport-ws'): Promise<{ ws: WebSocket, messages: any[], closed: Promise<[number, string]> }> {
  const ws = new WebSocket(wsUrl(gw), protocol)
  const messages: any[] = []
  ws.on('message', data => messages.push(JSON.parse(data.toString())))
  const closed = new Promise<[number, string]>(resolve => ws.on('close', (code, reason) => resolve([code, reason.toString()])))
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  return { ws, messages, closed }
}

const init = '{"type":"connection_init","payload":{}}'
const subscribe = (id: string, query = TICKER): string => JSON.stringify({ id, type: 'subscribe', payload: { query } })

t.test('graphql-transport-ws close codes', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const cases: Array<[string, string | undefined, string[], [number, RegExp]]> = [
    ['an unknown subprotocol', 'mqtt', [], [4406, /Subprotocol not acceptable/]],
    ['a message that is not JSON', undefined, ['{"type":'], [4400, /JSON/]],
    ['an unknown message type', undefined, [init, '{"type":"start","id":"1"}'], [4400, /Invalid message type/]],
    ['subscribe before connection_init', undefined, [subscribe('1')], [4401, /Unauthorized/]],
    ['a second connection_init', undefined, [init, init], [4429, /Too many initialisation requests/]],
    ['an id already subscribed', undefined, [init, subscribe('1'), subscribe('1')], [4409, /Subscriber for 1 already exists/]]
  ]
  for (const [name, protocol, send, [code, reason]] of cases) {
    const socket = await raw(gw, protocol)
    for (const message of send) socket.ws.send(message)
    const [gotCode, gotReason] = await socket.closed
    t.equal(gotCode, code, name)
    t.match(gotReason, reason, name)
  }
  await until(() => gw.app.graphqlGateway.streams.open === 0, 5000, 'nothing left subscribed')

  const silent = await raw(gw)
  const started = Date.now()
  t.same(await silent.closed, [4408, 'Connection initialisation timeout'], 'no connection_init in time')
  t.ok(Date.now() - started >= 2500, 'after the 3 s wait')
})

t.test('graphql-transport-ws: complete for an unknown id is ignored; ping carries its payload back', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const socket = await raw(gw)
  socket.ws.send(init)
  socket.ws.send('{"type":"complete","id":"never"}')
  socket.ws.send('{"type":"ping","payload":{"n":1}}')
  socket.ws.send(subscribe('a'))
  await until(() => socket.messages.some(m => m.type === 'next'), 10_000, 'a result')
  t.same(socket.messages.slice(0, 2), [{ type: 'connection_ack' }, { type: 'pong', payload: { n: 1 } }])
  t.match(socket.messages[2], { id: 'a', type: 'next', payload: { data: { spotTicker: { symbol: 'BTC-USDT' } } } })
  socket.ws.close(1000)
})

t.test('legacy graphql-ws: subscriptions-transport-ws\'s client subscribes, gets data, stops; a refused token is a connection_error', async t => {
  const gw = await startGateway(t, { key: 'none', env: { KGW_TOKENS: `viewer:${'r'.repeat(20)}:read` } })
  const legacy = new SubscriptionClient(wsUrl(gw), { reconnect: false, connectionParams: { authorization: `Bearer ${'r'.repeat(20)}` } }, WebSocket)
  t.teardown(() => legacy.close())
  const results: any[] = []
  const errors: unknown[] = []
  const subscription = legacy.request({ query: TICKER }).subscribe({ next: value => { results.push(value) }, error: error => { errors.push(error) } })
  const refused: unknown[] = []
  legacy.request({ query: 'subscription { spotTicker { price } }' }).subscribe({ next: () => {}, error: error => { refused.push(error) } })
  await until(() => results.length >= 2 && refused.length === 1, 15_000, 'data and a refusal')
  t.match(results[0], { data: { spotTicker: { symbol: 'BTC-USDT' } } })
  t.match(refused[0], { message: /argument "symbol"/, extensions: { type: 'urn:kgw:bad-request' } }, 'the client hands on the first error')
  t.same(errors, [])
  subscription.unsubscribe()
  await until(() => gw.app.graphqlGateway.streams.open === 0, 5000, 'stopped')

  const denials: unknown[] = []
  const denied = new SubscriptionClient(wsUrl(gw), { reconnect: false, connectionParams: {}, connectionCallback: error => { if (error) denials.push(error) } }, WebSocket)
  t.teardown(() => denied.close())
  denied.request({ query: TICKER }).subscribe({ next: () => {} })
  await until(() => denials.length === 1, 5000, 'the connection_error')
  t.match(denials[0], { message: 'Forbidden' })
})

t.test('a subscription over HTTP is a bad request that says where to go', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const res = await gw.call('POST', '/graphql', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: TICKER }) })
  t.equal(res.status, 400)
  t.match(res.json(), { data: null, errors: [{ message: /open a WebSocket to \/graphql/, extensions: { type: 'urn:kgw:bad-request' } }] })
})
