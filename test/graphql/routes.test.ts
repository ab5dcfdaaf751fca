// The GraphQL routes themselves: GraphiQL, and queries over GET.
import t from 'tap'
import { startGateway } from '../helper.js'

t.test('GraphiQL is served and points at /graphql', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const page = await gw.get('/graphiql')
  t.equal(page.status, 200)
  t.match(page.headers['content-type'], /text\/html/)
  t.match(page.text, /graphiql\/main\.js/)
  const config = await gw.get('/graphiql/config.js')
  t.match(config.text, /GRAPHQL_ENDPOINT = '\/graphql'/)
})

t.test('queries over GET; mutations only over POST', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const query = await gw.get(`/graphql?query=${encodeURIComponent('{ spot { serverTime } }')}`)
  t.equal(query.status, 200)
  t.type(query.json().data.spot.serverTime, 'number')
  const mutation = await gw.get(`/graphql?query=${encodeURIComponent('mutation { cancelAllSpotOrders(symbol: "BTC-USDT") { orderIds } }')}`)
  t.equal(mutation.status, 405)
})
