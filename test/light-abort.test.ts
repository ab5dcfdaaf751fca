import t from 'tap'
import { LightAbort } from '../src/light-abort.js'

t.test('listeners run once, in order, on the first abort only; removed ones never', async t => {
  const a = new LightAbort()
  const seen: string[] = []
  const removed = (): void => { seen.push('removed') }
  a.signal.addEventListener('abort', () => { seen.push('first') })
  a.signal.addEventListener('abort', removed)
  a.signal.addEventListener('abort', () => { seen.push('second') })
  a.signal.removeEventListener('abort', removed)
  t.equal(a.signal.aborted, false)
  a.abort()
  a.abort()
  t.equal(a.signal.aborted, true)
  t.same(seen, ['first', 'second'])
  a.signal.addEventListener('abort', () => { seen.push('late') })
  t.same(seen, ['first', 'second'], 'a listener added after the abort is not called (callers check aborted first)')
})
