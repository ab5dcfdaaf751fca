// Graceful close (what SIGTERM/SIGINT run in server.ts): in-flight requests
// finish, WebSocket clients get a notice and close code 1001, upstream closes.
import t from 'tap'
import { request } from 'undici'
import { startGateway } from './helper.js'
import { subscriber } from './graphql/gql.js'
import { connect, until } from './ws/ws-client.js'

t.test('close: the in-flight request completes, sockets get a notice and 1001, upstream goes', async t => {
  const gw = await startGateway(t)
  const client = await connect(gw.url)
  await client.subscribe('/market/ticker:BTC-USDT')
  const graphqlWs = await subscriber(gw)
  const graphqlClosed = new Promise<number>(resolve => graphqlWs.ws.on('close', code => resolve(code)))
  const graphqlFrames: string[] = []
  graphqlWs.ws.on('message', data => graphqlFrames.push(data.toString()))
  await until(() => gw.sim.ws.connections('spot') === 1, 5000, 'upstream connection')
  gw.sim.addFault({ path: '/api/v1/market/orderbook/level1', times: 1, action: { kind: 'delay', ms: 400 } })

  const inFlight = request(`${gw.url}/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT`)
  await until(() => gw.sim.requests.some(r => r.url.startsWith('/api/v1/market/orderbook/level1')), 5000, 'request upstream')
  const closing = gw.app.close()

  const res = await inFlight
  t.equal(res.statusCode, 200, 'the in-flight request finished')
  t.equal((await res.body.json() as { code: string }).code, '200000')
  const closed = await client.closed
  t.equal(closed.code, 1001, 'going away')
  t.ok(client.frames.some(f => f.type === 'notice' && f.subject === 'gateway.shutdown'), 'told why first')
  t.equal(await graphqlClosed, 1001, 'graphql-ws sockets too')
  t.notOk(graphqlFrames.some(f => f.includes('notice')), 'without a KuCoin-protocol notice they would not understand')
  await closing
  await until(() => gw.sim.ws.connections('spot') === 0, 5000, 'upstream closed')
  await t.rejects(request(`${gw.url}/healthz`), 'no longer accepting')
})
