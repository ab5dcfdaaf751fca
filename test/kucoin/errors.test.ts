import t from 'tap'
import { ERROR_KINDS } from '../../src/errors.js'
import { classifyCode, codeTable, envelopeError, transportError } from '../../src/kucoin/errors.js'

t.test('the same code means different things on spot and futures', async t => {
  t.match(classifyCode('spot', '200001'), { kind: 'trading-suspended' })
  t.match(classifyCode('futures', '200001'), { kind: 'invalid-parameter' })
  t.match(classifyCode('spot', '200002'), { kind: 'trading-suspended' })
  t.match(classifyCode('futures', '200002'), { kind: 'rate-limited' })
  t.match(classifyCode('spot', '400200'), { kind: 'account-restricted' })
  t.match(classifyCode('futures', '400200'), { kind: 'permission-denied' })
})

t.test('shared codes, ranges, and unknown codes', async t => {
  t.match(classifyCode('futures', '400005'), { kind: 'signature-invalid' })
  t.match(classifyCode('spot', '429000'), { kind: 'rate-limited' })
  t.match(classifyCode('spot', '126020'), { kind: 'order-rejected' }, 'margin HF range')
  t.match(classifyCode('spot', '126013'), { kind: 'insufficient-funds' }, 'a specific entry beats its range')
  t.equal(classifyCode('futures', '126020'), undefined, 'ranges are spot-only')
  t.equal(classifyCode('spot', '999999'), undefined)
})

t.test('every mapped kind exists and the table covers PROTOCOL §3.3', async t => {
  const rows = codeTable()
  for (const row of rows) t.ok(row.kind in ERROR_KINDS, `${row.code} → ${row.kind}`)
  const codes = new Set(rows.map(r => r.code))
  for (const code of ['400001', '400002', '400003', '400004', '400005', '400006', '400007', '400008', '400009', '400010',
    '404000', '411100', '415000', '429000', '500000', '503000', '1015', '200004', '400100', '102421', '102426', '300003', '300018', '100004']) {
    t.ok(codes.has(code), `code ${code} mapped`)
  }
})

t.test('envelope errors keep KuCoin code and msg; 429 carries retry-after', async t => {
  const e = envelopeError('spot', 200, '200004', 'Balance insufficient!', {})
  t.match(e, { kind: 'insufficient-funds', status: 422, code: '200004', msg: 'Balance insufficient!', market: 'spot' })
  const limited = envelopeError('futures', 429, '429000', 'Too Many Requests', { 'gw-ratelimit-reset': '1500' })
  t.match(limited, { kind: 'rate-limited', status: 429, retryAfterMs: 1500 })
  t.match(envelopeError('spot', 503, '777777', 'x', {}), { kind: 'upstream-unavailable', code: '777777' }, 'unknown code, status decides')
  t.match(envelopeError('spot', 200, '777777', 'x', {}), { kind: 'kucoin-error', status: 502 })
})

t.test('transport failures by code, through causes', async t => {
  const withCode = (code: string): Error => Object.assign(new Error(code), { code })
  t.match(transportError('spot', withCode('UND_ERR_HEADERS_TIMEOUT')), { kind: 'upstream-timeout', status: 504 })
  t.match(transportError('spot', withCode('UND_ERR_CONNECT_TIMEOUT')), { kind: 'upstream-timeout' })
  t.match(transportError('spot', withCode('ECONNREFUSED')), { kind: 'upstream-unreachable', status: 502 })
  t.match(transportError('spot', new Error('x', { cause: withCode('ECONNRESET') })), { kind: 'upstream-reset' })
  t.match(transportError('spot', withCode('UND_ERR_SOCKET')), { kind: 'upstream-reset' })
  t.match(transportError('spot', withCode('DEPTH_ZERO_SELF_SIGNED_CERT')), { kind: 'upstream-tls' })
  t.match(transportError('futures', withCode('ERR_TLS_CERT_ALTNAME_INVALID')), { kind: 'upstream-tls', market: 'futures' })
})
