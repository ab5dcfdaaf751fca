// REST economy over real sockets: identical public GETs in flight are one
// KuCoin call, the optional micro-cache is off by default and bounded in
// bytes, and a client that goes away aborts its upstream call unless someone
// else still waits for it.
import t, { type Test } from 'tap'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { SharedGets } from '../../src/kucoin/shared-gets.js'
import { seen, startGateway } from '../helper.js'

const LEVEL1 = '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT'

t.test('200 identical public GETs in flight: one KuCoin call, one answer for all', async t => {
  const upstream = await holdingUpstream(t)
  const gw = await gatewayFor(t, upstream.url)
  const replies = Array.from({ length: 200 }, async () => await request(`${gw.url}${LEVEL1}`).then(async res => ({ status: res.statusCode, text: await res.body.text() })))
  // KuCoin answers only once all 200 are waiting, so how they happen to interleave cannot matter.
  await until(() => gw.shared.stats.joined === 199, 'all 200 at the gateway, 199 of them joining the first')
  upstream.release()
  const answers = await Promise.all(replies)
  t.ok(answers.every(r => r.status === 200), 'all 200 answered')
  t.equal(new Set(answers.map(r => r.text)).size, 1, 'with the same body')
  t.equal(upstream.received(), 1, 'KuCoin got one call')
  t.match(await (await request(`${gw.url}/metrics`)).body.text(), /kgw_upstream_shared_total\{how="joined"\} 199/)
})

t.test('the micro-cache: off by default, reuses within KGW_CACHE_TTL_MS, bounded by KGW_CACHE_MAX_BYTES', async t => {
  const twice = async (env: Record<string, string>): Promise<number> => {
    const gw = await startGateway(t, { key: 'none', env })
    gw.sim.clearRequests()
    t.equal((await gw.get(LEVEL1)).status, 200)
    t.equal((await gw.get(LEVEL1)).status, 200)
    return seen(gw.sim, '/api/v1/market/orderbook/level1').length
  }
  t.equal(await twice({}), 2, 'default: every later request asks KuCoin')
  t.equal(await twice({ KGW_CACHE_TTL_MS: '60000' }), 1, 'with a TTL: reused')
  t.equal(await twice({ KGW_CACHE_TTL_MS: '60000', KGW_CACHE_MAX_BYTES: '1' }), 2, 'an answer larger than the cache is not kept')
  const gw = await startGateway(t, { env: { KGW_CACHE_TTL_MS: '60000' } })
  gw.sim.clearRequests()
  await gw.get('/spot/api/v1/accounts')
  await gw.get('/spot/api/v1/accounts')
  t.equal(seen(gw.sim, '/api/v1/accounts').length, 2, 'private answers are never cached')
})

/** An upstream that answers time syncs and `symbol=FAST` at once, holds every other call, and counts those closed unanswered. */
async function holdingUpstream (t: Test): Promise<{ url: string, held: Set<ServerResponse>, received: () => number, abandoned: () => number, release: () => void }> {
  const held = new Set<ServerResponse>()
  let received = 0
  let abandoned = 0
  const json = (res: ServerResponse, data: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json', 'gw-ratelimit-limit': '2000', 'gw-ratelimit-remaining': '1990', 'gw-ratelimit-reset': '20000' })
    res.end(JSON.stringify({ code: '200000', data }))
  }
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/timestamp') === true) { json(res, Date.now()); return }
    if (req.url?.includes('symbol=FAST') === true) { json(res, { price: '1' }); return }
    received++
    held.add(res)
    res.on('close', () => {
      held.delete(res)
      if (!res.writableFinished) abandoned++
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => { server.closeAllConnections(); server.close(resolve) }))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    received: () => received,
    abandoned: () => abandoned,
    release: () => { for (const res of held) json(res, { price: '2' }) }
  }
}

async function gatewayFor (t: Test, upstream: string): Promise<{ url: string, shared: SharedGets }> {
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', KUCOIN_SPOT_URL: upstream, KUCOIN_FUTURES_URL: upstream, KGW_UPSTREAM_CONNECTIONS: '8' }))
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, shared: app.kucoin.shared }
}

async function until (check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

t.test('200 clients give up after 300 ms on a slow call: their upstream calls are aborted, and the next call is not held up', async t => {
  const upstream = await holdingUpstream(t)
  const { url: gw } = await gatewayFor(t, upstream.url)
  const gaveUp = await Promise.all(Array.from({ length: 200 }, async (_, i) =>
    await request(`${gw}/spot/api/v1/market/orderbook/level1?symbol=SLOW&n=${i}`, { signal: AbortSignal.timeout(300) }).then(() => 'answered', () => 'gave up')))
  t.same(new Set(gaveUp), new Set(['gave up']))
  await until(() => upstream.received() > 0 && upstream.held.size === 0, 'every upstream call that was sent to be closed')
  t.equal(upstream.abandoned(), upstream.received(), `all ${upstream.received()} sent calls were aborted (the other ${200 - upstream.received()} never left the gateway)`)
  // Only 8 upstream connections: had the 200 stayed, this call could never be sent.
  const res = await request(`${gw}/spot/api/v1/market/orderbook/level1?symbol=FAST`, { signal: AbortSignal.timeout(20_000) })
  t.equal(res.statusCode, 200)
  t.match(await res.body.json(), { data: { price: '1' } })
})

t.test('a shared call is aborted only when the last of its callers has gone', async t => {
  const upstream = await holdingUpstream(t)
  const gw = await gatewayFor(t, upstream.url)
  const url = `${gw.url}/spot/api/v1/market/orderbook/level1?symbol=SHARED`
  const leaving = Array.from({ length: 9 }, () => new AbortController())
  const calls = leaving.map(async c => await request(url, { signal: c.signal }).then(() => 'answered', () => 'gave up'))
  const staying = request(url).then(async res => ({ status: res.statusCode, body: await res.body.json() }))
  await until(() => gw.shared.stats.joined === 9, 'all ten callers on the one shared call')
  for (const c of leaving) c.abort()
  t.same(new Set(await Promise.all(calls)), new Set(['gave up']))
  t.equal(upstream.held.size, 1, 'one caller still waits: the upstream call goes on')
  upstream.release()
  t.match(await staying, { status: 200, body: { data: { price: '2' } } })
  t.equal(upstream.abandoned(), 0)
  const alone = Array.from({ length: 5 }, () => new AbortController())
  const more = alone.map(async c => await request(`${url}&again=1`, { signal: c.signal }).catch(() => 'gave up'))
  await until(() => gw.shared.stats.joined === 13, 'all five on a second shared call')
  for (const c of alone) c.abort()
  await Promise.all(more)
  await until(() => upstream.abandoned() === 1, 'the second call to be aborted once all five had gone')
  t.equal(upstream.received(), 2)
})
