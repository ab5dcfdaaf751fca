// The lease and the fenced publish against a real redis-server: one holder at
// a time, an epoch that grows with every acquisition (even after Redis lost
// it), renewals and releases that only touch this holder's lease, and a
// publish under an old epoch that Redis refuses.
import t from 'tap'
import { Redis } from 'ioredis'
import { Publisher } from '../../src/replicas/bus.js'
import { slotKeys } from '../../src/replicas/keys.js'
import { Lease } from '../../src/replicas/lease.js'
import { redisUnavailable, startRedis } from '../redis-server.js'

const missing = redisUnavailable()

t.test('one holder, growing epochs, fenced publishes', { skip: missing }, async t => {
  const server = await startRedis(t)
  const redis = new Redis(server.url, { maxRetriesPerRequest: 0 })
  t.teardown(() => redis.disconnect())
  const keys = slotKeys('lt:', 'spot')
  const a = new Lease(redis, keys, 'a', 10_000)
  const b = new Lease(redis, keys, 'b', 10_000)

  const first = await a.acquire()
  t.match(first, { acquired: true })
  const epochA = a.epoch!
  t.same(await b.acquire(), { acquired: false, holder: `a/${epochA}` }, 'a held lease is not taken')
  t.equal(await a.renew(), true)
  t.equal(await b.renew(), false, 'a non-holder cannot renew')

  const publisher = new Publisher(redis, 100)
  t.equal(await publisher.publish(keys, epochA, 'm', '/t', 'one'), 1, 'the holder publishes with offset 1')
  t.equal(await publisher.publish(keys, epochA, 'm', '/t', 'two'), 2)

  // a stops renewing (paused) until its lease expires (cut short here), and b takes the slot under a higher epoch.
  await redis.pexpire(keys.lease, 1)
  await new Promise(resolve => setTimeout(resolve, 20))
  t.match(await b.acquire(), { acquired: true })
  t.ok(Number(b.epoch) > Number(epochA), 'the epoch grew')
  t.equal(await a.renew(), false, 'the paused holder finds its lease gone')
  t.equal(await publisher.publish(keys, epochA, 'm', '/t', 'stale'), null, 'a publish under the old epoch is refused')
  t.equal(await publisher.publish(keys, b.epoch!, 'm', '/t', 'three'), 3, 'the new holder continues the offsets')
  const entries = await redis.xrange(keys.bus, '-', '+')
  t.same(entries.map(([, f]) => f[f.indexOf('p') + 1]), ['one', 'two', 'three'], 'the Stream never saw the stale frame')

  await a.release()
  t.ok(await redis.get(keys.lease), 'releasing a lost lease leaves the new holder\'s alone')
  await b.release()
  t.equal(await redis.get(keys.lease), null, 'the holder\'s release frees the slot at once')

  // Redis restarted empty: the epoch restarts from the clock, never below what was used.
  const used = Number(b.epoch ?? epochA) + 1
  await redis.flushall()
  t.match(await a.acquire(), { acquired: true })
  t.ok(Number(a.epoch) > used, 'epochs never go back after Redis lost them')
  await redis.script('FLUSH')
  t.equal(await publisher.publish(keys, a.epoch!, 'm', '/t', 'again'), 1, 'the publish script is loaded again after Redis forgot it')
})

t.test('publishes of one event-loop turn leave as one script call, in order; a stale batch is refused whole', { skip: missing }, async t => {
  const server = await startRedis(t)
  const redis = new Redis(server.url, { maxRetriesPerRequest: 0 })
  t.teardown(() => redis.disconnect())
  const keys = slotKeys('batch:', 'spot')
  const lease = new Lease(redis, keys, 'a', 10_000)
  await lease.acquire()
  const publisher = new Publisher(redis, 10_000)
  await publisher.publish(keys, lease.epoch!, 'm', '/t', 'warm-up')
  const evalCalls = async (): Promise<number> => Number(/cmdstat_eval:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0)

  const before = await evalCalls()
  const payloads = Array.from({ length: 300 }, (_, i) => `f${i}`)
  const offsets = await Promise.all(payloads.map(async p => await publisher.publish(keys, lease.epoch!, 'm', '/t', p)))
  t.same(offsets, payloads.map((_, i) => i + 2), 'each caller gets its own offset, in call order')
  t.equal(await evalCalls() - before, 2, '300 publishes of one turn: two script calls (256 at most per call)')
  const entries = await redis.xrange(keys.bus, '-', '+')
  t.same(entries.map(([, f]) => f[f.indexOf('p') + 1]), ['warm-up', ...payloads], 'the Stream holds them in call order')
  t.same(entries.map(([, f]) => Number(f[f.indexOf('o') + 1])), entries.map((_, i) => i + 1), 'offsets without gaps')

  const stale = lease.epoch!
  await redis.del(keys.lease)
  await lease.acquire()
  const refused = await Promise.all(['x', 'y'].map(async p => await publisher.publish(keys, stale, 'm', '/t', p)))
  t.same(refused, [null, null], 'every publish of a batch under an old epoch is refused')
  t.equal(await redis.xlen(keys.bus), 301, 'nothing of it reached the Stream')
})
