import t from 'tap'
import { batchTopics, isTopicError, parseTopic, specOf } from '../../src/ws/topics.js'

t.test('multi-symbol topics expand to the single-symbol topics KuCoin pushes on', async t => {
  const parsed = parseTopic('spot', '/market/ticker:BTC-USDT,ETH-USDT,BTC-USDT')
  t.match(parsed, { spec: { prefix: '/market/ticker', conflate: true, private: false }, topics: ['/market/ticker:BTC-USDT', '/market/ticker:ETH-USDT'] })
  t.match(parseTopic('spot', '/market/ticker:all'), { topics: ['/market/ticker:all'] }, 'all is one topic')
  t.match(parseTopic('spot', '/market/level2:BTC-USDT'), { spec: { conflate: false } }, 'level2 is a delta stream')
  t.match(parseTopic('spot', '/market/candles:BTC-USDT_1min'), { topics: ['/market/candles:BTC-USDT_1min'] })
  t.match(parseTopic('spot', '/account/balance'), { spec: { private: true }, topics: ['/account/balance'] })
  t.match(parseTopic('futures', '/contractMarket/tradeOrders'), { spec: { optionalArg: true, private: true }, topics: ['/contractMarket/tradeOrders'] })
  t.match(parseTopic('futures', '/contractMarket/tradeOrders:XBTUSDTM'), { spec: { symbols: 'many', private: true } })
})

t.test('bad topics are refused as KuCoin would', async t => {
  t.match(parseTopic('spot', '/market/nothing:BTC-USDT'), { code: 404, message: 'topic /market/nothing:BTC-USDT is not found' })
  t.match(parseTopic('futures', '/market/ticker:BTC-USDT'), { code: 404 }, 'spot topic on the futures feed')
  t.match(parseTopic('spot', '/market/ticker'), { code: 400 })
  t.match(parseTopic('spot', '/market/ticker:'), { code: 400 })
  t.match(parseTopic('spot', '/market/ticker:BTC USDT'), { code: 400 })
  t.match(parseTopic('spot', '/market/snapshot:BTC-USDT,ETH-USDT'), { code: 400 }, 'one symbol only')
  t.match(parseTopic('spot', '/account/balance:BTC'), { code: 400 })
  t.ok(isTopicError(parseTopic('spot', '')))
  t.equal(specOf('spot', '/nope:X'), undefined)
})

t.test('batching joins multi-symbol topics up to the per-frame limit', async t => {
  const topics = Array.from({ length: 250 }, (_, i) => `/market/ticker:S${i}`)
  const batched = batchTopics('spot', [...topics, '/market/snapshot:A', '/account/balance'], 100)
  t.equal(batched.length, 5)
  t.same(batched.filter(b => b.startsWith('/market/ticker:')).map(b => b.split(',').length), [100, 100, 50])
  t.ok(batched.includes('/market/snapshot:A'))
  t.ok(batched.includes('/account/balance'))
})
