import t from 'tap'
import { canonicalPath, MAX_PATH_LENGTH } from '../../src/canonical-path.js'

t.test('canonical paths are exact and unchanged but for case', async t => {
  t.same(canonicalPath('/api/v1/hf/orders'), { ok: true, path: '/api/v1/hf/orders', exact: true })
  t.same(canonicalPath('/api/v1/market/allTickers'), { ok: true, path: '/api/v1/market/alltickers', exact: true })
})

t.test('tricks resolve to the path a server could route, and are not exact', async t => {
  const cases: Array<[string, string]> = [
    ['/api/v1/hf/orders/../../withdrawals', '/api/v1/withdrawals'],
    ['/api/v1/hf/orders/..%2F..%2Fwithdrawals', '/api/v1/withdrawals'],
    ['/api/v1/hf/orders/..%252F..%252Fwithdrawals', '/api/v1/withdrawals'],
    ['/api/v1/./withdrawals', '/api/v1/withdrawals'],
    ['/api//v1///withdrawals', '/api/v1/withdrawals'],
    ['/api/v1/withdrawals/', '/api/v1/withdrawals'],
    ['/api%5Cv1%5Cwithdrawals', '/api/v1/withdrawals'],
    ['/api/v1/withdrawals;jsessionid=1', '/api/v1/withdrawals'],
    ['/api/v1/withdrawals%20', '/api/v1/withdrawals'],
    ['/api/v1/withdrawals%00', '/api/v1/withdrawals'],
    ['/api/v1/withdrawals.', '/api/v1/withdrawals'],
    ['/api/v1/%77ithdrawals', '/api/v1/withdrawals'],
    ['/api/v1/hf/orders/..;/..;/withdrawals', '/api/v1/withdrawals']
  ]
  for (const [raw, path] of cases) t.same(canonicalPath(raw), { ok: true, path, exact: false }, raw)
})

t.test('what cannot be trusted is an error', async t => {
  t.match(canonicalPath('/../api/v1/accounts'), { ok: false, reason: /climbs above/ })
  t.match(canonicalPath('/api/v1/%E0%A4%A'), { ok: false, reason: /percent-encoding/ })
  t.match(canonicalPath('/api/v1/%25252525252F'), { ok: false, reason: /percent-encoding/ })
  t.match(canonicalPath('/api/' + 'a'.repeat(MAX_PATH_LENGTH)), { ok: false, reason: /longer than/ })
})
