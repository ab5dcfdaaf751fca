// Issue 16, Done-when #4, over real sockets: three gateway processes, one
// redis-server, the simulator. The same Idempotency-Key sent concurrently to
// all three while the placement is in flight (the simulator commits the order
// and then never answers), and the replica sending it killed with SIGKILL:
// the survivors take the key over when its lease lapses, find the order by its
// derived clientOid, and all answer the same; the simulator holds one order.
// Then: a replay on any replica, a different body refused (422), and Redis
// down refusing a new placement with 503 before anything is sent.
import t from 'tap'
import { deriveClientOid } from '../../src/orders/derived-client-oid.js'
import { redisUnavailable } from '../redis-server.js'
import { startCluster, TEST_LEASE_TTL_MS, type Replica } from './cluster.js'

const missing = redisUnavailable()
const HF = '/api/v1/hf/orders'
const BODY = { symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', size: '0.001' }

interface Answer { status: number, outcome: string | null, replayed: string | null, retryAfter: string | null, text: string }

async function place (replica: Replica, key: string, body: object = BODY): Promise<Answer> {
  const res = await fetch(`${replica.url}/spot${HF}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000)
  })
  return { status: res.status, outcome: res.headers.get('kgw-order-outcome'), replayed: res.headers.get('idempotent-replayed'), retryAfter: res.headers.get('retry-after'), text: await res.text() }
}

t.test('one key on three replicas, the sending one killed mid-request: one order, one answer', { skip: missing }, async t => {
  const cluster = await startCluster(t, 3, { KGW_TRADING_ENABLED: 'true', KGW_SETTLE_WAIT_MS: '20000', KGW_IDEMPOTENCY_WAIT_MS: '30000' })
  const { sim, client: redis, prefix, replicas } = cluster
  const posts = (): number => sim.requests.filter(r => r.method === 'POST' && r.url.split('?')[0] === HF).length
  // The order is created, then its answer never comes: the request is in flight until its sender dies.
  sim.addFault({ method: 'POST', path: HF, times: 1, when: 'after-commit', action: { kind: 'stall' } })
  const key = 'replicas-kill-1'
  const clientOid = deriveClientOid('anonymous', key)
  const calls = replicas.map(async replica => await place(replica, key).then(a => a, (e: Error) => e))

  // The lease names the replica that sends the placement: that is the one to kill.
  const lease = `${prefix}idem:anonymous:${key}:lease`
  let sender: string | null = null
  const deadline = Date.now() + 30_000
  while ((sender === null || posts() === 0) && Date.now() < deadline) {
    sender = await redis.get(lease)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const victim = replicas.find(r => r.id === sender)
  if (victim === undefined) throw new Error(`no sender holds the lease (${String(sender)}, ${posts()} POSTs)`)
  t.equal(sim.orders.count(clientOid), 1, 'the order exists at KuCoin before its sender dies')
  victim.child.kill('SIGKILL')
  const killedAt = Date.now()
  await victim.exited

  const results = await Promise.all(calls)
  t.comment(`survivors answered ${Date.now() - killedAt} ms after the kill (lease TTL ${TEST_LEASE_TTL_MS} ms)`)
  const survivors = replicas.filter(r => r !== victim)
  const answers = results.filter((r, i) => replicas[i] !== victim) as Answer[]
  t.ok(results[replicas.indexOf(victim)] instanceof Error, 'the killed replica\'s caller got no answer')
  for (const [i, answer] of answers.entries()) {
    t.equal(answer.status, 200, `${survivors[i]!.id}: ${answer.text}`)
    t.equal(answer.outcome, 'placed')
  }
  t.equal(new Set(answers.map(a => a.text)).size, 1, 'every survivor answered the same body')
  const orderId = JSON.parse(answers[0]!.text).data.orderId as string
  t.ok(orderId, `placed as ${orderId}`)
  t.equal(sim.orders.count(clientOid), 1, 'exactly one order at the simulator')
  t.equal(posts(), 1, 'one POST reached KuCoin')

  // A replay on any live replica: the same answer, nothing sent.
  for (const replica of survivors) {
    const again = await place(replica, key)
    t.equal(again.text, answers[0]!.text, `${replica.id} replays the same answer`)
    t.equal(again.replayed, 'true')
  }
  // The same key with a different body: refused everywhere, nothing sent.
  const reused = await place(survivors[0]!, key, { ...BODY, size: '0.002' })
  t.equal(reused.status, 422, reused.text)
  t.match(JSON.parse(reused.text).type, 'urn:kgw:idempotency-key-reused')
  t.equal(posts(), 1, 'still one POST')

  // Redis down: a new placement is refused before anything is sent (never a placement without a durable record).
  await cluster.redis.stop(true)
  const down = await place(survivors[1]!, 'replicas-redis-down')
  t.equal(down.status, 503, down.text)
  t.equal(JSON.parse(down.text).type, 'urn:kgw:idempotency-store-unavailable')
  t.equal(down.retryAfter, '1', 'with Retry-After')
  t.equal(posts(), 1, 'nothing was sent while Redis was down')
  t.equal(sim.orders.count(deriveClientOid('anonymous', 'replicas-redis-down')), 0)
})

t.test('the sender killed before KuCoin ran the order, which then arrives too late: settled not-placed, placed once by a survivor', { skip: missing }, async t => {
  // The order reaches KuCoin 2.5 s after it was signed with a 1 s allowMaxTimeWindow: KuCoin refuses it.
  const cluster = await startCluster(t, 3, {
    KGW_TRADING_ENABLED: 'true', KGW_SETTLE_WAIT_MS: '20000', KGW_IDEMPOTENCY_WAIT_MS: '30000', KGW_ORDER_TIME_WINDOW_MS: '1000', KGW_SETTLE_GRACE_MS: '500'
  })
  const { sim, client: redis, prefix, replicas } = cluster
  const posts = (): number => sim.requests.filter(r => r.method === 'POST' && r.url.split('?')[0] === HF).length
  sim.addFault({ method: 'POST', path: HF, times: 1, action: { kind: 'delay', ms: 2500 } })
  const key = 'replicas-kill-late'
  const clientOid = deriveClientOid('anonymous', key)
  const calls = replicas.map(async replica => await place(replica, key).then(a => a, (e: Error) => e))
  let sender: string | null = null
  const deadline = Date.now() + 30_000
  while ((sender === null || posts() === 0) && Date.now() < deadline) {
    sender = await redis.get(`${prefix}idem:anonymous:${key}:lease`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const victim = replicas.find(r => r.id === sender)
  if (victim === undefined) throw new Error(`no sender holds the lease (${String(sender)}, ${posts()} POSTs)`)
  victim.child.kill('SIGKILL')
  await victim.exited
  const answers = (await Promise.all(calls)).filter((r, i) => replicas[i] !== victim) as Answer[]
  for (const answer of answers) t.equal(answer.outcome, 'placed', answer.text)
  t.equal(new Set(answers.map(a => a.text)).size, 1, 'both survivors answered the same body')
  t.equal(sim.orders.count(clientOid), 1, 'exactly one order at the simulator (the late one was refused)')
  // The guarantee is one order per key (above). A full suite run once saw a third POST, the
  // same clientOid again while the order was live (KuCoin's duplicate answer, then a lookup):
  // harmless, but bounded here so a retry storm would still fail this test.
  t.ok(posts() >= 2 && posts() <= 3, `the late POST, one re-placement by a survivor, at most one duplicate (${posts()} POSTs)`)
  t.equal(JSON.parse(answers[0]!.text).data.orderId, JSON.parse((await place(replicas.find(r => r !== victim)!, key)).text).data.orderId, 'a replay names the same order')
})
