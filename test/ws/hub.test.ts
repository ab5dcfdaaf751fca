import t from 'tap'
import { Hub, SLOW_CONSUMER_CLOSE, type HubClient, type Route, type Timers } from '../../src/ws/hub.js'

/** A state topic whose frames all replace each other (one subject). */
const STATE: Route = { conflationKey: () => '' }

class FakeClient implements HubClient {
  frames: string[] = []
  bufferedAmount = 0
  closed: { code: number, reason: string } | undefined
  send (frame: Buffer): void { this.frames.push(frame.toString()) }
  close (code: number, reason: string): void { this.closed = { code, reason } }
}

class FakeTimers implements Timers {
  now = 0
  private queue: Array<{ at: number, fn: () => void, id: number }> = []
  private next = 1
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.next++
    this.queue.push({ at: this.now + ms, fn, id })
    return id
  }

  clearTimeout = (handle: unknown): void => { this.queue = this.queue.filter(q => q.id !== handle) }
  advance (ms: number): void {
    this.now += ms
    const due = this.queue.filter(q => q.at <= this.now)
    this.queue = this.queue.filter(q => q.at > this.now)
    for (const q of due) q.fn()
  }
}

function setup (options: Partial<{ lingerMs: number, softLimitBytes: number, hardLimitBytes: number }> = {}) {
  const calls: string[] = []
  const timers = new FakeTimers()
  const hub = new Hub({
    subscribe: topics => calls.push(`sub ${topics.join(' ')}`),
    unsubscribe: topics => calls.push(`unsub ${topics.join(' ')}`)
  }, { lingerMs: 1000, softLimitBytes: 100, hardLimitBytes: 1000, timers, ...options })
  return { hub, calls, timers }
}

const frame = (s: string): Buffer => Buffer.from(s)

t.test('first interest subscribes upstream once; many clients share it', async t => {
  const { hub, calls } = setup()
  const clients = Array.from({ length: 50 }, () => new FakeClient())
  for (const c of clients) hub.subscribe(c, ['/market/ticker:BTC-USDT', '/market/ticker:ETH-USDT'])
  t.same(calls, ['sub /market/ticker:BTC-USDT /market/ticker:ETH-USDT'], 'one upstream subscribe for 50 clients')
  t.match(hub.stats(), { clients: 50, topics: 2, subscriptions: 100 })
  hub.publish('/market/ticker:BTC-USDT', frame('b1'), STATE)
  hub.publish('/market/ticker:ETH-USDT', frame('e1'), STATE)
  for (const c of clients) t.same(c.frames, ['b1', 'e1'])
  t.equal(hub.counters.delivered, 100)
})

t.test('frames go only to the topic\'s clients, as the same bytes', async t => {
  const { hub } = setup()
  const a = new FakeClient()
  const b = new FakeClient()
  const sent: Buffer[] = []
  const spy: HubClient = { bufferedAmount: 0, send: f => sent.push(f), close: () => {} }
  hub.subscribe(a, ['x:1'])
  hub.subscribe(b, ['x:2'])
  hub.subscribe(spy, ['x:1'])
  const bytes = frame('{"topic":"x:1"}')
  hub.publish('x:1', bytes)
  t.same(a.frames, ['{"topic":"x:1"}'])
  t.same(b.frames, [])
  t.equal(sent[0], bytes, 'not copied, not re-encoded')
  hub.publish('nobody:1', frame('z'))
  t.equal(hub.counters.unrouted, 1)
})

t.test('the last client leaving unsubscribes upstream after the linger; a return cancels it', async t => {
  const { hub, calls, timers } = setup({ lingerMs: 1000 })
  const a = new FakeClient()
  const b = new FakeClient()
  hub.subscribe(a, ['x:1'])
  hub.subscribe(b, ['x:1'])
  hub.unsubscribe(a, ['x:1'])
  hub.remove(b)
  t.match(hub.stats(), { topics: 0, lingering: 1 })
  timers.advance(999)
  t.same(calls, ['sub x:1'], 'still subscribed during the linger')
  hub.subscribe(a, ['x:1'])
  timers.advance(5000)
  t.same(calls, ['sub x:1'], 'came back in time: no unsubscribe, no second subscribe')
  hub.remove(a)
  timers.advance(1000)
  t.same(calls, ['sub x:1', 'unsub x:1'])
  t.match(hub.stats(), { clients: 0, topics: 0, lingering: 0 })
})

t.test('duplicate subscriptions and unknown unsubscribes are harmless', async t => {
  const { hub, calls } = setup()
  const a = new FakeClient()
  hub.subscribe(a, ['x:1', 'x:1'])
  hub.subscribe(a, ['x:1'])
  hub.unsubscribe(a, ['x:2'])
  hub.unsubscribe(new FakeClient(), ['x:1'])
  t.same(calls, ['sub x:1'])
  hub.publish('x:1', frame('f'))
  t.same(a.frames, ['f'], 'delivered once')
})

t.test('a slow client gets only the latest state frame, after it drains', async t => {
  const { hub } = setup({ softLimitBytes: 100 })
  const slow = new FakeClient()
  const fast = new FakeClient()
  hub.subscribe(slow, ['ticker:A', 'ticker:B'])
  hub.subscribe(fast, ['ticker:A'])
  slow.bufferedAmount = 500
  for (let i = 1; i <= 5; i++) hub.publish('ticker:A', frame(`a${i}`), STATE)
  hub.publish('ticker:B', frame('b1'), STATE)
  t.same(slow.frames, [], 'nothing sent while above the soft limit')
  t.same(fast.frames, ['a1', 'a2', 'a3', 'a4', 'a5'], 'the fast client is not held back')
  t.equal(hub.counters.conflated, 4)
  hub.drained(slow)
  t.same(slow.frames, [], 'drained() checks the buffer again')
  slow.bufferedAmount = 0
  hub.drained(slow)
  t.same(slow.frames, ['a5', 'b1'], 'latest of each topic')
  hub.publish('ticker:A', frame('a6'), STATE)
  t.same(slow.frames, ['a5', 'b1', 'a6'])
})

t.test('a client too slow for a delta topic is closed, and the others go on', async t => {
  const { hub, calls, timers } = setup({ softLimitBytes: 100, hardLimitBytes: 1000 })
  const slow = new FakeClient()
  const fast = new FakeClient()
  hub.subscribe(slow, ['level2:A'])
  hub.subscribe(fast, ['level2:A'])
  slow.bufferedAmount = 500
  hub.publish('level2:A', frame('d1'))
  t.same(slow.frames, ['d1'], 'between soft and hard: deltas still go out, in order')
  slow.bufferedAmount = 5000
  hub.publish('level2:A', frame('d2'))
  t.same(slow.closed, { code: SLOW_CONSUMER_CLOSE, reason: 'slow consumer' })
  t.equal(hub.counters.slowDisconnects, 1)
  hub.publish('level2:A', frame('d3'))
  t.same(fast.frames, ['d1', 'd2', 'd3'])
  t.same(slow.frames, ['d1'], 'nothing after the close')
  timers.advance(10_000)
  t.same(calls, ['sub level2:A'], 'the fast client keeps the topic')
})

t.test('notices reach each affected client once', async t => {
  const { hub } = setup()
  const a = new FakeClient()
  const b = new FakeClient()
  const c = new FakeClient()
  hub.subscribe(a, ['x:1', 'x:2'])
  hub.subscribe(b, ['x:2'])
  hub.subscribe(c, ['y:1'])
  t.equal(hub.notify(['x:1', 'x:2'], frame('n')), 2)
  t.same([a.frames, b.frames, c.frames], [['n'], ['n'], []])
})

t.test('close() cancels pending unsubscribes', async t => {
  const { hub, calls, timers } = setup()
  const a = new FakeClient()
  hub.subscribe(a, ['x:1'])
  hub.remove(a)
  hub.close()
  timers.advance(10_000)
  t.same(calls, ['sub x:1'])
})
