// The Settler's logic with a fake order stream (the `watch`) and scripted
// lookups: an order the stream names, before or during the settlement,
// settles it as placed at once; anything else leaves the lookups to it.
import t from 'tap'
import type { Market } from '../../src/kucoin/catalog.js'
import type { PlacementRecord } from '../../src/orders/idempotency-store.js'
import { Settler, type LookupResult, type OrderWatch, type SettledBy, type Settlement, type SettlerOptions } from '../../src/orders/settler.js'

type Listener = (market: Market, clientOid: string, orderId: string) => void

/** A stream the test speaks for: `confirmed` holds what it heard before, `say` pushes a message. */
class FakeWatch implements OrderWatch {
  readonly confirmed = new Map<string, string>()
  readonly listeners = new Set<Listener>()
  confirmedOrderId (market: Market, clientOid: string): string | undefined { return this.confirmed.get(`${market} ${clientOid}`) }
  onOrder (listener: Listener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  say (market: Market, clientOid: string, orderId: string): void {
    for (const listener of this.listeners) listener(market, clientOid, orderId)
  }
}

const record = (clientOid: string, key = clientOid, market: Market = 'spot'): PlacementRecord => ({
  caller: 'anonymous', key, clientOid, market, target: 'spot-hf', symbol: 'BTC-USDT', fingerprint: 'f', outcome: 'unknown', createdAt: 0, updatedAt: 0
})

interface Run { settler: Settler, lookups: string[], observed: Array<{ settlement: Settlement, lookups: number, by: SettledBy }> }

/** A settler whose lookups answer from `answer` (default: not found) and are recorded by clientOid. */
function settler (t: { teardown: (fn: () => void) => void }, options: Partial<SettlerOptions> & { answer?: (n: number) => Promise<LookupResult> }): Run {
  const run: Run = { settler: undefined as unknown as Settler, lookups: [], observed: [] }
  const answer = options.answer ?? (async () => ({ kind: 'not-found' }))
  run.settler = new Settler({
    delaysMs: [0, 60_000],
    maxMs: 600_000,
    kucoinNow: () => 0,
    lookup: async r => { run.lookups.push(r.clientOid); return await answer(run.lookups.length) },
    observe: (settlement, _seconds, lookups, by) => { run.observed.push({ settlement, lookups, by }) },
    ...options
  })
  t.teardown(() => { run.settler.close() })
  return run
}

/** The settlement, or 'still running' if it is not over within a generous bound (the sleeps here are a minute). */
async function within<T> (settling: Promise<T>): Promise<T | 'still running'> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<'still running'>(resolve => { timer = setTimeout(() => { resolve('still running') }, 10_000) })
  try {
    return await Promise.race([settling, bound])
  } finally {
    clearTimeout(timer)
  }
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise(resolve => setImmediate(resolve))
  if (!check()) throw new Error('condition never held')
}

t.test('heard before the settlement began: placed with no lookup', async t => {
  const watch = new FakeWatch()
  watch.confirmed.set('spot oid-1', 'order-1')
  const run = settler(t, { watch })
  t.same(await within(run.settler.settle(record('oid-1'))), { outcome: 'placed', orderId: 'order-1' })
  t.same(run.lookups, [])
  t.same(run.observed, [{ settlement: { outcome: 'placed', orderId: 'order-1' }, lookups: 0, by: 'stream' }])
})

t.test('heard while it sleeps: woken, placed, no further lookup', async t => {
  const watch = new FakeWatch()
  const run = settler(t, { watch })
  const settling = run.settler.settle(record('oid-2'))
  await until(() => run.lookups.length === 1)
  watch.say('spot', 'oid-2', 'order-2')
  t.same(await within(settling), { outcome: 'placed', orderId: 'order-2' }, 'not after the minute-long sleep')
  t.same(run.lookups, ['oid-2'], 'the one lookup before the stream spoke')
  t.same(run.observed.map(o => [o.by, o.lookups]), [['stream', 1]])
})

t.test('heard while a lookup hangs: placed without waiting for it', async t => {
  const watch = new FakeWatch()
  const run = settler(t, { watch, answer: async () => await new Promise<LookupResult>(() => {}) })
  const settling = run.settler.settle(record('oid-3'))
  await until(() => run.lookups.length === 1)
  watch.say('spot', 'oid-3', 'order-3')
  t.same(await within(settling), { outcome: 'placed', orderId: 'order-3' })
})

t.test('other orders on the stream change nothing; the lookups settle it', async t => {
  const watch = new FakeWatch()
  watch.confirmed.set('futures oid-4', 'other-market')
  const run = settler(t, { watch, delaysMs: [0, 10], answer: async n => n < 3 ? { kind: 'not-found' } : { kind: 'found', orderId: 'order-4' } })
  const settling = run.settler.settle(record('oid-4'))
  watch.say('futures', 'oid-4', 'other-market')
  watch.say('spot', 'oid-40', 'other-clientOid')
  t.same(await within(settling), { outcome: 'placed', orderId: 'order-4' })
  t.equal(run.lookups.length, 3)
  t.same(run.observed.map(o => o.by), ['lookup'])
})

t.test('two keys with one clientOid both hear it; a message after they ended reaches no one', async t => {
  const watch = new FakeWatch()
  const run = settler(t, { watch })
  const a = run.settler.settle(record('shared', 'key-a'))
  const b = run.settler.settle(record('shared', 'key-b'))
  await until(() => run.lookups.length === 2)
  watch.say('spot', 'shared', 'order-5')
  t.same(await within(Promise.all([a, b])), [{ outcome: 'placed', orderId: 'order-5' }, { outcome: 'placed', orderId: 'order-5' }])
  watch.say('spot', 'shared', 'order-late')
  t.equal(run.observed.length, 2, 'nothing more observed')
})

t.test('without a watch: lookups alone, unknown once the time is up', async t => {
  const run = settler(t, { delaysMs: [0, 10], maxMs: 100 })
  t.same(await within(run.settler.settle(record('oid-6'))), { outcome: 'unknown' })
  t.ok(run.lookups.length >= 2, `looked up ${run.lookups.length} times`)
  t.same(run.observed.map(o => o.by), ['none'])
})

t.test('close: the stream is no longer listened to, a sleeping settlement ends unknown', async t => {
  const watch = new FakeWatch()
  const run = settler(t, { watch })
  t.equal(watch.listeners.size, 1, 'one listener for every settlement')
  const settling = run.settler.settle(record('oid-7'))
  await until(() => run.lookups.length === 1)
  run.settler.close()
  t.equal(watch.listeners.size, 0)
  t.same(await within(settling), { outcome: 'unknown' })
})
