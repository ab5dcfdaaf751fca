import { startGateway } from './test/helper.js'
import { connect, until } from './test/ws/ws-client.js'
const teardowns: Array<() => unknown> = []
const gw = await startGateway({ teardown: fn => teardowns.push(fn) }, { env: { KGW_WS_SOFT_LIMIT_BYTES: '65536', KGW_WS_HARD_LIMIT_BYTES: '262144' } })
const slow = await connect(gw.url)
const fast = await connect(gw.url)
const topic = '/market/match:BTC-USDT'
await slow.subscribe(topic); await fast.subscribe(topic)
await until(() => gw.sim.ws.subscriptions().flatMap(c => c.topics).includes(topic))
;(slow.ws as any)._socket.pause()
const padding = 'x'.repeat(64 * 1024)
let sent = 0
for (let n = 0; n < 400; n++) {
  sent += gw.sim.ws.publishRaw('spot', topic, JSON.stringify({ type: 'message', topic, subject: 'test', data: { n, padding } }))
  if (n % 10 === 0) await new Promise(resolve => setTimeout(resolve, 1))
}
for (let i = 0; i < 10; i++) {
  await new Promise(resolve => setTimeout(resolve, 500))
  const hub = (gw.app as any).feeds.spot.hub
  console.log({ sent, fast: fast.frames.filter(f => f.subject === 'test').length, counters: hub.counters, stats: hub.stats() })
}
for (const fn of teardowns.reverse()) await fn()
process.exit(0)
