// Gateway WebSocket tokens (KGW_WS_TOKEN_TTL_MS): a token admits new
// connections for its lifetime; past it the client is told `token is expired`,
// KuCoin's text on which ccxt drops the URL it caches and fetches a new one.
// An open connection outlives its token.
import t from 'tap'
import WebSocket from 'ws'
import { loadConfig } from '../../src/config.js'
import { startGateway } from '../helper.js'
import { bullet, connect } from './ws-client.js'

function firstFrame (url: string): Promise<Record<string, unknown>> {
  const ws = new WebSocket(url)
  ws.on('error', () => {})
  return new Promise(resolve => ws.once('message', data => { resolve(JSON.parse(data.toString())); ws.terminate() }))
}

t.test('the default lifetime outlives a cached URL for a week', async t => {
  t.equal(loadConfig({}).ws.tokenTtlMs, 7 * 24 * 3_600_000)
})

t.test('past its lifetime a token is refused as expired; unknown ones as invalid; open sockets stay', async t => {
  const gw = await startGateway(t, { env: { KGW_WS_TOKEN_TTL_MS: '1000' } })
  const { token, endpoint } = await bullet(gw.url, 'spot')
  const open = await connect(gw.url)
  t.teardown(() => open.close())
  await new Promise(resolve => setTimeout(resolve, 1200)) // past both tokens' lifetime
  t.same(await firstFrame(`${endpoint}?token=${token}&connectId=c1`), { id: 'c1', type: 'error', code: 401, data: 'token is expired' })
  t.same(await firstFrame(`${endpoint}?token=nope&connectId=c2`), { id: 'c2', type: 'error', code: 401, data: 'token is invalid' })
  const futures = (await bullet(gw.url, 'futures')).token
  t.same(await firstFrame(`${endpoint}?token=${futures}&connectId=c3`), { id: 'c3', type: 'error', code: 401, data: 'token is invalid' }, 'a futures token on /spot/ws')
  t.match(await open.subscribe('/market/ticker:BTC-USDT'), { type: 'ack' }, 'a connection opened in time keeps working')
  const fresh = await bullet(gw.url, 'spot')
  t.match(await firstFrame(`${fresh.endpoint}?token=${fresh.token}&connectId=c4`), { id: 'c4', type: 'welcome' }, 'a new bullet works')
})
