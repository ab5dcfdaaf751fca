// Private queries: balances, spot orders (active and done, paged), one order
// by id or clientOid, fills, and the futures overview, positions and orders.
import t from 'tap'
import { startGateway, type Gateway } from '../helper.js'
import { errorAt, gql } from './gql.js'

let placements = 0

async function placeSpot (gw: Gateway, body: Record<string, unknown>): Promise<{ orderId: string, clientOid: string }> {
  const headers = { 'content-type': 'application/json', 'idempotency-key': `account-${++placements}` }
  const res = await gw.call('POST', '/spot/api/v1/hf/orders', { headers, body: JSON.stringify(body) })
  return res.json().data
}

async function allPages (gw: Gateway, query: string, path: (data: any) => any): Promise<{ ids: string[], pages: number }> {
  const ids: string[] = []
  let after: string | null = null
  let pages = 0
  do {
    const reply = await gql(gw, query, { after })
    if (reply.errors) throw new Error(JSON.stringify(reply.errors))
    const page = path(reply.data)
    ids.push(...page.items.map((o: any) => o.id))
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null
    pages++
  } while (after !== null && pages < 20)
  return { ids, pages }
}

t.test('balances, optionally of one currency', async t => {
  const gw = await startGateway(t)
  const reply = await gql(gw, '{ spotAccount { all: balances { currency type balance available holds } usdt: balances(currency: "USDT") { currency balance } } }')
  t.notOk(reply.errors)
  t.same(reply.data.spotAccount.all.map((b: any) => b.currency).sort(), ['BTC', 'ETH', 'USDT'])
  t.match(reply.data.spotAccount.all[0], { type: 'trade', balance: /^\d/, available: /^\d/, holds: /^\d/ })
  t.same(reply.data.spotAccount.usdt, [{ currency: 'USDT', balance: '10000' }])
})

t.test('spot orders: active and done, paged newest first with one cursor convention', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const placed: string[] = []
  for (let i = 0; i < 5; i++) placed.push((await placeSpot(gw, { symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: String(1000 + i), size: '0.001' })).orderId)
  const active = await allPages(gw, 'query ($after: String) { spotAccount { orders(symbol: "BTC-USDT", first: 2, after: $after) { items { id } pageInfo { hasNextPage endCursor } } } }', d => d.spotAccount.orders)
  t.equal(active.pages, 3, 'five orders in pages of two')
  t.same([...active.ids].sort(), [...placed].sort(), 'every open order exactly once')

  for (const id of placed.slice(0, 3)) await gw.call('DELETE', `/spot/api/v1/hf/orders/${id}?symbol=BTC-USDT`)
  const done = await allPages(gw, 'query ($after: String) { spotAccount { orders(symbol: "BTC-USDT", status: DONE, first: 2, after: $after) { items { id active } pageInfo { hasNextPage endCursor } } } }', d => d.spotAccount.orders)
  t.same(done.ids, placed.slice(0, 3).reverse(), 'the cancelled orders, newest first, across KuCoin lastId pages')
  const sells = await gql(gw, '{ spotAccount { orders(symbol: "BTC-USDT", side: SELL) { items { id } } } }')
  t.same(sells.data.spotAccount.orders.items, [], 'filtered by side')
  const bad = await gql(gw, '{ spotAccount { orders(symbol: "BTC-USDT", after: "garbage") { items { id } } } }')
  t.match(errorAt(bad, 'spotAccount.orders')?.extensions, { type: 'urn:kgw:bad-request' })
  const tooMany = await gql(gw, '{ spotAccount { orders(symbol: "BTC-USDT", first: 101) { items { id } } } }')
  t.match(errorAt(tooMany, 'spotAccount.orders')?.extensions, { type: 'urn:kgw:bad-request' })
})

t.test('one spot order by id or by clientOid, and fills', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const resting = await placeSpot(gw, { clientOid: 'graphql-test-1', symbol: 'ETH-USDT', side: 'buy', type: 'limit', price: '100', size: '0.5' })
  const taker = await placeSpot(gw, { symbol: 'ETH-USDT', side: 'buy', type: 'market', funds: '100' })
  const reply = await gql(gw, `query ($id: ID) { spotAccount {
    byId: order(symbol: "ETH-USDT", orderId: $id) { id clientOid price size active side type createdAt }
    byClientOid: order(symbol: "ETH-USDT", clientOid: "graphql-test-1") { id }
    both: order(symbol: "ETH-USDT", orderId: $id, clientOid: "x") { id }
    unknown: order(symbol: "ETH-USDT", orderId: "000000000000000000000000") { id }
    fills(symbol: "ETH-USDT") { items { orderId side type price size funds fee feeCurrency createdAt } pageInfo { hasNextPage } }
  } }`, { id: resting.orderId })
  t.match(reply.data.spotAccount.byId, { id: resting.orderId, clientOid: 'graphql-test-1', price: '100', size: '0.5', active: true, side: 'BUY', type: 'LIMIT', createdAt: Number })
  t.same(reply.data.spotAccount.byClientOid, { id: resting.orderId })
  t.equal(reply.data.spotAccount.both, null)
  t.match(errorAt(reply, 'spotAccount.both')?.extensions, { type: 'urn:kgw:bad-request', status: 400 })
  t.equal(reply.data.spotAccount.unknown, null)
  t.match(errorAt(reply, 'spotAccount.unknown')?.extensions, { type: 'urn:kgw:order-not-found', code: '102436', status: 404 })
  const fills = reply.data.spotAccount.fills
  t.equal(fills.items.length, 1, 'the market order filled once')
  t.match(fills.items[0], { orderId: taker.orderId, side: 'BUY', type: 'MARKET', feeCurrency: 'USDT' })
  t.equal(fills.pageInfo.hasNextPage, false)
})

t.test('futures overview, positions, paged orders and one order', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const post = (body: object): Promise<any> => gw.call('POST', '/futures/api/v1/orders', { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(r => r.json().data)
  await post({ clientOid: 'fut-market-1', symbol: 'XBTUSDTM', side: 'buy', type: 'market', size: 2, leverage: 5 })
  const ids = []
  for (let i = 0; i < 3; i++) ids.push((await post({ clientOid: `fut-limit-${i}`, symbol: 'XBTUSDTM', side: 'buy', type: 'limit', price: String(1000 + i), size: 1, leverage: 5 })).orderId)
  const reply = await gql(gw, `{ futuresAccount {
    overview { currency accountEquity availableBalance positionMargin orderMargin unrealisedPnl }
    xbt: overview(currency: "XBT") { currency }
    positions { symbol currentQty isOpen avgEntryPrice markPrice settleCurrency leverage }
    position(symbol: "XBTUSDTM") { symbol currentQty }
    byClientOid: order(clientOid: "fut-limit-1") { id price size isActive status type side leverage }
  } }`)
  t.notOk(reply.errors, JSON.stringify(reply.errors))
  const account = reply.data.futuresAccount
  t.match(account.overview, { currency: 'USDT', accountEquity: /^\d/, availableBalance: /^\d/ })
  t.ok(Number(account.overview.positionMargin) > 0, 'the position holds margin')
  t.ok(Number(account.overview.orderMargin) > 0, 'the open orders hold margin')
  t.equal(account.xbt.currency, 'XBT')
  t.match(account.positions, [{ symbol: 'XBTUSDTM', currentQty: '2', isOpen: true, settleCurrency: 'USDT' }])
  t.same(account.position, { symbol: 'XBTUSDTM', currentQty: '2' })
  t.match(account.byClientOid, { id: ids[1], price: '1001', size: '1', isActive: true, status: 'open', type: 'LIMIT', side: 'BUY' })
  const active = await allPages(gw, 'query ($after: String) { futuresAccount { orders(first: 2, after: $after) { items { id } pageInfo { hasNextPage endCursor } } } }', d => d.futuresAccount.orders)
  t.same(active.ids, [...ids].reverse(), 'open orders newest first, across KuCoin pages')
  t.equal(active.pages, 2)
  const done = await gql(gw, '{ futuresAccount { orders(status: DONE, symbol: "XBTUSDTM") { items { clientOid isActive filledSize } } } }')
  t.match(done.data.futuresAccount.orders.items, [{ clientOid: 'fut-market-1', isActive: false, filledSize: '2' }])
  const byId = await gql(gw, 'query ($id: ID) { futuresAccount { order(orderId: $id) { clientOid } } }', { id: ids[0] })
  t.same(byId.data.futuresAccount.order, { clientOid: 'fut-limit-0' })
})
