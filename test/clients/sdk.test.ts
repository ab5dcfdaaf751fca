// The official KuCoin SDK (kucoin-universal-sdk, unchanged) through the
// gateway. The only setting is the SDK's own spot endpoint option: its REST
// base URL becomes http://<gateway>/spot. The SDK then posts its bullet to
// <that base>/api/v1/bullet-public (DefaultWsTokenProvider), which the gateway
// answers with a gateway token and endpoint ws://<gateway>/spot/ws, and it
// connects to `<endpoint>?connectId=..&token=..` (DefaultWebSocketClient.dial).
// No WebSocket URL is configured anywhere: it comes from the bullet, as on KuCoin.
import t from 'tap'
import {
  ClientOptionBuilder, DefaultClient, Spot, TransportOptionBuilder, WebSocketClientOptionBuilder, logger
} from 'kucoin-universal-sdk'
import { startGateway } from '../helper.js'
import { until } from '../ws/ws-client.js'

// The SDK logs every connect and subscribe to stdout at info level; errors are enough here.
logger.setGlobalLogger({}, { level: 'error', format: (level: string, message: string) => `[kucoin sdk ${level}] ${message}` })

function sdkClient (gatewayUrl: string, writeTimeoutMs = 30_000): DefaultClient {
  const option = new ClientOptionBuilder()
    // Dummy keys: the gateway signs with its own and never forwards the SDK's KC-API-* headers.
    .setKey('dummy-key')
    .setSecret('dummy-secret')
    .setPassphrase('dummy-passphrase')
    .setSpotEndpoint(`${gatewayUrl}/spot`)
    .setFuturesEndpoint(`${gatewayUrl}/futures`)
    .setTransportOption(new TransportOptionBuilder().build())
    .setWebSocketClientOption(new WebSocketClientOptionBuilder().withReconnect(false).withWriteTimeout(writeTimeoutMs)
      // The SDK's dial includes starting its worker thread: 10 s by default, too little on a loaded machine.
      .withDialTimeout(30_000).build())
    .build()
  return new DefaultClient(option)
}

t.test('an unchanged KuCoin SDK gets ticker data through the gateway', async t => {
  const gw = await startGateway(t)
  const ws = sdkClient(gw.url).wsService().newSpotPublicWS()
  await ws.start()
  t.teardown(() => ws.stop())
  const got: Array<{ topic: string, subject: string, sequence: string, bestAsk: string, price: string }> = []
  await ws.ticker(['BTC-USDT'], (topic, subject, data) => { got.push({ topic, subject, sequence: data.sequence, bestAsk: data.bestAsk, price: data.price }) })

  // The SDK's ack comes from the gateway; the upstream subscription follows.
  await until(() => gw.sim.ws.subscriptions().some(c => c.topics.length > 0), 5000, 'the upstream subscription')
  t.same(gw.sim.ws.subscriptions().map(c => c.topics), [['/market/ticker:BTC-USDT']], 'the gateway subscribed the topic upstream once')
  // The simulator's own synthetic ticker (pushed every 100 ms), parsed by the SDK's TickerEvent.
  await until(() => got.length >= 2, 5000, 'synthetic tickers')
  t.match(got[0], { topic: '/market/ticker:BTC-USDT', subject: 'trade.ticker', sequence: /^\d+$/, bestAsk: /^\d+(\.\d+)?$/, price: /^\d+(\.\d+)?$/ })

  // And a frame of our own, to show the bytes KuCoin sent are what the SDK parses.
  const marker = { sequence: '999999999', price: '12345.6', size: '0.1', bestAsk: '12345.7', bestAskSize: '1', bestBid: '12345.5', bestBidSize: '2', time: 1 }
  gw.sim.ws.publishRaw('spot', '/market/ticker:BTC-USDT', JSON.stringify({ type: 'message', topic: '/market/ticker:BTC-USDT', subject: 'trade.ticker', data: marker }))
  await until(() => got.some(g => g.sequence === marker.sequence), 5000, 'the marker ticker')
  t.match(got.find(g => g.sequence === marker.sequence), { price: '12345.6', bestAsk: '12345.7' })
})

t.test('the SDK\'s long subscription ids are echoed in the ack', async t => {
  // The SDK's id is the topic prefix and every symbol (`/market/ticker@@A,B,...`) and it
  // waits for an ack carrying exactly that id: 40 symbols make an id of over 400 characters.
  const gw = await startGateway(t)
  const ws = sdkClient(gw.url, 3000).wsService().newSpotPublicWS()
  await ws.start()
  t.teardown(() => ws.stop())
  const symbols = Array.from({ length: 40 }, (_, i) => `COIN${i}-USDT`)
  const id = await ws.ticker(symbols, () => {})
  t.ok(id.length > 400, `acked (id of ${id.length} characters)`)
})

t.test('the same SDK, private: an order placed with its REST client arrives on its private WebSocket', async t => {
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  const sdk = sdkClient(gw.url)
  const ws = sdk.wsService().newSpotPrivateWS()
  await ws.start()
  t.teardown(() => ws.stop())
  const events: Array<{ orderId: string, clientOid: string, type: string, status: string }> = []
  await ws.orderV2((_topic, _subject, data) => { events.push({ orderId: data.orderId, clientOid: data.clientOid, type: String(data.type), status: String(data.status) }) })
  await until(() => gw.sim.ws.subscriptions().some(c => c.private && c.topics.includes('/spotMarket/tradeOrdersV2')), 5000, 'the private upstream subscription')

  const orders = sdk.restService().getSpotService().getOrderApi()
  const placed = await orders.addOrder(Spot.Order.AddOrderReq.create({ clientOid: 'sdk-1', symbol: 'BTC-USDT', side: Spot.Order.AddOrderReq.SideEnum.BUY, type: Spot.Order.AddOrderReq.TypeEnum.LIMIT, price: '1000', size: '0.001' }))
  t.match(placed.orderId, /^\w+$/, 'the SDK placed the order through the REST proxy')
  await until(() => events.some(e => e.orderId === placed.orderId && e.type === 'open'), 5000, 'the open event')
  t.match(events.filter(e => e.orderId === placed.orderId), [{ type: 'received', status: 'new', clientOid: 'sdk-1' }, { type: 'open', status: 'open' }])
})
