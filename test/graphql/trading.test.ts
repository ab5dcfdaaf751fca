// Mutations: refused with a typed error (and nothing sent to KuCoin) while
// trading is off; placing and cancelling spot and futures orders when on.
import t from 'tap'
import { seen, startGateway } from '../helper.js'
import { errorAt, gql } from './gql.js'

const PLACE_SPOT = 'mutation ($input: SpotOrderInput!, $key: String!) { placeSpotOrder(input: $input, idempotencyKey: $key) { outcome orderId clientOid idempotencyKey replayed } }'
const PLACE_FUTURES = 'mutation ($input: FuturesOrderInput!, $key: String!) { placeFuturesOrder(input: $input, idempotencyKey: $key) { outcome orderId clientOid replayed } }'
const restingSpot = { symbol: 'BTC-USDT', side: 'BUY', type: 'LIMIT', price: '1000', size: '0.001' }
const restingFutures = { symbol: 'XBTUSDTM', side: 'BUY', type: 'LIMIT', price: '1000', size: 1, leverage: '5' }

t.test('trading off (the default): every mutation is endpoint-denied and KuCoin sees nothing', async t => {
  const gw = await startGateway(t)
  gw.sim.clearRequests()
  const mutations = [
    [PLACE_SPOT, { input: restingSpot, key: 'off-1' }, 'placeSpotOrder'],
    ['mutation { cancelSpotOrder(symbol: "BTC-USDT", orderId: "x") { orderIds } }', {}, 'cancelSpotOrder'],
    ['mutation { cancelAllSpotOrders(symbol: "BTC-USDT") { orderIds } }', {}, 'cancelAllSpotOrders'],
    [PLACE_FUTURES, { input: restingFutures, key: 'off-2' }, 'placeFuturesOrder'],
    ['mutation { cancelFuturesOrder(orderId: "x") { orderIds } }', {}, 'cancelFuturesOrder'],
    ['mutation { cancelAllFuturesOrders(symbol: "XBTUSDTM") { orderIds } }', {}, 'cancelAllFuturesOrders']
  ] as const
  for (const [query, variables, field] of mutations) {
    const reply = await gql(gw, query, variables)
    t.equal(reply.status, 200)
    t.equal(reply.data[field], null, `${field} is null`)
    t.match(errorAt(reply, field)?.extensions, { type: 'urn:kgw:endpoint-denied', status: 403, code: 'KGW_ENDPOINT_DENIED' }, `${field} is denied`)
  }
  t.same(seen(gw.sim, '/api/v1/hf').concat(seen(gw.sim, '/api/v1/orders'), seen(gw.sim, '/api/v3/orders')), [], 'no order call reached KuCoin')
})

t.test('trading on: spot place (clientOid derived from the key, or kept), replay, reused key, cancel by id, by clientOid, all', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const first = await gql(gw, PLACE_SPOT, { input: restingSpot, key: 'g-1' })
  t.notOk(first.errors)
  t.match(first.data.placeSpotOrder, { outcome: 'PLACED', orderId: /^[0-9a-f]{24}$/, clientOid: /^k[A-Za-z0-9_-]{39}$/, idempotencyKey: 'g-1', replayed: false }, 'a clientOid derived from the key')
  const sent = seen(gw.sim, '/api/v1/hf/orders').find(r => r.method === 'POST')
  t.equal(JSON.parse(sent!.body).clientOid, first.data.placeSpotOrder.clientOid, 'the derived clientOid is the one KuCoin got')
  const replay = await gql(gw, PLACE_SPOT, { input: restingSpot, key: 'g-1' })
  t.same(replay.data.placeSpotOrder, { ...first.data.placeSpotOrder, replayed: true }, 'the same key answers with the same order')
  const reused = await gql(gw, PLACE_SPOT, { input: { ...restingSpot, price: '1001' }, key: 'g-1' })
  t.match(errorAt(reused, 'placeSpotOrder')?.extensions, { type: 'urn:kgw:idempotency-key-reused', status: 422 })
  t.equal(seen(gw.sim, '/api/v1/hf/orders').filter(r => r.method === 'POST').length, 1, 'one POST for the key')
  const view = await gql(gw, '{ placement(key: "g-1") { key clientOid market outcome orderId error { type } } none: placement(key: "nope") { key } }')
  t.same(view.data, { placement: { key: 'g-1', clientOid: first.data.placeSpotOrder.clientOid, market: 'spot', outcome: 'PLACED', orderId: first.data.placeSpotOrder.orderId, error: null }, none: null })

  const mine = await gql(gw, PLACE_SPOT, { input: { ...restingSpot, clientOid: 'my-key-1' }, key: 'g-2' })
  t.equal(mine.data.placeSpotOrder.clientOid, 'my-key-1')
  const again = await gql(gw, PLACE_SPOT, { input: { ...restingSpot, clientOid: 'my-key-1' }, key: 'g-3' })
  t.same(again.data.placeSpotOrder, { ...mine.data.placeSpotOrder, idempotencyKey: 'g-3' }, 'another key, the same live clientOid: KuCoin says duplicate, answered with the live order')

  const poor = await gql(gw, PLACE_SPOT, { input: { ...restingSpot, price: '1000000', size: '1' }, key: 'g-4' })
  t.match(errorAt(poor, 'placeSpotOrder')?.extensions, { type: 'urn:kgw:insufficient-funds', status: 422, outcome: 'rejected' })
  t.match((await gql(gw, '{ placement(key: "g-4") { outcome error { type } } }')).data.placement, { outcome: 'REJECTED', error: { type: 'urn:kgw:insufficient-funds' } })

  const third = await gql(gw, PLACE_SPOT, { input: restingSpot, key: 'g-5' })
  const cancels = await gql(gw, `mutation ($id: ID) {
    byId: cancelSpotOrder(symbol: "BTC-USDT", orderId: $id) { orderIds clientOids }
    byClientOid: cancelSpotOrder(symbol: "BTC-USDT", clientOid: "my-key-1") { orderIds clientOids }
  }`, { id: first.data.placeSpotOrder.orderId })
  t.notOk(cancels.errors)
  t.same(cancels.data.byId, { orderIds: [first.data.placeSpotOrder.orderId], clientOids: [] })
  t.same(cancels.data.byClientOid, { orderIds: [], clientOids: ['my-key-1'] })
  const all = await gql(gw, 'mutation { cancelAllSpotOrders(symbol: "BTC-USDT") { orderIds } }')
  t.same(all.data.cancelAllSpotOrders, { orderIds: [] })
  const left = await gql(gw, 'query ($id: ID) { spotAccount { orders(symbol: "BTC-USDT") { items { id } } order(symbol: "BTC-USDT", orderId: $id) { active cancelExist } } }', { id: third.data.placeSpotOrder.orderId })
  t.same(left.data.spotAccount.orders.items, [], 'nothing open')
  t.same(left.data.spotAccount.order, { active: false, cancelExist: true })
  const gone = await gql(gw, 'mutation { cancelSpotOrder(symbol: "BTC-USDT", clientOid: "my-key-1") { orderIds } }')
  t.match(errorAt(gone, 'cancelSpotOrder')?.extensions, { type: 'urn:kgw:invalid-parameter', code: '400100', msg: 'order_not_exist_or_not_allow_to_cancel' })
})

t.test('trading on: futures place, cancel by id and by clientOid, cancel all', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const ids: string[] = []
  for (const clientOid of ['f-1', 'f-2', 'f-3', undefined]) {
    const reply = await gql(gw, PLACE_FUTURES, { input: { ...restingFutures, clientOid }, key: `fk-${clientOid ?? 'derived'}` })
    t.notOk(reply.errors, JSON.stringify(reply.errors))
    if (clientOid) t.equal(reply.data.placeFuturesOrder.clientOid, clientOid)
    else t.match(reply.data.placeFuturesOrder.clientOid, /^k[A-Za-z0-9_-]{39}$/, 'derived from the key: KuCoin futures requires one')
    ids.push(reply.data.placeFuturesOrder.orderId)
  }
  const reply = await gql(gw, `mutation ($id: ID) {
    byId: cancelFuturesOrder(orderId: $id) { orderIds }
    byClientOid: cancelFuturesOrder(clientOid: "f-2", symbol: "XBTUSDTM") { clientOids }
    all: cancelAllFuturesOrders(symbol: "XBTUSDTM") { orderIds }
  }`, { id: ids[0] })
  t.notOk(reply.errors)
  t.same(reply.data.byId.orderIds, [ids[0]])
  t.same(reply.data.byClientOid.clientOids, ['f-2'])
  t.same([...reply.data.all.orderIds].sort(), [ids[2], ids[3]].sort(), 'the rest, in one call')
  const again = await gql(gw, 'mutation ($id: ID) { cancelFuturesOrder(orderId: $id) { orderIds } }', { id: ids[0] })
  t.match(errorAt(again, 'cancelFuturesOrder')?.extensions, { type: 'urn:kgw:order-state-conflict', code: '100004', market: 'futures' })
  const badSize = await gql(gw, PLACE_FUTURES, { input: { ...restingFutures, size: 0 }, key: 'fk-bad' })
  t.match(errorAt(badSize, 'placeFuturesOrder')?.extensions, { type: 'urn:kgw:invalid-parameter', code: '100001' })
})

t.test('trading on but no credentials: mutations are credentials-missing', async t => {
  const gw = await startGateway(t, { key: 'none', env: { KGW_TRADING_ENABLED: 'true' } })
  const reply = await gql(gw, PLACE_SPOT, { input: restingSpot, key: 'nc-1' })
  t.match(errorAt(reply, 'placeSpotOrder')?.extensions, { type: 'urn:kgw:credentials-missing', status: 401 })
})
