// The helper every replica test stands on: a real redis-server that can be
// stopped and started again on the same port.
import t from 'tap'
import { Redis } from 'ioredis'
import { redisUnavailable, startRedis } from '../redis-server.js'

const missing = redisUnavailable()

t.test('a real redis-server answers, stops and comes back on the same port', { skip: missing }, async t => {
  const server = await startRedis(t)
  const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false })
  t.teardown(() => client.disconnect())
  await client.connect()
  t.equal(await client.set('k', 'v'), 'OK')
  t.equal(await client.get('k'), 'v')
  await server.stop()
  await t.rejects(client.get('k'), 'a stopped server fails the command instead of queueing it')
  await server.start()
  const again = new Redis(server.url, { maxRetriesPerRequest: 0 })
  t.teardown(() => again.disconnect())
  t.equal(await again.get('k'), null, 'nothing is persisted across a restart')
})
