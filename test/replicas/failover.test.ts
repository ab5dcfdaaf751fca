// Replica mode when the owner goes: killed (another replica takes the slot
// after the lease TTL and data resumes, with a notice, never duplicated or out
// of order), stopped gracefully (it hands the slot over at once), or paused
// past its lease and resumed (split brain: Redis refuses every publish it
// attempts under its old epoch, so the bus never carries a stale frame).
import t, { type Test } from 'tap'
import { connect, until, type TestSocket } from '../ws/ws-client.js'
import { redisUnavailable } from '../redis-server.js'
import { numbered, ownerOf, startCluster, TEST_LEASE_TTL_MS, upstreamSubscriptions, type Cluster, type Replica } from './cluster.js'

const missing = redisUnavailable()
const TOPIC = '/market/ticker:BTC-USDT'

/** KuCoin pushes numbered frames on TOPIC every `everyMs` until stopped; `n` is the last number sent. */
function feed (cluster: Cluster, everyMs = 20): { n: () => number, stop: () => void } {
  let n = 0
  const timer = setInterval(() => { cluster.sim.ws.publishRaw('spot', TOPIC, numbered(TOPIC, ++n)) }, everyMs)
  return { n: () => n, stop: () => clearInterval(timer) }
}

function numbers (client: TestSocket): number[] {
  return client.frames.filter(f => f.type === 'message' && typeof f.data?.n === 'number').map(f => f.data.n as number)
}

/** Every client's numbered frames strictly increase: nothing delivered twice, nothing out of order. */
function inOrder (clients: TestSocket[]): boolean {
  return clients.every(c => numbers(c).every((n, i, all) => i === 0 || n > all[i - 1]!))
}

async function clientsOn (replicas: Replica[], perReplica: number, t: Test): Promise<TestSocket[]> {
  const clients: TestSocket[] = []
  t.teardown(() => { for (const c of clients) c.close() })
  for (const replica of replicas) for (let i = 0; i < perReplica; i++) clients.push(await connect(replica.url))
  const answers = await Promise.all(clients.map(async c => await c.subscribe(TOPIC)))
  t.same(answers.filter(a => a.type !== 'ack'), [], 'every client acked')
  return clients
}

async function resumed (clients: TestSocket[], after: number, timeoutMs: number): Promise<number> {
  await until(() => clients.every(c => numbers(c).some(n => n > after)), timeoutMs, `frames after #${after}`)
  return Date.now()
}

t.test('kill -9 of the owner, then SIGTERM of the next one', { skip: missing }, async t => {
  const cluster = await startCluster(t, 3)
  const first = await ownerOf(cluster.replicas, 'spot')
  const survivors = cluster.replicas.filter(r => r !== first)
  const clients = await clientsOn(survivors, 5, t)
  const pushes = feed(cluster)
  t.teardown(pushes.stop)
  await resumed(clients, 5, 10_000)

  const killedAt = Date.now()
  const sentBeforeKill = pushes.n()
  first.child.kill('SIGKILL')
  await first.exited
  const back = await resumed(clients, sentBeforeKill, 15_000)
  const resumeMs = back - killedAt
  t.comment(`kill -9: data resumed ${resumeMs} ms after the kill (lease TTL ${TEST_LEASE_TTL_MS} ms)`)
  t.ok(resumeMs <= 5000, `data resumes within 5 s of the owner's death (took ${resumeMs} ms)`)
  for (const c of clients) {
    t.ok(c.frames.some(f => f.type === 'notice' && f.subject === 'upstream.reconnecting' && f.data?.gap === true), 'clients were told of the gap')
  }
  await until(() => clients.every(c => c.frames.some(f => f.type === 'notice' && f.subject === 'upstream.reconnected')), 5000, 'reconnected notices')
  t.ok(inOrder(clients), 'no duplicates and no reordering for any client')
  const second = await ownerOf(survivors, 'spot')
  await until(() => upstreamSubscriptions(cluster.sim).get(TOPIC) === 1, 5000, 'one upstream subscription again')

  // Graceful stop: the owner releases the lease first thing and says so on the control stream.
  const [last] = survivors.filter(r => r !== second)
  const lastClients = clients.filter((_, i) => survivors[Math.floor(i / 5)] === last)
  const leaseKey = `${cluster.prefix}up:spot:lease`
  t.ok((await cluster.client.get(leaseKey))?.startsWith(`${second.id}/`), 'the lease is the second owner\'s')
  const sentBeforeTerm = pushes.n()
  const termAt = Date.now()
  const handedOver = (async () => {
    while (Date.now() - termAt < 10_000) {
      if ((await cluster.client.get(leaseKey))?.startsWith(`${last!.id}/`)) return Date.now()
      await new Promise(resolve => setTimeout(resolve, 5))
    }
    throw new Error('the lease was not handed over')
  })()
  second.child.kill('SIGTERM')
  const handMs = (await handedOver) - termAt
  const backMs = (await resumed(lastClients, sentBeforeTerm, 10_000)) - termAt
  t.comment(`SIGTERM: lease handed over after ${handMs} ms, data resumed after ${backMs} ms`)
  t.ok(handMs <= 1000, `the slot is handed over within 1 s of SIGTERM (took ${handMs} ms)`)
  t.equal(await second.exited, 0, 'the stopped owner exits cleanly')
  t.ok(inOrder(lastClients), 'still no duplicates and no reordering')
  await until(() => upstreamSubscriptions(cluster.sim).get(TOPIC) === 1, 5000, 'one upstream subscription after the hand-off')
})

t.test('the owner paused past its lease, then resumed: 0 stale publishes accepted', { skip: missing }, async t => {
  // Two replicas are enough to split a brain, and start twice as fast on a loaded machine.
  const cluster = await startCluster(t, 2)
  const paused = await ownerOf(cluster.replicas, 'spot')
  const others = cluster.replicas.filter(r => r !== paused)
  const clients = await clientsOn(others, 3, t)
  const pushes = feed(cluster, 10)
  t.teardown(pushes.stop)
  await resumed(clients, 5, 10_000)
  const epochBefore = await cluster.client.get(`${cluster.prefix}up:spot:epoch`)

  paused.child.kill('SIGSTOP')
  const stoppedAt = Date.now()
  const next = await ownerOf(others, 'spot', 15_000)
  const sentAtTakeover = pushes.n()
  await resumed(clients, sentAtTakeover, 10_000)
  // Paused for at least twice the lease TTL, while KuCoin keeps pushing into its socket.
  await new Promise(resolve => setTimeout(resolve, Math.max(0, stoppedAt + 2 * TEST_LEASE_TTL_MS - Date.now())))
  paused.child.kill('SIGCONT')
  // Once it answers again it has read its socket's backlog, tried to publish it, and stepped down.
  const stepped = await (async () => {
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      const ready = await paused.json('/readyz', 1000).catch(() => undefined)
      if (ready?.body?.checks?.replicas?.slots?.spot?.owner === false) return true
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    return false
  })()
  t.ok(stepped, 'the resumed replica no longer claims the slot')
  await new Promise(resolve => setTimeout(resolve, 500))
  pushes.stop()
  const rejected = await paused.metric('kgw_replica_stale_publishes_rejected_total', 'slot="spot"')
  t.comment(`the resumed old owner had ${rejected ?? 0} publishes refused by the fencing check`)

  // The witness: the bus itself. Epochs never go back in Stream order.
  const entries = await cluster.client.xrange(`${cluster.prefix}up:spot:bus`, '-', '+')
  let newest = 0
  let stale = 0
  for (const [, fields] of entries) {
    const epoch = Number(fields[fields.indexOf('e') + 1])
    if (epoch < newest) stale++
    newest = Math.max(newest, epoch)
  }
  t.ok(entries.length > 100, `the bus carried the run (${entries.length} entries)`)
  t.ok(newest > Number(epochBefore), 'a new epoch took over')
  t.equal(stale, 0, '0 stale publishes accepted')
  t.equal((await ownerOf(cluster.replicas, 'spot')).id, next.id, 'one owner: the one that took over')
  t.ok(inOrder(clients), 'no duplicates and no reordering for any client')
  await until(() => upstreamSubscriptions(cluster.sim).get(TOPIC) === 1, 10_000, 'one upstream subscription again')
})
