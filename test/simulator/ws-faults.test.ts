import t from 'tap'
import { startSimulator } from '../../src/simulator/index.js'
import { simulator } from './fixtures/sim-client.js'
import { bullet, connect, open, sleep } from './fixtures/ws-client.js'

t.test('publishRaw reaches exactly the subscribers of its topic, encoded once', async t => {
  const sim = await simulator(t)
  const a = await open(t, sim, { connectId: 'a' })
  const b = await open(t, sim, { connectId: 'b' })
  const f = await open(t, sim, { market: 'futures', connectId: 'f' })
  await a.subscribe('/market/match:BTC-USDT')
  await b.subscribe('/market/match:ETH-USDT')
  await f.subscribe('/contractMarket/execution:XBTUSDTM')
  const raw = '{"type":"message","topic":"/market/match:BTC-USDT","subject":"raw","data":1}'
  t.equal(sim.ws.publishRaw('spot', '/market/match:BTC-USDT', raw), 1)
  t.same(await a.next(m => m.subject === 'raw'), JSON.parse(raw))
  t.equal(sim.ws.publishRaw('spot', '/market/match:SOL-USDT', raw), 0, 'nobody subscribed')
  t.equal(sim.ws.publishRaw('futures', '/market/match:BTC-USDT', raw), 0, 'topics are per host')
  t.equal(sim.ws.publishRaw('futures', '/contractMarket/execution:XBTUSDTM', Buffer.from('{"subject":"buf"}')), 1, 'a Buffer is sent as text')
  t.same(await f.next(m => m.subject === 'buf'), { subject: 'buf' })
  // Anything published before b's ping would have arrived before its pong.
  await b.request({ id: 'p', type: 'ping' })
  t.notOk(b.frames.some(m => m.subject === 'raw'))
  t.same(sim.ws.subscriptions().map(s => [s.id, s.market, s.topics.length]), [['a', 'spot', 1], ['b', 'spot', 1], ['f', 'futures', 1]])
  t.same([sim.ws.connections(), sim.ws.connections('spot'), sim.ws.connections('futures')], [3, 2, 1])
})

t.test('dropAll destroys every socket without a close frame', async t => {
  const sim = await simulator(t)
  const a = await open(t, sim)
  const f = await open(t, sim, { market: 'futures' })
  sim.ws.dropAll()
  t.same(await Promise.all([a.closed, f.closed]), [1006, 1006], 'abnormal closure')
  t.equal(sim.ws.connections(), 0)
  t.equal((await open(t, sim)).frames[0]?.type, 'welcome', 'reconnecting works')
})

t.test('silence: no pushes, no pongs; the socket stays open', async t => {
  const sim = await simulator(t)
  const c = await open(t, sim)
  await c.subscribe('/market/ticker:BTC-USDT')
  await c.next(m => m.type === 'message')
  sim.ws.silence(true)
  c.send({ id: 'quiet', type: 'ping' })
  await sleep(50)
  const mark = c.frames.length
  await sleep(400)
  t.equal(c.frames.length, mark, 'nothing arrives while silent')
  t.notOk(c.frames.some(m => m.id === 'quiet'), 'the ping went unanswered')
  t.equal(sim.ws.connections(), 1)
  sim.ws.silence(false)
  t.equal((await c.request({ id: 'loud', type: 'ping' })).type, 'pong')
  await c.next(m => m.type === 'message' && c.frames.indexOf(m) > mark)
})

t.test('expireTokens keeps open connections but refuses new ones', async t => {
  const sim = await simulator(t)
  const b = await bullet(sim)
  const c = await connect(t, `${b.endpoint}?token=${b.token}&connectId=old`)
  await c.next()
  sim.ws.expireTokens()
  t.equal((await c.request({ id: 1, type: 'ping' })).type, 'pong', 'the open connection still works')
  const again = await connect(t, `${b.endpoint}?token=${b.token}&connectId=new`)
  t.same(await again.next(), { id: 'new', type: 'error', code: 401, data: 'token is invalid' })
  t.equal((await open(t, sim)).frames[0]?.type, 'welcome', 'a fresh token works')
})

t.test('refuseConnections', async t => {
  const sim = await simulator(t)
  const b = await bullet(sim, 'futures')
  sim.ws.refuseConnections(true)
  const c = await connect(t, `${b.endpoint}?token=${b.token}&connectId=busy`)
  t.same(await c.next(), { id: 'busy', type: 'error', code: 509, data: 'service busy, please retry later' })
  t.equal(await c.closed, 1000)
  sim.ws.refuseConnections(false)
  const ok = await connect(t, `${b.endpoint}?token=${b.token}&connectId=ok`)
  t.same(await ok.next(), { id: 'ok', type: 'welcome' })
})

t.test('closeAfter forces the 24 h disconnect early', async t => {
  const sim = await simulator(t)
  const c = await open(t, sim)
  sim.ws.closeAfter(150)
  t.equal(await c.closed, 1000, 'an open connection is closed once older than the limit')
  const young = await open(t, sim)
  t.equal(await young.closed, 1000, 'new connections get the limit too')
  sim.ws.closeAfter(undefined)
  const kept = await open(t, sim)
  await sleep(300)
  t.equal((await kept.request({ id: 1, type: 'ping' })).type, 'pong', 'undefined restores the default')

  const aged = await simulator(t, { ws: { maxConnectionMs: 100 } })
  t.equal(await (await open(t, aged)).closed, 1000, 'maxConnectionMs option')
})

t.test('close() terminates sockets and feeds', async t => {
  const sim = await startSimulator()
  const c = await open(t, sim)
  await c.subscribe('/market/level2:BTC-USDT')
  await sim.close()
  t.equal(await c.closed, 1006)
})
