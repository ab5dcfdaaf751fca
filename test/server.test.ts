// The process as a user starts it: `npm start` reads the environment, and
// `--simulate` brings up the embedded simulator with demo keys.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { TSX_LOADER } from './loader/child.js'

const entry = fileURLToPath(new URL('../src/server.ts', import.meta.url))

function start (args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, entry, ...args], {
    // The child runs under tsx, whose source maps differ from tap's loader:
    // keep its coverage out of the report rather than let it skew the lines.
    env: { PATH: process.env.PATH ?? '', _TAPJS_PROCESSINFO_COV_EXCLUDE_: '/./', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  return { child, out: () => stdout, err: () => stderr }
}

t.test('a bad configuration exits non-zero before listening, listing every problem', async t => {
  const secret = 'do-not-print-me'
  const proc = start([], { PORT: 'x', KUCOIN_API_SECRET: secret, KUCOIN_API_KEY_VERSION: '7', KUCOIN_SPOT_URL: 'nope' })
  const [code] = await once(proc.child, 'exit')
  t.equal(code, 1)
  const message = proc.err()
  for (const name of ['PORT', 'KUCOIN_API_KEY_VERSION', 'KUCOIN_SPOT_URL', 'KUCOIN_API_KEY']) t.match(message, name)
  t.notMatch(message + proc.out(), secret, 'the secret is never printed')
  t.notMatch(proc.out(), /listening/i)
})

t.test('an unknown flag is refused with the usage', async t => {
  const proc = start(['--simulte'], {})
  const [code] = await once(proc.child, 'exit')
  t.equal(code, 2)
  t.match(proc.err(), /usage: npm start/)
})

t.test('--simulate serves signed calls with demo keys, and SIGTERM closes cleanly', async t => {
  const proc = start(['--simulate'], { PORT: '0', LOG_LEVEL: 'info' })
  t.teardown(() => { proc.child.kill('SIGKILL') })
  const deadline = Date.now() + 20_000
  let url: string | undefined
  while (!url && Date.now() < deadline) {
    url = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(proc.out())?.[1]
    if (!url) await new Promise(resolve => setTimeout(resolve, 50))
  }
  if (!url) throw new Error(`did not start: ${proc.out()} ${proc.err()}`)
  const accounts = await fetch(`${url}/spot/api/v1/accounts`)
  t.equal(accounts.status, 200)
  t.match(await accounts.json(), { code: '200000', data: Array })
  const level1 = await (await fetch(`${url}/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT`)).json() as { data: { price: string } }
  t.ok(Number(level1.data.price) > 0, 'live-moving synthetic market')
  t.notMatch(proc.out(), /kgw-demo-secret|kgw-demo-passphrase/, 'secrets stay out of the logs')
  proc.child.kill('SIGTERM')
  const [code] = await once(proc.child, 'exit')
  t.equal(code, 0)
})
