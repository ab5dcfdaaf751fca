// The gateway's two browser pages in a real headless Chromium (Debian's
// `chromium` package, driven by playwright-core): /graphiql runs a query and
// shows data, /docs lists the operations and "Try it out" gets a KuCoin answer
// through the gateway. The witness for "works offline" is the browser itself:
// every request it made is recorded, and none may leave the loopback.
// Skipped, saying why, only when /usr/bin/chromium is absent (.ci/run installs it).
import { existsSync } from 'node:fs'
import t from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startGateway } from '../helper.js'

const CHROMIUM = process.env.KGW_CHROMIUM ?? '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
if (!available) t.comment(`${CHROMIUM} is absent: apt-get install -y chromium to run the browser checks`)

// No first-run, sync, component updates or background fetches: a browser that phones
// nowhere, so a request off the loopback can only come from the page.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const WAIT = { timeout: 45_000 }

interface Watched { page: Page, requests: string[], problems: string[] }

/** A fresh page (playwright gives every launch a new temporary profile) that records what it fetched and what it complained about. */
async function watchedPage (browser: Browser): Promise<Watched> {
  const page = await browser.newPage()
  const requests: string[] = []
  const problems: string[] = []
  page.on('request', request => { requests.push(request.url()) })
  page.on('pageerror', error => { problems.push(`page error: ${error.message}`) })
  page.on('console', message => { if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`) })
  return { page, requests, problems }
}

/** Every URL that is not on this machine's loopback (data: and blob: URLs stay in the page). */
function offLoopback (urls: string[]): string[] {
  return urls.filter(url => {
    const { protocol, hostname } = new URL(url)
    if (protocol === 'data:' || protocol === 'blob:') return false
    return !(hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]')
  })
}

/** Browsers ask for /favicon.ico on their own; the gateway has none, and that 404 is not the page's fault. */
const pageProblems = (problems: string[]): string[] => problems.filter(p => !p.includes('/favicon.ico'))

t.test('GraphiQL and /docs in a real browser, offline', { skip: available ? false : `${CHROMIUM} is absent` }, async t => {
  const gw = await startGateway(t)
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
  t.teardown(() => browser.close())

  t.test('/graphiql runs a query and shows data', async t => {
    const { page, requests, problems } = await watchedPage(browser)
    await page.goto(`${gw.url}/graphiql`)
    await page.waitForSelector('.graphiql-execute-button', WAIT)
    await page.click('.graphiql-execute-button')
    await page.locator('.result-window').filter({ hasText: 'bestAsk' }).waitFor(WAIT)
    const result = await page.textContent('.result-window') ?? ''
    // The simulator's book, as the page shows it: a price KuCoin-style, as a string.
    t.match(result, /"bestBid":\s*"\d+(\.\d+)?"/, 'the ticker the simulator quotes')
    t.ok(requests.some(url => url.endsWith('/graphql')), 'the page called /graphql')
    t.ok(requests.some(url => url.endsWith('/graphiql/graphiql.js')), 'GraphiQL came from the gateway')
    t.same(offLoopback(requests), [], 'no request left the loopback')
    t.same(pageProblems(problems), [], 'no errors in the console')
  })

  t.test('/docs lists the operations, and Try it out reaches KuCoin through the gateway', async t => {
    const { page, requests, problems } = await watchedPage(browser)
    await page.goto(`${gw.url}/docs#/kucoin%20spot-market/kucoin.spot-market.getTicker`)
    await page.waitForSelector('.opblock-tag', WAIT)
    t.ok(await page.locator('.opblock-tag').count() > 20, 'every tag is listed')
    // deepLinking opened the operation; its example value is the KuCoin envelope.
    const operation = page.locator('.opblock.is-open').filter({ hasText: '/spot/api/v1/market/orderbook/level1' })
    await operation.locator('.try-out__btn').click(WAIT)
    await operation.locator('input[placeholder="symbol"]').fill('BTC-USDT')
    await operation.locator('button.execute').click(WAIT)
    const status = operation.locator('.live-responses-table tr.response .response-col_status').first()
    await status.waitFor(WAIT)
    t.equal((await status.textContent())?.trim(), '200', 'the gateway answered 200')
    t.match(await operation.locator('.live-responses-table tr.response .response-col_description').first().textContent(), '"200000"', 'KuCoin\'s success envelope')
    t.ok(requests.some(url => url.includes('/spot/api/v1/market/orderbook/level1?symbol=BTC-USDT')), 'called on the page\'s own origin')
    t.same(offLoopback(requests), [], 'no request left the loopback')
    t.same(pageProblems(problems), [], 'no errors in the console')
  })
})
