// The REST proxy's caller signal over real sockets: a client that hangs up
// aborts its KuCoin call, whether it leaves while the call is out or before
// the handler has even run (then KuCoin is never asked).
import t from 'tap'
import { gatewayApp, holdingUpstream, listen, sendRaw, until } from './leaving-client.js'

const LEVEL1 = '/spot/api/v1/market/orderbook/level1?symbol='

t.test('a client that leaves while its call is out: the KuCoin call is aborted', async t => {
  const upstream = await holdingUpstream(t)
  const port = await listen(await gatewayApp(t, upstream.url))
  const socket = await sendRaw(port, 'GET', `${LEVEL1}HELD`)
  await until(() => upstream.received() === 1, 'the call to reach KuCoin')
  socket.destroy()
  await until(() => upstream.abandoned() === 1, 'the held call to be closed unanswered')
  t.equal(upstream.received(), 1)
})

t.test('a client that leaves before the handler runs: KuCoin is never asked', async t => {
  const upstream = await holdingUpstream(t)
  const app = await gatewayApp(t, upstream.url)
  let arrived = (): void => {}
  const reached = new Promise<void>(resolve => { arrived = resolve })
  const answered: number[] = []
  // Holds this one request before its handler until its client has gone (test-only hooks).
  app.addHook('preHandler', (request, reply, done) => {
    if (!request.url.includes('symbol=LEAVING')) { done(); return }
    reply.raw.once('close', () => { done() })
    arrived()
  })
  // onSend, not onResponse: a response to a closed connection never finishes.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.url.includes('symbol=LEAVING')) answered.push(reply.statusCode)
    done(null, payload)
  })
  const port = await listen(app)
  const socket = await sendRaw(port, 'GET', `${LEVEL1}LEAVING`)
  await reached
  socket.destroy()
  await until(() => answered.length > 0 || upstream.received() > 0, 'the handler to finish or KuCoin to be asked')
  t.equal(upstream.received(), 0, 'KuCoin was not asked')
  t.same(answered, [499], 'the handler answered "client closed request" to nobody')
})

t.test('a placement whose client left before the handler ran: not sent, and the same key places on retry', async t => {
  const upstream = await holdingUpstream(t)
  const { DEMO_KEY } = await import('../../src/simulator/index.js')
  const app = await gatewayApp(t, upstream.url, {
    KGW_TRADING_ENABLED: 'true',
    KUCOIN_API_KEY: DEMO_KEY.key,
    KUCOIN_API_SECRET: DEMO_KEY.secret,
    KUCOIN_API_PASSPHRASE: DEMO_KEY.passphrase
  })
  let arrived = (): void => {}
  const reached = new Promise<void>(resolve => { arrived = resolve })
  let held = true
  app.addHook('preHandler', (request, reply, done) => {
    if (!held || request.method !== 'POST') { done(); return }
    held = false
    reply.raw.once('close', () => { done() })
    arrived()
  })
  const port = await listen(app)
  const order = JSON.stringify({ symbol: 'BTC-USDT', side: 'buy', type: 'limit', price: '1000', size: '0.001' })
  const headers = { 'content-type': 'application/json', 'idempotency-key': 'leave-1' }
  const first = await sendRaw(port, 'POST', '/spot/api/v1/hf/orders', headers, order)
  await reached
  first.destroy()
  // The retry reaches KuCoin (held there): the key was left free ("not placed"), not stuck as unknown.
  const retry = await sendRaw(port, 'POST', '/spot/api/v1/hf/orders', headers, order)
  const placements = (): string[] => upstream.calls().filter(call => call.startsWith('POST /api/v1/hf/orders'))
  await until(() => placements().length > 0, 'the retry to reach KuCoin')
  t.equal(placements().length, 1, 'one POST at KuCoin: the retry, not the abandoned first')
  retry.destroy()
})
