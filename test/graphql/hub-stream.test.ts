// A subscription group's source as a hub client, without sockets: the hub's
// slow-consumer policy bounds what a group that stops reading can hold, and
// a failure ends the stream with that error for the group to hand on.
import t from 'tap'
import { HubStream, newStreamStats } from '../../src/graphql/hub-stream.js'
import { Hub, type Route } from '../../src/ws/hub.js'

const STATE: Route = { conflationKey: () => '' }

const SOFT = 4096
const HARD = 16_384

function setup (): { hub: Hub, upstream: { subscribed: string[], unsubscribed: string[] } } {
  const upstream = { subscribed: [] as string[], unsubscribed: [] as string[] }
  const hub = new Hub({
    subscribe: topics => upstream.subscribed.push(...topics),
    unsubscribe: topics => upstream.unsubscribed.push(...topics)
  }, { lingerMs: 0, softLimitBytes: SOFT, hardLimitBytes: HARD, timers: { setTimeout: fn => { fn(); return 0 }, clearTimeout: () => {} } })
  return { hub, upstream }
}

const frame = (n: number): Buffer => Buffer.from(JSON.stringify({ type: 'message', n, pad: 'x'.repeat(1000) }))
const decode = (f: Buffer): number => (JSON.parse(f.toString()) as { n: number }).n

t.test('a state topic: a reader that stops holds at most the soft limit plus the latest frame', async t => {
  const { hub } = setup()
  const stats = newStreamStats()
  const stream = new HubStream(hub, ['/market/ticker:BTC-USDT'], decode, stats)
  for (let n = 0; n < 1000; n++) hub.publish('/market/ticker:BTC-USDT', frame(n), STATE)
  t.ok(stats.maxQueuedBytes <= SOFT + frame(0).length, `queued ${stats.maxQueuedBytes} bytes at most`)
  t.ok(hub.counters.conflated > 900, 'the rest was conflated')
  const queued = hub.counters.delivered
  t.ok(queued > 0 && queued < 10, `${queued} frames were queued before the soft limit`)
  const got: number[] = []
  for (let i = 0; i <= queued; i++) got.push((await stream.next()).value as number)
  t.same(got, [...Array.from({ length: queued }, (_, n) => n), 999], 'what was queued, then only the latest')
  await stream.return()
  t.equal(hub.stats().clients, 0)
})

t.test('an event topic: past the hard limit the subscriber is dropped with a slow-consumer error', async t => {
  const { hub, upstream } = setup()
  const stats = newStreamStats()
  const stream = new HubStream(hub, ['/market/match:BTC-USDT'], decode, stats)
  t.same(upstream.subscribed, ['/market/match:BTC-USDT'])
  for (let n = 0; n < 1000; n++) hub.publish('/market/match:BTC-USDT', frame(n))
  t.ok(stats.maxQueuedBytes <= HARD + frame(0).length, `queued ${stats.maxQueuedBytes} bytes at most`)
  t.equal(stats.slowConsumers, 1)
  t.equal(hub.stats().clients, 0, 'the hub let go of it')
  t.same(upstream.unsubscribed, ['/market/match:BTC-USDT'], 'and of its topic')
  const failure = await stream.next().then(() => undefined, (error: unknown) => error)
  t.match(failure, { extensions: { type: 'urn:kgw:slow-consumer', closeCode: 4008 } }, 'the stream ends with a slow-consumer error')
  t.same(await stream.next(), { value: undefined, done: true })
})

t.test('a reader that keeps up gets every frame; notices and undecodable frames are skipped', async t => {
  const { hub } = setup()
  const stats = newStreamStats()
  const stream = new HubStream(hub, ['/market/match:ETH-USDT'], decode, stats)
  hub.publish('/market/match:ETH-USDT', frame(1))
  hub.notify(['/market/match:ETH-USDT'], Buffer.from('{"type":"notice","subject":"upstream.reconnecting","data":{}}'))
  hub.publish('/market/match:ETH-USDT', Buffer.from('not json'))
  t.same(await stream.next(), { value: 1, done: false })
  const waiting = stream.next()
  hub.publish('/market/match:ETH-USDT', frame(2))
  t.same(await waiting, { value: 2, done: false }, 'a waiting reader is woken by the next frame')
  t.equal(stats.undecodable, 1)
  await stream.return()
  t.same(await stream.next(), { value: undefined, done: true }, 'ended by return()')
  t.equal(hub.stats().clients, 0)
})

t.test('fail(): the reader gets the error, the hub lets go of the topic', async t => {
  const { hub, upstream } = setup()
  const stats = newStreamStats()
  const stream = new HubStream(hub, ['/market/ticker:XRP-USDT'], decode, stats, true)
  t.equal(stream.conflate, true)
  hub.publish('/market/ticker:XRP-USDT', frame(1), STATE)
  stream.fail(new Error('KuCoin refused the topic'))
  await t.rejects(stream.next(), /KuCoin refused the topic/, 'the error, not what was queued')
  t.same(await stream.next(), { value: undefined, done: true })
  t.equal(hub.stats().clients, 0)
  t.same(upstream.unsubscribed, ['/market/ticker:XRP-USDT'])
  stream.fail(new Error('twice'))
  t.same(await stream.next(), { value: undefined, done: true }, 'a second failure changes nothing')
})
