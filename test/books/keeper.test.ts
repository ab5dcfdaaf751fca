// The keeper's fan-out rules with a scripted hub and snapshot source: one
// shared resync for every consumer, slow consumers conflated to a fresh
// snapshot (never a hole), resume from the replay window, and a refused
// symbol ending the book.
import t from 'tap'
import { BookKeeper, type BookConsumer, type KeeperHubClient } from '../../src/books/keeper.js'
import type { BookMessage } from '../../src/books/messages.js'
import { GatewayError } from '../../src/errors.js'

const spotDelta = (start: number, end: number, bids: Array<[string, string]> = []): Buffer => Buffer.from(JSON.stringify({
  type: 'message',
  topic: '/market/level2:BTC-USDT',
  subject: 'trade.l2update',
  data: { changes: { bids: bids.map(([p, s], i) => [p, s, String(start + i)]), asks: [] }, sequenceStart: start, sequenceEnd: end, symbol: 'BTC-USDT', time: 1 }
}))

class Consumer implements BookConsumer {
  bufferedAmount = 0
  got: Array<{ subject: string, data: any, recovered?: boolean }> = []
  failed: GatewayError | undefined
  deliver (message: BookMessage, recovered?: boolean): void { this.got.push({ ...message.event, recovered }) }
  fail (error: GatewayError): void { this.failed = error }
  subjects (): string[] { return this.got.map(m => m.subject) }
}

type Done = (refusal: { topic: string, code: number, message: string } | undefined) => void
interface FakeHub { client?: KeeperHubClient, topics: string[], done?: Done, live: boolean }

/** `acked: false`: the hub answers the subscribe only when the test calls hub.done. */
function setup (fetch: () => Promise<unknown>, replayFrames = 10, acked = true): { keeper: BookKeeper, hub: FakeHub, resyncs: string[] } {
  const hub: FakeHub = { topics: [], live: acked }
  const resyncs: string[] = []
  const keeper = new BookKeeper('spot', 'BTC-USDT', {
    hub: {
      subscribe: (client, topics, done) => {
        hub.client = client
        hub.topics.push(...topics)
        hub.done = done
        if (acked) done?.(undefined)
      },
      remove: () => { hub.client = undefined },
      isLive: () => hub.live
    },
    fetch,
    source: { path: '/api/v3/market/orderbook/level2', signed: true, limit: undefined },
    limits: { softLimitBytes: 100, snapshotDelayMs: 0, maxBufferedDeltas: 100, replayFrames, crossCheck: false },
    observer: { resync: (_m, cause) => resyncs.push(cause), latency: () => {} },
    kucoinNow: () => 2,
    now: () => 0,
    failed: () => {}
  })
  keeper.start()
  return { keeper, hub, resyncs }
}

const snapshotAt = (sequence: number): unknown => ({ time: 1, sequence: String(sequence), bids: [['100', '1']], asks: [['101', '1']] })

t.test('one resync for every consumer; a slow consumer skips changes and catches up with a snapshot', async t => {
  const { keeper, hub, resyncs } = setup(async () => snapshotAt(10))
  t.same(hub.topics, ['/market/level2:BTC-USDT'], 'the delta topic, through the hub')
  await keeper.whenLive(5000)
  const a = new Consumer()
  const b = new Consumer()
  keeper.add(a)
  keeper.add(b)
  hub.client!.send(spotDelta(11, 11, [['99', '2']]))
  t.same(a.subjects(), ['snapshot', 'changes'])
  b.bufferedAmount = 1000
  hub.client!.send(spotDelta(12, 12, [['98', '2']]))
  t.same(b.subjects(), ['snapshot', 'changes'], 'behind: no change written')
  b.bufferedAmount = 0
  keeper.drained(b)
  t.same(b.subjects(), ['snapshot', 'changes', 'resync', 'snapshot'], 'drained: resync and a fresh snapshot')
  t.equal(b.got.at(-1)!.data.sequence, 12)
  t.same(b.got.at(-1)!.data.bids, [['100', '1'], ['99', '2'], ['98', '2']])

  hub.client!.send(spotDelta(20, 20))
  t.same(a.subjects().slice(-1), ['resync'], 'a gap: resync now')
  t.same(b.subjects().slice(-1), ['resync'])
  t.match(resyncs, ['slow-consumer', 'gap'])
  keeper.release()
})

t.test('resume: from the window, or a fresh snapshot when it does not reach back', async t => {
  const { keeper, hub } = setup(async () => snapshotAt(10), 2)
  await keeper.whenLive(5000)
  for (let s = 11; s <= 14; s++) hub.client!.send(spotDelta(s, s, [[String(90 + s), '1']]))
  const near = new Consumer()
  keeper.add(near, 12)
  t.same(near.got.map(m => [m.subject, m.recovered]), [['recovery', undefined], ['changes', true], ['changes', true]])
  t.match(near.got[0]!.data, { recovered: true, since: 12, sequence: 14, frames: 2 })
  const far = new Consumer()
  keeper.add(far, 11)
  t.same(far.got.map(m => [m.subject, m.recovered]), [['recovery', undefined], ['snapshot', false]], 'the window holds 2 messages')
  const current = new Consumer()
  keeper.add(current, 14)
  t.match(current.got, [{ subject: 'recovery', data: { recovered: true, frames: 0 } }])
  keeper.release()
})

t.test('a replayed change carries the live one\'s values, and its bytes plus the mark', async t => {
  const { keeper, hub } = setup(async () => snapshotAt(10), 5)
  await keeper.whenLive(5000)
  const live = new Consumer()
  const frames: Buffer[] = []
  live.deliver = (message, recovered) => { live.got.push({ ...message.event, recovered }); frames.push(message.bytes(recovered)) }
  keeper.add(live)
  for (let s = 11; s <= 13; s++) hub.client!.send(spotDelta(s, s, [[String(90 + s), s === 12 ? '0' : '2']]))
  const resumed = new Consumer()
  const replayed: Buffer[] = []
  resumed.deliver = (message, recovered) => { resumed.got.push({ ...message.event, recovered }); replayed.push(message.bytes(recovered)) }
  keeper.add(resumed, 10)
  t.same(resumed.got.slice(1), live.got.slice(1).map(m => ({ ...m, recovered: true })))
  t.same(replayed.slice(1).map(f => JSON.parse(f.toString())), frames.slice(1).map(f => ({ ...JSON.parse(f.toString()), recovered: true })))
  t.same(JSON.parse(frames[1]!.toString()), { type: 'message', topic: '/gateway/book:BTC-USDT', subject: 'changes', data: { sequenceStart: 11, sequenceEnd: 11, bids: [['101', '2']], asks: [] } })
  keeper.release()
})

t.test('a refused symbol ends the book for its consumers and waiters', async t => {
  const { keeper } = setup(async () => { throw new GatewayError('unknown-symbol', { market: 'spot', code: '400100' }) })
  const c = new Consumer()
  keeper.add(c)
  const error = await keeper.whenLive(5000).then(() => undefined, (e: unknown) => e)
  t.equal((error as GatewayError | undefined)?.kind, 'unknown-symbol', 'the waiter gets KuCoin\'s refusal')
  t.equal(c.failed?.kind, 'unknown-symbol')
})

t.test('a transient snapshot failure is retried', async t => {
  let calls = 0
  const { keeper } = setup(async () => {
    if (++calls === 1) throw new GatewayError('upstream-unavailable', { market: 'spot' })
    return snapshotAt(5)
  })
  await keeper.whenLive(5000)
  t.equal(calls, 2)
  keeper.release()
})

t.test('no snapshot before KuCoin acked the topic; a refusal fails the book with KuCoin\'s code', async t => {
  let fetched = 0
  const { keeper, hub } = setup(async () => { fetched++; return snapshotAt(10) }, 10, false)
  const a = new Consumer()
  keeper.add(a)
  const waiting = keeper.whenLive(5000)
  await new Promise(resolve => setTimeout(resolve, 20))
  t.equal(fetched, 0, 'nothing fetched while the subscribe is unanswered')
  hub.done!({ topic: '/market/level2:BTC-USDT', code: 509, message: 'exceed max subscription count limitation' })
  await t.rejects(waiting, { kind: 'rate-limited', code: '509', msg: 'exceed max subscription count limitation' })
  t.match(a.failed, { code: '509' }, 'the consumer is told')
  t.same(a.got, [], 'and never got a book')
  t.equal(fetched, 0)
  t.equal(hub.client, undefined, 'the keeper left the hub')
})

t.test('a topic refused after the book was consistent (a reconnect) ends the book', async t => {
  const { keeper, hub } = setup(async () => snapshotAt(10))
  await keeper.whenLive(5000)
  const a = new Consumer()
  keeper.add(a)
  hub.client!.refused('/market/level2:BTC-USDT', 404, 'topic /market/level2:BTC-USDT is not found')
  await new Promise(resolve => setImmediate(resolve))
  t.match(a.failed, { kind: 'unknown-symbol', code: '404' })
  t.equal(keeper.failure?.code, '404')
})

t.test('the snapshot follows KuCoin\'s ack', async t => {
  let fetched = 0
  const { keeper, hub } = setup(async () => { fetched++; return snapshotAt(10) }, 10, false)
  const waiting = keeper.whenLive(5000)
  hub.live = true
  hub.done!(undefined)
  await waiting
  t.equal(fetched, 1, 'one snapshot, after the ack')
  keeper.release()
})
