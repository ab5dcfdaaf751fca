// The browser boundary (DESIGN §1.5), attacked as a web page in a browser on
// the gateway's machine would, over raw sockets with forged headers: DNS
// rebinding (a foreign Host), cross-site requests and WebSockets (Origin,
// Sec-Fetch-Site), and simple-request bodies (text/plain, no type).
import t from 'tap'
import WebSocket from 'ws'
import { seen, startGateway, type Gateway } from '../helper.js'
import { bullet } from '../ws/ws-client.js'
import { raw, upgrade } from './raw.js'

const ORDER = JSON.stringify({ clientOid: 'csrf-1', side: 'buy', symbol: 'BTC-USDT', type: 'limit', price: '1000', size: '0.001' })
const EVIL = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'empty' }
const upstreamCalls = (gw: Gateway, path: string): number => seen(gw.sim, path).length

t.test('DNS rebinding: a foreign Host reaches nothing, not REST, GraphQL, bullet, WebSockets or probes', async t => {
  const gw = await startGateway(t)
  const { token } = await bullet(gw.url, 'spot')
  const host = { host: 'rebind.evil.example:8080' }
  const accounts = await raw(gw.url, { path: '/spot/api/v1/accounts', headers: host })
  t.equal(accounts.status, 421)
  t.match(accounts.headers['content-type'], /^application\/problem\+json/)
  t.match(accounts.json(), { type: 'urn:kgw:host-not-allowed', status: 421, detail: /rebind\.evil\.example/ })
  const graphql = await raw(gw.url, { method: 'POST', path: '/graphql', headers: { ...host, 'content-type': 'application/json' }, body: '{"query":"{ spotAccount { balances { currency available } } }"}' })
  t.equal(graphql.status, 421, 'GraphQL too')
  t.equal(graphql.json().type, 'urn:kgw:host-not-allowed')
  const bulletReply = await raw(gw.url, { method: 'POST', path: '/spot/api/v1/bullet-public', headers: host })
  t.equal(bulletReply.status, 421, 'no bullet endpoint is built from a foreign Host')
  t.notMatch(bulletReply.body, /instanceServers/)
  t.equal((await upgrade(gw.url, `/spot/ws?token=${token}&connectId=x`, host)).status, 421, 'KuCoin-protocol WebSocket upgrade')
  t.equal((await upgrade(gw.url, '/graphql', { ...host, 'sec-websocket-protocol': 'graphql-transport-ws' })).status, 421, 'graphql-ws upgrade')
  t.equal((await raw(gw.url, { path: '/healthz', headers: host })).status, 421, 'even probes')
  t.equal(upstreamCalls(gw, '/api/v1/accounts'), 0, 'KuCoin saw nothing')
  t.equal((await raw(gw.url, { path: '/healthz', headers: { host: '' } })).status, 421, 'an empty Host is not a loopback name')
})

t.test('loopback names are served on any port; KGW_ALLOWED_HOSTS adds names and *.domain', async t => {
  const gw = await startGateway(t, { env: { KGW_ALLOWED_HOSTS: 'kgw.internal, *.svc.cluster.local, 10.1.2.3' } })
  for (const host of ['127.0.0.1', '127.0.0.1:1', 'localhost:9999', 'LOCALHOST', '[::1]:8080', '127.1.2.3', 'kgw.internal:443', 'kgw.internal', 'a.b.svc.cluster.local', '10.1.2.3:8080']) {
    t.equal((await raw(gw.url, { path: '/healthz', headers: { host } })).status, 200, host)
  }
  for (const host of ['kgw.internal.evil.example', 'evilsvc.cluster.local', 'svc.cluster.local', '10.1.2.4', 'localhost.evil.example', '127.0.0.1.nip.io']) {
    t.equal((await raw(gw.url, { path: '/healthz', headers: { host } })).status, 421, host)
  }
})

t.test('cross-site: a simple POST from another site is refused, whatever its content type; KuCoin sees no order', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
    const headers: Record<string, string> = { ...EVIL }
    if (type) headers['content-type'] = type
    const res = await raw(gw.url, { method: 'POST', path: '/spot/api/v1/hf/orders', headers, body: ORDER })
    t.equal(res.status, 403, `${type ?? 'no type'}`)
    t.match(res.json(), { type: 'urn:kgw:cross-site-refused', detail: /cross-site/ })
  }
  const originOnly = await raw(gw.url, { method: 'POST', path: '/spot/api/v1/hf/orders', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: ORDER })
  t.equal(originOnly.status, 403, 'an older browser sends only Origin')
  t.match(originOnly.json().detail, /Origin https:\/\/evil\.example/)
  const nullOrigin = await raw(gw.url, { method: 'POST', path: '/spot/api/v1/hf/orders', headers: { origin: 'null', 'content-type': 'application/json' }, body: ORDER })
  t.equal(nullOrigin.status, 403, 'a sandboxed frame (Origin: null)')
  const read = await raw(gw.url, { path: '/spot/api/v1/accounts', headers: { ...EVIL, 'sec-fetch-mode': 'cors' } })
  t.equal(read.status, 403, 'reads too: a page may not spend the budget or read balances')
  t.equal(upstreamCalls(gw, '/api/v1/hf/orders'), 0, 'KuCoin saw no order')
  t.equal(upstreamCalls(gw, '/api/v1/accounts'), 0)
})

t.test('same-origin pages, non-browser clients and followed links pass', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const own = new URL(gw.url).origin
  t.equal((await raw(gw.url, { path: '/spot/api/v1/accounts', headers: { origin: own } })).status, 200, 'Origin = the gateway itself')
  t.equal((await raw(gw.url, { path: '/spot/api/v1/accounts', headers: { 'sec-fetch-site': 'same-origin' } })).status, 200, 'Sec-Fetch-Site: same-origin')
  t.equal((await raw(gw.url, { path: '/spot/api/v1/accounts', headers: { 'sec-fetch-site': 'none' } })).status, 200, 'typed into the address bar')
  const link = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }
  t.equal((await raw(gw.url, { path: '/docs', headers: link })).status, 200, 'a link followed from another site (top-level page load)')
  t.equal((await raw(gw.url, { path: '/docs', headers: { ...link, 'sec-fetch-dest': 'iframe' } })).status, 403, 'but not framed')
  t.equal((await raw(gw.url, { method: 'POST', path: '/spot/api/v1/hf/orders', headers: { ...link, 'content-type': 'application/json' }, body: ORDER })).status, 403, 'nor a form POST navigation')
  t.equal((await raw(gw.url, { method: 'POST', path: '/spot/api/v1/hf/orders', headers: { 'content-type': 'application/json' }, body: ORDER })).status, 200, 'an SDK (no Origin) trades')
})

t.test('writes need application/json; the gateway never invents a type', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
    const headers: Record<string, string> = type ? { 'content-type': type } : {}
    const res = await raw(gw.url, { method: 'POST', path: '/spot/api/v1/hf/orders', headers, body: ORDER })
    t.equal(res.status, 415, `${type ?? 'no type'}`)
    t.match(res.json(), { type: 'urn:kgw:unsupported-media-type', detail: /application\/json/ })
  }
  t.equal(upstreamCalls(gw, '/api/v1/hf/orders'), 0, 'none reached KuCoin')
  const placed = await raw(gw.url, { method: 'POST', path: '/spot/api/v1/hf/orders', headers: { 'content-type': 'application/json; charset=utf-8' }, body: ORDER })
  t.equal(placed.status, 200, placed.body)
  t.equal(seen(gw.sim, '/api/v1/hf/orders')[0]?.headers['content-type'], 'application/json; charset=utf-8', 'KuCoin sees the type as sent')
  const orderId = placed.json().data.orderId as string
  const cancel = await raw(gw.url, { method: 'DELETE', path: `/spot/api/v1/hf/orders/${orderId}?symbol=BTC-USDT` })
  t.equal(cancel.status, 200, 'a write without a body needs no type (SDK cancels)')
  const cancelSeen = seen(gw.sim, `/api/v1/hf/orders/${orderId}`)
  t.equal(cancelSeen.length, 1)
  t.equal(cancelSeen[0]!.headers['content-type'], undefined, 'and none is invented for it')
  t.equal((await raw(gw.url, { method: 'POST', path: '/spot/api/v1/bullet-public' })).status, 200, 'SDK bullet calls: empty, untyped')
  t.equal((await raw(gw.url, { method: 'POST', path: '/spot/api/v1/bullet-public', headers: { 'content-type': 'text/plain' } })).status, 415, 'a declared non-JSON type is refused even when empty')
})

t.test('cross-site WebSockets are refused at the upgrade: KuCoin protocol and graphql-ws', async t => {
  const gw = await startGateway(t)
  const { token } = await bullet(gw.url, 'spot')
  const foreign = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'websocket' }
  const kucoin = await upgrade(gw.url, `/spot/ws?token=${token}&connectId=x`, foreign)
  t.equal(kucoin.status, 403)
  t.equal(kucoin.json().type, 'urn:kgw:cross-site-refused')
  t.equal((await upgrade(gw.url, `/spot/ws?token=${token}&connectId=y`)).status, 101, 'an SDK without Origin upgrades')
  // graphql-ws from a page on another site: no connection_ack, no balances.
  const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers: foreign })
  const outcome = await new Promise<string>(resolve => {
    ws.on('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode ?? 0}`))
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'connection_init', payload: {} }))
      ws.on('message', data => {
        const msg = JSON.parse(data.toString()) as { type: string }
        if (msg.type === 'connection_ack') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { balances { currency available } }' } }))
        resolve(msg.type)
      })
    })
    ws.on('error', () => {})
  })
  ws.terminate()
  t.equal(outcome, 'refused 403', 'the handshake itself is refused')
})

t.test('KGW_ALLOWED_ORIGINS lets exactly those origins in, with CORS', async t => {
  const dash = 'https://dash.example'
  const gw = await startGateway(t, { env: { KGW_ALLOWED_ORIGINS: `${dash}, http://localhost:3000` } })
  const fromDash = { origin: dash, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' }
  const read = await raw(gw.url, { path: '/spot/api/v1/accounts', headers: fromDash })
  t.equal(read.status, 200)
  t.equal(read.headers['access-control-allow-origin'], dash)
  t.match(read.headers['access-control-expose-headers'], /x-request-id/)
  const preflight = await raw(gw.url, { method: 'OPTIONS', path: '/graphql', headers: { ...fromDash, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' } })
  t.equal(preflight.status, 204)
  t.equal(preflight.headers['access-control-allow-origin'], dash)
  t.match(preflight.headers['access-control-allow-methods'], /POST/)
  const evil = await raw(gw.url, { method: 'OPTIONS', path: '/graphql', headers: { ...EVIL, 'access-control-request-method': 'POST' } })
  t.equal(evil.status, 403, 'a preflight from elsewhere is refused')
  t.equal(evil.headers['access-control-allow-origin'], undefined)
  t.equal((await raw(gw.url, { path: '/spot/api/v1/accounts', headers: { ...EVIL, 'sec-fetch-mode': 'cors' } })).status, 403, 'other origins still refused')
  const ws = await upgrade(gw.url, '/graphql', { origin: 'http://localhost:3000', 'sec-fetch-site': 'same-site', 'sec-websocket-protocol': 'graphql-transport-ws' })
  t.equal(ws.status, 101, 'a listed origin may open graphql-ws')
})

t.test('configuration: bad host and origin entries are reported, * origins refused', async t => {
  const { loadConfig } = await import('../../src/config.js')
  const problems = (env: Record<string, string>): string[] => { try { loadConfig(env); return [] } catch (e) { return (e as { problems: string[] }).problems } }
  t.match(problems({ KGW_ALLOWED_HOSTS: 'kgw.internal:8080' }), [/KGW_ALLOWED_HOSTS: "kgw.internal:8080"/])
  t.match(problems({ KGW_ALLOWED_HOSTS: 'http://x' }), [/KGW_ALLOWED_HOSTS/])
  t.match(problems({ KGW_ALLOWED_ORIGINS: '*' }), [/KGW_ALLOWED_ORIGINS: "\*"/])
  t.match(problems({ KGW_ALLOWED_ORIGINS: 'https://a.example/path' }), [/KGW_ALLOWED_ORIGINS/])
  t.same(loadConfig({ KGW_ALLOWED_ORIGINS: 'https://A.example:443', KGW_ALLOWED_HOSTS: 'KGW.Internal., [fd00::1]' }).allowedOrigins, ['https://a.example'])
  t.same(loadConfig({ KGW_ALLOWED_HOSTS: 'KGW.Internal., [fd00::1]' }).allowedHosts, ['kgw.internal', 'fd00::1'])
})
