// The upstream connection's pure parts: the state machine, the subscribe
// ledger (bisection of refused frames) and the overlap filter. The races the
// scripted-upstream tests reproduce over real sockets are replayed here as
// plain event sequences.
import t from 'tap'
import { backoffMs } from '../../src/ws/upstream/backoff.js'
import { UpstreamBudget } from '../../src/ws/upstream/budget.js'
import { SubscribeLedger, frameTopics } from '../../src/ws/upstream/ledger.js'
import { UpstreamMachine, type Command } from '../../src/ws/upstream/machine.js'
import { OverlapFilter } from '../../src/ws/upstream/overlap.js'

const config = { renewAfterMs: 1000, backoffInitialMs: 100, backoffMaxMs: 10_000 }
const opens = (commands: Command[]): Command[] => commands.filter(c => c.type === 'open')
const scheduled = (commands: Command[], name: string): number | undefined =>
  commands.flatMap(c => c.type === 'schedule' && c.name === name ? [c.ms] : [])[0]

/** A machine with socket 1 current (random 0: every backoff is its lower half). */
function upMachine (): UpstreamMachine {
  const m = new UpstreamMachine(config, () => 0)
  t.same(m.handle({ type: 'start' }), [{ type: 'open', socket: 1, purpose: 'connect' }])
  m.handle({ type: 'welcomed', socket: 1, overlapMs: 50 })
  return m
}

t.test('a first connect is adopted, a renewal timer armed, any reconnect cancelled', async t => {
  const m = new UpstreamMachine(config, () => 0)
  m.handle({ type: 'start' })
  const out = m.handle({ type: 'welcomed', socket: 1, overlapMs: 50 })
  t.match(out, [{ type: 'cancel', name: 'reconnect' }, { type: 'cancel', name: 'renew' }, { type: 'adopt', socket: 1, reconnect: false, renewal: false }, { type: 'schedule', name: 'renew', ms: 1000 }])
  t.equal(m.state.phase, 'open')
})

t.test('failed connects back off exponentially; the adopted socket resets the attempt count', async t => {
  const m = new UpstreamMachine(config, () => 0)
  m.handle({ type: 'start' })
  const waits: number[] = []
  let downs = 0
  for (let socket = 1; socket <= 4; socket++) {
    const out = m.handle({ type: 'failed', socket, reason: 'bullet failed' })
    downs += out.filter(c => c.type === 'down').length
    waits.push(scheduled(out, 'reconnect')!)
    t.same(opens(m.handle({ type: 'timer', name: 'reconnect' })), [{ type: 'open', socket: socket + 1, purpose: 'connect' }])
  }
  t.same(waits, [50, 100, 200, 400], 'equal jitter with random 0: half of 100·2^n')
  t.equal(downs, 1, 'the first failure is announced as a drop, once')
  const up = m.handle({ type: 'welcomed', socket: 5, overlapMs: 50 })
  t.match(up.find(c => c.type === 'adopt'), { reconnect: false }, 'never up before: not a reconnect')
  t.equal(m.state.reconnectAttempt, 0)
})

t.test('failed renewals keep the current socket and back off (no hot loop)', async t => {
  const m = upMachine()
  const waits: number[] = []
  for (let socket = 2; socket <= 5; socket++) {
    t.same(opens(m.handle({ type: 'timer', name: 'renew' })), [{ type: 'open', socket, purpose: 'renew' }])
    const out = m.handle({ type: 'failed', socket, reason: 'no welcome' })
    t.notOk(out.some(c => c.type === 'down' || (c.type === 'close' && c.socket === 1)), 'the current socket is untouched')
    waits.push(scheduled(out, 'renew')!)
  }
  t.same(waits, [50, 100, 200, 400])
  t.equal(m.state.current, 1)
})

t.test('the new socket dying in the overlap reinstates the old one, once', async t => {
  const m = upMachine()
  m.handle({ type: 'timer', name: 'renew' })
  const adopt = m.handle({ type: 'welcomed', socket: 2, overlapMs: 50 })
  t.match(adopt, [{}, {}, { type: 'schedule', name: 'overlap', ms: 50 }, { type: 'adopt', socket: 2, renewal: true, reconnect: false }])
  const out = m.handle({ type: 'lost', socket: 2, reason: 'closed 1006' })
  t.match(out, [{ type: 'close', socket: 2 }, { type: 'cancel', name: 'renew' }, { type: 'cancel', name: 'overlap' }, { type: 'reinstate', socket: 1 }, { type: 'schedule', name: 'renew', ms: 50 }])
  t.notOk(out.some(c => c.type === 'down'), 'no drop: the old socket still serves')
  t.equal(m.state.current, 1)
  t.equal(m.state.draining, undefined)
  t.same(m.handle({ type: 'timer', name: 'overlap' }), [], 'a stale overlap timer does nothing')
  t.same(m.handle({ type: 'lost', socket: 1, reason: 'closed' }).filter(c => c.type === 'down').length, 1, 'the old one dropping later is a normal drop')
})

t.test('the current socket dropping while a renewal waits for its welcome: one chain, not two', async t => {
  const m = upMachine()
  m.handle({ type: 'timer', name: 'renew' }) // socket 2 opening
  const out = m.handle({ type: 'lost', socket: 1, reason: 'closed 1006' })
  t.same(opens(out), [], 'no reconnect opened beside the pending renewal socket')
  t.notOk(out.some(c => c.type === 'schedule' && c.name === 'reconnect'), 'and none scheduled')
  t.match(out, [{ type: 'close', socket: 1 }, { type: 'cancel', name: 'renew' }, { type: 'down' }])
  const up = m.handle({ type: 'welcomed', socket: 2, overlapMs: 50 })
  t.match(up.find(c => c.type === 'adopt'), { socket: 2, reconnect: true, renewal: false })
  t.equal(up.filter(c => c.type === 'schedule' && c.name === 'renew').length, 1)
  t.same(opens(m.handle({ type: 'timer', name: 'reconnect' })), [], 'a late reconnect timer opens nothing while a socket is current')
})

t.test('a renewal socket that fails after the current one dropped falls back to reconnecting', async t => {
  const m = upMachine()
  m.handle({ type: 'timer', name: 'renew' })
  m.handle({ type: 'lost', socket: 1, reason: 'closed' })
  const out = m.handle({ type: 'failed', socket: 2, reason: 'bullet failed' })
  t.equal(scheduled(out, 'reconnect'), 50)
  t.equal(m.state.phase, 'backoff')
})

t.test('renewal timer while a renewal is opening starts nothing; stale sockets are closed', async t => {
  const m = upMachine()
  m.handle({ type: 'timer', name: 'renew' })
  t.same(m.handle({ type: 'timer', name: 'renew' }), [])
  t.same(m.handle({ type: 'welcomed', socket: 9, overlapMs: 50 }), [{ type: 'close', socket: 9 }])
  t.same(m.handle({ type: 'failed', socket: 9, reason: 'x' }), [{ type: 'close', socket: 9 }])
})

t.test('close closes every socket and timer, and a late welcome is closed', async t => {
  const m = upMachine()
  m.handle({ type: 'timer', name: 'renew' })
  const out = m.handle({ type: 'close' })
  t.same(out.filter(c => c.type === 'close').map(c => (c as { socket: number }).socket).sort(), [1, 2])
  t.same(m.handle({ type: 'welcomed', socket: 2, overlapMs: 50 }), [{ type: 'close', socket: 2 }])
  t.same(m.handle({ type: 'timer', name: 'reconnect' }), [])
})

t.test('backoff: capped, jittered between half and all', async t => {
  t.equal(backoffMs(config, 0, () => 1), 100)
  t.equal(backoffMs(config, 20, () => 0), 5000)
  t.equal(backoffMs(config, 1000, () => 1), 10_000)
})

t.test('ledger: a refused frame is bisected down to the bad topic', async t => {
  const ledger = new SubscribeLedger()
  const topics = ['/t:A', '/t:B', '/t:BAD', '/t:C', '/t:D']
  ledger.sent('1', topics, 0)
  const acked: string[] = []
  const refused: string[] = []
  let next = 2
  const queue: Array<[string, string[]]> = [['1', topics]]
  while (queue.length) {
    const [id, asked] = queue.shift()!
    const answer = ledger.answer(id, !asked.includes('/t:BAD'))!
    if (answer.kind === 'acked') acked.push(...answer.topics)
    else if (answer.kind === 'refused') refused.push(answer.topic)
    else for (const half of answer.halves) { const hid = String(next++); ledger.sent(hid, half, 0); queue.push([hid, half]) }
  }
  t.same(acked.sort(), ['/t:A', '/t:B', '/t:C', '/t:D'])
  t.same(refused, ['/t:BAD'])
  t.equal(ledger.size, 0)
  t.equal(ledger.answer('1', true), undefined, 'an answer is read once')
})

t.test('ledger: the oldest unanswered frame ages', async t => {
  const ledger = new SubscribeLedger()
  t.equal(ledger.oldestAgeMs(100), 0)
  ledger.sent('a', ['/t:A'], 10)
  ledger.sent('b', ['/t:B'], 50)
  t.equal(ledger.oldestAgeMs(100), 90)
})

t.test('frameTopics splits only comma lists after the colon', async t => {
  t.same(frameTopics('/market/ticker:A,B'), ['/market/ticker:A', '/market/ticker:B'])
  t.same(frameTopics('/market/candles:BTC-USDT_1min'), ['/market/candles:BTC-USDT_1min'])
  t.same(frameTopics('/account/balance'), ['/account/balance'])
})

t.test('overlap filter: each copy passes once, true repeats pass, the tail drops late copies', async t => {
  const f = new OverlapFilter(1, 2)
  const x = Buffer.from('x')
  const y = Buffer.from('y')
  t.ok(f.pass(1, x))
  t.notOk(f.pass(2, x), 'the copy from the other socket')
  t.ok(f.pass(1, x), 'KuCoin sent x again: it passes')
  t.ok(f.pass(1, x))
  t.notOk(f.pass(2, x))
  t.notOk(f.pass(2, x))
  t.equal(f.size, 0)
  t.ok(f.pass(2, y))
  f.tail(2)
  t.notOk(f.pass(1, y), 'late copy after the other socket went')
  t.ok(f.pass(1, y), 'then y passes again, unrecorded')
  t.equal(f.size, 0)
  t.notOk(f.pass(3, y), 'a third socket is never passed')
})

t.test('budget: connections are reserved and released; the connect rate makes the next connect wait', async t => {
  const budget = new UpstreamBudget(2, 2)
  t.ok(budget.tryReserve())
  t.ok(budget.tryReserve())
  t.notOk(budget.tryReserve(), 'the third is refused')
  t.same(budget.status(), { max: 2, used: 2 })
  budget.release()
  t.ok(budget.tryReserve(), 'room again after a release')
  await budget.connectSlot()
  await budget.connectSlot()
  let third = false
  budget.connectSlot().then(() => { third = true }, () => {})
  for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve))
  t.notOk(third, 'a third connect within the minute waits for its slot')
})
