// openapi.yaml is hand-written around generated regions (scripts/gen-openapi.ts):
// these checks keep it a valid OpenAPI 3.1 document that is honest about the
// routes, error kinds, catalog operations and policy that exist, and check
// that the gateway serves it at /openapi.yaml and /docs.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { Validator } from '@seriousme/openapi-schema-validator'
import { parse } from 'yaml'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { ERROR_KINDS, PROBLEM_TYPE_PREFIX } from '../src/errors.js'
import { Catalog } from '../src/kucoin/catalog.js'
import { decide } from '../src/policy.js'
import { startGateway } from './helper.js'

/** Rebuilds "METHOD /full/path" from fastify's route tree ("│   ├── spot/" lines). */
function registeredRoutes (tree: string): string[] {
  const stack: string[] = []
  const routes: string[] = []
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!match) continue
    const depth = match[1]!.length / 4
    stack.length = depth
    stack.push(match[2]!)
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push(`${method} ${stack.join('')}`)
  }
  return routes
}

interface KucoinExtension { market: string, path: string, channel: string, permission: string | null, rateLimitPool: string, rateLimitWeight: number | null, sdkMethod: string }
interface Operation { responses: Record<string, unknown>, 'x-kgw-kucoin'?: KucoinExtension, 'x-kgw-policy'?: string }

const specText = readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8')
const doc = parse(specText) as {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { schemas: { Problem: { properties: { type: { enum: string[], description: string } } } } }
}
const HTTP_METHODS = ['get', 'post', 'put', 'delete', 'patch']
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).filter(([method]) => HTTP_METHODS.includes(method)).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, path, method, op })))
const gatewayOps = operations.filter(o => o.op['x-kgw-kucoin'] === undefined)
const kucoinOps = operations.filter(o => o.op['x-kgw-kucoin'] !== undefined)

t.test('a valid OpenAPI 3.1 document', async t => {
  t.match(doc.openapi, /^3\.1\./)
  const validator = new Validator()
  const result = await validator.validate(doc)
  t.same(result.errors ?? [], [], 'no schema errors')
  t.ok(result.valid)
  t.equal(validator.version, '3.1')
})

t.test('the validator rejects a broken document (so the check above means something)', async t => {
  const broken = { ...doc, paths: { '/x': { get: { responses: { 200: { content: {} } } } } } }
  t.notOk((await new Validator().validate(broken)).valid, 'a response without description')
})

t.test('every local $ref points at something', async t => {
  const refs = new Set<string>()
  const seen = new Set<object>()
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return
    seen.add(node)
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') refs.add(value)
      else walk(value)
    }
  }
  walk(doc)
  t.ok(refs.size > 5)
  for (const ref of refs) {
    t.match(ref, /^#\//, `${ref} is local`)
    let target: unknown = doc
    for (const key of ref.slice(2).split('/')) target = (target as Record<string, unknown> | undefined)?.[key]
    t.ok(target, `${ref} resolves`)
  }
})

t.test('every error kind is documented with its status and title, and nothing else', async t => {
  const { enum: documented, description } = doc.components.schemas.Problem.properties.type
  t.same([...documented].sort(), Object.keys(ERROR_KINDS).map(k => PROBLEM_TYPE_PREFIX + k).sort())
  for (const [kind, { status, title }] of Object.entries(ERROR_KINDS)) {
    t.ok(description.includes(`| \`${PROBLEM_TYPE_PREFIX}${kind}\` | ${status} | ${title} |`), `${kind} row`)
  }
})

t.test('every registered route is documented and every documented gateway route exists', async t => {
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', KUCOIN_SPOT_URL: 'http://127.0.0.1:9', KUCOIN_FUTURES_URL: 'http://127.0.0.1:9' }))
  await app.ready()
  const routes = [...new Set(registeredRoutes(app.printRoutes()).map(r => r.replace(/\*$/, '{kucoinPath}').replace(/:(\w+)/g, '{$1}')))]
  await app.close()
  const documented = gatewayOps.map(o => o.route)
  t.ok(routes.includes('GET /openapi.yaml') && routes.includes('GET /docs'))
  t.same(routes.sort(), documented.sort())
})

t.test('the generated section is the endpoint catalog, with the policy src/policy.ts applies', async t => {
  const catalog = new Catalog()
  const key = (market: string, method: string, path: string): string => `${market} ${method} ${path}`
  const documented = new Map(kucoinOps.map(o => [key(o.op['x-kgw-kucoin']!.market, o.method.toUpperCase(), o.op['x-kgw-kucoin']!.path), o]))
  // Differences are collected, so one failure lists every operation that is wrong.
  const wrong: string[] = []
  for (const endpoint of catalog.endpoints) {
    const market = endpoint.market === 'futures' ? 'futures' : 'spot'
    const entry = documented.get(key(endpoint.market, endpoint.method, endpoint.path))
    if (!entry) {
      // Only the operations the gateway answers itself (bullet) are documented by hand instead.
      if (!gatewayOps.some(o => o.route === `${endpoint.method} /${market}${endpoint.path}`)) wrong.push(`missing: ${endpoint.method} ${endpoint.path}`)
      continue
    }
    documented.delete(key(endpoint.market, endpoint.method, endpoint.path))
    const { channel, permission, rateLimitPool, rateLimitWeight, sdkMethod } = entry.op['x-kgw-kucoin']!
    const got = JSON.stringify([channel, permission, rateLimitPool, rateLimitWeight, sdkMethod])
    const want = JSON.stringify([endpoint.channel, endpoint.permission, endpoint.pool, endpoint.weight, endpoint.name])
    if (got !== want) wrong.push(`${entry.route}: x-kgw-kucoin ${got}, catalog ${want}`)
    if (!entry.path.startsWith(`/${market}/api/`)) wrong.push(`${entry.route}: not under /${market}`)
    const off = decide(catalog, { tradingEnabled: false, hasCredentials: true }, market, endpoint.method, endpoint.path).allow
    const on = decide(catalog, { tradingEnabled: true, hasCredentials: true }, market, endpoint.method, endpoint.path).allow
    const policy = off ? 'allowed' : on ? 'needs-trading-enabled' : 'denied'
    if (entry.op['x-kgw-policy'] !== policy) wrong.push(`${entry.route}: x-kgw-policy ${entry.op['x-kgw-policy']}, policy.ts says ${policy}`)
    if (!Object.values(entry.op.responses).some(r => (r as { $ref?: string }).$ref === '#/components/responses/Problem')) wrong.push(`${entry.route}: no Problem response`)
  }
  for (const extra of documented.keys()) wrong.push(`not in the catalog: ${extra}`)
  t.same(wrong, [], 'openapi.yaml matches the catalog and the policy (npm run gen)')
  t.ok(kucoinOps.length > 240)
  t.ok(kucoinOps.some(o => o.op['x-kgw-policy'] === 'denied') && kucoinOps.some(o => o.op['x-kgw-policy'] === 'needs-trading-enabled'))
})

t.test('/openapi.yaml serves the committed file and /docs renders it', async t => {
  const gw = await startGateway(t)
  const yaml = await gw.get('/openapi.yaml')
  t.equal(yaml.status, 200)
  t.equal(yaml.headers['content-type'], 'application/yaml')
  t.equal(yaml.text, specText)

  const docs = await gw.get('/docs')
  t.equal(docs.status, 200)
  t.match(docs.headers['content-type'], /^text\/html; charset=utf-8/)
  t.match(docs.text, /^<!doctype html>/)
  t.match(docs.text, 'href="openapi.yaml"')
  t.match(docs.text, 'id="op-kucoin.spot-order.addOrder"', 'a generated operation')
  t.match(docs.text, 'id="op-readyz"', 'a gateway route')
  t.match(docs.text, 'needs-trading-enabled')
  t.match(docs.text, 'urn:kgw:endpoint-denied')
  // Self-contained: nothing is loaded from elsewhere (KuCoin doc links are only links).
  t.notMatch(docs.text, /<(script|img|iframe)[^>]+src=/)
  t.notMatch(docs.text, /<link\b/)
  t.notMatch(docs.text, /@import|url\(/)
  t.equal((await gw.get('/docs')).text, docs.text, 'rendered once, served again')
})
