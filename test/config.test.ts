import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

function problems (env: Record<string, string>, readFile?: (path: string) => string): string[] {
  try {
    loadConfig(env, { readFile })
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

t.test('defaults follow DESIGN §1.1', async t => {
  const config = loadConfig({})
  t.match(config, {
    host: '127.0.0.1',
    port: 8080,
    logLevel: 'info',
    spotUrl: 'https://api.kucoin.com',
    futuresUrl: 'https://api-futures.kucoin.com',
    credentials: undefined,
    tradingEnabled: false,
    simulate: false,
    querySigning: 'decoded'
  })
  t.ok(Object.isFrozen(config))
  t.equal(loadConfig({}, { simulate: true }).simulate, true, '--simulate')
  t.equal(loadConfig({ KGW_SIMULATE: 'true' }).simulate, true)
})

t.test('credentials: all three, version 3 by default, or none', async t => {
  const config = loadConfig({ KUCOIN_API_KEY: 'k', KUCOIN_API_SECRET: 's', KUCOIN_API_PASSPHRASE: 'p' })
  t.same(config.credentials, { key: 'k', secret: 's', passphrase: 'p', version: 3 })
  t.equal(loadConfig({ KUCOIN_API_KEY: 'k', KUCOIN_API_SECRET: 's', KUCOIN_API_PASSPHRASE: 'p', KUCOIN_API_KEY_VERSION: '1' }).credentials?.version, 1)
  const missing = problems({ KUCOIN_API_KEY: 'k' })
  t.equal(missing.length, 1)
  t.match(missing[0], /missing KUCOIN_API_SECRET, KUCOIN_API_PASSPHRASE/)
})

t.test('secrets from *_FILE, trimmed; never both', async t => {
  const files: Record<string, string> = { '/run/secrets/key': 'file-key\n', '/run/secrets/secret': 'file-secret\n', '/run/secrets/pass': 'file-pass' }
  const readFile = (path: string): string => {
    const value = files[path]
    if (value === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' })
    return value
  }
  const config = loadConfig({
    KUCOIN_API_KEY_FILE: '/run/secrets/key', KUCOIN_API_SECRET_FILE: '/run/secrets/secret', KUCOIN_API_PASSPHRASE_FILE: '/run/secrets/pass'
  }, { readFile })
  t.same(config.credentials, { key: 'file-key', secret: 'file-secret', passphrase: 'file-pass', version: 3 })
  const both = problems({ KUCOIN_API_SECRET: 'x', KUCOIN_API_SECRET_FILE: '/run/secrets/secret' }, readFile)
  t.match(both, [/set KUCOIN_API_SECRET or KUCOIN_API_SECRET_FILE, not both/])
  t.match(problems({ KUCOIN_API_SECRET_FILE: '/missing' }, readFile), [/KUCOIN_API_SECRET_FILE cannot be read \(ENOENT\)/])
})

t.test('every problem is reported at once, and no secret is echoed', async t => {
  const secret = 'sup3r-s3cret-value'
  const env = {
    PORT: 'eighty',
    LOG_LEVEL: 'loud',
    KUCOIN_SPOT_URL: 'ftp://example.com',
    KUCOIN_FUTURES_URL: 'https://api-futures.kucoin.com/api',
    KUCOIN_API_SECRET: secret,
    KUCOIN_API_KEY_VERSION: '4',
    KGW_TRADING_ENABLED: 'maybe',
    KGW_QUERY_SIGNING: 'sorted'
  }
  let error: unknown
  try { loadConfig(env) } catch (e) { error = e }
  t.ok(error instanceof ConfigError)
  const { problems: list, message } = error as ConfigError
  t.equal(list.length, 8, 'one line per problem')
  for (const name of ['PORT', 'LOG_LEVEL', 'KUCOIN_SPOT_URL', 'KUCOIN_FUTURES_URL', 'KUCOIN_API_KEY_VERSION', 'KGW_TRADING_ENABLED', 'KGW_QUERY_SIGNING', 'KUCOIN_API_KEY']) {
    t.match(message, name)
  }
  t.notMatch(message, secret)
})

t.test('origins are normalised and bounds checked', async t => {
  t.equal(loadConfig({ KUCOIN_SPOT_URL: 'http://127.0.0.1:9000/' }).spotUrl, 'http://127.0.0.1:9000')
  t.match(problems({ PORT: '70000' }), [/PORT must be an integer from 0 to 65535/])
  t.match(problems({ KUCOIN_SPOT_URL: 'https://user:pw@api.kucoin.com' }), [/KUCOIN_SPOT_URL/])
  t.notMatch(problems({ KUCOIN_SPOT_URL: 'https://user:pw@api.kucoin.com' }).join(), 'pw', 'credentials in a URL are not echoed')
})

t.test('KGW_TOKENS: name:token:scopes entries; problems name the entry, never the token', async t => {
  const token = 'a'.repeat(24)
  const config = loadConfig({ KGW_TOKENS: `dash:${token}:read, bot:${'b'.repeat(32)}:read+trade+private-stream` })
  t.same(config.tokens, [
    { name: 'dash', token, scopes: ['read'] },
    { name: 'bot', token: 'b'.repeat(32), scopes: ['read', 'trade', 'private-stream'] }
  ])
  t.same(loadConfig({ KGW_TOKENS_FILE: '/run/tokens' }, { readFile: () => `ops:${token}:read\n` }).tokens.map(x => x.name), ['ops'])
  const secret = 'c'.repeat(20)
  const found = problems({ KGW_TOKENS: `x:short:read,y:${secret}:admin,bad name:${secret}:read,z:${secret}:read,z2:${secret}:read` })
  t.equal(found.length, 4)
  t.match(found[0], /entry 1: the token must be at least 16/)
  t.match(found[1], /entry 2: scopes must be some of read, trade, private-stream/)
  t.match(found[2], /entry 3 must look like name:token:scope/)
  t.match(found[3], /entry 5: names and tokens must be unique/)
  t.notOk(found.join('\n').includes(secret), 'no token echoed')
})

t.test('KGW_TOKENS: a malformed entry whose token stands where the name belongs is not echoed either', async t => {
  const token = 'Tk_0123456789abcdefXYZ'
  for (const entry of [token, `${token}:read`, `${token}:dash:read`, `${token}:read:x:y`]) {
    const found = problems({ KGW_TOKENS: entry })
    t.equal(found.length, 1, entry.replace(token, '<token>'))
    t.notOk(found.join('\n').includes(token), `${entry.replace(token, '<token>')}: the token is not in the message`)
  }
})

t.test('a non-loopback HOST needs tokens or KGW_ALLOW_OPEN', async t => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) t.same(problems({ HOST: host }), [], host)
  const open = problems({ HOST: '0.0.0.0' })
  t.equal(open.length, 1)
  t.match(open[0], /HOST=0.0.0.0 is not a loopback address and KGW_TOKENS is empty/)
  t.same(problems({ HOST: '0.0.0.0', KGW_TOKENS: `p:${'t'.repeat(16)}:read` }), [])
  t.same(problems({ HOST: '::', KGW_ALLOW_OPEN: 'true' }), [])
})

t.test('KGW_ALLOW_ENDPOINTS names denied-by-default endpoints only', async t => {
  t.same(loadConfig({ KGW_ALLOW_ENDPOINTS: 'POST /api/v3/withdrawals, POST  /api/v2/accounts/inner-transfer' }).allowEndpoints,
    ['POST /api/v3/withdrawals', 'POST /api/v2/accounts/inner-transfer'])
  const found = problems({ KGW_ALLOW_ENDPOINTS: 'GET /api/v1/accounts,POST /api/v9/nothing' })
  t.equal(found.length, 2)
  t.match(found[0], /"GET \/api\/v1\/accounts" is not one of the endpoints denied by default/)
})

t.test('KGW_UPSTREAM_ACCEPT_ENCODING: gzip by default, codings the gateway decodes only', async t => {
  t.equal(loadConfig({}).upstream.acceptEncoding, 'gzip')
  t.equal(loadConfig({ KGW_UPSTREAM_ACCEPT_ENCODING: 'GZIP, br' }).upstream.acceptEncoding, 'gzip, br')
  t.equal(loadConfig({ KGW_UPSTREAM_ACCEPT_ENCODING: 'identity' }).upstream.acceptEncoding, 'identity')
  t.match(problems({ KGW_UPSTREAM_ACCEPT_ENCODING: 'gzip, zstd' }), [/KGW_UPSTREAM_ACCEPT_ENCODING: zstd not one of gzip, deflate, br, identity/])
})

t.test('KGW_REDIS_BUDGET_CREDIT_PERCENT: 2 by default, 0 turns credit off, more than 10 is refused', async t => {
  t.equal(loadConfig({}).replicas.budget.creditPercent, 2)
  t.equal(loadConfig({ KGW_REDIS_BUDGET_CREDIT_PERCENT: '0' }).replicas.budget.creditPercent, 0)
  t.match(problems({ KGW_REDIS_BUDGET_CREDIT_PERCENT: '11' }), [/KGW_REDIS_BUDGET_CREDIT_PERCENT must be an integer from 0 to 10/])
})
