// One auth path for GraphQL: every HTTP operation is authenticated in one
// hook whatever its headers, failures are real 401/403 problems, mutations
// run only over POST with JSON and a token that may trade, and private fields
// are guarded in one place (every field the schema declares, found from the SDL).
import t from 'tap'
import { buildSchema, isObjectType } from 'graphql'
import { GatewayError } from '../../src/errors.js'
import type { GraphQLContext } from '../../src/graphql/context.js'
import { buildResolvers } from '../../src/graphql/resolvers/index.js'
import { loadSdl } from '../../src/graphql/schema.js'
import type { Upstream } from '../../src/graphql/upstream.js'
import { seen, startGateway } from '../helper.js'
import { raw } from './raw.js'

const READ = 'r'.repeat(20)
const TRADE = 't'.repeat(20)
const STREAM = 's'.repeat(20)
const env = { KGW_TRADING_ENABLED: 'true', KGW_TOKENS: `viewer:${READ}:read,trader:${TRADE}:read+trade,streamer:${STREAM}:private-stream` }
const QUERY = JSON.stringify({ query: '{ spot { serverTime ticker(symbol: "BTC-USDT") { price } } }' })
const PLACE = 'mutation { placeSpotOrder(input: { symbol: "BTC-USDT", side: BUY, type: LIMIT, price: "1000", size: "0.001" }, idempotencyKey: "auth-1") { orderId } }'

t.test('an Upgrade header does not skip authentication: 401/403 problems, no data, no KuCoin call', async t => {
  const gw = await startGateway(t, { env })
  const json = { 'content-type': 'application/json' }
  const upgrades: Array<Record<string, string>> = [{ upgrade: 'h2c' }, { upgrade: 'websocket' }, { upgrade: 'h2c', connection: 'Upgrade, HTTP2-Settings', 'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA' }]
  for (const upgrade of upgrades) {
    const what = JSON.stringify(upgrade)
    const streamer = await raw(gw.url, { method: 'POST', path: '/graphql', headers: { ...json, ...upgrade, authorization: `Bearer ${STREAM}` }, body: QUERY })
    t.not(streamer.status, 200, `${what}: a private-stream-only token reads no market data`)
    t.notMatch(streamer.body, /"price"/, what)
    if (streamer.status === 403) t.match(streamer.json(), { type: 'urn:kgw:scope-missing' }, what)
    const anonymous = await raw(gw.url, { method: 'POST', path: '/graphql', headers: { ...json, ...upgrade }, body: QUERY })
    t.not(anonymous.status, 200, `${what}: no token, no answer`)
    t.notMatch(anonymous.body, /"price"/, what)
  }
  const h2c = await raw(gw.url, { method: 'POST', path: '/graphql', headers: { ...json, upgrade: 'h2c', authorization: `Bearer ${STREAM}` }, body: QUERY })
  t.equal(h2c.status, 403)
  t.match(h2c.headers['content-type'], /^application\/problem\+json/)
  t.match(h2c.json(), { type: 'urn:kgw:scope-missing', status: 403, detail: /lacks the read scope/ })
  const none = await raw(gw.url, { path: `/graphql?query=${encodeURIComponent('{ spot { serverTime } }')}`, headers: { upgrade: 'h2c' } })
  t.equal(none.status, 401, 'GET too')
  t.match(none.json(), { type: 'urn:kgw:unauthenticated' })
  t.match(none.headers['www-authenticate'], /^Bearer/)
  t.equal(seen(gw.sim, '/api/v1/market/orderbook/level1').length, 0, 'KuCoin was never asked')
})

t.test('mutations: POST with JSON and a trading token only, refused as problems before they run', async t => {
  const gw = await startGateway(t, { env })
  const trader = { authorization: `Bearer ${TRADE}` }
  const overGet = await raw(gw.url, { path: `/graphql?query=${encodeURIComponent(PLACE)}`, headers: trader })
  t.ok(overGet.status >= 400, `GET: ${overGet.status}`)
  const asGraphql = await raw(gw.url, { method: 'POST', path: '/graphql', headers: { ...trader, 'content-type': 'application/graphql' }, body: PLACE })
  t.equal(asGraphql.status, 415, 'application/graphql may carry queries, not mutations')
  t.match(asGraphql.json(), { type: 'urn:kgw:unsupported-media-type', detail: /mutations need POST with Content-Type: application\/json/ })
  const asText = await raw(gw.url, { method: 'POST', path: '/graphql', headers: { ...trader, 'content-type': 'text/plain' }, body: JSON.stringify({ query: PLACE }) })
  t.equal(asText.status, 415)
  const viewer = await raw(gw.url, { method: 'POST', path: '/graphql', headers: { authorization: `Bearer ${READ}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: PLACE }) })
  t.equal(viewer.status, 403)
  t.match(viewer.json(), { type: 'urn:kgw:scope-missing', detail: /trade/ })
  t.equal(seen(gw.sim, '/api/v1/hf/orders').length, 0, 'KuCoin saw no order')
  const query = await raw(gw.url, { method: 'POST', path: '/graphql', headers: { authorization: `Bearer ${READ}`, 'content-type': 'application/graphql' }, body: '{ spot { serverTime } }' })
  t.equal(query.status, 200, 'a query as application/graphql still runs')
  const placed = await raw(gw.url, { method: 'POST', path: '/graphql', headers: { ...trader, 'content-type': 'application/json' }, body: JSON.stringify({ query: PLACE }) })
  t.equal(placed.status, 200, placed.body)
  t.type(placed.json().data.placeSpotOrder.orderId, 'string')
  t.equal(seen(gw.sim, '/api/v1/hf/orders')[0]?.headers['content-type'], 'application/json', 'the gateway\'s own write says JSON')
})

t.test('every private field and every mutation the schema declares is guarded in one place', async t => {
  const schema = buildSchema(loadSdl())
  const touched: string[] = []
  const upstream = new Proxy({}, { get: (_target, name) => () => { touched.push(String(name)); throw new Error('upstream reached') } }) as unknown as Upstream
  const resolvers = buildResolvers(upstream, { feeds: {} as never, books: {} as never, stats: {} as never }, upstream as never) as unknown as Record<string, Record<string, (...args: unknown[]) => unknown>>
  const nobody = { name: 'nobody', scopes: new Set<never>() }
  const viewer = { name: 'viewer', scopes: new Set(['read'] as const) }
  const context = (caller: typeof viewer | typeof nobody, hasCredentials: boolean, tradingEnabled: boolean): GraphQLContext =>
    ({ access: { caller, channel: 'http', hasCredentials, tradingEnabled } }) as GraphQLContext
  const expectations: Array<[string, GraphQLContext, string]> = [
    ['SpotAccount', context(viewer, false, true), 'credentials-missing'],
    ['FuturesAccount', context(viewer, false, true), 'credentials-missing'],
    ['SpotAccount', context(nobody, true, true), 'scope-missing'],
    ['Mutation', context(viewer, true, true), 'scope-missing'],
    ['Query', context(nobody, true, true), 'scope-missing']
  ]
  let checked = 0
  for (const [typeName, ctx, kind] of expectations) {
    const type = schema.getType(typeName)
    if (!isObjectType(type)) throw new Error(`${typeName} is not in the schema`)
    for (const field of Object.keys(type.getFields())) {
      const resolve = resolvers[typeName]?.[field]
      t.type(resolve, 'function', `${typeName}.${field} has a resolver`)
      try {
        await resolve!({}, {}, ctx, {})
        t.fail(`${typeName}.${field} resolved for a caller it must refuse`)
      } catch (error) {
        t.equal((error as GatewayError).kind, kind, `${typeName}.${field}: ${kind}`)
      }
      checked++
    }
  }
  t.ok(checked > 20, `${checked} fields checked`)
  t.same(touched, [], 'none reached the upstream')
})
