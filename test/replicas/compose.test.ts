// compose.yaml and deploy/nginx.conf, checked without a Docker engine: the
// services reference each other correctly, every gateway's environment (with
// the Dockerfile's ENV and example values for what the operator supplies) is a
// configuration the gateway accepts in replica mode, and nginx balances over
// exactly the gateway services on the port they listen on.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { loadConfig, type Env } from '../../src/config.js'

const root = new URL('../..', import.meta.url).pathname
const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8'), { merge: true }) as Compose
const nginx = readFileSync(join(root, 'deploy/nginx.conf'), 'utf8')

interface Service {
  build?: string
  image?: string
  command?: string[]
  depends_on?: string[] | Record<string, { condition: string }>
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  healthcheck?: { test: string[] }
  networks?: string[] | Record<string, { ipv4_address?: string }>
}
interface Compose { services: Record<string, Service>, networks: Record<string, { ipam: { config: Array<{ subnet: string }> } }> }

/** What the operator exports before `docker compose up` (compose.yaml's header). */
const OPERATOR: Env = { KGW_TOKENS: 'dash:0123456789abcdef0123456789abcdef:read' }

/** Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, from `env`. */
function interpolate (value: string, env: Env): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string) => {
    const set = env[name]
    if (set !== undefined && set !== '') return set
    if (op === '?') throw new Error(`compose would stop: ${name} unset (${arg})`)
    return op === '-' ? arg : ''
  })
}

/** The Dockerfile's runtime ENV lines (HOST, PORT...), as the container starts with them. */
function dockerfileEnv (): Env {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8')
  const runtime = text.slice(text.lastIndexOf('FROM '))
  const block = /\nENV ((?:[^\n]*\\\n)*[^\n]*)/.exec(runtime)![1]!.replace(/\\\n/g, ' ')
  return Object.fromEntries([...block.matchAll(/(\w+)=(\S+)/g)].map(m => [m[1]!, m[2]!]))
}

const services = compose.services
const gateways = Object.entries(services).filter(([, s]) => s.build !== undefined)
const dependencies = (s: Service): string[] => Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {})

t.test('three gateways built from the Dockerfile, a Redis they wait for, a load balancer in front', async t => {
  t.same(gateways.map(([name]) => name), ['gateway-1', 'gateway-2', 'gateway-3'])
  t.ok(existsSync(join(root, 'Dockerfile')))
  for (const [name, s] of gateways) {
    t.equal(s.build, '.', `${name} is built from the Dockerfile at the root`)
    t.same(s.depends_on, { redis: { condition: 'service_healthy' } }, `${name} starts once Redis answers`)
  }
  t.ok(services.redis?.healthcheck?.test.join(' ').includes('redis-cli ping'), 'Redis has the health check the gateways wait for')
  t.same(dependencies(services.lb!).sort(), gateways.map(([name]) => name))
  const published = Object.entries(services).filter(([, s]) => s.ports !== undefined)
  t.same(published.map(([name]) => name), ['lb'], 'only the load balancer publishes a port')
  t.ok(services.lb!.ports!.every(p => p.startsWith('127.0.0.1:')), 'on loopback')
  for (const [name, s] of Object.entries(services)) {
    for (const dep of dependencies(s)) t.ok(services[dep], `${name} depends on ${dep}, a service`)
  }
})

t.test('every gateway\'s environment is a configuration the gateway accepts, in replica mode, pointing at the Redis service', async t => {
  t.throws(() => interpolate(gateways[0]![1].environment!.KGW_TOKENS!, {}), /KGW_TOKENS unset/, 'compose refuses to start without tokens')
  const ids = new Set<string>()
  for (const [name, s] of gateways) {
    const env: Env = { ...dockerfileEnv() }
    for (const [key, value] of Object.entries(s.environment ?? {})) env[key] = interpolate(String(value), OPERATOR)
    const config = loadConfig(env)
    const redis = new URL(config.replicas.redisUrl!)
    t.equal(redis.hostname, 'redis', `${name} reaches Redis by its service name`)
    t.ok(services[redis.hostname], 'which is a service')
    t.equal(redis.port, '6379')
    t.equal(config.replicas.budget.fallbackPercent, 33, 'each falls back to a third: three replicas')
    ids.add(config.replicas.replicaId)
    const lbAddress = (services.lb!.networks as Record<string, { ipv4_address: string }>).kgw!.ipv4_address
    t.same(config.trustedProxies, [lbAddress], `${name} trusts forwarded headers from the load balancer only`)
    const subnet = compose.networks.kgw!.ipam.config[0]!.subnet
    t.ok(lbAddress.startsWith(subnet.split('.').slice(0, 3).join('.') + '.'), 'an address of the network\'s subnet')
    t.ok(config.host === '0.0.0.0' && config.tokens.length > 0, 'listens on every interface, with tokens')
  }
  t.equal(ids.size, 3, 'each replica has its own id')
})

t.test('nginx balances over exactly the gateway services, on the port they listen on', async t => {
  const upstream = /upstream gateways \{([^}]*)\}/.exec(nginx)![1]!
  const servers = [...upstream.matchAll(/server ([\w-]+):(\d+)/g)].map(m => `${m[1]}:${m[2]}`)
  const port = dockerfileEnv().PORT
  t.same(servers, gateways.map(([name]) => `${name}:${port}`))
  t.match(upstream, /ip_hash;/, 'a client stays on one replica (its order cache is that replica\'s)')
  const listen = /listen (\d+);/.exec(nginx)![1]
  t.ok(services.lb!.ports!.some(p => p.endsWith(`:${listen}`)), 'the published port is the one nginx listens on')
  t.match(nginx, /proxy_set_header Upgrade \$http_upgrade/, 'WebSocket upgrades pass')
  const [source, target] = services.lb!.volumes![0]!.split(':')
  t.ok(existsSync(join(root, source!)), `${source} exists`)
  t.equal(target, '/etc/nginx/nginx.conf')
})
