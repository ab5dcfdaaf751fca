// The README's first calls, run as written against a gateway on the simulator:
// every curl command (parsed the way a shell would, the address swapped for
// the test gateway's), and every TypeScript example run as a program with
// `KGW_URL` pointing at it. A README example that stops working fails here.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { startGateway } from './helper.js'

const root = new URL('..', import.meta.url).pathname
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const blocks = (lang: string): string[] => [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map(m => m[1]!)

/** Words of one shell command line: single and double quotes, backslash escapes in double quotes, `#` comments. */
function shellWords (line: string): string[] {
  const words: string[] = []
  let word: string | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (c === "'") {
      const end = line.indexOf("'", i + 1)
      word = (word ?? '') + line.slice(i + 1, end)
      i = end
    } else if (c === '"') {
      let j = i + 1
      let text = ''
      for (; line[j] !== '"'; j++) text += line[j] === '\\' ? line[++j] : line[j]
      word = (word ?? '') + text
      i = j
    } else if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if (c === '#' && word === undefined) {
      break
    } else {
      word = (word ?? '') + c
    }
  }
  if (word !== undefined) words.push(word)
  return words
}

interface Curl { method: string, url: string, headers: Record<string, string>, body?: string }

function parseCurl (words: string[]): Curl {
  const curl: Curl = { method: 'GET', url: '', headers: {} }
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!
    if (w === '-X') curl.method = words[++i]!
    else if (w === '-H') {
      const [name, ...value] = words[++i]!.split(':')
      curl.headers[name!.trim().toLowerCase()] = value.join(':').trim()
    } else if (w === '-d') {
      curl.body = words[++i]!
      if (curl.method === 'GET') curl.method = 'POST'
    } else if (w.startsWith('http')) curl.url = w
  }
  // What curl sends by default with -d, when the command does not say.
  if (curl.body !== undefined) curl.headers['content-type'] ??= 'application/x-www-form-urlencoded'
  return curl
}

const curls = blocks('sh').flatMap(block => block.replace(/\\\n\s*/g, '').split('\n'))
  .map(shellWords).filter(words => words[0] === 'curl' && words.some(w => w.startsWith('http://127.0.0.1:8080/'))).map(parseCurl)

t.test('the shell word splitter reads quotes as a shell does', async t => {
  t.same(shellWords('curl -s \'http://x/a?b=1\'   # a comment'), ['curl', '-s', 'http://x/a?b=1'])
  t.same(shellWords('-d \'{"query": "{ a(b: \\"c\\") }"}\''), ['-d', '{"query": "{ a(b: \\"c\\") }"}'])
  t.same(shellWords('echo "a \\"b\\"" c'), ['echo', 'a "b"', 'c'])
})

t.test("the README's curl commands do what it says", async t => {
  // Trading on, for the "Placing orders safely" examples.
  const gw = await startGateway(t, { env: { KGW_TRADING_ENABLED: 'true' } })
  t.ok(curls.length >= 5, `found ${curls.length} curl commands`)
  for (const curl of curls) {
    const path = curl.url.slice('http://127.0.0.1:8080'.length)
    const reply = await gw.call(curl.method, path, { headers: curl.headers, body: curl.body })
    const what = `${curl.method} ${path}`
    if (path.startsWith('/graphql')) {
      t.equal(reply.status, 200, `${what}: 200`)
      const body = reply.json<{ data?: unknown, errors?: unknown[] }>()
      t.same(body.errors, undefined, `${what}: no GraphQL errors`)
      t.ok(body.data, `${what}: data`)
    } else if (path.startsWith('/books/')) {
      t.equal(reply.status, 200, `${what}: 200`)
      const book = reply.json<{ bids: unknown[], asks: unknown[], sequence: unknown }>()
      t.ok(book.bids.length > 0 && book.asks.length > 0 && book.sequence !== undefined, `${what}: a verified book`)
    } else if (path.startsWith('/placements/')) {
      t.equal(reply.status, 200, `${what}: 200`)
      t.equal(reply.json().outcome, 'placed', `${what}: the placement the README made`)
    } else if (path.includes('withdrawals')) {
      t.equal(reply.status, 403, `${what}: refused, as the README says`)
      t.equal(reply.json().type, 'urn:kgw:endpoint-denied')
    } else {
      t.equal(reply.status, 200, `${what}: 200`)
      t.equal(reply.json().code, '200000', `${what}: KuCoin's success envelope`)
      if (curl.method === 'POST') t.equal(reply.headers['kgw-order-outcome'], 'placed', `${what}: placed`)
    }
  }
})

const examples = new Map(blocks('ts').map(code => [/\/\/ readme-example: (\S+)/.exec(code)?.[1], code] as const).filter(([name]) => name !== undefined))

t.test("the README's TypeScript examples run as written", async t => {
  const gw = await startGateway(t)
  t.same([...examples.keys()].sort(), ['fetch', 'websocket'])
  // Inside the repository, so `ws` resolves from its node_modules as it would in the reader's project.
  mkdirSync(join(root, '.tap'), { recursive: true })
  const dir = mkdtempSync(join(root, '.tap', 'readme-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const run = async (name: string): Promise<string> => {
    const file = join(dir, `${name}.ts`)
    writeFileSync(file, examples.get(name)!)
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], { env: { ...process.env, KGW_URL: gw.url, _TAPJS_PROCESSINFO_COV_EXCLUDE_: '/./' }, cwd: root })
    return stdout
  }
  t.match(await run('fetch'), /^BTC-USDT last \d[\d.]*, bid \d[\d.]*, ask \d[\d.]*\n$/, 'prints the ticker')
  const ws = await run('websocket')
  t.match(ws, /^subscribed\n/, 'the ack first')
  // Frames already on the wire when it closes still arrive: five at least, then the process ends.
  t.ok((ws.match(/^\/market\/ticker:(BTC|ETH)-USDT \d[\d.]*$/gm) ?? []).length >= 5, 'ticker messages, then it closes')
})
