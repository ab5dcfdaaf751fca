// Shutdown ends within KGW_SHUTDOWN_TIMEOUT_MS whatever happens to the process
// reading the gateway's stdout: a real gateway process logging into a real
// reader process that freezes (pipe full) or dies (EPIPE).
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { TSX_LOADER } from '../loader/child.js'

const entry = fileURLToPath(new URL('../../src/server.ts', import.meta.url))
const SHUTDOWN_MS = 2000

function startReader (): { reader: ChildProcess, url: Promise<string> } {
  // Reads the gateway's log lines and reports the listening address on its stderr.
  const reader = reaped(spawn(process.execPath, ['-e', `
    let seen = ''
    process.stdin.on('data', d => {
      if (seen !== null) { seen += d; const m = /listening at (http:\\/\\/[\\d.:]+)/.exec(seen); if (m) { process.stderr.write(m[1] + '\\n'); seen = null } }
    })`], { stdio: ['pipe', 'ignore', 'pipe'] }))
  const url = new Promise<string>((resolve, reject) => {
    reader.stderr!.on('data', (d: Buffer) => resolve(d.toString().trim()))
    reader.once('exit', () => reject(new Error('reader exited')))
  })
  return { reader, url }
}

function startGatewayProcess (reader: ChildProcess): ChildProcess {
  return reaped(spawn(process.execPath, ['--import', TSX_LOADER, entry, '--simulate'], {
    env: { PATH: process.env.PATH ?? '', _TAPJS_PROCESSINFO_COV_EXCLUDE_: '/./', PORT: '0', LOG_LEVEL: 'trace', KGW_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_MS) },
    stdio: ['ignore', reader.stdin!, 'ignore']
  }))
}

/** Killed with this test process however it ends (a runner timeout skips teardowns). */
function reaped (child: ChildProcess): ChildProcess {
  process.once('exit', () => { child.kill('SIGKILL') })
  return child
}

/**
 * Requests with long URLs, each logged at least twice: megabytes of log lines
 * in a second, enough to fill any pipe whose reader stopped. A gateway blocked
 * on its log answers nothing: each request gives up after a second.
 */
async function load (url: string, ms: number): Promise<void> {
  const until = Date.now() + ms
  const padded = `${url}/healthz?pad=${'x'.repeat(8000)}`
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (Date.now() < until) await fetch(padded, { signal: AbortSignal.timeout(1000) }).then(r => r.text()).catch(() => {})
  }))
}

function exited (child: ChildProcess, limitMs: number): Promise<{ code: number | null, ms: number }> {
  const started = Date.now()
  return new Promise(resolve => {
    const timer = setTimeout(() => { child.kill('SIGKILL') }, limitMs)
    child.once('exit', code => { clearTimeout(timer); resolve({ code, ms: Date.now() - started }) })
  })
}

for (const fate of ['freezes', 'dies'] as const) {
  t.test(`the log reader ${fate}: SIGTERM still ends the process within its deadline`, async t => {
    const { reader, url } = startReader()
    const gateway = startGatewayProcess(reader)
    t.teardown(() => { gateway.kill('SIGKILL'); reader.kill('SIGKILL') })
    const base = await url
    await load(base, 500)
    reader.kill(fate === 'freezes' ? 'SIGSTOP' : 'SIGKILL')
    await load(base, 1500)
    gateway.kill('SIGTERM')
    const { code, ms } = await exited(gateway, SHUTDOWN_MS + 10_000)
    t.not(code, null, `exited by itself (code ${String(code)}) after ${ms} ms`)
    t.ok(ms < SHUTDOWN_MS + 3000, `within the ${SHUTDOWN_MS} ms deadline and some slack (${ms} ms)`)
  })
}
