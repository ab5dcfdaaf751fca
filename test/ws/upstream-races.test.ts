// The upstream connection layer against a scripted fake KuCoin over real
// sockets (./scripted-upstream.ts): truthful subscribe answers (acks only
// after KuCoin's ack; a refused batch split so only the bad topic is
// refused, at first subscribe, after a reconnect and after a renewal), the
// races of make-before-break renewal, bullet and welcome failures, a close
// during subscribe, KuCoin error frames, backoff, and the connection budget.
// The witnesses are the scripted server's own records (sockets, bullets,
// frames) and what the pool reports through its events.
import t, { type Test } from 'tap'
import { DEFAULT_UPSTREAM_LIMITS, UpstreamBudget, UpstreamPool, type UpstreamLimits } from '../../src/ws/upstream.js'
import { startScriptedUpstream, type ScriptedUpstream } from './scripted-upstream.js'
import { until } from './ws-client.js'

const A = '/market/ticker:AAA-USDT'
const B = '/market/ticker:BBB-USDT'
const C = '/market/ticker:CCC-USDT'
const BAD = '/market/ticker:SOLL-USDT'

interface Recorder {
  acks: string[]
  refused: Array<{ topic: string, code: number, message: string }>
  messages: Array<{ topic: string, n: number }>
  downs: string[]
  ups: Array<{ reconnect: boolean, renewal: boolean }>
  warnings: string[]
}

const quiet = { renewAfterMs: 3_600_000, backoffInitialMs: 100, backoffMaxMs: 2000, welcomeTimeoutMs: 5000, ackTimeoutMs: 5000, overlapMs: 500 }

function makePool (t: Test, up: ScriptedUpstream, limits: Partial<UpstreamLimits> = {}, budget?: UpstreamBudget): { pool: UpstreamPool, seen: Recorder } {
  const seen: Recorder = { acks: [], refused: [], messages: [], downs: [], ups: [], warnings: [] }
  const pool = new UpstreamPool({
    market: 'spot',
    channel: 'public',
    limits: { ...DEFAULT_UPSTREAM_LIMITS, ...quiet, ...limits },
    fetchToken: up.fetchToken,
    budget,
    log: { info: () => {}, warn: (_o, m) => { seen.warnings.push(m) } },
    events: {
      onMessage: (topic, frame) => { seen.messages.push({ topic, n: JSON.parse(frame.toString()).data.n }) },
      onDown: (_topics, reason) => { seen.downs.push(reason) },
      onUp: (_topics, event) => { seen.ups.push(event) },
      onTopicAck: topic => { seen.acks.push(topic) },
      onTopicRefused: (topic, code, message) => { seen.refused.push({ topic, code, message }) }
    }
  })
  t.teardown(() => pool.close())
  return { pool, seen }
}

async function scripted (t: Test, options?: Parameters<typeof startScriptedUpstream>[0]): Promise<ScriptedUpstream> {
  const up = await startScriptedUpstream(options)
  t.teardown(() => up.close())
  return up
}

const count = (list: string[], x: string): number => list.filter(y => y === x).length
const gaps = (times: number[]): number[] => times.slice(1).map((time, i) => time - times[i]!)

/** Publishes a numbered stream on `topic` until `done`, then a little more; returns how many were published. */
async function stream (up: ScriptedUpstream, topic: string, done: () => boolean, what: string): Promise<number> {
  let n = 0
  const deadline = Date.now() + 20_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    up.publish(topic, { n: n++ })
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  for (let i = 0; i < 20; i++) { up.publish(topic, { n: n++ }); await new Promise(resolve => setTimeout(resolve, 5)) }
  return n
}

/** Every published number once, in order, on `topic` (after `from`). */
function checkOnce (t: Test, seen: Recorder, topic: string, from: number, to: number): void {
  const ns = seen.messages.filter(m => m.topic === topic && m.n >= from).map(m => m.n)
  const expected = Array.from({ length: to - from }, (_, i) => from + i)
  const odd = ns.flatMap((v, k) => v === from + k ? [] : [`#${k}=${v}`]).slice(0, 5)
  t.same(ns, expected, `every frame once, in order (${ns.length} of ${to - from}${odd.length ? `; first differences ${odd.join(' ')}` : ''})`)
}

t.test('a refused batch is split: only the bad topic is refused, the others are acked and deliver', async t => {
  const up = await scripted(t)
  up.bad.add(BAD)
  const { pool, seen } = makePool(t, up)
  pool.subscribe([A, BAD, B])
  await until(() => seen.acks.length >= 2 && seen.refused.length >= 1, 10_000, 'answers')
  t.same(seen.acks.sort(), [A, B].sort(), 'acks only for what KuCoin acked')
  t.match(seen.refused, [{ topic: BAD, code: 404, message: /not found/ }])
  t.ok(up.sockets[0]!.received.some(f => f.type === 'subscribe' && String(f.topic).split(',').length === 3), 'the three went up in one frame first')
  t.notOk(pool.connections[0]!.topics.has(BAD), 'the refused topic left the connection')
  up.publish(A, { n: 1 })
  up.publish(BAD, { n: 2 })
  await until(() => seen.messages.length >= 1, 5000, 'a message')
  t.same(seen.messages, [{ topic: A, n: 1 }])
})

t.test('after a reconnect, a topic KuCoin now refuses is refused alone; the rest are acked again', async t => {
  const up = await scripted(t)
  const { pool, seen } = makePool(t, up)
  pool.subscribe([A, B, C])
  await until(() => seen.acks.length === 3, 10_000, 'first acks')
  up.bad.add(C) // delisted while we were connected
  up.sockets[0]!.drop()
  await until(() => seen.acks.length >= 5 && seen.refused.length >= 1, 10_000, 'answers after the reconnect')
  t.equal(seen.downs.length, 1, 'one drop reported')
  t.match(seen.ups, [{ reconnect: false }, { reconnect: true, renewal: false }])
  t.same([count(seen.acks, A), count(seen.acks, B), count(seen.acks, C)], [2, 2, 1])
  t.match(seen.refused, [{ topic: C, code: 404 }])
  up.publish(B, { n: 7 })
  await until(() => seen.messages.length >= 1, 5000, 'a message on B')
  t.same(seen.messages, [{ topic: B, n: 7 }])
})

t.test('after a renewal, a refused topic is refused alone and the others deliver without a gap or duplicate', async t => {
  const up = await scripted(t)
  const { pool, seen } = makePool(t, up, { renewAfterMs: 1000 })
  pool.subscribe([A, B])
  await until(() => seen.acks.length === 2, 10_000, 'first acks')
  up.bad.add(B)
  const published = await stream(up, A, () => seen.refused.length >= 1 && up.open().length === 1 && up.sockets.length >= 2, 'the renewal')
  t.match(seen.refused, [{ topic: B, code: 404 }])
  t.equal(count(seen.acks, A), 2, 'A acked on the new socket too')
  t.same(seen.downs, [], 'a renewal is not a drop')
  t.match(seen.ups[1], { renewal: true, reconnect: false })
  await until(() => seen.messages.filter(m => m.topic === A).length >= published, 5000, 'every frame')
  checkOnce(t, seen, A, 0, published)
})

t.test('the new socket dying inside the overlap: the old one serves on alone, no drop, no duplicate, then a clean renewal', async t => {
  const up = await scripted(t)
  up.script = index => index === 2 ? { dropOnSubscribe: 1 } : {}
  const { pool, seen } = makePool(t, up, { renewAfterMs: 800, backoffInitialMs: 300 })
  pool.subscribe([A])
  await until(() => up.open().some(s => s.topics.has(A)), 10_000, 'subscribed at KuCoin')
  const published = await stream(up, A, () => up.sockets.length >= 3 && up.open().length === 1 && up.sockets[0]!.closedAt !== undefined, 'a renewal after the failed one')
  // The wait above held only once a single socket was open at KuCoin (on main two stay open for good).
  t.ok(up.sockets[1]!.closedAt !== undefined, 'the dying new socket is gone')
  t.ok(up.sockets[0]!.closedAt! >= up.sockets[2]!.openedAt, 'the old socket served on until the next renewal replaced it')
  t.same(seen.downs, [], 'never a drop: the old socket kept serving')
  await until(() => seen.messages.length >= published, 5000, 'every frame')
  await new Promise(resolve => setTimeout(resolve, 100)) // room for a late duplicate
  checkOnce(t, seen, A, 0, published)
})

t.test('the current socket dropping while a renewal waits for its welcome: one chain from then on', async t => {
  const up = await scripted(t)
  const renewAfterMs = 700
  up.script = index => index === 2 ? { welcome: { delayMs: 300 } } : {}
  const { pool, seen } = makePool(t, up, { renewAfterMs, backoffInitialMs: 50 })
  pool.subscribe([A])
  await until(() => up.open().some(s => s.topics.has(A)), 10_000, 'subscribed at KuCoin')
  await until(() => up.sockets.length === 2, 10_000, 'the renewal socket')
  up.sockets[0]!.drop() // while socket 2 waits for its (late) welcome
  await until(() => up.sockets.length >= 7, 20_000, 'five more sockets')
  const opened = up.sockets.slice(1).map(s => s.openedAt)
  const short = gaps(opened).filter(gap => gap < renewAfterMs - 50)
  t.same(short, [], `every later socket opens a full renewal period after the previous one (gaps ${gaps(opened).join(', ')} ms)`)
  t.equal(seen.downs.length, 1)
  t.equal(seen.ups.filter(u => u.reconnect).length, 1, 'the pending renewal socket became the reconnect')
  t.ok(up.open().length <= 2, 'never more than the current socket and its renewal')
})

t.test('failed renewals back off with growing waits and never touch the current socket', async t => {
  const up = await scripted(t)
  const { pool, seen } = makePool(t, up, { renewAfterMs: 500, backoffInitialMs: 200, backoffMaxMs: 5000 })
  pool.subscribe([A])
  await until(() => up.open().some(s => s.topics.has(A)), 10_000, 'subscribed at KuCoin')
  up.failBullets(5)
  await until(() => up.sockets.length >= 2 && seen.ups.length >= 2, 20_000, 'a renewal after five failed ones')
  const attempts = up.bullets.slice(1, 7) // five failures, then the success
  const waits = gaps(attempts)
  // Attempt n waits at least half of 200·2^n: 100, 200, 400, 800, 1600 ms.
  const floors = [100, 200, 400, 800, 1600]
  t.same(waits.map((w, i) => w >= floors[i]! - 20), floors.map(() => true), `waits ${waits.join(', ')} ms grow`)
  t.same(seen.downs, [], 'the current socket kept serving')
  const first = up.sockets[0]!
  t.ok(first.closedAt === undefined || first.closedAt >= up.sockets[1]!.openedAt, 'the first socket stayed open through every failed renewal')
  t.match(seen.ups[1], { renewal: true })
})

t.test('bullet failures at connect back off, then the topic is acked', async t => {
  const up = await scripted(t)
  up.failBullets(3)
  const { pool, seen } = makePool(t, up, { backoffInitialMs: 100 })
  pool.subscribe([A])
  t.equal(pool.connections[0]!.state, 'connecting')
  await until(() => seen.acks.length === 1, 10_000, 'the ack')
  t.equal(up.bullets.length, 4)
  const waits = gaps(up.bullets)
  t.same(waits.map((w, i) => w >= [50, 100, 200][i]! - 20), [true, true, true], `waits ${waits.join(', ')} ms grow`)
  t.same(seen.acks, [A])
  t.equal(seen.downs.length, 1, 'the first failure announced once, as a drop')
  t.equal(pool.status().serving, true)
})

t.test('a bullet answer with a malformed endpoint is a failed connect, retried with backoff', async t => {
  const up = await scripted(t)
  let calls = 0
  const real = up.fetchToken
  up.fetchToken = async () => {
    const token = await real()
    return ++calls === 1 ? { ...token, endpoint: 'not a url' } : token
  }
  const { pool, seen } = makePool(t, up)
  pool.subscribe([A])
  await until(() => seen.acks.length === 1, 10_000, 'the ack')
  t.equal(calls, 2)
  t.ok(seen.warnings.includes('upstream connect failed'))
})

t.test('a missing welcome and a refused connection: both sockets closed, the next one serves', async t => {
  const up = await scripted(t)
  up.script = index => index === 1 ? { welcome: 'never' } : index === 2 ? { welcome: { error: 509, message: 'exceed max session count limitation of 50' } } : {}
  const { pool, seen } = makePool(t, up, { welcomeTimeoutMs: 300 })
  pool.subscribe([A])
  await until(() => seen.acks.length === 1, 10_000, 'the ack')
  await until(() => up.sockets[0]!.closedAt !== undefined && up.sockets[1]!.closedAt !== undefined, 5000, 'both closed')
  t.ok(up.sockets.length >= 3, 'a third socket served (more only if a loaded machine was slower than the 300 ms welcome deadline)')
  t.ok(seen.warnings.length >= 2, 'both failures logged')
  t.same(up.sockets[0]!.received, [], 'nothing was sent on a socket without a welcome')
  t.same(seen.ups.length, 1)
})

t.test('a close during subscribe is a drop and a resubscribe, never a refusal or an early ack', async t => {
  const up = await scripted(t)
  up.script = index => index === 1 ? { dropOnSubscribe: 1 } : {}
  const { pool, seen } = makePool(t, up)
  pool.subscribe([A])
  await until(() => seen.acks.length === 1, 10_000, 'the ack')
  t.same(seen.refused, [])
  t.equal(seen.downs.length, 1)
  t.equal(up.sockets.length, 2)
  t.ok(up.sockets[1]!.topics.has(A), 'subscribed on the new socket')
})

t.test('a socket that never answers a subscribe is replaced; the topic is acked on the next one', async t => {
  const up = await scripted(t)
  up.script = index => index === 1 ? { silent: true } : {}
  const { pool, seen } = makePool(t, up, { ackTimeoutMs: 300 })
  pool.subscribe([A])
  await until(() => seen.acks.length === 1, 10_000, 'the ack')
  t.ok(up.sockets[0]!.closedAt !== undefined, 'the silent socket was closed')
  t.same(seen.refused, [])
})

t.test('KuCoin error frames that answer no subscribe refuse nothing and keep the connection', async t => {
  const up = await scripted(t)
  const { pool, seen } = makePool(t, up)
  pool.subscribe([A])
  await until(() => seen.acks.length === 1, 10_000, 'the ack')
  up.sockets[0]!.ws.send(JSON.stringify({ id: 'kgw-connect', type: 'error', code: 500, data: 'internal error' }))
  up.sockets[0]!.ws.send(JSON.stringify({ id: '999', type: 'error', code: 404, data: 'no such request' }))
  up.publish(A, { n: 1 })
  await until(() => seen.messages.length === 1, 5000, 'a message after the errors')
  t.same(seen.refused, [])
  t.ok(seen.warnings.filter(w => /error frame/.test(w)).length >= 2, 'logged')
  t.equal(pool.connections[0]!.state, 'open')
})

t.test('the connection budget: a topic that needs a connection beyond it is refused with 509; served topics are untouched', async t => {
  const up = await scripted(t)
  const budget = new UpstreamBudget(1, 30)
  const { pool, seen } = makePool(t, up, { maxTopicsPerConnection: 2 }, budget)
  const other = makePool(t, up, { maxTopicsPerConnection: 2 }, budget)
  pool.subscribe([A, B, C])
  other.pool.subscribe([BAD])
  await until(() => seen.acks.length === 2 && seen.refused.length === 1 && other.seen.refused.length === 1, 10_000, 'answers')
  t.match(seen.refused, [{ topic: C, code: 509, message: /exceed max subscription count limitation/ }])
  t.match(other.seen.refused, [{ topic: BAD, code: 509 }], 'the budget is shared across pools')
  t.equal(up.sockets.length, 1, 'no connection opened beyond the budget')
  t.match(pool.status(), { connections: 1, open: 1, topics: 2, topicsWaiting: 0, serving: true, acceptsTopics: false, budget: { max: 1, used: 1 } })
  t.match(other.pool.status(), { connections: 0, serving: true, acceptsTopics: false })
  pool.unsubscribe([A])
  t.equal(pool.status().acceptsTopics, true, 'room again')
  pool.subscribe([C])
  await until(() => seen.acks.includes(C), 5000, 'C acked')
  up.publish(B, { n: 3 })
  await until(() => seen.messages.length === 1, 5000, 'B still delivers')
})

t.test('status: topics on a connection that is down are reported waiting, not serving', async t => {
  const up = await scripted(t)
  const { pool, seen } = makePool(t, up, { backoffInitialMs: 60_000, backoffMaxMs: 60_000 })
  pool.subscribe([A, B])
  await until(() => seen.acks.length === 2, 10_000, 'acks')
  up.sockets[0]!.drop()
  await until(() => seen.downs.length === 1, 5000, 'the drop')
  t.match(pool.status(), { connections: 1, open: 0, topics: 2, topicsWaiting: 2, serving: false, acceptsTopics: true })
})
