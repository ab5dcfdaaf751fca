// The replay window's storage: the last N frames in order, whatever the
// wrap-arounds and growth, frames already handed out never overwritten, and
// the bytes held bounded by the window, not by the frames ever appended.
import t from 'tap'
import { FrameLog } from '../../src/books/frame-log.js'

const text = (n: number): string => `{"n":${n},"pad":"${'x'.repeat(n % 300)}"}`

t.test('keeps the last `capacity` frames in order, across growth and wrap-around', async t => {
  const log = new FrameLog(100)
  for (let n = 1; n <= 250; n++) log.append(2 * n, 2 * n + 1, text(n))
  t.equal(log.length, 100)
  for (let k = 0; k < 100; k++) {
    const n = 151 + k
    t.equal(log.start(k), 2 * n)
    t.equal(log.end(k), 2 * n + 1)
    t.equal(log.frame(k).toString(), text(n))
  }
  t.equal(log.indexOfStart(2 * 151), 0)
  t.equal(log.indexOfStart(2 * 250), 99)
  t.equal(log.indexOfStart(2 * 150), -1, 'left the window')
  log.clear()
  t.equal(log.length, 0)
  t.equal(log.indexOfStart(2 * 250), -1)
  log.append(7, 7, 'again')
  t.equal(log.frame(0).toString(), 'again')
})

t.test('a frame handed out stays intact after it left the window', async t => {
  const log = new FrameLog(3)
  const first = log.append(1, 1, text(1))
  const copy = Buffer.from(first)
  for (let n = 2; n <= 5000; n++) log.append(n, n, text(n))
  t.same(first, copy)
})

t.test('bytes held follow the window, not the frames appended', async t => {
  const log = new FrameLog(10)
  for (let n = 1; n <= 1000; n++) log.append(n, n, text(n))
  const after1k = log.retainedBytes
  for (let n = 1001; n <= 100_000; n++) log.append(n, n, text(n))
  t.ok(log.retainedBytes <= after1k + 16 * 1024, `${log.retainedBytes} bytes after 100k frames, ${after1k} after 1k`)
  t.ok(log.retainedBytes < 3 * 16 * 1024)
  const big = 'y'.repeat(200 * 1024)
  log.append(0, 0, big)
  t.equal(log.frame(9).toString(), big, 'a frame larger than a slab')
  t.ok(log.retainedBytes < 200 * 1024 + 3 * 16 * 1024, `a slab its own size, not 3× it (${log.retainedBytes} bytes held)`)
})

t.test('multi-byte text is stored whole, however full the slab', async t => {
  const log = new FrameLog(1000)
  const wide = (n: number): string => `{"n":${n},"s":"€😀é${'€'.repeat(n % 50)}"}`
  for (let n = 0; n < 500; n++) log.append(n, n, wide(n))
  for (let k = 0; k < 500; k++) t.equal(log.frame(k).toString(), wide(k))
})

t.test('a window of one', async t => {
  const log = new FrameLog(1)
  for (let n = 1; n <= 2000; n++) log.append(n, n, text(n))
  t.equal(log.length, 1)
  t.equal(log.frame(0).toString(), text(2000))
  t.ok(log.retainedBytes < 2 * 16 * 1024)
})
