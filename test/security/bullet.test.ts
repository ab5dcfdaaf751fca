// Where bullet answers send WebSocket clients: KGW_PUBLIC_URL when set (wss://
// behind a TLS ingress), else the request's own allowed Host; X-Forwarded-*
// only from KGW_TRUSTED_PROXIES.
import t from 'tap'
import WebSocket from 'ws'
import { startGateway } from '../helper.js'
import { raw } from './raw.js'

interface Server { endpoint: string, encrypt: boolean }
const server = (body: string): Server => (JSON.parse(body) as { data: { instanceServers: Server[] } }).data.instanceServers[0]!

t.test('KGW_PUBLIC_URL: bullet hands out wss://<public host>/<market>/ws with encrypt true', async t => {
  const gw = await startGateway(t, { env: { KGW_PUBLIC_URL: 'https://kgw.internal/' } })
  for (const market of ['spot', 'futures']) {
    const res = await raw(gw.url, { method: 'POST', path: `/${market}/api/v1/bullet-public` })
    t.equal(res.status, 200)
    t.same(server(res.body), { ...server(res.body), endpoint: `wss://kgw.internal/${market}/ws`, encrypt: true })
  }
  const viaIngress = await raw(gw.url, { method: 'POST', path: '/spot/api/v1/bullet-public', headers: { host: 'kgw.internal' } })
  t.equal(viaIngress.status, 200, 'the public host is an allowed Host')
  const prefixed = await startGateway(t, { env: { KGW_PUBLIC_URL: 'http://gw.example:8443/kucoin' } })
  t.equal(server((await raw(prefixed.url, { method: 'POST', path: '/futures/api/v1/bullet-public' })).body).endpoint, 'ws://gw.example:8443/kucoin/futures/ws', 'a path prefix is kept')
})

t.test('without it, the endpoint is the allowed Host the client used, and works', async t => {
  const gw = await startGateway(t, { env: { KGW_ALLOWED_HOSTS: 'kgw.local' } })
  const port = new URL(gw.url).port
  const local = server((await raw(gw.url, { method: 'POST', path: '/spot/api/v1/bullet-public', headers: { host: `localhost:${port}` } })).body)
  t.same({ endpoint: local.endpoint, encrypt: local.encrypt }, { endpoint: `ws://localhost:${port}/spot/ws`, encrypt: false })
  t.equal(server((await raw(gw.url, { method: 'POST', path: '/spot/api/v1/bullet-public', headers: { host: 'kgw.local:9000' } })).body).endpoint, 'ws://kgw.local:9000/spot/ws')
  const res = await raw(gw.url, { method: 'POST', path: '/spot/api/v1/bullet-public' })
  const ws = new WebSocket(`${server(res.body).endpoint}?token=${JSON.parse(res.body).data.token as string}&connectId=c1`)
  const welcome = await new Promise<string>((resolve, reject) => { ws.once('message', d => resolve(JSON.parse(d.toString()).type)); ws.once('error', reject) })
  ws.terminate()
  t.equal(welcome, 'welcome', 'the handed-out endpoint is the gateway')
})

t.test('X-Forwarded-Proto/Host: ignored from anyone, believed from KGW_TRUSTED_PROXIES', async t => {
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'kgw.example.net' }
  const plain = await startGateway(t)
  const ignored = server((await raw(plain.url, { method: 'POST', path: '/spot/api/v1/bullet-public', headers: forwarded })).body)
  t.same({ endpoint: ignored.endpoint, encrypt: ignored.encrypt }, { endpoint: `ws://${new URL(plain.url).host}/spot/ws`, encrypt: false }, 'an untrusted peer cannot redirect clients')

  const proxied = await startGateway(t, { env: { KGW_TRUSTED_PROXIES: '127.0.0.1', KGW_ALLOWED_HOSTS: 'kgw.example.net' } })
  const believed = server((await raw(proxied.url, { method: 'POST', path: '/spot/api/v1/bullet-public', headers: forwarded })).body)
  t.same({ endpoint: believed.endpoint, encrypt: believed.encrypt }, { endpoint: 'wss://kgw.example.net/spot/ws', encrypt: true })
  const rebound = await raw(proxied.url, { method: 'POST', path: '/spot/api/v1/bullet-public', headers: { ...forwarded, 'x-forwarded-host': 'rebind.evil.example' } })
  t.equal(rebound.status, 421, 'the forwarded host is checked against the allow-list too')
})

t.test('configuration: KGW_PUBLIC_URL and KGW_TRUSTED_PROXIES are validated', async t => {
  const { loadConfig } = await import('../../src/config.js')
  const problems = (env: Record<string, string>): string[] => { try { loadConfig(env); return [] } catch (e) { return (e as { problems: string[] }).problems } }
  t.match(problems({ KGW_PUBLIC_URL: 'ftp://x' }), [/KGW_PUBLIC_URL must be an http\(s\) URL/])
  t.match(problems({ KGW_PUBLIC_URL: 'https://u:secretpw@x' }), [/KGW_PUBLIC_URL/])
  t.notMatch(problems({ KGW_PUBLIC_URL: 'https://u:secretpw@x' }).join(), 'secretpw')
  t.match(problems({ KGW_TRUSTED_PROXIES: '10.0.0.0/33, proxy.local' }), [/"10.0.0.0\/33"/, /"proxy.local"/])
  t.same(problems({ KGW_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8, fd00::/8, 192.168.1.7' }), [])
})
