// GraphQL's call context (graphql-plugin.ts's context function → resolvers →
// upstream.ts), over real sockets: a client that hangs up aborts the KuCoin
// calls its operation made, or never lets them start; and every call is
// charged to its caller's fair share (the governor names the caller it saw).
import t, { type Test } from 'tap'
import { startGateway, type Gateway } from '../helper.js'
import { gatewayApp, holdingUpstream, listen, sendRaw, until } from '../http/leaving-client.js'
import { gql } from './gql.js'

const ticker = (symbol: string): string => JSON.stringify({ query: `{ spot { ticker(symbol: "${symbol}") { price } } }` })
const JSON_TYPE = { 'content-type': 'application/json' }

t.test('a client that leaves while its query is at KuCoin: the KuCoin call is aborted', async t => {
  const upstream = await holdingUpstream(t)
  const port = await listen(await gatewayApp(t, upstream.url, { KGW_CACHE_TTL_MS: '0' }))
  const socket = await sendRaw(port, 'POST', '/graphql', JSON_TYPE, ticker('HELD'))
  await until(() => upstream.received() === 1, 'the call to reach KuCoin')
  socket.destroy()
  await until(() => upstream.abandoned() === 1, 'the held call to be closed unanswered')
  t.equal(upstream.received(), 1)
})

t.test('a client that leaves before the operation runs: KuCoin is never asked', async t => {
  const upstream = await holdingUpstream(t)
  const app = await gatewayApp(t, upstream.url, { KGW_CACHE_TTL_MS: '0' })
  let arrived = (): void => {}
  const reached = new Promise<void>(resolve => { arrived = resolve })
  const answered: string[] = []
  // Test-only hooks: hold the request before mercurius's handler until its client has gone, then see what it answered.
  app.addHook('preHandler', (request, reply, done) => {
    if (request.routeOptions.url !== '/graphql') { done(); return }
    reply.raw.once('close', () => { done() })
    arrived()
  })
  app.addHook('onSend', (request, _reply, payload, done) => {
    if (request.routeOptions.url === '/graphql') answered.push(String(payload))
    done(null, payload)
  })
  const port = await listen(app)
  const socket = await sendRaw(port, 'POST', '/graphql', JSON_TYPE, ticker('LEAVING'))
  await reached
  socket.destroy()
  await until(() => answered.length > 0 || upstream.received() > 0, 'the operation to finish or KuCoin to be asked')
  t.equal(upstream.received(), 0, 'KuCoin was not asked')
  t.match(JSON.parse(answered[0] ?? '{}'), { errors: [{ extensions: { kind: 'client-closed-request' } }] }, 'the field failed as "client closed request"')
})

/** Spends the gateway's Public budget with REST reads, then asks for a ticker over GraphQL: the refusal names the caller the governor saw. */
async function refusedCaller (t: Test, gw: Gateway, headers: Record<string, string>): Promise<string | undefined> {
  for (let i = 0; i < 40; i++) {
    const res = await gw.get(`/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT&n=${i}`, headers)
    if (res.status === 429) break
  }
  const reply = await gql(gw, '{ spot { ticker(symbol: "ETH-USDT") { price } } }', undefined, headers)
  t.match(reply.errors, [{ extensions: { type: 'urn:kgw:rate-limited' } }])
  return /caller (\S+) already has/.exec(reply.errors?.[0]?.message ?? '')?.[1]
}

// Nothing may wait in the governor's queue, so a call that does not fit is refused at once, naming its caller.
const NO_QUEUE = { KGW_RATE_LIMIT_QUOTAS: 'Public=20', KGW_RATE_LIMIT_QUEUE_PER_CALLER: '0', KGW_RATE_LIMIT_MAX_WAIT_MS: '600000', KGW_CACHE_TTL_MS: '0' }

t.test('fair share: each token is its own caller; without tokens, the client address is', async t => {
  const alice = 'a'.repeat(24)
  const bob = 'b'.repeat(24)
  const gw = await startGateway(t, { key: 'none', env: { ...NO_QUEUE, KGW_TOKENS: `alice:${alice}:read,bob:${bob}:read` } })
  t.equal(await refusedCaller(t, gw, { authorization: `Bearer ${alice}` }), 'token:alice')
  t.equal(await refusedCaller(t, gw, { authorization: `Bearer ${bob}` }), 'token:bob')
  const open = await startGateway(t, { key: 'none', env: NO_QUEUE })
  t.equal(await refusedCaller(t, open, {}), 'ip:127.0.0.1')
})
