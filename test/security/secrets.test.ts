// Secrets never leave: a malformed KGW_TOKENS entry is not printed by the
// process, and an upstream that echoes request headers (key, HMAC'd
// passphrase, signature) gets none of them into problems, GraphQL errors or logs.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { secretsOf } from '../../src/logging.js'
import { raw } from './raw.js'
import { TSX_LOADER } from '../loader/child.js'

const entry = fileURLToPath(new URL('../../src/server.ts', import.meta.url))

t.test('a malformed KGW_TOKENS entry stops the process without printing the token', async t => {
  const token = 'Sup3rSecretTokenValue_0123'
  for (const tokens of [`${token}:read`, token, `${token}:dash:read`]) {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, entry], {
      env: { PATH: process.env.PATH ?? '', _TAPJS_PROCESSINFO_COV_EXCLUDE_: '/./', PORT: '0', KGW_TOKENS: tokens },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    child.stdout.on('data', (d: Buffer) => { output += d.toString() })
    child.stderr.on('data', (d: Buffer) => { output += d.toString() })
    const [code] = await once(child, 'exit')
    const shape = tokens.replace(token, '<token>')
    t.equal(code, 1, `${shape}: refused`)
    t.match(output, /KGW_TOKENS entry 1/, `${shape}: the entry is named by position`)
    t.notOk(output.includes(token), `${shape}: the token is not printed`)
  }
})

/** A KuCoin stand-in that quotes the request headers back in its error message, as a misconfigured proxy might. */
async function echoingUpstream (t: { teardown: (fn: () => unknown) => void }): Promise<{ url: string, seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = []
  const server = createServer((req, res) => {
    seen.push(req.headers)
    res.setHeader('content-type', 'application/json')
    if (req.url?.startsWith('/api/v1/timestamp')) return res.end(JSON.stringify({ code: '200000', data: Date.now() }))
    const quoted = `KC-API-KEY: ${String(req.headers['kc-api-key'])}, KC-API-PASSPHRASE: ${String(req.headers['kc-api-passphrase'])}, KC-API-SIGN: ${String(req.headers['kc-api-sign'])}, all: ${JSON.stringify(req.headers)}`
    // 400003 is a 401 (not logged as a failure); 500000 a 502, logged with its detail.
    const code = req.url?.startsWith('/api/v1/accounts') ? '400003' : '500000'
    res.end(JSON.stringify({ code, msg: quoted }))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => server.close(resolve)))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen }
}

t.test('an upstream echoing request headers leaks no credential or signature into answers or logs', async t => {
  const upstream = await echoingUpstream(t)
  const config = loadConfig({
    LOG_LEVEL: 'trace',
    KUCOIN_SPOT_URL: upstream.url,
    KUCOIN_FUTURES_URL: upstream.url,
    KUCOIN_API_KEY: '65a1f0c2e4b0d3a9c8f71234',
    KUCOIN_API_SECRET: '2b6c1c4e-7d0a-4b7e-9d2f-3c5a8e1f0b9d',
    KUCOIN_API_PASSPHRASE: 'correct-horse-battery',
    KGW_TRADING_ENABLED: 'true'
  })
  const logs: string[] = []
  const app = await buildApp(config, { logStream: { write: line => { logs.push(line) } } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const answers = [
    await raw(url, { path: '/spot/api/v1/accounts' }),
    await raw(url, { method: 'POST', path: '/spot/api/v1/hf/orders', headers: { 'content-type': 'application/json' }, body: '{"symbol":"BTC-USDT","side":"buy","type":"limit","price":"1","size":"1","clientOid":"echo-1"}' }),
    await raw(url, { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ spotAccount { balances { currency } } futuresAccount { positions { symbol } } }' }) })
  ]
  t.equal(answers[0]!.status, 401)
  // A placement answered 500000 may have run: the gateway settles it (the echo answers every lookup 500000 too), so unknown.
  t.equal(answers[1]!.status, 202)
  t.match(answers[0]!.json(), { type: 'urn:kgw:api-key-invalid', detail: /KC-API-KEY: \[redacted\], KC-API-PASSPHRASE: \[redacted\], KC-API-SIGN: \[redacted\]/ }, 'the echo is still useful, minus the values')
  t.match(answers[2]!.json().errors, [{ extensions: { kind: 'api-key-invalid' } }, { extensions: { kind: 'upstream-error' } }])
  t.ok(logs.some(l => l.includes('KuCoin reported an internal error') || l.includes('500000')), 'the 502 was logged')

  const signed = upstream.seen.filter(h => h['kc-api-sign'] !== undefined)
  t.ok(signed.length >= 3, `${signed.length} signed calls reached the echo`)
  const secrets = new Map<string, string>(secretsOf(config).map((s, i) => [s, `configured secret #${i + 1}`]))
  for (const h of signed) {
    secrets.set(String(h['kc-api-sign']), 'a signature')
    secrets.set(String(h['kc-api-passphrase']), 'the sent passphrase')
  }
  const text = [...answers.map(a => a.body + JSON.stringify(a.headers)), ...logs].join('\n')
  const leaked = [...secrets].filter(([secret]) => text.includes(secret)).map(([, what]) => what)
  t.same([...new Set(leaked)], [], 'nothing leaked')
})
