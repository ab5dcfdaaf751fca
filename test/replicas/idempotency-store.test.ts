// The shared idempotency store against a real redis-server: begin is atomic
// across connections (one winner per key), a record whose sender stopped
// renewing its lease reads as `unknown` (taken over, settled by lookup),
// updates are fenced to the record's incarnation, records carry the TTL, and
// a Redis that is down is a typed 503 before anything could be sent.
import t from 'tap'
import { Redis } from 'ioredis'
import { GatewayError } from '../../src/errors.js'
import type { PlacementRecord } from '../../src/orders/idempotency-store.js'
import { RedisStore } from '../../src/orders/redis-store.js'
import { redisUnavailable, startRedis, type RedisServer } from '../redis-server.js'
import type { TestContext } from '../helper.js'

const missing = redisUnavailable()
const PREFIX = 'kgwtest-idem:'
const TTL_MS = 60_000

function record (key: string, fingerprint = 'f1', createdAt = Date.now()): PlacementRecord {
  return { caller: 'alice', key, clientOid: `oid-${key}`, market: 'spot', target: 'spot-hf', symbol: 'BTC-USDT', fingerprint, outcome: 'pending', createdAt, updatedAt: createdAt }
}

function connection (t: TestContext, redis: RedisServer): Redis {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: 500 })
  client.on('error', () => {})
  t.teardown(() => client.disconnect())
  return client
}

function store (t: TestContext, redis: RedisServer, replicaId: string, leaseMs = 5000): RedisStore {
  const s = new RedisStore({ redis: connection(t, redis), keyPrefix: PREFIX, replicaId, ttlMs: TTL_MS, leaseMs, readyWaitMs: 2000 })
  t.teardown(async () => await s.close())
  return s
}

async function ready (client: Redis): Promise<void> {
  if (client.status !== 'ready') await new Promise(resolve => client.once('ready', resolve))
}

t.test('concurrent begins on one key from three replicas: exactly one creates it, all others get its record', { skip: missing }, async t => {
  const redis = await startRedis(t)
  const stores = ['r1', 'r2', 'r3'].map(id => store(t, redis, id))
  await Promise.all(stores.map(async s => await ready((s as any).options.redis)))
  const begins = await Promise.all(Array.from({ length: 60 }, async (_, i) => await stores[i % 3]!.begin(record('k1', `f${i}`))))
  const winners = begins.filter(b => b === undefined)
  t.equal(winners.length, 1, 'one winner')
  const winner = begins.findIndex(b => b === undefined)
  t.same(new Set(begins.filter(b => b !== undefined).map(b => b!.fingerprint)), new Set([`f${winner}`]), 'the 59 others all get the winner\'s record (a different body is refused with it)')
  const witness = connection(t, redis)
  await ready(witness)
  const ttl = await witness.pttl(`${PREFIX}idem:alice:k1`)
  t.ok(ttl > 0 && ttl <= TTL_MS, `the record expires with the store's TTL (${ttl} ms)`)
})

t.test('replay: a finished record reads back the same on any replica; a stale incarnation cannot overwrite it', { skip: missing }, async t => {
  const redis = await startRedis(t)
  const [a, b] = [store(t, redis, 'r1'), store(t, redis, 'r2')]
  const first = record('k2')
  t.equal(await a.begin(first), undefined)
  const placed: PlacementRecord = { ...first, outcome: 'placed', orderId: 'o-1', answer: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"code":"200000","data":{"orderId":"o-1"}}' } }
  await a.update(placed)
  t.same(await b.get('alice', 'k2'), placed, 'the other replica reads the stored answer')
  t.same(await b.begin(record('k2')), placed, 'a later begin gets it too')
  await b.update({ ...placed, createdAt: first.createdAt - 1, outcome: 'rejected' })
  t.equal((await b.get('alice', 'k2'))?.outcome, 'placed', 'an update for another incarnation is ignored')
  await b.drop('alice', 'k2', first.createdAt - 1)
  t.ok(await b.get('alice', 'k2'), 'so is a drop')
  await b.drop('alice', 'k2', first.createdAt)
  t.equal(await a.get('alice', 'k2'), undefined, 'a drop of this incarnation frees the key')
})

t.test('a sender that stops renewing (died mid-request): its pending record reads as unknown once the lease lapses', { skip: missing }, async t => {
  const redis = await startRedis(t)
  const sender = store(t, redis, 'r1', 1000)
  const other = store(t, redis, 'r2', 1000)
  t.equal(await sender.begin(record('k3')), undefined)
  const lease = connection(t, redis)
  await ready(lease)
  t.equal(await lease.get(`${PREFIX}idem:alice:k3:lease`), 'r1', 'the lease names the sending replica')
  // Renewed while the sender lives: still pending well past one lease TTL.
  await new Promise(resolve => setTimeout(resolve, 2500))
  t.equal((await other.get('alice', 'k3'))?.outcome, 'pending', 'a live sender keeps it pending')
  await sender.close() // stops renewing, as a killed process would
  let seen: string | undefined
  const deadline = Date.now() + 10_000
  while (seen !== 'unknown' && Date.now() < deadline) {
    seen = (await other.get('alice', 'k3'))?.outcome
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  t.equal(seen, 'unknown', 'taken over: settled by lookup, not waited for')
  t.equal((await other.begin(record('k3')))?.outcome, 'unknown', 'begin sees the same')
})

t.test('Redis paused past the command timeout: begin fails with 503 and the key is free again afterwards', { skip: missing }, async t => {
  const redis = await startRedis(t)
  const s = store(t, redis, 'r1')
  const witness = connection(t, redis)
  await Promise.all([ready(witness), ready((s as any).options.redis)])
  await witness.call('CLIENT', 'PAUSE', '1500', 'ALL')
  const error = await s.begin(record('k5')).catch((e: unknown) => e)
  t.equal((error as GatewayError).kind, 'idempotency-store-unavailable', 'timed out (500 ms) while Redis was paused')
  // Once Redis runs again, the timed-out begin (queued, it still runs) is undone by the drop sent after it.
  const deadline = Date.now() + 10_000
  let left = 1
  while (left !== 0 && Date.now() < deadline) {
    left = await witness.exists(`${PREFIX}idem:alice:k5`, `${PREFIX}idem:alice:k5:lease`).catch(() => 1)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  t.equal(left, 0, 'no record left behind that nobody sends')
  t.equal(await s.begin(record('k5')), undefined, 'a retry places it')
})

t.test('Redis down: begin fails fast with a typed 503, so nothing is sent', { skip: missing }, async t => {
  const redis = await startRedis(t)
  const s = store(t, redis, 'r1')
  await ready((s as any).options.redis)
  await redis.stop(true)
  const error = await s.begin(record('k4')).catch((e: unknown) => e)
  t.ok(error instanceof GatewayError)
  t.equal((error as GatewayError).kind, 'idempotency-store-unavailable')
  t.equal((error as GatewayError).status, 503)
  t.equal((error as GatewayError).retryAfterMs, 1000)
})
