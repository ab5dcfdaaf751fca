// The REST behaviours the gateway promises (docs/rest.md, docs/errors.md),
// one row each: the call a client makes, what KuCoin answers, and what the
// client must get. conformance.test.ts runs every row through every framing,
// content coding and chunk split. A new response shape is one new row.
import type { RawRequest } from './raw-upstream.js'

/** One KuCoin answer (the matrix adds framing, coding and split). */
export interface Scripted {
  status?: number
  headers?: Record<string, string>
  body: string
}

export interface Expected {
  status: number
  /** The exact decoded body (a pass-through). */
  body?: string
  /** Fields the problem+json answer must have (tap `match`). */
  problem?: Record<string, unknown>
  /** Response headers the client must see (exact values or patterns). */
  headers?: Record<string, string | RegExp>
}

export interface Row {
  name: string
  method?: string
  path: string
  body?: string
  /** KuCoin's answers to the row's calls, in order; the last one repeats. */
  answers: Scripted[]
  expect: Expected
  /** What the upstream must have seen (the row's requests, server-time calls included). */
  saw?: (requests: RawRequest[]) => string | undefined
  /** Too large for 1-byte writes (they prove nothing more and take long). */
  large?: boolean
}

const LEVEL1 = '{"code":"200000","data":{"time":1729000000000,"sequence":"1","price":"67000.1","size":"0.01","bestBid":"67000","bestBidSize":"1","bestAsk":"67000.2","bestAskSize":"2"}}'
const ACCOUNTS = '{"code":"200000","data":[{"id":"5bd6e9286d99522a52e458de","currency":"BTC","type":"trade","balance":"1.5","available":"1.5","holds":"0"}]}'
const ORDER = '{"code":"200000","data":{"orderId":"670fd33bf9406e0007ab3945","clientOid":"c-1"}}'
// With its own clientOid and time window, the gateway adds nothing: the bytes go as sent.
const ORDER_BODY = '{"clientOid":"c-1","side":"buy","symbol":"BTC-USDT","type":"limit","price":"1","size":"0.001","clientTimestamp":1,"allowMaxTimeWindow":5000}'

/** Deterministic, poorly compressible data, so even gzip'd it is past the gateway's 64 KiB buffer and streams. */
function noise (n: number): string {
  let x = 0x9e3779b9
  let out = ''
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    out += (x >>> 0).toString(36)
  }
  return out
}
export const LARGE = `{"code":"200000","data":[${Array.from({ length: 3000 }, (_, i) => `{"symbol":"S${i}-USDT","note":"${noise(20)}"}`).join(',')}]}`

const RATE = { 'gw-ratelimit-limit': '2000', 'gw-ratelimit-remaining': '1987', 'gw-ratelimit-reset': '1500' }

/** Cloudflare's HTML block page for 1015, as served in front of api.kucoin.com (trimmed). */
const CF_1015 = '<!DOCTYPE html><html lang="en-US"><head><title>Access denied | api.kucoin.com used Cloudflare to restrict access</title></head><body><div id="cf-wrapper"><h1><span class="cf-error-type">Error</span> <span class="cf-error-code">1015</span></h1><h2 class="cf-subheadline">You are being rate limited</h2><p>The owner of this website (api.kucoin.com) has banned you temporarily from accessing this website.</p><span>Cloudflare Ray ID: <strong>8c1f0e0e0e0e0e0e</strong></span></div></body></html>'

function cfPage (code: number, title: string): string {
  return `<!DOCTYPE html><html><head><title>api.kucoin.com | ${code}: ${title}</title></head><body><div id="cf-error-details"><h1><span class="inline-block">${title}</span> <span class="code-label">Error code ${code}</span></h1><p>Visit cloudflare.com for more information.</p></div></body></html>`
}

const HTML = { 'content-type': 'text/html; charset=UTF-8', server: 'cloudflare' }

function cdnRow (code: number, title: string, status: number, kind: string): Row {
  return {
    name: `Cloudflare ${code} page (${title})`,
    path: '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT',
    answers: [{ status: code, headers: HTML, body: cfPage(code, title) }],
    expect: { status, problem: { type: `urn:kgw:${kind}`, code: String(code), detail: new RegExp(`^Cloudflare ${code}: `) } }
  }
}

const count = (requests: RawRequest[], prefix: string): number => requests.filter(r => r.target.startsWith(prefix)).length

export const ROWS: Row[] = [
  {
    name: 'public success passes through',
    path: '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT',
    answers: [{ body: LEVEL1 }],
    expect: { status: 200, body: LEVEL1, headers: { 'content-type': 'application/json', vary: /accept-encoding/i } },
    saw: requests => requests[0]?.headers['kc-api-sign'] === undefined ? undefined : 'a public call was signed'
  },
  {
    name: 'signed success passes through',
    path: '/spot/api/v1/accounts',
    answers: [{ body: ACCOUNTS }],
    expect: { status: 200, body: ACCOUNTS },
    saw: requests => requests[0]?.headers['kc-api-sign'] ? undefined : 'the private call was not signed'
  },
  {
    name: 'order placement forwards the body and passes the answer through',
    method: 'POST',
    path: '/spot/api/v1/hf/orders',
    body: ORDER_BODY,
    answers: [{ body: ORDER }],
    expect: { status: 200, body: ORDER },
    // The order cache's private stream (src/orders/order-cache.ts) may open with a bullet-private POST: only orders count.
    saw: requests => {
      const orders = requests.filter(r => r.target.startsWith('/api/v1/hf/orders'))
      return orders.length === 1 && orders[0]!.body.toString() === ORDER_BODY ? undefined : 'the order body did not reach KuCoin byte for byte, exactly once'
    }
  },
  {
    name: 'legacy success code "200" passes through',
    path: '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT',
    answers: [{ body: '{"code":"200","data":{"price":"1"}}' }],
    expect: { status: 200, body: '{"code":"200","data":{"price":"1"}}' }
  },
  {
    name: 'a success whose code is not first passes through',
    path: '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT',
    answers: [{ body: '{"data":{"price":"1"},"code":"200000"}' }],
    expect: { status: 200, body: '{"data":{"price":"1"},"code":"200000"}' }
  },
  {
    name: 'rate-limit headers pass through on a success',
    path: '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT',
    answers: [{ headers: RATE, body: LEVEL1 }],
    expect: { status: 200, body: LEVEL1, headers: { 'gw-ratelimit-limit': '2000', 'gw-ratelimit-remaining': '1987', 'gw-ratelimit-reset': '1500' } }
  },
  {
    name: 'a large success streams through',
    path: '/spot/api/v2/symbols',
    answers: [{ body: LARGE }],
    expect: { status: 200, body: LARGE },
    large: true
  },
  {
    name: 'spot 400100 is invalid-parameter',
    path: '/spot/api/v1/market/orderbook/level1?symbol=NOPE',
    answers: [{ status: 400, body: '{"code":"400100","msg":"Parameter error: symbol"}' }],
    expect: { status: 400, problem: { type: 'urn:kgw:invalid-parameter', code: '400100', msg: 'Parameter error: symbol', market: 'spot' } }
  },
  {
    name: 'futures 100003 is unknown-symbol (per-market meaning)',
    path: '/futures/api/v1/ticker?symbol=NOPE',
    answers: [{ body: '{"code":"100003","msg":"Contract does not exist"}' }],
    expect: { status: 400, problem: { type: 'urn:kgw:unknown-symbol', code: '100003', market: 'futures' } }
  },
  {
    name: 'HF 102421 is insufficient-funds',
    method: 'POST',
    path: '/spot/api/v1/hf/orders',
    body: ORDER_BODY,
    answers: [{ body: '{"code":"102421","msg":"Insufficient balance"}' }],
    expect: { status: 422, problem: { type: 'urn:kgw:insufficient-funds', code: '102421' } }
  },
  {
    name: '400005 is signature-invalid',
    path: '/spot/api/v1/accounts',
    answers: [{ status: 401, body: '{"code":"400005","msg":"Invalid KC-API-SIGN"}' }],
    expect: { status: 401, problem: { type: 'urn:kgw:signature-invalid', code: '400005' } }
  },
  {
    name: 'an unknown code on HTTP 500 is upstream-error',
    path: '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT',
    answers: [{ status: 500, body: '{"code":"999999","msg":"boom"}' }],
    expect: { status: 502, problem: { type: 'urn:kgw:upstream-error', code: '999999' } }
  },
  {
    name: '429000 is rate-limited with Retry-After from gw-ratelimit-reset',
    path: '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT',
    answers: [{ status: 429, headers: RATE, body: '{"code":"429000","msg":"Too Many Requests"}' }],
    expect: { status: 429, problem: { type: 'urn:kgw:rate-limited', code: '429000' }, headers: { 'retry-after': '2', 'gw-ratelimit-remaining': '1987' } }
  },
  {
    name: '400002 resyncs the clock and retries once',
    path: '/spot/api/v1/accounts',
    answers: [{ status: 400, body: '{"code":"400002","msg":"KC-API-TIMESTAMP Invalid"}' }, { body: ACCOUNTS }],
    expect: { status: 200, body: ACCOUNTS },
    saw: requests => count(requests, '/api/v1/accounts') === 2 && count(requests, '/api/v1/timestamp') >= 1 ? undefined : `expected accounts, a time sync, accounts again; saw ${requests.map(r => r.target).join(', ')}`
  },
  {
    name: 'a truncated-looking success that is not JSON is a typed 502',
    path: '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT',
    answers: [{ body: '{"code":"200000","data":{"price":' }],
    expect: { status: 502, problem: { type: 'urn:kgw:upstream-bad-response' } }
  },
  {
    name: 'Cloudflare 1015 page is rate-limited with KuCoin\'s Retry-After',
    path: '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT',
    answers: [{ status: 429, headers: { ...HTML, 'retry-after': '45' }, body: CF_1015 }],
    expect: { status: 429, problem: { type: 'urn:kgw:rate-limited', code: '1015' }, headers: { 'retry-after': '45' } }
  },
  {
    name: 'Cloudflare 1015 page without Retry-After waits gw-ratelimit-reset',
    path: '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT',
    answers: [{ status: 429, headers: { 'content-type': 'text/plain', 'gw-ratelimit-reset': '4200' }, body: 'error code: 1015' }],
    expect: { status: 429, problem: { type: 'urn:kgw:rate-limited', code: '1015' }, headers: { 'retry-after': '5' } }
  },
  {
    name: 'Cloudflare 1015 page with no hint waits 30 s',
    path: '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT',
    answers: [{ status: 429, headers: HTML, body: CF_1015 }],
    expect: { status: 429, problem: { type: 'urn:kgw:rate-limited', code: '1015' }, headers: { 'retry-after': '30' } }
  },
  cdnRow(520, 'Web server is returning an unknown error', 502, 'upstream-error'),
  cdnRow(521, 'Web server is down', 503, 'upstream-unavailable'),
  cdnRow(522, 'Connection timed out', 504, 'upstream-timeout'),
  cdnRow(523, 'Origin is unreachable', 503, 'upstream-unavailable'),
  cdnRow(524, 'A timeout occurred', 504, 'upstream-timeout'),
  cdnRow(525, 'SSL handshake failed', 502, 'upstream-error'),
  cdnRow(526, 'Invalid SSL certificate', 502, 'upstream-error'),
  {
    name: 'another proxy\'s HTML 502 is upstream-unavailable',
    path: '/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT',
    answers: [{ status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }],
    expect: { status: 503, problem: { type: 'urn:kgw:upstream-unavailable' } }
  }
]
