// The coalescer alone: sharing in flight, TTL reuse, bounded size, failures not kept.
import t from 'tap'
import { Coalescer } from '../../src/graphql/coalescer.js'

function deferred<T> (): { promise: Promise<T>, resolve: (v: T) => void, reject: (e: Error) => void } {
  let resolve!: (v: T) => void
  let reject!: (e: Error) => void
  const promise = new Promise<T>((_resolve, _reject) => { resolve = _resolve; reject = _reject })
  return { promise, resolve, reject }
}

t.test('callers of a key in flight share its promise; the cache serves until the TTL ends', async t => {
  let now = 1000
  const c = new Coalescer({ ttlMs: 100, maxEntries: 10, now: () => now })
  const d = deferred<string>()
  let calls = 0
  const call = (): Promise<string> => { calls++; return d.promise }
  const a = c.run('k', call, true)
  const b = c.run('k', call, true)
  d.resolve('v')
  t.same(await Promise.all([a, b]), ['v', 'v'])
  t.equal(calls, 1)
  t.equal(await c.run('k', async () => 'new', true), 'v', 'fresh in the cache')
  now += 100
  t.equal(await c.run('k', async () => 'new', true), 'new', 'expired at the TTL')
  t.same(c.stats, { calls: 2, joined: 1, cached: 1 })
})

t.test('failures are shared in flight, never cached; uncacheable keys are only shared', async t => {
  const c = new Coalescer({ ttlMs: 10_000, maxEntries: 10 })
  const d = deferred<string>()
  const a = c.run('k', () => d.promise, true)
  const b = c.run('k', () => d.promise, true)
  d.reject(new Error('boom'))
  await t.rejects(a, /boom/)
  await t.rejects(b, /boom/)
  t.equal(await c.run('k', async () => 'ok', true), 'ok', 'the failure was not kept')
  await c.run('p', async () => 'private', false)
  t.equal(await c.run('p', async () => 'again', false), 'again', 'not cached')
  t.equal(c.size, 1)
})

t.test('the cache holds at most maxEntries, dropping the oldest', async t => {
  const c = new Coalescer({ ttlMs: 10_000, maxEntries: 3 })
  for (const key of ['a', 'b', 'c', 'd']) await c.run(key, async () => key, true)
  t.equal(c.size, 3)
  t.equal(await c.run('a', async () => 'refetched', true), 'refetched', 'the oldest went first')
  t.equal(await c.run('d', async () => 'refetched', true), 'd')
})

t.test('a TTL of 0 keeps nothing', async t => {
  const c = new Coalescer({ ttlMs: 0, maxEntries: 3 })
  await c.run('a', async () => 1, true)
  t.equal(c.size, 0)
})

t.test('with sharing off, every caller makes its own call', async t => {
  const c = new Coalescer({ ttlMs: 0, maxEntries: 3, shareInFlight: false })
  let calls = 0
  await Promise.all([c.run('a', async () => ++calls, true), c.run('a', async () => ++calls, true)])
  t.equal(calls, 2)
  t.same(c.stats, { calls: 2, joined: 0, cached: 0 })
})
