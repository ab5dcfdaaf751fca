// Resuming relayed KuCoin topics after a client reconnect (src/ws/history.ts),
// over real sockets: offsets and epoch on resumable subscriptions, the missed
// frames marked recovered within the window, `recovered: false` beyond it or
// across an upstream reconnect, and no window for topics nobody resumes.
import t from 'tap'
import { startGateway, type TestContext } from '../helper.js'
import { connect, until, type TestSocket } from './ws-client.js'

type Gateway = Awaited<ReturnType<typeof startGateway>>

// A symbol the simulator never pushes by itself: only what the test publishes arrives.
const TOPIC = '/market/match:RSM-USDT'
const simulator = { ws: { anySymbol: true } }

const publish = (gw: Gateway, n: number, topic = TOPIC): void => {
  gw.sim.ws.publishRaw('spot', topic, JSON.stringify({ type: 'message', topic, subject: 'trade.l3match', data: { n } }))
}
const data = (s: TestSocket, topic = TOPIC): Array<Record<string, any>> => s.frames.filter(f => f.topic === topic && f.subject === 'trade.l3match')
const upstream = (gw: Gateway): string[] => gw.sim.ws.subscriptions().flatMap(c => c.topics)

async function metric (gw: Gateway, name: string): Promise<number> {
  const body = (await gw.get('/metrics')).text
  const line = body.split('\n').find(l => l.startsWith(`${name}{market="spot"}`))
  return Number(line?.split(' ')[1] ?? NaN)
}

/** A resumable subscriber that has seen frames 1..n. */
async function resumable (t: TestContext & { match: (a: unknown, b: unknown) => void }, gw: Gateway): Promise<TestSocket> {
  const s = await connect(gw.url)
  t.teardown(() => s.close())
  s.send({ id: 'r1', type: 'subscribe', topic: TOPIC, resumable: true, response: true })
  t.match(await s.waitFor(f => f.id === 'r1'), { type: 'ack' })
  await until(() => upstream(gw).includes(TOPIC), 5000, 'subscribed upstream')
  return s
}

t.test('within the window: ack, recovery, the missed frames marked recovered, then live ones; no gap, no duplicate', async t => {
  const gw = await startGateway(t, { simulator })
  // Someone who never resumes: gets KuCoin's bytes unchanged, and keeps the topic subscribed.
  const plain = await connect(gw.url)
  t.teardown(() => plain.close())
  await plain.subscribe(TOPIC)
  const first = await resumable(t, gw)
  for (let n = 1; n <= 3; n++) publish(gw, n)
  await until(() => data(first).length === 3, 5000, 'three frames')
  const seen = data(first)
  t.same(seen.map(f => f.offset), [1, 2, 3], 'consecutive offsets from 1')
  const epoch = seen[0]!.epoch as string
  t.ok(typeof epoch === 'string' && epoch.length > 0 && seen.every(f => f.epoch === epoch), 'one epoch')
  first.close()
  await first.closed

  for (let n = 4; n <= 6; n++) publish(gw, n)
  await until(() => data(plain).length === 6, 5000, 'the plain client got six')
  t.ok(data(plain).every(f => !('offset' in f) && !('recovered' in f)), 'a plain subscription is untouched')

  const back = await connect(gw.url)
  t.teardown(() => back.close())
  back.send({ id: 'r2', type: 'subscribe', topic: TOPIC, since: 3, epoch, response: true })
  // Live frames race the resume: they must come after the replay, once each.
  for (let n = 7; n <= 9; n++) publish(gw, n)
  await until(() => data(back).length === 6, 5000, 'six frames after the resume')
  const kinds = back.frames.filter(f => f.type !== 'welcome').map(f => f.type === 'ack' ? 'ack' : f.subject)
  t.same(kinds.slice(0, 2), ['ack', 'recovery'], 'the ack, then the recovery message')
  const recovery = back.frames.find(f => f.subject === 'recovery')!
  t.match(recovery, { type: 'message', topic: TOPIC, data: { recovered: true, since: 3, epoch, frames: 3 } })
  const got = data(back)
  t.same(got.map(f => f.data.n), [4, 5, 6, 7, 8, 9], 'every frame after since, in order, once')
  t.same(got.map(f => f.offset), [4, 5, 6, 7, 8, 9])
  t.same(got.map(f => f.recovered === true), [true, true, true, false, false, false], 'only the replayed ones are marked')
  t.equal(recovery.data.offset >= 6, true)
})

t.test('beyond the window (count, age, unknown epoch): recovered false, then live frames', async t => {
  const gw = await startGateway(t, { simulator, env: { KGW_WS_HISTORY_FRAMES: '3', KGW_WS_HISTORY_MS: '1000' } })
  const plain = await connect(gw.url)
  t.teardown(() => plain.close())
  await plain.subscribe(TOPIC)
  const first = await resumable(t, gw)
  publish(gw, 1)
  await until(() => data(first).length === 1)
  const { epoch } = data(first)[0]!
  first.close()
  for (let n = 2; n <= 6; n++) publish(gw, n)
  await until(() => data(plain).length === 6)
  t.equal(await metric(gw, 'kgw_ws_history_frames'), 3, 'the window holds KGW_WS_HISTORY_FRAMES')

  const far = await connect(gw.url)
  t.teardown(() => far.close())
  far.send({ id: 'f', type: 'subscribe', topic: TOPIC, since: 1, epoch, response: true })
  const lost = await far.waitFor(f => f.subject === 'recovery')
  t.match(lost.data, { recovered: false, since: 1, offset: 6, epoch, frames: 0 }, 'four missed, three held')
  // Within the count, with another epoch: not recovered either.
  const other = await connect(gw.url)
  t.teardown(() => other.close())
  other.send({ id: 'o', type: 'subscribe', topic: TOPIC, since: 5, epoch: 'not-this-one', response: true })
  t.match((await other.waitFor(f => f.subject === 'recovery')).data, { recovered: false, frames: 0 })
  // Within the count, but older than KGW_WS_HISTORY_MS.
  await new Promise(resolve => setTimeout(resolve, 1200))
  const old = await connect(gw.url)
  t.teardown(() => old.close())
  old.send({ id: 'a', type: 'subscribe', topic: TOPIC, since: 5, epoch, response: true })
  t.match((await old.waitFor(f => f.subject === 'recovery')).data, { recovered: false, frames: 0 })
  publish(gw, 7)
  const live = await far.waitFor(f => f.data?.n === 7)
  t.match(live, { offset: 7, epoch })
  t.notOk('recovered' in live)
})

t.test('an upstream reconnect starts a new epoch: a resume from before it is not recovered', async t => {
  const gw = await startGateway(t, { simulator })
  const a = await resumable(t, gw)
  publish(gw, 1)
  publish(gw, 2)
  await until(() => data(a).length === 2)
  const before = data(a)[1]!
  gw.sim.ws.dropAll()
  await a.waitFor(f => f.type === 'notice' && f.subject === 'upstream.reconnected', 15_000)
  await until(() => upstream(gw).includes(TOPIC), 5000, 'resubscribed')
  publish(gw, 3)
  const after = await a.waitFor(f => f.data?.n === 3)
  t.not(after.epoch, before.epoch, 'a new epoch')
  t.equal(after.offset, 1, 'offsets start again')

  const b = await connect(gw.url)
  t.teardown(() => b.close())
  b.send({ id: 'b', type: 'subscribe', topic: TOPIC, since: before.offset, epoch: before.epoch, response: true })
  t.match((await b.waitFor(f => f.subject === 'recovery')).data, { recovered: false, epoch: after.epoch, offset: 1 })
  // In the new epoch, a resume works again.
  const c = await connect(gw.url)
  t.teardown(() => c.close())
  c.send({ id: 'c', type: 'subscribe', topic: TOPIC, since: 0, epoch: after.epoch, response: true })
  t.match((await c.waitFor(f => f.subject === 'recovery')).data, { recovered: true, frames: 1 })
  t.match(await c.waitFor(f => f.data?.n === 3), { recovered: true, offset: 1 })
})

t.test('topics nobody resumes hold no history; a resume names one topic', async t => {
  const gw = await startGateway(t, { simulator })
  const plain = await connect(gw.url)
  t.teardown(() => plain.close())
  await plain.subscribe(TOPIC)
  await until(() => upstream(gw).includes(TOPIC))
  for (let n = 1; n <= 5; n++) publish(gw, n)
  await until(() => data(plain).length === 5)
  t.equal(await metric(gw, 'kgw_ws_history_topics'), 0)
  t.equal(await metric(gw, 'kgw_ws_history_frames'), 0, 'nothing kept')

  plain.send({ id: 'm', type: 'subscribe', topic: '/market/match:RSM-USDT,RSN-USDT', since: 1, epoch: 'x', response: true })
  t.match(await plain.waitFor(f => f.id === 'm'), { type: 'error', code: 400 })

  await resumable(t, gw)
  publish(gw, 6)
  await until(() => data(plain).length === 6)
  t.equal(await metric(gw, 'kgw_ws_history_topics'), 1)
  t.equal(await metric(gw, 'kgw_ws_history_frames'), 1, 'only frames since someone asked')
})
