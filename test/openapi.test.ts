// openapi.yaml is hand-written: these checks keep it honest about the routes
// and error kinds that exist.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { ERROR_KINDS, PROBLEM_TYPE_PREFIX } from '../src/errors.js'

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

const doc = parse(readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8')) as {
  openapi: string
  paths: Record<string, Record<string, unknown>>
  components: { schemas: { Problem: { properties: { type: { enum: string[] } } } } }
}

t.test('an OpenAPI 3.1 document', async t => {
  t.match(doc.openapi, /^3\.1\./)
})

t.test('every error kind is documented, and nothing else', async t => {
  const documented = doc.components.schemas.Problem.properties.type.enum
  t.same([...documented].sort(), Object.keys(ERROR_KINDS).map(k => PROBLEM_TYPE_PREFIX + k).sort())
})

t.test('every registered route is documented and every documented route exists', async t => {
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', KUCOIN_SPOT_URL: 'http://127.0.0.1:9', KUCOIN_FUTURES_URL: 'http://127.0.0.1:9' }))
  await app.ready()
  const routes = registeredRoutes(app.printRoutes()).map(r => r.replace(/\*$/, '{kucoinPath}'))
  await app.close()
  const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item).filter(k => ['get', 'post', 'put', 'delete', 'patch'].includes(k)).map(m => `${m.toUpperCase()} ${path}`))
  t.ok(routes.length > 0)
  t.same([...new Set(routes)].sort(), documented.sort())
})
