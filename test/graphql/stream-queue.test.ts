// StreamQueue (src/graphql/stream-queue.ts), the queue behind subscription
// sources: order, byte accounting, skipping, waking a waiting reader, and
// how a failure or the reader's return ends it.
import t from 'tap'
import { StreamQueue } from '../../src/graphql/stream-queue.js'

/** Items are strings weighing their length; `skip` is taken as nothing. */
class Words extends StreamQueue<string, string> {
  drains = 0
  ends = 0
  add (word: string): void { this.push(word) }
  stop (error?: Error): void { this.end(error) }
  protected weigh (word: string): number { return word.length }
  protected take (word: string): string | undefined { return word === 'skip' ? undefined : word.toUpperCase() }
  protected drained (): void { this.drains++ }
  protected onEnd (): void { this.ends++ }
}

t.test('items come out in order, skipped ones not at all; bufferedAmount counts the bytes not yet taken', async t => {
  const q = new Words()
  q.add('one')
  q.add('skip')
  q.add('three')
  t.equal(q.bufferedAmount, 12)
  t.same(await q.next(), { value: 'ONE', done: false })
  t.equal(q.bufferedAmount, 9)
  t.equal(q.drains, 0, 'not drained while items remain')
  t.same(await q.next(), { value: 'THREE', done: false }, 'the skipped item was passed over')
  t.equal(q.bufferedAmount, 0)
  t.equal(q.drains, 1, 'drained once the last item was taken')
})

t.test('a reader waiting on an empty queue is woken by the next item, and by the end', async t => {
  const q = new Words()
  const first = q.next()
  q.add('late')
  t.same(await first, { value: 'LATE', done: false })
  const second = q.next()
  q.stop()
  t.same(await second, { value: undefined, done: true })
  t.equal(q.ends, 1)
})

t.test('a failure drops what is queued, is thrown at the next take, and then the stream is done', async t => {
  const q = new Words()
  q.add('lost')
  q.stop(new Error('slow consumer'))
  t.equal(q.bufferedAmount, 0)
  await t.rejects(q.next(), /slow consumer/)
  t.same(await q.next(), { value: undefined, done: true })
  q.add('ignored')
  t.equal(q.bufferedAmount, 0, 'nothing is queued after the end')
  q.stop(new Error('again'))
  t.same(await q.next(), { value: undefined, done: true }, 'a second end changes nothing')
  t.equal(q.ends, 1, 'onEnd ran once')
})

t.test('the reader returning ends the stream once and drops a failure not yet thrown; throw() rethrows', async t => {
  const q = new Words()
  q.add('a')
  t.same(await q.return(), { value: undefined, done: true })
  t.same(await q.next(), { value: undefined, done: true })
  t.equal(q.ends, 1)
  const failed = new Words()
  failed.stop(new Error('refused'))
  await failed.return()
  t.same(await failed.next(), { value: undefined, done: true }, 'the failure went with the return')
  const thrown = new Words()
  await t.rejects(thrown.throw(new Error('from the reader')), /from the reader/)
  t.equal(thrown.ends, 1)
  t.equal(thrown[Symbol.asyncIterator](), thrown)
})
