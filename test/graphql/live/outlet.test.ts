// The slow-consumer rules a graphql-ws socket applies to each of its
// subscriptions, against a socket whose send buffer the test sets: the same
// rules the hub applies to a /spot/ws client.
import t from 'tap'
import { newStreamStats } from '../../../src/graphql/hub-stream.js'
import { Outlet, type Sink, type Subscriber } from '../../../src/graphql/live/outlet.js'

const SOFT = 1000
const HARD = 5000

function setup (): { outlet: Outlet, sink: Sink & { buffered: number, drain: () => void }, written: string[], ended: Array<[string, string | undefined]>, stats: ReturnType<typeof newStreamStats> } {
  const written: string[] = []
  const ended: Array<[string, string | undefined]> = []
  let drain = (): void => {}
  const sink = {
    buffered: 0,
    get bufferedAmount () { return this.buffered },
    writeResult: (prefix: Buffer, payload: Buffer) => { written.push(`${prefix.toString()}${payload.toString()}}`) },
    onDrain: (listener: () => void) => { drain = listener },
    drain: () => drain()
  }
  const stats = newStreamStats()
  const outlet = new Outlet(sink, { softLimitBytes: SOFT, hardLimitBytes: HARD }, stats, { end: (s, errors) => ended.push([s.id, errors?.toString()]) })
  return { outlet, sink, written, ended, stats }
}

const subscriber = (outlet: Outlet, id: string): Subscriber => ({ id, prefix: Buffer.from(`{"id":"${id}","type":"next","payload":`), outlet, pending: undefined, group: undefined })
const result = (n: number): Buffer => Buffer.from(`{"data":{"n":${n}}}`)

t.test('under the soft limit every result is written, in its own envelope', async t => {
  const { outlet, written, stats } = setup()
  const a = subscriber(outlet, 'a')
  const b = subscriber(outlet, 'b')
  outlet.offer(a, result(1), true)
  outlet.offer(b, result(1), false)
  t.same(written.map(w => JSON.parse(w)), [{ id: 'a', type: 'next', payload: { data: { n: 1 } } }, { id: 'b', type: 'next', payload: { data: { n: 1 } } }])
  t.equal(stats.deliveries, 2)
})

t.test('a state stream over the soft limit keeps only the latest result, written when the socket drains', async t => {
  const { outlet, sink, written, stats } = setup()
  const a = subscriber(outlet, 'a')
  sink.buffered = SOFT + 1
  for (let n = 1; n <= 5; n++) outlet.offer(a, result(n), true)
  t.same(written, [], 'nothing written while over the limit')
  t.equal(stats.conflated, 4, 'four results replaced by a newer one')
  sink.buffered = SOFT + 1
  sink.drain()
  t.same(written, [], 'a drain that leaves the socket over the limit writes nothing')
  sink.buffered = 0
  sink.drain()
  t.same(written.map(w => JSON.parse(w).payload.data.n), [5], 'the latest, once')
  sink.drain()
  t.equal(written.length, 1, 'and only once')
})

t.test('a held-back state is superseded by a newer result once the socket has room', async t => {
  const { outlet, sink, written, stats } = setup()
  const a = subscriber(outlet, 'a')
  sink.buffered = SOFT + 1
  outlet.offer(a, result(1), true)
  sink.buffered = 0
  outlet.offer(a, result(2), true)
  t.same(written.map(w => JSON.parse(w).payload.data.n), [2])
  t.equal(stats.conflated, 1)
  sink.drain()
  t.equal(written.length, 1, 'the superseded one is not sent later')
})

t.test('an event stream keeps writing up to the hard limit, then is cut with a slow-consumer error', async t => {
  const { outlet, sink, written, ended, stats } = setup()
  const a = subscriber(outlet, 'a')
  sink.buffered = HARD
  outlet.offer(a, result(1), false)
  t.equal(written.length, 1, 'between the limits: written (a gap would corrupt an event stream)')
  sink.buffered = HARD + 1
  outlet.offer(a, result(2), false)
  t.equal(written.length, 1)
  t.equal(stats.slowConsumers, 1)
  t.equal(ended.length, 1)
  t.equal(ended[0]![0], 'a')
  t.match(JSON.parse(ended[0]![1]!), [{ message: /fell too far behind/, extensions: { type: 'urn:kgw:slow-consumer', kind: 'slow-consumer', closeCode: 4008 } }])
})

t.test('a forgotten subscriber gets nothing held back', async t => {
  const { outlet, sink, written } = setup()
  const a = subscriber(outlet, 'a')
  sink.buffered = SOFT + 1
  outlet.offer(a, result(1), true)
  outlet.forget(a)
  sink.buffered = 0
  sink.drain()
  t.same(written, [])
})
