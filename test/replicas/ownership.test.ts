// Replica mode, as KuCoin sees it: three gateway processes share one Redis,
// clients spread over them, and the simulator holds exactly one upstream
// subscription per topic — the owner's. Acks and refusals are KuCoin's,
// relayed over the bus to the replica whose client asked.
import t from 'tap'
import { connect, until, type TestSocket } from '../ws/ws-client.js'
import { redisUnavailable } from '../redis-server.js'
import { numbered, ownerOf, startCluster, upstreamSubscriptions } from './cluster.js'

const missing = redisUnavailable()
const TOPICS = ['/market/ticker:BTC-USDT', '/market/ticker:ETH-USDT', '/market/match:BTC-USDT']

t.test('50 clients over 3 replicas: one upstream subscription per topic, data for every client, refusals to the asker', { skip: missing }, async t => {
  const cluster = await startCluster(t, 3)
  const owner = await ownerOf(cluster.replicas, 'spot')
  const clients: TestSocket[] = []
  t.teardown(() => { for (const c of clients) c.close() })
  for (let i = 0; i < 50; i++) clients.push(await connect(cluster.replicas[i % 3]!.url))

  const answers = await Promise.all(clients.map(async c => await Promise.all(TOPICS.map(async topic => await c.subscribe(topic)))))
  t.same(answers.flat().filter(a => a.type !== 'ack'), [], 'every subscribe acked (after KuCoin acked it at the owner)')

  const counts = upstreamSubscriptions(cluster.sim)
  t.same(TOPICS.map(topic => counts.get(topic)), [1, 1, 1], 'exactly one upstream subscription per topic')
  t.equal(cluster.sim.ws.connections('spot'), 1, 'one upstream connection for the whole cluster')
  for (const replica of cluster.replicas) {
    const ready = await replica.json('/readyz')
    t.equal(ready.body.checks.websocket.spot.topics, replica === owner ? 3 : 0, `${replica.id} holds upstream topics only if it owns the slot`)
    t.equal(ready.body.checks.replicas.redis, 'up')
  }

  cluster.sim.ws.publishRaw('spot', TOPICS[0]!, numbered(TOPICS[0]!, 1))
  await Promise.all(clients.map(async c => await c.waitFor(f => f.data?.n === 1, 10_000)))
  t.pass('a frame KuCoin pushed once reached all 50 clients on all 3 replicas')
  t.equal(await owner.metric('kgw_replica_lease_owned', 'slot="spot"'), 1, 'the owner reports its lease')
  for (const other of cluster.replicas.filter(r => r !== owner)) t.equal(await other.metric('kgw_replica_lease_owned', 'slot="spot"'), 0)

  // A refusal reaches only the client that asked, on a replica that is not the owner.
  const other = cluster.replicas.find(r => r !== owner)!
  const asker = await connect(other.url)
  clients.push(asker)
  const bystander = clients[cluster.replicas.indexOf(other)]!
  const refused = await asker.subscribe('/market/ticker:NOPE-USDT', 'typo')
  t.match(refused, { id: 'typo', type: 'error' }, 'KuCoin\'s error frame with the client\'s id')
  t.ok(Number(refused.code) >= 400, 'and KuCoin\'s code')
  t.notOk(bystander.frames.some(f => f.type === 'error'), 'the other clients saw no error')
  await until(() => !upstreamSubscriptions(cluster.sim).has('/market/ticker:NOPE-USDT'), 5000, 'refused topic not held upstream')
  cluster.sim.ws.publishRaw('spot', TOPICS[0]!, numbered(TOPICS[0]!, 7))
  await bystander.waitFor(f => f.data?.n === 7, 10_000)
  t.pass('the topics already served are untouched')
})
