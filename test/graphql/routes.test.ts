// The GraphQL routes themselves: GraphiQL, and queries over GET.
import t from 'tap'
import { startGateway } from '../helper.js'

t.test('GraphiQL is served from the gateway and points at /graphql', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const page = await gw.get('/graphiql')
  t.equal(page.status, 200)
  t.match(page.headers['content-type'], /text\/html/)
  // Every script and style is the gateway's own, and the browser may load nothing else (test/browser checks it in Chromium).
  const loaded = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map(m => m[1]!)
  t.same(loaded.sort(), ['/graphiql/app.js', '/graphiql/graphiql.css', '/graphiql/graphiql.js', '/graphiql/react-dom.js', '/graphiql/react.js'])
  t.match(page.headers['content-security-policy'], "default-src 'none'")
  t.notMatch(page.headers['content-security-policy'], /https?:/)
  for (const asset of loaded) {
    const reply = await gw.get(asset)
    t.equal(reply.status, 200, asset)
    t.ok(reply.text.length > 100, `${asset} has content`)
  }
  t.match((await gw.get('/graphiql/app.js')).text, "new URL('/graphql', window.location.href)")
  t.match((await gw.get('/graphiql/graphiql.js')).text, 'createFetcher', 'the GraphiQL bundle')
  const unknown = await gw.get('/graphiql/..%2Fpackage.json')
  t.equal(unknown.status, 404)
  t.equal(unknown.json().type, 'urn:kgw:route-not-found')
})

t.test('queries over GET; mutations only over POST', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const query = await gw.get(`/graphql?query=${encodeURIComponent('{ spot { serverTime } }')}`)
  t.equal(query.status, 200)
  t.type(query.json().data.spot.serverTime, 'number')
  const mutation = await gw.get(`/graphql?query=${encodeURIComponent('mutation { cancelAllSpotOrders(symbol: "BTC-USDT") { orderIds } }')}`)
  t.equal(mutation.status, 405)
})

t.test('HEAD runs nothing: a query\'s answer it would drop is not worth a KuCoin call', async t => {
  const gw = await startGateway(t, { key: 'none' })
  const before = gw.sim.requests.length
  const head = await fetch(`${gw.url}/graphql?query=${encodeURIComponent('{ spot { ticker(symbol: "BTC-USDT") { price } } }')}`, { method: 'HEAD' })
  t.equal(head.status, 404)
  t.equal(gw.sim.requests.length, before, 'KuCoin saw nothing')
})
