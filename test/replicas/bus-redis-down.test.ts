// Redis down under a running cluster: REST keeps serving, the owner's own
// clients keep their data, and every replica says its streams are unverified
// (/readyz degraded, never a plain ready). Redis back, empty: the wanted
// topics are written again and the replicas return to one owner and one
// upstream subscription, with every client served and nothing out of order.
import t from 'tap'
import { connect, until, type TestSocket } from '../ws/ws-client.js'
import { redisUnavailable } from '../redis-server.js'
import { numbered, ownerOf, startCluster, upstreamSubscriptions } from './cluster.js'
import { burst, EVENT_TOPIC as TOPIC, received } from './feed-clients.js'

const missing = redisUnavailable()

t.test('Redis down: REST serves, streams are reported unverified; Redis back: one owner again', { skip: missing }, async t => {
  const cluster = await startCluster(t, 2)
  const owner = await ownerOf(cluster.replicas, 'spot')
  const clients: TestSocket[] = []
  t.teardown(() => { for (const c of clients) c.close() })
  for (const replica of cluster.replicas) clients.push(await connect(replica.url))
  t.same((await Promise.all(clients.map(async c => await c.subscribe(TOPIC)))).map(a => a.type), ['ack', 'ack'])
  let n = await burst(cluster, 0, 100, 1)
  await until(() => clients.every(c => received(c).some(r => r.n === n)), 10_000, 'data everywhere')

  await cluster.redis.stop(true)
  for (const replica of cluster.replicas) {
    const ready = await waitFor(async () => {
      const answer = await replica.json('/readyz')
      return answer.body.checks.replicas.redis === 'down' ? answer : undefined
    })
    t.equal(ready.body.degraded, true, `${replica.id}: /readyz says degraded`)
    t.equal(ready.body.checks.replicas.ready, false, `${replica.id}: the replica check is not ready`)
    t.equal(await replica.metric('kgw_replica_redis_up'), 0)
    const rest = await fetch(`${replica.url}/spot/api/v1/timestamp`)
    t.equal(rest.status, 200, `${replica.id}: REST still serves`)
  }
  // The owner's own clients keep their data: its frames are delivered locally while Redis is away.
  const ownerClient = clients[cluster.replicas.indexOf(owner)]!
  const downFrom = n
  n = await burst(cluster, n, 100, 1)
  await until(() => received(ownerClient).some(r => r.n > downFrom), 10_000, 'the owner\'s clients still served')
  t.pass('the owner\'s clients kept receiving with Redis down')

  await cluster.redis.start()
  const back = await ownerOf(cluster.replicas, 'spot', 20_000)
  t.comment(`after Redis came back (empty), ${back.id} owns the spot slot`)
  for (const replica of cluster.replicas) {
    await waitFor(async () => (await replica.json('/readyz')).body.checks.replicas.redis === 'up' ? true : undefined)
  }
  const upFrom = n
  await until(() => upstreamSubscriptions(cluster.sim).get(TOPIC) === 1, 20_000, 'one upstream subscription again')
  const pushing = setInterval(() => { cluster.sim.ws.publishRaw('spot', TOPIC, numbered(TOPIC, ++n, 'trade.l3match')) }, 20)
  t.teardown(() => clearInterval(pushing))
  await until(() => clients.every(c => received(c).some(r => r.n > upFrom)), 20_000, 'data on every replica again')
  clearInterval(pushing)
  t.pass('every replica\'s clients are served again')
  for (const c of clients) {
    const ns = received(c).map(r => r.n)
    t.ok(ns.every((v, i) => i === 0 || v > ns[i - 1]!), 'never duplicated or out of order')
  }
})

async function waitFor<T> (probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}
