// What a newcomer meets first: GET / says where to go, the log names the KuCoin
// hosts and whether the clock sync with each worked, one line per request, a
// port in use is one sentence (not a stack), and requests fastify or mercurius
// refuse are typed problems, never `internal`.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { ENTRY_POINTS } from '../src/routes/root.js'
import { startGateway } from './helper.js'
import { TSX_LOADER } from './loader/child.js'

interface Line { level: number, msg: string, [key: string]: unknown }
const lines = (captured: string[]): Line[] => captured.flatMap(text => text.split('\n')).filter(l => l.startsWith('{"level"')).map(l => JSON.parse(l) as Line)

t.test('GET / lists the entry points, and each one is there', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const root = await gw.get('/')
  t.equal(root.status, 200)
  t.match(root.headers['content-type'], /^application\/json/)
  const body = root.json<{ name: string, entryPoints: Record<string, { path: string }> }>()
  t.equal(body.name, 'kucoin-gateway')
  t.same(Object.keys(body.entryPoints), Object.keys(ENTRY_POINTS))
  for (const [name, { path }] of Object.entries(body.entryPoints)) {
    if (path.includes('...') || name === 'bullet') continue
    // A GET of a concrete entry point is never "no such route" (/graphql answers 400 without a query, /spot/ws 4xx without an upgrade).
    const reply = await gw.get(path)
    t.not(reply.status === 404 && reply.text.includes('route-not-found'), true, `${path} exists`)
  }
})

t.test('the first clock sync is logged per KuCoin host; an unreachable one is a warning naming it', async t => {
  const ok = await startGateway(t, { key: 'none' })
  await t.resolves(waitFor(() => lines(ok.captured).filter(l => /clock synced/.test(l.msg)).length === 2))
  const synced = lines(ok.captured).filter(l => /clock synced/.test(l.msg))
  t.same(synced.map(l => l.level), [30, 30])
  t.ok(synced.some(l => l.msg.includes(ok.sim.spotUrl)), 'names the spot host')

  // Nothing listens on the closed port: the sync fails at once.
  const closed = await closedPort()
  const captured: string[] = []
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'info', KUCOIN_SPOT_URL: `http://127.0.0.1:${closed}`, KUCOIN_FUTURES_URL: `http://127.0.0.1:${closed}` }), { logStream: { write: l => { captured.push(l) } } })
  t.teardown(() => app.close())
  await app.ready()
  await t.resolves(waitFor(() => lines(captured).filter(l => l.level === 40 && /did not answer the time sync/.test(l.msg)).length === 2))
  const warning = lines(captured).find(l => l.level === 40 && l.market === 'spot')!
  t.match(warning.msg, `KuCoin spot at http://127.0.0.1:${closed} did not answer the time sync`)
  t.match(warning.msg, 'KUCOIN_SPOT_URL')
  // And a call through it names the host in the problem.
  const problem = await app.inject('/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT')
  t.equal(problem.json().type, 'urn:kgw:upstream-unreachable')
  t.match(problem.json().detail, `KuCoin spot at http://127.0.0.1:${closed}`)
})

t.test('one log line per request at info, with method, URL, status and time', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const before = gw.captured.length
  await gw.get('/healthz', { 'x-request-id': 'one-line-per-request' })
  await t.resolves(waitFor(() => lines(gw.captured.slice(before)).some(l => l.reqId === 'one-line-per-request' && l.level === 30)))
  const info = lines(gw.captured.slice(before)).filter(l => l.reqId === 'one-line-per-request' && l.level >= 30)
  t.equal(info.length, 1)
  t.match(info[0], { msg: 'request completed', req: { method: 'GET', url: '/healthz' }, res: { statusCode: 200 }, responseTime: Number })
})

t.test("fastify's and mercurius's refusals are typed problems, never internal", async t => {
  const gw = await startGateway(t, { key: 'none', env: { KGW_BODY_LIMIT_BYTES: '1000' } })
  const json = { 'content-type': 'application/json' }
  const cases: Array<[string, Promise<{ status: number, json: () => any }>, number, string]> = [
    ['POST /graphql with broken JSON', gw.call('POST', '/graphql', { headers: json, body: '{"query":' }), 400, 'bad-request'],
    ['POST /graphql with an empty JSON body', gw.call('POST', '/graphql', { headers: json, body: '' }), 400, 'bad-request'],
    ['POST /graphql with a JSON string', gw.call('POST', '/graphql', { headers: json, body: '"{ spot { serverTime } }"' }), 400, 'bad-request'],
    ['GET /graphql with no query', gw.get('/graphql'), 400, 'bad-request'],
    ['a mutation over GET', gw.get(`/graphql?query=${encodeURIComponent('mutation { cancelAllSpotOrders(symbol: "BTC-USDT") { orderIds } }')}`), 405, 'method-not-allowed'],
    ['POST /graphql over the body limit', gw.call('POST', '/graphql', { headers: json, body: JSON.stringify({ query: `{ spot { serverTime } }${' '.repeat(2000)}` }) }), 413, 'payload-too-large'],
    ["POST /graphql with curl's default type", gw.call('POST', '/graphql', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query={}' }), 415, 'unsupported-media-type']
  ]
  for (const [name, pending, status, kind] of cases) {
    const reply = await pending
    t.equal(reply.status, status, `${name}: status`)
    t.equal(reply.json().type, `urn:kgw:${kind}`, `${name}: kind`)
  }
})

t.test('a port already in use is one plain sentence, not a stack', async t => {
  const blocker = createServer()
  blocker.listen(0, '127.0.0.1')
  await once(blocker, 'listening')
  t.teardown(() => { blocker.close() })
  const port = (blocker.address() as { port: number }).port
  const child = spawn(process.execPath, ['--import', TSX_LOADER, 'src/server.ts', '--simulate'], {
    // The child runs under tsx, whose transpiled code differs from tap's loader: its coverage
    // merged with the tests' would garble the report (as in server.test.ts), so it writes none.
    env: { PATH: process.env.PATH ?? '', _TAPJS_PROCESSINFO_COV_EXCLUDE_: '/./', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', chunk => { stderr += String(chunk) })
  const [code] = await once(child, 'exit') as [number]
  t.equal(code, 1)
  t.match(stderr, `kucoin-gateway: 127.0.0.1 port ${port} is already in use`)
  t.notMatch(stderr, /^\s+at /m, 'no stack trace')
})

async function closedPort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

/** Polls a condition on events the gateway logs; the test's own timeout bounds it. */
async function waitFor (condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise(resolve => setTimeout(resolve, 20))
}
