// The replay window of one topic (src/ws/history.ts), pure: offsets, the
// ring's count and age bounds, epochs, and what a resume gets.
import t from 'tap'
import { TopicHistory, recoveryFrame } from '../../src/ws/history.js'

const frame = (n: number): Buffer => Buffer.from(JSON.stringify({ type: 'message', topic: '/market/match:A-B', data: { n } }))
const parsed = (b: Buffer): Record<string, any> => JSON.parse(b.toString())

t.test('offsets, marks and the count bound (the ring wraps)', async t => {
  const h = new TopicHistory({ frames: 3, maxAgeMs: 60_000 })
  const out = [1, 2, 3, 4, 5].map(n => parsed(h.append(frame(n), 1000 + n)))
  t.same(out.map(f => [f.offset, f.data.n]), [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]])
  t.ok(out.every(f => f.epoch === h.epoch && f.type === 'message'), 'KuCoin\'s fields kept after offset and epoch')
  t.equal(h.size, 3)
  const r = h.recover(2, h.epoch, 1010)
  t.equal(r.recovered, true)
  t.same(r.frames.map(b => parsed(b)).map(f => [f.recovered, f.offset, f.data.n]), [[true, 3, 3], [true, 4, 4], [true, 5, 5]])
  t.same(h.recover(5, h.epoch, 1010), { recovered: true, frames: [] }, 'nothing missed')
  t.equal(h.recover(1, h.epoch, 1010).recovered, false, 'frame 2 is gone')
  t.equal(h.recover(6, h.epoch, 1010).recovered, false, 'an offset not given yet')
  t.equal(h.recover(4, 'other', 1010).recovered, false, 'another epoch')
  t.equal(h.recover(undefined, h.epoch, 1010).recovered, false, 'no since')
})

t.test('the age bound, and a reset starts a new epoch', async t => {
  const h = new TopicHistory({ frames: 10, maxAgeMs: 100 })
  h.append(frame(1), 0)
  h.append(frame(2), 50)
  h.append(frame(3), 120)
  t.equal(h.size, 2, 'frame 1 aged out')
  t.equal(h.recover(0, h.epoch, 120).recovered, false)
  t.equal(h.recover(1, h.epoch, 120).frames.length, 2)
  t.equal(h.recover(1, h.epoch, 200).recovered, false, 'frame 2 aged out by the time of the resume')
  const old = h.epoch
  h.reset()
  t.not(h.epoch, old)
  t.equal(h.size, 0)
  t.equal(parsed(h.append(frame(4), 300)).offset, 1)
  const recovery = h.recover(0, h.epoch, 300)
  t.same(parsed(recoveryFrame('/market/match:A-B', 0, h, recovery)), {
    type: 'message', topic: '/market/match:A-B', subject: 'recovery', data: { recovered: true, since: 0, offset: 1, epoch: h.epoch, frames: 1 }
  })
})

t.test('a window of 0 frames still numbers frames, and never recovers a gap', async t => {
  const h = new TopicHistory({ frames: 0, maxAgeMs: 100 })
  t.equal(parsed(h.append(frame(1), 0)).offset, 1)
  t.equal(parsed(h.append(frame(2), 0)).offset, 2)
  t.equal(h.size, 0)
  t.equal(h.recover(1, h.epoch, 0).recovered, false)
  t.equal(h.recover(2, h.epoch, 0).recovered, true)
})
