// Issue 15: cancels — by order id and by clientOid, on every host — take
// priority in the governor (issue 8): they are priced from the catalog as the
// `cancel` class, which goes first and may use the reserve.
import t from 'tap'
import { Catalog } from '../../src/kucoin/catalog.js'
import { ENDPOINT_ROWS } from '../../src/kucoin/catalog.generated.js'
import { chargeFor } from '../../src/kucoin/governor/classify.js'
import { Governor, type Ticket } from '../../src/kucoin/governor/governor.js'

const catalog = new Catalog()

t.test('every cancel in the catalog is a cancel, the by-clientOid ones included', async t => {
  const cancels = ENDPOINT_ROWS.filter(row => /cancel/i.test(row[9]) && row[9] !== 'setDCP' && row[9] !== 'getDCP')
  t.ok(cancels.length >= 25, `${cancels.length} cancel operations`)
  for (const [market, method, path, , , , , , , name] of cancels) {
    const endpoint = catalog.find(market as 'spot', method, path.replace(/\{[^}]+\}/g, 'x'))
    t.equal(chargeFor(market === 'futures' ? 'futures' : 'spot', method, true, endpoint).priority, 'cancel', `${method} ${path} (${name})`)
  }
  const byClientOid: Array<['spot' | 'futures', string]> = [
    ['spot', '/api/v1/hf/orders/client-order/k1'],
    ['spot', '/api/v1/hf/orders/sync/client-order/k1'],
    ['spot', '/api/v1/order/client-order/k1'],
    ['spot', '/api/v3/hf/margin/orders/client-order/k1'],
    ['futures', '/api/v1/orders/client-order/k1']
  ]
  for (const [market, path] of byClientOid) {
    const endpoint = catalog.lookup(market, 'DELETE', path)
    t.ok(endpoint, `${path} is catalogued`)
    t.equal(chargeFor(market, 'DELETE', true, endpoint).priority, 'cancel', `cancel by clientOid ${market} ${path}`)
  }
})

t.test('a cancel by clientOid overtakes waiting placements and goes from the reserve', async t => {
  const g = new Governor({ quotas: { Spot: 10 }, windowMs: 300, cancelReserve: 0.2, maxQueue: 100, maxQueuePerCaller: 100, maxWaitMs: 20_000, marginMs: 10 })
  t.teardown(() => { g.close() })
  const ticket = (method: string, path: string): Ticket => ({ market: 'spot', caller: 'a', ...chargeFor('spot', method, true, catalog.lookup('spot', method, path)) })
  const place = ticket('POST', '/api/v1/hf/orders')
  t.equal(place.priority, 'place')
  for (let i = 0; i < 9; i++) await g.admit(place) // placements may use all but half the reserve
  const order: string[] = []
  const waiting = g.admit(place).then(() => order.push('place'))
  await g.admit(ticket('DELETE', '/api/v1/hf/orders/client-order/k1'))
  order.push('cancel')
  await waiting
  t.same(order, ['cancel', 'place'], 'the cancel went at once while the placement waited for the window')
})
