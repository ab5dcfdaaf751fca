// Bearer tokens on GraphQL: the same KGW_TOKENS and scopes as REST, checked
// per HTTP request and per graphql-ws connection (connectionInit payload).
import t from 'tap'
import { seen, startGateway } from '../helper.js'
import { until } from '../ws/ws-client.js'
import { gql, subscriber } from './gql.js'

const READ = 'r'.repeat(20)
const TRADE = 't'.repeat(20)
const STREAM = 's'.repeat(20)
const env = {
  KGW_TRADING_ENABLED: 'true',
  KGW_TOKENS: `viewer:${READ}:read,trader:${TRADE}:read+trade,streamer:${STREAM}:read+private-stream`
}
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })
const PLACE = 'mutation ($input: SpotOrderInput!) { placeSpotOrder(input: $input, idempotencyKey: "access-1") { orderId } }'
const order = { symbol: 'BTC-USDT', side: 'BUY', type: 'LIMIT', price: '1000', size: '0.001' }

t.test('HTTP: 401 without a token; read runs queries; mutations need trade', async t => {
  const gw = await startGateway(t, { env })
  const none = await gw.call('POST', '/graphql', { headers: { 'content-type': 'application/json' }, body: '{"query":"{ spot { serverTime } }"}' })
  t.equal(none.status, 401)
  t.equal(none.json().type, 'urn:kgw:unauthenticated')
  const read = await gql(gw, '{ spot { serverTime } spotAccount { balances { currency } } }', undefined, bearer(READ))
  t.equal(read.errors, undefined)
  t.type(read.data.spot.serverTime, 'number')
  const denied = await gw.call('POST', '/graphql', { headers: { 'content-type': 'application/json', ...bearer(READ) }, body: JSON.stringify({ query: PLACE, variables: { input: order } }) })
  t.equal(denied.status, 403, 'a mutation without trade is refused as a whole, before it runs')
  t.match(denied.headers['content-type'], /^application\/problem\+json/)
  t.match(denied.json(), { type: 'urn:kgw:scope-missing', detail: /lacks the trade scope/ })
  t.equal(seen(gw.sim, '/api/v1/hf/orders').length, 0, 'KuCoin saw no order')
  const placed = await gql(gw, PLACE, { input: order }, bearer(TRADE))
  t.equal(placed.errors, undefined, JSON.stringify(placed.errors))
  t.type(placed.data.placeSpotOrder.orderId, 'string')
})

t.test('subscriptions: connectionInit carries the token; private topics need private-stream', async t => {
  const gw = await startGateway(t, { env })
  await t.rejects(subscriber(gw, {}), /closed 4403 Forbidden/, 'no token: closed with 4403, as graphql-transport-ws has it')
  await t.rejects(subscriber(gw, { authorization: 'Bearer wrong-token-wrong-token' }), /closed 4403 Forbidden/)

  const viewer = await subscriber(gw, bearer(READ))
  const streamer = await subscriber(gw, { headers: bearer(STREAM) })
  t.teardown(() => { viewer.close(); streamer.close() })
  viewer.subscribe('ticker', 'subscription { spotTicker(symbol: "BTC-USDT") { price } }')
  viewer.subscribe('balances', 'subscription { balances { currency } }')
  streamer.subscribe('balances', 'subscription { balances { currency } }')
  await until(() => viewer.errors.has('balances'), 5000, 'refusal')
  t.match(viewer.errors.get('balances'), [{ extensions: { type: 'urn:kgw:scope-missing' } }])
  await until(() => (viewer.next.get('ticker')?.length ?? 0) > 0, 10_000, 'ticker updates for the read token')
  t.notOk(streamer.errors.has('balances'), 'private-stream may subscribe to balances')
})
