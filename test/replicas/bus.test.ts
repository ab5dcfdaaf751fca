// The bus under load, measured at real clients: 2000 frames/s through three
// replicas (and, side by side, through the same gateway alone) arrive
// complete and in order; a replica whose bus connection is cut reads back
// what it missed (XRANGE), so its clients lose nothing.
import t, { type Test } from 'tap'
import { connect, until, type TestSocket } from '../ws/ws-client.js'
import { redisUnavailable } from '../redis-server.js'
import { ownerOf, startCluster, upstreamSubscriptions, type Cluster } from './cluster.js'
import { burst, EVENT_TOPIC as TOPIC, received, stamp } from './feed-clients.js'

const missing = redisUnavailable()
function check (t: Test, clients: TestSocket[], from: number, to: number, label: string): number[] {
  const latencies: number[] = []
  let lost = 0
  let disordered = 0
  for (const client of clients) {
    const got = received(client).filter(r => r.n > from && r.n <= to)
    lost += (to - from) - new Set(got.map(r => r.n)).size
    disordered += got.filter((r, i) => i > 0 && r.n <= got[i - 1]!.n).length
    latencies.push(...got.map(r => r.latencyMs))
  }
  t.equal(lost, 0, `${label}: 0 frames lost`)
  t.equal(disordered, 0, `${label}: 0 duplicated or out of order`)
  return latencies.sort((a, b) => a - b)
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN

t.test('2000 frames/s: complete and in order through the bus; a cut bus connection is recovered', { skip: missing }, async t => {
  // Ownership must not move during the measurement: on a heavily loaded machine a 1.5 s lease
  // with 100 ms commands can lapse and hand the slot over, which is failover, not the bus.
  const cluster = await startCluster(t, 3, { KGW_REPLICA_LEASE_TTL_MS: '10000', KGW_REDIS_COMMAND_TIMEOUT_MS: '1000' })
  const alone = await cluster.add('alone', true)
  const owner = await ownerOf(cluster.replicas.filter(r => r !== alone), 'spot')
  const viaBus: TestSocket[] = []
  for (const replica of cluster.replicas.filter(r => r !== alone)) viaBus.push(await connect(replica.url))
  const direct = await connect(alone.url)
  const all = [...viaBus, direct]
  t.teardown(() => { for (const c of all) c.close() })
  for (const c of all) stamp(c)
  t.same((await Promise.all(all.map(async c => await c.subscribe(TOPIC)))).map(a => a.type), ['ack', 'ack', 'ack', 'ack'])
  t.equal(upstreamSubscriptions(cluster.sim).get(TOPIC), 2, 'two upstream subscriptions: the cluster\'s owner and the lone gateway')

  // Warm up, then measure 5 s at 2000 frames/s.
  const warm = await burst(cluster, 0, 500, 1)
  const end = await burst(cluster, warm, 2000, 5)
  await until(() => all.every(c => received(c).some(r => r.n === end)), 60_000, 'the last frame everywhere')
  const bus = check(t, viaBus, warm, end, 'through the bus (3 replicas)')
  const lone = check(t, [direct], warm, end, 'the same gateway alone')
  t.comment(`2000 frames/s for 5 s, KuCoin push → client: through the bus p50 ${pct(bus, 0.5)} ms p99 ${pct(bus, 0.99)} ms max ${pct(bus, 1)} ms; ` +
    `alone p50 ${pct(lone, 0.5)} ms p99 ${pct(lone, 0.99)} ms max ${pct(lone, 1)} ms (${bus.length} + ${lone.length} deliveries)`)
  const lagBuckets = await busLag(owner.url)
  t.comment(`the owner's own bus lag (publish → read back), from kgw_replica_bus_lag_seconds: ${lagBuckets}`)

  // Cut one replica's bus connection mid-stream: it reads the missed entries back with XRANGE.
  const cut = cluster.replicas.find(r => r !== owner && r !== alone)!
  const cutClient = viaBus[cluster.replicas.indexOf(cut)]!
  const recoveredBefore = await cut.metric('kgw_replica_bus_recovered_total', 'slot="spot"') ?? 0
  let killed = false
  const last = await burst(cluster, end, 500, 3, () => {
    if (killed) return
    killed = true
    killSubscriber(cluster, cut.id).catch(() => {})
  })
  await until(() => received(cutClient).some(r => r.n === last), 60_000, 'the cut replica caught up')
  check(t, [cutClient], end, last, 'the replica whose bus connection was cut')
  const recovered = (await cut.metric('kgw_replica_bus_recovered_total', 'slot="spot"') ?? 0) - recoveredBefore
  t.ok(recovered > 0, `it recovered entries from the Stream (${recovered})`)
  t.equal(await cut.metric('kgw_replica_bus_gaps_total', 'slot="spot"'), 0, 'and found no gap it could not fill')
})

/** Closes a replica's bus-reading connection from the Redis side (CLIENT KILL by its connection name). */
async function killSubscriber (cluster: Cluster, replicaId: string): Promise<void> {
  const list = await cluster.client.client('LIST') as string
  const line = list.split('\n').find(l => l.includes(`name=${cluster.prefix}${replicaId}:subscriber`))
  const id = /\bid=(\d+)/.exec(line ?? '')?.[1]
  if (id === undefined) throw new Error('no subscriber connection')
  await cluster.client.client('KILL', 'ID', id)
}

/** The lag histogram's cumulative buckets, as `≤ bound: share` text. */
async function busLag (url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const rows = text.split('\n').filter(l => l.startsWith('kgw_replica_bus_lag_seconds_bucket{') && l.includes('slot="spot"'))
    .map(l => [/le="([^"]+)"/.exec(l)?.[1] ?? '', Number(l.slice(l.lastIndexOf(' ') + 1))] as const)
  const total = rows.at(-1)?.[1] ?? 0
  return rows.filter(([le]) => ['0.001', '0.0025', '0.005', '0.01', '0.025'].includes(le)).map(([le, count]) => `≤${Number(le) * 1000} ms ${(100 * count / Math.max(1, total)).toFixed(1)}%`).join(', ')
}
