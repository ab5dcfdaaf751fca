// Which subscriptions share a group: the key of an operation, on the real
// schema. Same meaning, same key; any difference a result could depend on
// (document, operation, variables, scopes, and the caller on the account's
// own streams), a different key.
import t from 'tap'
import { buildSchema } from 'graphql'
import type { Caller, Scope } from '../../../src/access.js'
import { Operations, type PreparedOperation } from '../../../src/graphql/live/operation.js'
import { PRIVATE_SUBSCRIPTIONS } from '../../../src/graphql/resolvers/subscriptions.js'
import { loadSdl } from '../../../src/graphql/schema.js'

const operations = new Operations({ schema: buildSchema(loadSdl()), privateFields: PRIVATE_SUBSCRIPTIONS })
const caller = (name: string, ...scopes: Scope[]): Caller => ({ name, scopes: new Set(scopes) })
const viewer = caller('viewer', 'read')

function prepare (query: string, variables?: Record<string, unknown>, who = viewer, operationName?: string): PreparedOperation {
  const prepared = operations.prepare({ query, variables, operationName }, who)
  if (Array.isArray(prepared)) throw new Error(JSON.stringify(prepared))
  return prepared as PreparedOperation
}
const key = (...args: Parameters<typeof prepare>): string => prepare(...args).key
const errors = (query: string, variables?: Record<string, unknown>): string[] => {
  const prepared = operations.prepare({ query, variables, operationName: undefined }, viewer)
  return Array.isArray(prepared) ? prepared.map(e => e.message) : []
}

const TICKER = 'subscription { spotTicker(symbol: "BTC-USDT") { price time } }'
const BY_VARIABLE = 'subscription ($s: String!) { spotTicker(symbol: $s) { price time } }'

t.test('the same meaning is one key', async t => {
  t.equal(key('subscription{spotTicker(symbol:"BTC-USDT"){price time}}'), key(TICKER), 'whitespace')
  t.equal(key(`# a dashboard\n${TICKER.replace('price', 'price # last\n')}`), key(TICKER), 'comments')
  t.equal(key('subscription ($d: StreamDepth = TOP_5) { spotOrderBook(symbol: "A-B", depth: $d) { sequence } }', {}),
    key('subscription ($d: StreamDepth = TOP_5) { spotOrderBook(symbol: "A-B", depth: $d) { sequence } }', { d: 'TOP_5' }), 'a variable\'s default and the same value sent')
  const two = 'subscription ($s: String!, $i: CandleInterval!) { spotCandles(symbol: $s, interval: $i) { open } }'
  t.equal(key(two, { s: 'A-B', i: 'MIN_1' }), key(two, { i: 'MIN_1', s: 'A-B' }), 'variable order')
  t.equal(key(TICKER, undefined, caller('other', 'read')), key(TICKER), 'a public stream: callers with the same scopes')
  t.equal(key(BY_VARIABLE, { s: 'BTC-USDT', unused: 1 }), key(BY_VARIABLE, { s: 'BTC-USDT' }), 'variables the operation does not declare')
})

t.test('any difference a result could depend on is another key', async t => {
  const keys = [
    key(TICKER),
    key('subscription { spotTicker(symbol: "ETH-USDT") { price time } }'),
    key('subscription { spotTicker(symbol: "BTC-USDT") { time price } }'),
    key('subscription { spotTicker(symbol: "BTC-USDT") { p: price time } }'),
    key(BY_VARIABLE, { s: 'BTC-USDT' }),
    key(BY_VARIABLE, { s: 'ETH-USDT' }),
    key('subscription A { spotTicker(symbol: "BTC-USDT") { price } } subscription B { spotTrades(symbol: "BTC-USDT") { price } }', undefined, viewer, 'A'),
    key('subscription A { spotTicker(symbol: "BTC-USDT") { price } } subscription B { spotTrades(symbol: "BTC-USDT") { price } }', undefined, viewer, 'B'),
    key(TICKER, undefined, caller('viewer', 'read', 'private-stream')),
    key(TICKER, undefined, caller('trader', 'read', 'trade'))
  ]
  t.equal(new Set(keys).size, keys.length, 'all different')
})

t.test('the account\'s own streams are never shared across callers, even with the same scopes', async t => {
  const a = caller('a', 'read', 'private-stream')
  const b = caller('b', 'read', 'private-stream')
  for (const query of ['subscription { balances { currency } }', 'subscription { spotOrders { orderId } }', 'subscription { ...F } fragment F on Subscription { balances { total } }']) {
    t.not(key(query, undefined, a), key(query, undefined, b), query)
    t.equal(key(query, undefined, a), key(query, undefined, caller('a', 'private-stream', 'read')), `${query}: the same caller`)
  }
  t.equal(prepare('subscription { ... on Subscription { balances { total } } }', undefined, a).field, 'balances', 'the root field inside an inline fragment')
})

t.test('what cannot run is refused before it joins anything', async t => {
  t.match(errors('subscription {'), [/Syntax Error/])
  t.match(errors('subscription { spotTicker { price } }'), [/argument "symbol"/])
  t.match(errors('subscription { spotTicker(symbol: "A") { price } spotTrades(symbol: "A") { price } }'), [/must select only one top level field/])
  t.match(errors('{ spot { serverTime } }'), [/only subscriptions run over WebSocket/])
  t.match(errors('mutation { cancelSpotOrder(symbol: "A-B", orderId: "1") { orderIds } }'), [/only subscriptions/])
  t.match(errors(BY_VARIABLE), [/\$s" of required type "String!" was not provided/])
  t.match(errors(BY_VARIABLE, { s: 1 }), [/String cannot represent a non string value/])
  t.match(errors('subscription A { spotTicker(symbol: "A") { price } } subscription B { spotTicker(symbol: "B") { price } }'), [/exactly one operation/])
})
