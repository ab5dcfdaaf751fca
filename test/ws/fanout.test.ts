// The fan-out over real sockets: many gateway clients, one simulated KuCoin.
import t from 'tap'
import { startGateway } from '../helper.js'
import { connect, until, type TestSocket } from './ws-client.js'

const SYMBOLS = ['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'KCS-USDT', 'ETH-BTC']
const TOPICS = [...SYMBOLS.map(s => `/market/ticker:${s}`), ...SYMBOLS.map(s => `/market/match:${s}`)]

const message = (topic: string, n: number): string =>
  JSON.stringify({ type: 'message', topic, subject: 'test', data: { n } })

function upstreamTopics (gw: Awaited<ReturnType<typeof startGateway>>): string[] {
  return gw.sim.ws.subscriptions().flatMap(c => c.topics)
}

t.test('500 clients on 10 topics: one upstream connection, ten subscriptions, every message in order', async t => {
  const gw = await startGateway(t)
  const clients: TestSocket[] = []
  for (let i = 0; i < 500; i++) clients.push(await connect(gw.url))
  t.teardown(() => { for (const c of clients) c.close() })
  await Promise.all(clients.map((c, i) => Promise.all([c.subscribe(TOPICS[i % 10]!), c.subscribe(TOPICS[(i + 3) % 10]!)])))
  await until(() => upstreamTopics(gw).length === 10, 5000, 'ten upstream topics')
  t.equal(gw.sim.ws.connections('spot'), 1, 'exactly one upstream connection')
  t.same([...upstreamTopics(gw)].sort(), [...TOPICS].sort(), 'each topic subscribed upstream once')

  for (let n = 0; n < 20; n++) for (const topic of TOPICS) gw.sim.ws.publishRaw('spot', topic, message(topic, n))
  await until(() => clients.every(c => c.frames.filter(f => f.subject === 'test').length === 40), 10_000, 'all deliveries')
  let inOrder = true
  clients.forEach((c, i) => {
    for (const topic of [TOPICS[i % 10]!, TOPICS[(i + 3) % 10]!]) {
      const ns = c.frames.filter(f => f.topic === topic && f.subject === 'test').map(f => f.data.n as number)
      if (ns.join() !== Array.from({ length: 20 }, (_, n) => n).join()) inOrder = false
    }
  })
  t.ok(inOrder, 'every client got every message of its two topics, in order, and nothing else')
})

t.test('an upstream drop: notices, resubscription without duplicates, data flows again', async t => {
  const gw = await startGateway(t)
  const a = await connect(gw.url)
  const b = await connect(gw.url)
  t.teardown(() => { a.close(); b.close() })
  await a.subscribe(TOPICS[0]!)
  await b.subscribe(TOPICS[0]!)
  await b.subscribe(TOPICS[5]!)
  await until(() => upstreamTopics(gw).length === 2)
  gw.sim.ws.dropAll()
  await a.waitFor(f => f.type === 'notice' && f.subject === 'upstream.reconnecting')
  const back = await b.waitFor(f => f.type === 'notice' && f.subject === 'upstream.reconnected', 10_000)
  t.match(back.data, { market: 'spot', gap: true })
  await until(() => upstreamTopics(gw).length === 2, 5000, 'resubscribed')
  t.equal(gw.sim.ws.connections('spot'), 1)
  t.same([...upstreamTopics(gw)].sort(), [TOPICS[0], TOPICS[5]].sort(), 'no duplicate upstream subscription')
  gw.sim.ws.publishRaw('spot', TOPICS[0]!, message(TOPICS[0]!, 99))
  await a.waitFor(f => f.data?.n === 99)
  await b.waitFor(f => f.data?.n === 99)
})

t.test('the last client leaving unsubscribes upstream after the linger', async t => {
  const gw = await startGateway(t, { env: { KGW_WS_LINGER_MS: '300' } })
  const a = await connect(gw.url)
  t.teardown(() => a.close())
  await a.subscribe(TOPICS[1]!)
  await until(() => upstreamTopics(gw).includes(TOPICS[1]!))
  a.send({ id: 'u1', type: 'unsubscribe', topic: TOPICS[1], response: true })
  await a.waitFor(f => f.id === 'u1' && f.type === 'ack')
  await new Promise(resolve => setTimeout(resolve, 100))
  t.ok(upstreamTopics(gw).includes(TOPICS[1]!), 'still subscribed during the linger')
  await until(() => !upstreamTopics(gw).includes(TOPICS[1]!), 3000, 'upstream unsubscribe')
  t.pass('unsubscribed upstream after the linger')
})

t.test('301 topics at KuCoin\'s default limit of 300 per connection: exactly two upstream connections', async t => {
  // Default gateway limits; the simulator accepts any well-formed symbol so 301 distinct topics exist.
  const gw = await startGateway(t, { simulator: { ws: { anySymbol: true } } })
  const symbols = Array.from({ length: 301 }, (_, i) => `S${i}-USDT`)
  const a = await connect(gw.url)
  const b = await connect(gw.url)
  t.teardown(() => { a.close(); b.close() })
  // A client may hold 300 topics (KGW_WS_MAX_TOPICS_PER_CLIENT) in frames of up to 100 symbols.
  const frames = [symbols.slice(0, 100), symbols.slice(100, 200), symbols.slice(200, 300), symbols.slice(300)]
  for (const [i, list] of frames.entries()) t.equal((await (i < 2 ? a : b).subscribe(`/market/ticker:${list.join(',')}`)).type, 'ack')
  await until(() => upstreamTopics(gw).length === 301, 10_000, '301 upstream subscriptions')
  t.equal(gw.sim.ws.connections('spot'), 2, 'exactly two upstream connections')
  t.equal(new Set(upstreamTopics(gw)).size, 301, '301 distinct upstream subscriptions, none twice')
  t.same(gw.sim.ws.subscriptions().map(c => c.topics.length).sort((x, y) => x - y), [1, 300], 'the first connection full, the second with one')
  const last = `/market/ticker:${symbols[300]!}`
  gw.sim.ws.publishRaw('spot', last, message(last, 1))
  t.match(await b.waitFor(f => f.topic === last), { data: { n: 1 } }, 'the topic on the second connection is delivered')
  t.notOk(a.frames.some(f => f.topic === last), 'only to its subscriber')
})

t.test('a client that never reads is cut off and cannot hold the others back', async t => {
  // The hard limit is many frames deep, so a reader that merely lags a little (this process is
  // busy parsing) is not cut off; only the one that stopped reading is.
  const gw = await startGateway(t, { env: { KGW_WS_SOFT_LIMIT_BYTES: '262144', KGW_WS_HARD_LIMIT_BYTES: '2097152' } })
  const slow = await connect(gw.url)
  const fast = await connect(gw.url)
  // terminate: a paused socket would wait out ws's 30 s close handshake.
  t.teardown(() => { slow.ws.terminate(); fast.close() })
  const topic = TOPICS[5]! // match: a delta stream
  await slow.subscribe(topic)
  await fast.subscribe(topic)
  await until(() => upstreamTopics(gw).includes(topic))
  ;(slow.ws as unknown as { _socket: { pause: () => void } })._socket.pause()
  // Publish until the paused client is cut off: how much the kernel's socket buffers absorb
  // first depends on the machine (receive buffers autotune up to tcp_rmem's maximum).
  const padding = 'x'.repeat(64 * 1024)
  const hub = gw.app.feeds.spot.hub
  let sent = 0
  while (hub.counters.slowDisconnects === 0 && sent < 2000) {
    for (let i = 0; i < 10; i++, sent++) gw.sim.ws.publishRaw('spot', topic, JSON.stringify({ type: 'message', topic, subject: 'test', data: { n: sent, padding } }))
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  t.equal(hub.counters.slowDisconnects, 1, `the paused client was cut off (after ${sent} frames of 64 KiB)`)
  await until(() => fast.frames.filter(f => f.subject === 'test').length === sent, 20_000, 'fast client complete')
  t.pass(`the fast client got all ${sent} frames`)
  t.equal(hub.counters.slowDisconnects, 1, 'only the client that stopped reading was cut off')
  t.equal(gw.app.feeds.spot.hub.stats().clients, 1, 'the slow client is gone from the hub')
})

t.test('malformed frames get KuCoin-style errors and the gateway keeps serving', async t => {
  const gw = await startGateway(t)
  const a = await connect(gw.url)
  t.teardown(() => a.close())
  const bad = ['not json', '[]', '{"id":"1","type":"dance"}', '{"id":"2","type":"subscribe"}',
    '{"id":"3","type":"subscribe","topic":"/market/nothing:BTC-USDT"}', '{"id":"4","type":"subscribe","topic":"/account/balance","privateChannel":true}',
    '{"id":"5","type":"subscribe","topic":"/market/ticker:BTC USDT"}']
  for (const frame of bad) a.send(frame)
  await until(() => a.frames.filter(f => f.type === 'error').length === bad.length)
  t.same(a.frames.filter(f => f.type === 'error').map(f => f.code), [400, 400, 415, 406, 404, 403, 400])
  a.send({ id: 'p', type: 'ping' })
  t.match(await a.waitFor(f => f.type === 'pong'), { id: 'p' })
  t.equal((await gw.get('/healthz')).status, 200)
})

t.test('an invalid token is refused with KuCoin\'s 401 error', async t => {
  const gw = await startGateway(t)
  const { default: WebSocket } = await import('ws')
  const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/spot/ws?token=nope&connectId=c1`)
  const first = await new Promise<string>(resolve => ws.once('message', d => resolve(d.toString())))
  t.same(JSON.parse(first), { id: 'c1', type: 'error', code: 401, data: 'token is invalid' })
  const [code] = await new Promise<[number]>(resolve => ws.once('close', c => resolve([c])))
  t.equal(code, 1008)
})
