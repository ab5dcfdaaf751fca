// Replica mode when the owner goes: killed (another replica takes the slot
// after the lease TTL and data resumes, with a notice, never duplicated or out
// of order), or stopped gracefully (it hands the slot over at once).
import t from 'tap'
import { until } from '../ws/ws-client.js'
import { redisUnavailable } from '../redis-server.js'
import { ownerOf, startCluster, TEST_LEASE_TTL_MS, upstreamSubscriptions } from './cluster.js'
import { clientsOn, feed, inOrder, resumed, TOPIC } from './feed-clients.js'

const missing = redisUnavailable()

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
