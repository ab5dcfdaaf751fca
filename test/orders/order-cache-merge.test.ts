// The order cache's pure parts: the monotonic merge (a table of evidence
// sequences in awkward orders), exact decimal comparison, and how calls and
// stream messages read as evidence.
import t from 'tap'
import { compareDecimal, mergeOrder, newOrder, type CachedOrder, type OrderUpdate } from '../../src/orders/order-cache-merge.js'
import { fromLookupReply, fromPlacementReply, fromStream, lookupOf, placementOf } from '../../src/orders/order-cache-paths.js'
import { orderView } from '../../src/orders/order-cache.js'

const fold = (updates: OrderUpdate[]): CachedOrder =>
  updates.reduce<CachedOrder>((order, update, i) => mergeOrder(order, update, true, i + 1), newOrder('spot', 'spot-hf', {}, false, 0))

t.test('merge: final states stick, filled size never shrinks, identity is never unset', async t => {
  const cases: Array<{ name: string, updates: OrderUpdate[], status: string, filled: string, extra?: Partial<CachedOrder> }> = [
    { name: 'in order', updates: [{ status: 'new' }, { status: 'open' }, { status: 'match', filledSize: '0.5' }, { status: 'done', filledSize: '1' }], status: 'done', filled: '1' },
    { name: 'done before open (reordered stream)', updates: [{ status: 'done', filledSize: '1' }, { status: 'open', filledSize: '0' }], status: 'done', filled: '1' },
    { name: 'stale lookup after the fill', updates: [{ status: 'match', filledSize: '0.3' }, { status: 'open', filledSize: '0.1' }], status: 'match', filled: '0.3' },
    { name: 'a cancel (done) then a late match', updates: [{ status: 'done', filledSize: '0.2' }, { status: 'match', filledSize: '0.25' }], status: 'done', filled: '0.25' },
    { name: 'more decimals are not bigger', updates: [{ filledSize: '0.9' }, { filledSize: '0.100000001' }], status: 'new', filled: '0.9' },
    { name: 'integers (futures lots)', updates: [{ filledSize: '9' }, { filledSize: '10' }, { filledSize: '2' }], status: 'new', filled: '10' },
    { name: 'a malformed size never wins', updates: [{ filledSize: '3' }, { filledSize: 'NaN' }, { filledSize: '-4' }], status: 'new', filled: '3' },
    { name: 'gaps: nothing then done', updates: [{}, { status: 'done' }], status: 'done', filled: '0' },
    {
      name: 'identity filled in, never replaced or unset',
      updates: [{ clientOid: 'a' }, { orderId: 'x', clientOid: undefined }, { orderId: 'y', symbol: 'BTC-USDT' }],
      status: 'new',
      filled: '0',
      extra: { orderId: 'x', clientOid: 'a', symbol: 'BTC-USDT' }
    }
  ]
  for (const c of cases) {
    const order = fold(c.updates)
    t.equal(order.status, c.status, `${c.name}: status`)
    t.equal(order.filledSize, c.filled, `${c.name}: filled`)
    if (c.extra) t.match(order, c.extra, `${c.name}: fields`)
  }
  // Every permutation of one order's real stream ends in the same state.
  const stream: OrderUpdate[] = [{ status: 'new' }, { status: 'open', filledSize: '0' }, { status: 'match', filledSize: '0.4' }, { status: 'done', filledSize: '1', canceledSize: '0' }]
  const permutations = (xs: OrderUpdate[]): OrderUpdate[][] => xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map(p => [x, ...p]))
  const ends = new Set(permutations(stream).map(p => { const o = fold(p); return `${o.status} ${o.filledSize}` }))
  t.same([...ends], ['done 1'], 'order of arrival does not matter')
  const prev = newOrder('futures', 'futures', { orderId: '1' }, false, 0)
  mergeOrder(prev, { status: 'done' }, true, 1)
  t.equal(prev.status, 'new', 'the merge does not change its input')
  t.equal(mergeOrder(prev, {}, true, 1).confirmed, true, 'confirmation sticks too')
})

t.test('compareDecimal is exact', async t => {
  const table: Array<[string, string, number]> = [
    ['0', '0.0', 0], ['1', '0.999999999999999999', 1], ['0.1', '0.10', 0], ['10', '9.99', 1],
    ['0.00000001', '0.000000009', 1], ['123456789012345678901', '123456789012345678900', 1], ['007', '7', 0]
  ]
  for (const [a, b, want] of table) {
    t.equal(compareDecimal(a, b), want, `${a} vs ${b}`)
    t.equal(compareDecimal(b, a), -want, `${b} vs ${a}`)
  }
})

t.test('which calls are placements and lookups', async t => {
  t.same(placementOf('spot', 'POST', '/api/v1/hf/orders'), { kind: 'spot-hf' })
  t.same(placementOf('spot', 'POST', '/api/v1/hf/orders/sync/'), { kind: 'spot-hf' })
  t.same(placementOf('spot', 'POST', '/api/v3/hf/margin/order'), { kind: 'margin-hf' })
  t.same(placementOf('futures', 'POST', '/api/v1/orders'), { kind: 'futures' })
  t.equal(placementOf('spot', 'POST', '/api/v1/hf/orders/test'), undefined, 'a test order places nothing')
  t.equal(placementOf('spot', 'GET', '/api/v1/hf/orders'), undefined)
  const table: Array<[Parameters<typeof lookupOf>, ReturnType<typeof lookupOf>]> = [
    [['spot', 'GET', '/api/v1/hf/orders/abc', 'symbol=BTC-USDT'], { kind: 'spot-hf', by: 'orderId', id: 'abc', symbol: 'BTC-USDT' }],
    [['spot', 'GET', '/api/v1/hf/orders/client-order/my%2Doid', 'symbol=BTC-USDT'], { kind: 'spot-hf', by: 'clientOid', id: 'my-oid', symbol: 'BTC-USDT' }],
    [['spot', 'GET', '/api/v3/hf/margin/orders/client-order/m1', 'symbol=BTC-USDT'], { kind: 'margin-hf', by: 'clientOid', id: 'm1', symbol: 'BTC-USDT' }],
    [['spot', 'GET', '/api/v1/orders/abc', ''], { kind: 'spot-classic', by: 'orderId', id: 'abc', symbol: undefined }],
    [['futures', 'GET', '/api/v1/orders/123', ''], { kind: 'futures', by: 'orderId', id: '123', symbol: undefined }],
    [['futures', 'GET', '/api/v1/orders/byClientOid', 'clientOid=f1'], { kind: 'futures', by: 'clientOid', id: 'f1', symbol: undefined }],
    [['spot', 'GET', '/api/v1/hf/orders/active', 'symbol=BTC-USDT'], undefined],
    [['spot', 'GET', '/api/v1/hf/orders/done', 'symbol=BTC-USDT'], undefined],
    [['spot', 'GET', '/api/v1/hf/orders/active/symbols', ''], undefined],
    [['futures', 'GET', '/api/v1/orders/byClientOid', ''], undefined],
    [['futures', 'GET', '/api/v1/orders', 'status=active'], undefined],
    [['spot', 'DELETE', '/api/v1/hf/orders/abc', 'symbol=BTC-USDT'], undefined],
    [['spot', 'GET', '/api/v1/hf/orders/%E0%A4%A', ''], undefined]
  ]
  for (const [args, want] of table) t.same(lookupOf(...args), want, `${args[1]} ${args[0]} ${args[2]}?${args[3]}`)
})

t.test('evidence from replies and stream messages', async t => {
  t.match(fromPlacementReply({ orderId: 'o', clientOid: 'c' }), { orderId: 'o', clientOid: 'c', status: undefined })
  t.match(fromPlacementReply({ orderId: 'o', status: 'done', dealSize: '0.1', orderTime: 1729174140586 }), { status: 'done', filledSize: '0.1', createdAt: 1729174140586 })
  t.match(fromLookupReply({ id: 'o', active: false, dealSize: '1', symbol: 'BTC-USDT' }), { orderId: 'o', status: 'done', filledSize: '1', symbol: 'BTC-USDT' })
  t.match(fromLookupReply({ id: '5', isActive: true, status: 'open', filledSize: 0 }), { orderId: '5', status: 'open', filledSize: '0' })
  // Futures messages may lack clientOid, and their orderTime is in nanoseconds.
  const futures = fromStream({ symbol: 'XBTUSDTM', orderId: '247899236673269761', type: 'open', orderTime: '1731916985768138917', size: '1', filledSize: '0', status: 'open' })
  t.match(futures, { orderId: '247899236673269761', clientOid: undefined, status: 'open', createdAt: 1731916985768 })
  t.match(fromStream({ orderId: 'o', clientOid: 'c', orderType: 'market', originSize: '0.00001', status: 'new', type: 'received' }), { type: 'market', size: '0.00001', status: 'new' })
  t.same(fromStream(null), {})
  t.same(fromLookupReply([]), {})
})

t.test('the answer has the lookup\'s shape, with what the cache knows', async t => {
  const spot = mergeOrder(newOrder('spot', 'spot-hf', { orderId: 'o', clientOid: 'c', symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', size: '0.001' }, true, 0), { status: 'done', filledSize: '0.001' }, true, 1)
  t.same(orderView(spot), { id: 'o', clientOid: 'c', symbol: 'BTC-USDT', type: 'limit', side: 'buy', price: '1000', size: '0.001', dealSize: '0.001', active: false })
  const futures = newOrder('futures', 'futures', { orderId: '9', symbol: 'XBTUSDTM', detail: { id: '9', isActive: true, status: 'open', leverage: '5' } }, true, 0)
  t.match(orderView(mergeOrder(futures, { status: 'done', filledSize: '1' }, true, 1)), { id: '9', leverage: '5', status: 'done', isActive: false, filledSize: '1', dealSize: '1' }, 'a kept lookup answer, brought up to date')
})
