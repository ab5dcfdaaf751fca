import t from 'tap'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { startGateway } from './helper.js'

t.test('/healthz answers while the process lives; /readyz follows KuCoin', async t => {
  const gw = await startGateway(t)
  t.same((await gw.get('/healthz')).json(), { status: 'ok' })
  const ready = await gw.get('/readyz')
  t.equal(ready.status, 200)
  t.match(ready.json(), { ready: true, checks: { config: { ready: true }, spot: { ready: true, clockOffsetMs: Number }, futures: { ready: true } } })
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
