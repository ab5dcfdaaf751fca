// KuCoin closes every connection after 24 h. The gateway renews first
// (make-before-break): a new upstream socket, subscribed, then the old one
// closes; during the overlap both deliver and identical frames pass once.
// Here the simulator's 24 h limit is 2.5 s and the gateway renews after 1.5 s,
// so without renewal the simulator's close would be a drop with a gap.
import t from 'tap'
import { startGateway } from '../helper.js'
import { connect, until } from './ws-client.js'

const TOPIC = '/market/match:BTC-USDT' // a delta stream: a gap or a duplicate would corrupt a book

t.test('renewal: clients keep receiving, with no gap, no duplicate and no notice', async t => {
  const gw = await startGateway(t, {
    env: { KGW_UPSTREAM_WS_RENEW_AFTER_MS: '1500' },
    // A short ping interval makes the overlap short too (it lasts at most one ping interval).
    simulator: { ws: { pingIntervalMs: 500 } }
  })
  gw.sim.ws.closeAfter(2500)
  const clients = await Promise.all([connect(gw.url), connect(gw.url), connect(gw.url)])
  t.teardown(() => { for (const c of clients) c.close() })
  for (const c of clients) await c.subscribe(TOPIC)
  await until(() => gw.sim.ws.subscriptions().some(s => s.topics.includes(TOPIC)), 5000, 'upstream subscription')
  const connection = (): { renewals: number, reconnects: number } => gw.app.feeds.spot.totals.public

  // A numbered stream until the gateway has renewed twice, then a little more.
  let n = 0
  const publish = (): void => {
    gw.sim.ws.publishRaw('spot', TOPIC, JSON.stringify({ type: 'message', topic: TOPIC, subject: 'test', data: { n: n++ } }))
  }
  const deadline = Date.now() + 15_000 // a bound, not an assertion: the checks below say what went wrong
  while (connection().renewals < 2 && Date.now() < deadline) {
    publish()
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  for (let i = 0; i < 50; i++) { publish(); await new Promise(resolve => setTimeout(resolve, 5)) }
  t.ok(connection().renewals >= 2, `renewed ${connection().renewals} times while ${n} frames were published`)
  t.equal(connection().reconnects, 0, 'never a reconnect: the simulator never had to cut a connection')

  const sent = n
  await until(() => clients.every(c => c.frames.filter(f => f.subject === 'test').length >= sent), 10_000, 'every frame delivered')
  await new Promise(resolve => setTimeout(resolve, 200)) // room for a late duplicate to show up
  const expected = Array.from({ length: sent }, (_, i) => i).join()
  clients.forEach((c, i) => {
    const ns = c.frames.filter(f => f.subject === 'test').map(f => f.data.n as number)
    const odd = ns.flatMap((v, k) => v === k ? [] : [`#${k}=${v}`]).slice(0, 5)
    t.equal(ns.join(), expected, `client ${i}: every frame once, in order${odd.length ? ` (first differences: ${odd.join(' ')}; ${ns.length} received)` : ''}`)
    t.notOk(c.frames.some(f => f.type === 'notice'), `client ${i}: no notice`)
  })
  t.equal(gw.app.feeds.spot.connections().length, 1, 'still one logical upstream connection')
})
