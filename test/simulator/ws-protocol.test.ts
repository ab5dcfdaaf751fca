import t from 'tap'
import type { Test } from 'tap'
import { simulator } from './fixtures/sim-client.js'
import { bullet, connect, open } from './fixtures/ws-client.js'

t.test('bullet, welcome, ping/pong and acks', async t => {
  const sim = await simulator(t, { ws: { pingIntervalMs: 5000, pingTimeoutMs: 2000 } })
  const b = await bullet(sim)
  t.equal(b.endpoint, `${sim.spotUrl.replace('http://', 'ws://')}/`, 'the bullet endpoint is this host')
  t.same([b.pingInterval, b.pingTimeout], [5000, 2000], 'advertised ping timings follow the options')
  const fb = await bullet(sim, 'futures')
  t.equal(fb.endpoint, `${sim.futuresUrl.replace('http://', 'ws://')}/`)

  const c = await connect(t, `${b.endpoint}?token=${b.token}&connectId=hQvf8jkno`)
  t.same(await c.next(), { id: 'hQvf8jkno', type: 'welcome' }, 'welcome echoes the connectId')

  const pong = await c.request({ id: 1545910590801, type: 'ping' })
  t.equal(pong.type, 'pong')
  t.equal(pong.id, '1545910590801', 'numeric id echoed as a string')
  t.type(pong.timestamp, 'number')

  t.same(await c.request({ id: 1, type: 'subscribe', topic: '/market/ticker:BTC-USDT,ETH-USDT', privateChannel: false, response: true }), { id: '1', type: 'ack' })
  c.send({ id: 2, type: 'subscribe', topic: '/market/match:BTC-USDT', response: false })
  t.equal((await c.request({ id: 3, type: 'ping' })).type, 'pong', 'no ack without response:true: the next reply is the pong')
  t.notOk(c.frames.some(f => f.id === '2'))
  t.same(sim.ws.subscriptions(), [{ id: 'hQvf8jkno', market: 'spot', private: false, topics: ['/market/ticker:BTC-USDT', '/market/ticker:ETH-USDT', '/market/match:BTC-USDT'] }])

  t.same(await c.request({ id: 'u', type: 'unsubscribe', topic: '/market/ticker:ETH-USDT', response: true }), { id: 'u', type: 'ack' }, 'partial unsubscribe')
  t.same(sim.ws.subscriptions()[0]?.topics, ['/market/ticker:BTC-USDT', '/market/match:BTC-USDT'])
  t.equal(sim.ws.connections(), 1)
  t.equal(sim.ws.connections('futures'), 0)
})

t.test('a connection without connectId gets a random welcome id', async t => {
  const sim = await simulator(t)
  const b = await bullet(sim)
  const c = await connect(t, `${b.endpoint}?token=${b.token}`)
  const welcome = await c.next()
  t.equal(welcome.type, 'welcome')
  t.match(welcome.id, /^[0-9a-f]{16}$/)
})

t.test('tokens', async t => {
  const sim = await simulator(t)
  const spot = await bullet(sim)
  const futures = await bullet(sim, 'futures')

  const rejected = async (t: Test, url: string): Promise<void> => {
    const c = await connect(t, url)
    t.same(await c.next(), { id: 'x', type: 'error', code: 401, data: 'token is invalid' })
    t.equal(await c.closed, 1000)
  }
  await t.test('an unknown or missing token', async t => {
    await rejected(t, `${spot.endpoint}?token=forged&connectId=x`)
    await rejected(t, `${spot.endpoint}?connectId=x`)
  })
  await t.test('a futures token is invalid on the spot host', async t => { await rejected(t, `${spot.endpoint}?token=${futures.token}&connectId=x`) })
  await t.test('tokens expire after 24 h by default', async t => {
    sim.setClockOffset(24 * 3_600_000 + 1000)
    await rejected(t, `${spot.endpoint}?token=${spot.token}&connectId=x`)
    sim.setClockOffset(0)
  })
  await t.test('any path and extra query parameters are accepted', async t => {
    const c = await connect(t, `${spot.endpoint}endpoint?token=${spot.token}&privateChannel=false&connectId=p`)
    t.same(await c.next(), { id: 'p', type: 'welcome' })
  })
})

t.test('tokenTtlMs', async t => {
  const sim = await simulator(t, { ws: { tokenTtlMs: 1000 } })
  const b = await bullet(sim)
  sim.setClockOffset(1500)
  const c = await connect(t, `${b.endpoint}?token=${b.token}&connectId=x`)
  t.equal((await c.next()).code, 401)
})

t.test('request errors', async t => {
  const sim = await simulator(t)
  const c = await open(t, sim)
  t.same(await c.request({ id: 'a', type: 'hello' }), { id: 'a', type: 'error', code: 415, data: 'type is not supported' })
  c.socket.send('not json')
  t.same(await c.next(f => f.type === 'error'), { id: 'c1', type: 'error', code: 415, data: 'type is not supported' }, 'unparseable frames answer with the connection id')
  t.same(await c.request({ id: 'b', type: 'subscribe', response: true }), { id: 'b', type: 'error', code: 406, data: 'topic is required' })
  t.same(await c.request({ id: 'b2', type: 'unsubscribe', topic: '', response: true }), { id: 'b2', type: 'error', code: 406, data: 'topic is required' })
  t.same(await c.request({ id: 'c', type: 'subscribe', topic: '/market/level2:BSV-BTC', response: true }), { id: 'c', type: 'error', code: 404, data: 'topic /market/level2:BSV-BTC is not found' })
  t.same(await c.request({ id: 'd', type: 'subscribe', topic: '/nope/x:BTC-USDT', response: true }), { id: 'd', type: 'error', code: 404, data: 'topic /nope/x:BTC-USDT is not found' })
  t.equal((await c.request({ id: 'e', type: 'subscribe', topic: '/contractMarket/tickerV2:XBTUSDTM', response: true })).code, 404, 'futures topics are unknown on the spot host')
  t.equal((await c.request({ id: 'f', type: 'subscribe', topic: '/market/candles:BTC-USDT_7min', response: true })).code, 404, 'unknown candle type')
  t.equal((await c.request({ id: 'g', type: 'subscribe', topic: '/market/ticker', response: true })).code, 404, 'a symbol topic without symbol')
  t.same(await c.request({ id: 'h', type: 'subscribe', topic: '/spotMarket/tradeOrdersV2', privateChannel: true, response: true }), { id: 'h', type: 'error', code: 403, data: 'login is required' })
  const many = Array.from({ length: 101 }, () => 'BTC-USDT').join(',')
  t.same(await c.request({ id: 'i', type: 'subscribe', topic: `/market/ticker:${many}`, response: true }), { id: 'i', type: 'error', code: 509, data: 'exceed max subscription count limitation of 100 per time' })
  t.equal((await c.request({ id: 'j', type: 'subscribe', topic: `/market/ticker:${many.slice(9)}`, response: true })).type, 'ack', '100 symbols are fine')
  t.same(sim.ws.subscriptions()[0]?.topics, ['/market/ticker:BTC-USDT'], 'nothing subscribed by failed requests')
})

t.test('topics KuCoin lists but the simulator has no data for are accepted, and stay silent', async t => {
  const sim = await simulator(t)
  const c = await open(t, sim)
  for (const topic of ['/callauction/callauctionData:BTC-USDT', '/indicator/markPrice:BTC-USDT,ETH-USDT', '/market/snapshot:USDS']) {
    t.equal((await c.subscribe(topic)).type, 'ack', topic)
  }
  t.equal((await c.subscribe('/callauction/callauctionData:NOPE-USDT')).code, 404, 'with a listed symbol only')
})

t.test('anySymbol: any well-formed symbol may be subscribed', async t => {
  const listed = await open(t, await simulator(t))
  t.equal((await listed.subscribe('/market/ticker:ABC-USDT')).code, 404, 'not by default')
  const sim = await simulator(t, { ws: { anySymbol: true } })
  const c = await open(t, sim)
  t.equal((await c.subscribe('/market/ticker:ABC-USDT,S1-USDT')).type, 'ack')
  t.equal((await c.subscribe('/market/candles:ABC-USDT_1min')).type, 'ack')
  t.equal((await c.subscribe('/market/ticker:abc usdt')).code, 404, 'not a malformed one')
  t.equal((await c.subscribe('/market/candles:ABC-USDT_7min')).code, 404, 'nor an unknown candle type')
  t.equal(sim.ws.publishRaw('spot', '/market/ticker:S1-USDT', '{"type":"message","topic":"/market/ticker:S1-USDT","subject":"x","data":{}}'), 1)
  t.match(await c.next(f => f.topic === '/market/ticker:S1-USDT'), { subject: 'x' })
})

t.test('topics per connection', async t => {
  const sim = await simulator(t, { ws: { maxTopicsPerConnection: 3 } })
  const c = await open(t, sim)
  t.equal((await c.subscribe('/market/ticker:BTC-USDT,ETH-USDT')).type, 'ack')
  t.same(await c.subscribe('/market/match:BTC-USDT,ETH-USDT'), { id: 'sub-/market/match:BTC-USDT,ETH-USDT', type: 'error', code: 509, data: 'exceed max subscription count limitation of 3 per session' })
  t.equal((await c.subscribe('/market/ticker:all')).type, 'ack', '/market/ticker:all is one topic')
  t.equal((await c.subscribe('/market/ticker:BTC-USDT')).type, 'ack', 're-subscribing counts nothing')
  t.equal(sim.ws.subscriptions()[0]?.topics.length, 3)
})

t.test('client frame rate', async t => {
  const sim = await simulator(t, { ws: { maxClientMessages: 5 } })
  const c = await open(t, sim)
  for (let i = 0; i < 6; i++) c.send({ id: i, type: 'ping' })
  t.same(await c.next(f => f.type === 'error'), { id: 'c1', type: 'error', code: 509, data: 'exceed max permits per second' })
  t.equal(c.frames.filter(f => f.type === 'pong').length, 5)
  t.equal(await c.closed, 1000)
})

t.test('idle connections are closed', async t => {
  const sim = await simulator(t, { ws: { idleTimeoutMs: 300 } })
  const c = await open(t, sim)
  t.same(await c.next(f => f.type === 'error'), { id: 'c1', type: 'error', code: 400, data: 'ping timeout' })
  t.equal(await c.closed, 1000)
})

t.test('connections per identity', async t => {
  const sim = await simulator(t, { ws: { maxConnections: 2 } })
  await open(t, sim)
  await open(t, sim, { market: 'futures' })
  const b = await bullet(sim)
  const third = await connect(t, `${b.endpoint}?token=${b.token}&connectId=3`)
  t.same(await third.next(), { id: '3', type: 'error', code: 509, data: 'exceed max session count limitation of 2' })
  t.equal(await third.closed, 1000)
  t.equal((await open(t, sim, { private: true })).frames[0]?.type, 'welcome', 'a private token counts against its key, not the IP')
})

t.test('new connections per minute', async t => {
  const sim = await simulator(t, { ws: { maxNewConnectionsPerMinute: 1 } })
  await open(t, sim)
  const b = await bullet(sim)
  const second = await connect(t, `${b.endpoint}?token=${b.token}&connectId=2`)
  t.same(await second.next(), { id: '2', type: 'error', code: 509, data: 'exceed max permits per second' })
})
