// /graphiql: the GraphiQL IDE, served entirely from this process. mercurius's
// own page loads GraphiQL, React and ReactDOM from a CDN, which is a blank page
// on a machine without internet; here the same UMD bundles come from the npm
// packages in node_modules (graphiql 4's UMD build needs React 18's UMD build,
// the last React with one). A Content-Security-Policy tells the browser to load
// nothing from anywhere else, so a stray external URL fails loudly in the console
// instead of leaking a request.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { FastifyInstance } from 'fastify'

const require = createRequire(import.meta.url)
const packageDir = (name: string): string => dirname(require.resolve(`${name}/package.json`))

/** Every file the page loads, by the name it is served under. */
const ASSETS: Record<string, { file: () => string, type: string }> = {
  'react.js': { file: () => join(packageDir('react'), 'umd/react.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'react-dom.js': { file: () => join(packageDir('react-dom'), 'umd/react-dom.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'graphiql.js': { file: () => join(packageDir('graphiql'), 'graphiql.min.js'), type: 'text/javascript; charset=utf-8' },
  'graphiql.css': { file: () => join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css; charset=utf-8' }
}

// GraphiQL's editors set inline styles; its fonts and icons are data: URLs. connect-src 'self'
// covers same-origin fetches and, in current browsers, the same-origin WebSocket for subscriptions.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'"
].join('; ')

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GraphiQL · kucoin-gateway</title>
<meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/graphiql/graphiql.css">
<style>body { margin: 0; } #graphiql { height: 100vh; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphiql/react.js"></script>
<script src="/graphiql/react-dom.js"></script>
<script src="/graphiql/graphiql.js"></script>
<script src="/graphiql/app.js"></script>
</body>
</html>
`

/** Queries over HTTP POST, subscriptions over graphql-ws on the same path; headers (a bearer token) are kept in the browser. */
const APP = `'use strict'
const http = new URL('/graphql', window.location.href).href
const ws = http.replace(/^http/, 'ws')
const fetcher = GraphiQL.createFetcher({ url: http, subscriptionUrl: ws })
const defaultQuery = '# Public market data from the gateway. Private fields need KuCoin credentials;\\n' +
  '# with KGW_TOKENS set, add {"Authorization": "Bearer <token>"} under Headers.\\n' +
  'query Ticker {\\n  spot {\\n    ticker(symbol: "BTC-USDT") {\\n      price\\n      bestBid\\n      bestAsk\\n    }\\n  }\\n}\\n'
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, { fetcher, defaultQuery, shouldPersistHeaders: true })
)
`

export async function graphiqlRoutes (app: FastifyInstance): Promise<void> {
  const cache = new Map<string, Buffer>()
  app.get('/graphiql', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).send(PAGE))
  app.get('/graphiql/app.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(APP))
  app.get<{ Params: { asset: string } }>('/graphiql/:asset', async (request, reply) => {
    const name = request.params.asset
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined
    if (asset === undefined) return reply.callNotFound()
    let body = cache.get(name)
    if (body === undefined) {
      body = await readFile(asset.file())
      cache.set(name, body)
    }
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(body)
  })
}
