// The hub's topic truth, as a pure state machine: acks, refusals, drops,
// aliases, conflation keys and freshness, with a fake upstream and clock.
import t from 'tap'
import { Hub, type HubClient, type Refusal, type Route, type Timers } from '../../src/ws/hub.js'

class FakeClient implements HubClient {
  frames: string[] = []
  refusals: string[] = []
  bufferedAmount = 0
  closed = false
  send (frame: Buffer): void { this.frames.push(frame.toString()) }
  close (): void { this.closed = true }
  refused (topic: string, code: number): void { this.refusals.push(`${topic} ${code}`) }
}

function setup (thresholdMs = 0) {
  const calls: string[] = []
  let now = 0
  const timers: Timers = { setTimeout: () => 1, clearTimeout: () => {} }
  const hub = new Hub({
    subscribe: topics => calls.push(`sub ${topics.join(' ')}`),
    unsubscribe: topics => calls.push(`unsub ${topics.join(' ')}`)
  }, {
    lingerMs: 1000,
    softLimitBytes: 100,
    hardLimitBytes: 1000,
    timers,
    clock: () => now,
    freshness: { thresholdMs: () => thresholdMs, notice: (subject, topic, silentMs) => Buffer.from(`${subject} ${topic} ${silentMs}`) }
  })
  return { hub, calls, advance: (ms: number) => { now += ms } }
}

const results = (): { list: Array<string>, done: (r: Refusal | undefined) => void } => {
  const list: string[] = []
  return { list, done: r => list.push(r ? `refused ${r.topic} ${r.code}` : 'ack') }
}

t.test('a subscribe completes when KuCoin acks every topic; a live topic completes at once', async t => {
  const { hub, calls } = setup()
  const a = results()
  const b = results()
  hub.subscribe(new FakeClient(), ['x:1', 'x:2'], a.done)
  hub.subscribe(new FakeClient(), ['x:1'], b.done)
  t.same(calls, ['sub x:1 x:2'])
  t.same([a.list, b.list], [[], []], 'nothing before KuCoin answers')
  hub.acked('x:1')
  t.same([a.list, b.list], [[], ['ack']], 'b waited only for x:1')
  hub.acked('x:2')
  hub.acked('x:2') // again, after a reconnect: idempotent
  t.same(a.list, ['ack'], 'a once both are live, once')
  const c = results()
  hub.subscribe(new FakeClient(), ['x:2'], c.done)
  t.same(c.list, ['ack'], 'a live topic is acked at once')
  t.equal(calls.length, 1, 'and not asked for again')
})

t.test('a refusal fails exactly the subscribes that wait for the topic, and tells holders', async t => {
  const { hub, calls } = setup()
  const holder = new FakeClient()
  const other = new FakeClient()
  hub.subscribe(holder, ['bad:1'], () => {})
  hub.acked('bad:1')
  const a = results()
  const asker = new FakeClient()
  hub.subscribe(other, ['good:1'], () => {})
  hub.acked('good:1')
  hub.subscribe(asker, ['bad:2', 'good:1'], a.done)
  hub.refused('bad:2', 404, 'topic bad:2 is not found')
  t.same(a.list, ['refused bad:2 404'], 'the asker gets the refusal once')
  hub.acked('bad:2')
  t.same(a.list, ['refused bad:2 404'], 'and nothing more')
  t.same([holder.refusals, other.refusals, asker.refusals], [[], [], []], 'no one else hears of it')
  // Later (a reconnect): a held topic is refused.
  hub.refused('bad:1', 404, 'gone')
  t.same(holder.refusals, ['bad:1 404'], 'the holder is told')
  t.same(hub.activeTopics(), ['good:1'], 'refused topics left the hub')
  t.notOk(calls.some(c => c.startsWith('unsub')), 'the upstream is not asked to unsubscribe what it dropped')
  hub.publish('good:1', Buffer.from('g'))
  t.same(other.frames, ['g'], 'other topics untouched')
})

t.test('a drop makes topics pending again; leaving or going away settles waiting subscribes', async t => {
  const { hub } = setup()
  hub.subscribe(new FakeClient(), ['x:1'], () => {})
  hub.acked('x:1')
  hub.down(['x:1'])
  t.equal(hub.isLive('x:1'), false)
  const a = results()
  hub.subscribe(new FakeClient(), ['x:1'], a.done)
  t.same(a.list, [], 'no ack while the upstream is down')
  hub.acked('x:1')
  t.same(a.list, ['ack'], 'acked when KuCoin acks again')
  const leaver = new FakeClient()
  const b = results()
  hub.subscribe(leaver, ['y:1'], b.done)
  hub.unsubscribe(leaver, ['y:1'])
  t.same(b.list, ['ack'], 'a subscribe whose topic was left no longer waits (answered before the unsubscribe)')
  const gone = new FakeClient()
  const c = results()
  hub.subscribe(gone, ['z:1'], c.done)
  hub.remove(gone)
  hub.acked('z:1')
  hub.refused('z:1', 404, 'x')
  t.same(c.list, [], 'a client that went away is not answered')
})

t.test('aliases reach the all-symbol subscribers once; conflation keys keep subjects apart', async t => {
  const { hub } = setup()
  const all = new FakeClient()
  const one = new FakeClient()
  hub.subscribe(all, ['/orders', '/orders:A'])
  hub.subscribe(one, ['/orders:A'])
  const route: Route = { aliases: () => ['/orders'] }
  hub.publish('/orders:A', Buffer.from('o1'), route)
  t.same([all.frames, one.frames], [['o1'], ['o1']], 'once each, also for a client on both')
  t.equal(hub.counters.unrouted, 0)

  const slow = new FakeClient()
  hub.subscribe(slow, ['i:1'])
  slow.bufferedAmount = 500
  const state: Route = { conflationKey: frame => frame.toString().split(' ')[0]! }
  for (const f of ['mark 1', 'funding 1', 'mark 2', 'mark 3']) hub.publish('i:1', Buffer.from(f), state)
  slow.bufferedAmount = 0
  hub.drained(slow)
  t.same(slow.frames, ['funding 1', 'mark 3'], 'the latest of each subject, in the order of their latest update')
  t.equal(hub.counters.conflated, 2)

  const hoarder = new FakeClient()
  hub.subscribe(hoarder, ['c:1'])
  hoarder.bufferedAmount = 500
  for (let n = 0; n < 100; n++) hub.publish('c:1', Buffer.from(`start${n}`), state)
  t.ok(hoarder.closed, 'a client holding ever more distinct keys (a never-read candle stream) is cut off')
})

t.test('freshness: one stale notice past the threshold, a fresh one before the next frame', async t => {
  const { hub, advance } = setup(1000)
  const a = new FakeClient()
  hub.subscribe(a, ['x:1'], () => {})
  advance(5000)
  hub.sweep()
  t.same(a.frames, [], 'not stale before KuCoin acked it')
  hub.acked('x:1')
  hub.publish('x:1', Buffer.from('d1'))
  advance(900)
  hub.sweep()
  advance(900)
  hub.sweep()
  t.same(a.frames, ['d1'], 'a frame 900 ms ago: not stale')
  advance(200)
  hub.sweep()
  hub.sweep()
  t.same(a.frames, ['d1', 'stale x:1 1100'], 'stale once')
  t.match(hub.ages(), [{ topic: 'x:1', ageMs: 1100, stale: true }])
  advance(500)
  hub.publish('x:1', Buffer.from('d2'))
  t.same(a.frames, ['d1', 'stale x:1 1100', 'fresh x:1 1600', 'd2'], 'fresh, then the data')
})
