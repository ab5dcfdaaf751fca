import t from 'tap'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { startGateway } from './helper.js'
import { connect, until } from './ws/ws-client.js'

t.test('/healthz answers while the process lives; /readyz follows KuCoin', async t => {
  const gw = await startGateway(t)
  t.same((await gw.get('/healthz')).json(), { status: 'ok' })
  const ready = await gw.get('/readyz')
  t.equal(ready.status, 200)
  t.match(ready.json(), { ready: true, checks: { config: { ready: true }, spot: { ready: true, clockOffsetMs: Number }, futures: { ready: true } } })
  t.same(ready.json().checks.websocket, {
    ready: true,
    spot: { ready: true, degraded: false, topics: 0, pending: 0, connections: 0, open: 0, stale: 0, oldest: [] },
    futures: { ready: true, degraded: false, topics: 0, pending: 0, connections: 0, open: 0, stale: 0, oldest: [] }
  }, 'nothing subscribed: the WebSocket feeds are ready')
})

t.test('/readyz follows the WebSocket feeds where topics are subscribed', async t => {
  const gw = await startGateway(t)
  const client = await connect(gw.url)
  t.teardown(() => client.close())
  await client.subscribe('/market/ticker:BTC-USDT')
  await client.subscribe('/market/match:ETH-USDT')
  await until(() => gw.sim.ws.subscriptions().some(s => s.topics.length === 2), 5000, 'upstream subscriptions')
  const up = await gw.get('/readyz')
  t.equal(up.status, 200)
  t.match(up.json().checks.websocket, { ready: true, spot: { ready: true, topics: 2, connections: 1, open: 1 }, futures: { ready: true, topics: 0 } })

  // KuCoin drops the connection and refuses new ones: the feed is down while it retries.
  gw.sim.ws.refuseConnections(true)
  gw.sim.ws.dropAll()
  let down = await gw.get('/readyz')
  for (let i = 0; i < 100 && down.status === 200; i++) down = await gw.get('/readyz')
  t.equal(down.status, 503)
  t.match(down.json(), {
    ready: false,
    checks: { spot: { ready: true }, futures: { ready: true }, websocket: { ready: false, spot: { ready: false, topics: 2, connections: 1, open: 0 }, futures: { ready: true } } }
  }, 'the REST checks still pass; the spot feed does not')

  gw.sim.ws.refuseConnections(false)
  await client.waitFor(f => f.subject === 'upstream.reconnected', 15_000)
  const back = await gw.get('/readyz')
  t.equal(back.status, 200)
  t.match(back.json().checks.websocket.spot, { ready: true, open: 1 })
})

t.test('/readyz is 503 while KuCoin cannot be reached', async t => {
  // A port that was just free: nothing listens there.
  const probe = createServer()
  await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise(resolve => probe.close(resolve))
  const dead = `http://127.0.0.1:${port}`
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', KUCOIN_SPOT_URL: dead, KUCOIN_FUTURES_URL: dead }))
  t.teardown(() => app.close())
  await app.ready()
  await Promise.all(Object.values(app.kucoin.clocks).map(c => c.sync().catch(() => {})))
  const res = await app.inject('/readyz')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { ready: false, checks: { spot: { ready: false, clockOffsetMs: null, lastError: String } } })
  t.equal((await app.inject('/healthz')).statusCode, 200, 'still alive')
})
