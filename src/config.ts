// The gateway's configuration, read once from the environment (DESIGN §1.1).
// Every problem is collected and reported together, before the server
// listens; secret values never appear in a message.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { isIP } from 'node:net'
import { SCOPES, type AccessToken, type Scope } from './access.js'
import { canonicalOrigin } from './http/cross-site.js'
import { canonicalHostPattern, isLoopbackHost } from './http/host-check.js'
import { Catalog } from './kucoin/catalog.js'
import { MAX_VIP_LEVEL, POOLS } from './kucoin/governor/quotas.js'
import type { Credentials, KeyVersion, QuerySigning } from './kucoin/signer.js'
import { deniedByDefault } from './policy.js'

export interface Config {
  host: string
  port: number
  logLevel: string
  spotUrl: string
  futuresUrl: string
  credentials: Credentials | undefined
  tradingEnabled: boolean
  /** Never-proxied endpoints lifted by name, as `METHOD /path/template`. */
  allowEndpoints: readonly string[]
  /** Bearer tokens callers must present; empty means every caller is trusted. */
  tokens: readonly AccessToken[]
  /** Listen on a non-loopback address without tokens anyway. */
  allowOpen: boolean
  simulate: boolean
  /** Host names served besides the loopback ones (canonical patterns; `*` serves every Host). */
  allowedHosts: readonly string[]
  /** Browser origins that may call cross-site, and get CORS answers. */
  allowedOrigins: readonly string[]
  /** The base of the WebSocket URLs bullet answers hand out (e.g. https://kgw.internal); unset builds them from the request's allowed Host. */
  publicUrl: string | undefined
  /** Addresses or CIDRs of proxies whose X-Forwarded-Proto, -Host and -For are believed; empty believes none. */
  trustedProxies: readonly string[]
  /** Client-side bounds (slowloris, descriptor exhaustion); 0 means derived from the open-file limit. */
  connections: {
    headersTimeoutMs: number
    max: number
    maxPerClient: number
  }
  querySigning: QuerySigning
  upstream: {
    connections: number
    connectTimeoutMs: number
    headersTimeoutMs: number
    bodyTimeoutMs: number
    /** Largest non-streamed upstream body the gateway will read to check its envelope. */
    maxBufferedBytes: number
    /** The Accept-Encoding the gateway sends KuCoin (codings it can decode). */
    acceptEncoding: string
  }
  /** The KuCoin rate-limit governor (src/kucoin/governor/). */
  rateLimit: {
    vipLevel: number
    /** Per-pool quotas that replace the VIP table's, e.g. `{ Spot: 4000 }`. */
    quotas: Readonly<Record<string, number>>
    windowMs: number
    /** Nothing is admitted this close to a window's end (and just after it): a call must reach KuCoin inside the window that counted it. */
    marginMs: number
    /** Percent of every pool only cancels may use (placements may use half of it). */
    cancelReservePercent: number
    queueSize: number
    queuePerCaller: number
    maxWaitMs: number
  }
  /** Identical GETs shared in flight, and the optional micro-cache of public answers (src/kucoin/shared-gets.ts). */
  /** The read-your-writes order cache (src/orders/order-cache.ts, docs/rest.md). */
  orderCache: {
    mode: 'eager' | 'lazy' | 'off'
    maxOrders: number
    ttlMs: number
  }
  cache: {
    shareInFlight: boolean
    ttlMs: number
    maxBytes: number
  }
  /** Safe order placement (src/orders/): idempotency records and settling lost answers. */
  orders: {
    /** Append-only journal that keeps idempotency records across restarts; unset keeps them in memory only. */
    journalPath: string | undefined
    journalFsync: boolean
    maxRecords: number
    ttlMs: number
    inFlightWaitMs: number
    timeWindowMs: number
    settleGraceMs: number
    settleWaitMs: number
    settleMaxMs: number
  }
  timeSyncIntervalMs: number
  bodyLimitBytes: number
  /** How long a graceful close may take before the process exits anyway. */
  shutdownTimeoutMs: number
  ws: {
    lingerMs: number
    softLimitBytes: number
    hardLimitBytes: number
    maxTopicsPerClient: number
    maxFramesPer10s: number
    pingIntervalMs: number
    pingTimeoutMs: number
    tokenTtlMs: number
    /** Silence after which a live topic is announced stale, per class (src/kucoin/ws-topics.ts); 0 = never. */
    stalePeriodicMs: number
    staleMarketMs: number
    /** Replay window per resumable relayed topic: frames, and their maximum age (src/ws/history.ts). */
    historyFrames: number
    historyMs: number
  }
  upstreamWs: {
    maxTopicsPerConnection: number
    maxSymbolsPerFrame: number
    maxFramesPer10s: number
    maxConnectsPerMinute: number
    renewAfterMs: number
    /** Upstream connections for all markets and channels together (KuCoin caps them per user). */
    maxConnections: number
    /** How long KuCoin may take to answer a subscribe before the socket counts as sick. */
    ackTimeoutMs: number
  }
  /** Verified order books (src/books/). */
  books: {
    maxBooks: number
    lingerMs: number
    syncTimeoutMs: number
    snapshotDelayMs: number
    maxBufferedDeltas: number
    replayFrames: number
    /** Futures books also read KuCoin's sequenced top 5 and resync when it disagrees. */
    crossCheck: boolean
    /** Spot snapshots: the whole signed book (`full`), the public top 100 (`partial`), or full when credentials are set (`auto`). */
    spotSnapshot: 'auto' | 'full' | 'partial'
  }
  graphql: {
    /** Cost limits, checked before an operation runs (src/graphql/cost.ts). */
    maxUpstreamCalls: number
    maxAliases: number
    maxDepth: number
    maxBatch: number
    maxTokens: number
  }
  /** Replica mode (src/replicas/): unset `redisUrl` runs alone, exactly as without it. */
  replicas: {
    /** KGW_REDIS_URL, e.g. redis://10.0.0.5:6379/0; may carry a password, so it is a secret. */
    redisUrl: string | undefined
    /** A Redis command that takes longer fails (no offline queue): callers never wait on a sick Redis. */
    commandTimeoutMs: number
    /** Prefix of every key and channel, so several gateways' deployments can share one Redis. */
    keyPrefix: string
    /** This replica's name in Redis (leases, metrics); unique per process by default. */
    replicaId: string
    /** The KuCoin budget the replicas share (src/replicas/budget.ts). */
    budget: {
      /** Percent of every pool never reserved, against weight KuCoin counts that the replicas did not. */
      safetyPercent: number
      /** Percent of a pool one replica spends alone while Redis is unavailable; 0 = 1 / the replicas last seen alive. */
      fallbackPercent: number
      /** Percent of a pool a replica reserves ahead as credit with a call, spent later without asking Redis; 0 = none. */
      creditPercent: number
      /** How often a replica announces itself; it counts as gone after three intervals without. */
      presenceIntervalMs: number
    }
  }
  /** Replica mode's upstream ownership and bus (src/replicas/lease.ts, bus.ts); only used with KGW_REDIS_URL. */
  replicaStreams: {
    /** An upstream slot's owner holds its lease this long past its last renewal; a crashed owner is replaced after it. */
    leaseTtlMs: number
    /** How often an owner renews and a non-owner tries to take a free slot. */
    leaseRenewMs: number
    /** Entries each market's bus Stream keeps (approximately): how far behind a replica can fall and still recover. */
    streamMaxLen: number
  }
}

export type Env = Record<string, string | undefined>

export class ConfigError extends Error {
  readonly problems: string[]
  constructor (problems: string[]) {
    super(`invalid configuration:\n${problems.map(p => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** Reads env, collecting problems instead of throwing at the first. */
class Reader {
  readonly problems: string[] = []
  constructor (private readonly env: Env, private readonly readFile: (path: string) => string) {}

  string (name: string, fallback: string): string {
    const value = this.env[name]
    return value === undefined || value === '' ? fallback : value
  }

  oneOf<T extends string> (name: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(name, fallback)
    if ((allowed as readonly string[]).includes(value)) return value as T
    this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`)
    return fallback
  }

  int (name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name, String(fallback))
    const value = Number(raw)
    if (Number.isInteger(value) && value >= min && value <= max) return value
    this.problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`)
    return fallback
  }

  bool (name: string, fallback: boolean): boolean {
    const raw = this.string(name, String(fallback)).toLowerCase()
    if (['true', '1', 'yes'].includes(raw)) return true
    if (['false', '0', 'no'].includes(raw)) return false
    this.problems.push(`${name} must be true or false (got "${raw}")`)
    return fallback
  }

  /** A comma-separated list, entries trimmed, empty ones dropped. */
  list (name: string): string[] {
    return this.string(name, '').split(',').map(e => e.trim()).filter(e => e !== '')
  }

  url (name: string, fallback: string): string {
    const raw = this.string(name, fallback)
    try {
      const url = new URL(raw)
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme')
      if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) throw new Error('origin')
      return url.origin
    } catch {
      this.problems.push(`${name} must be an http(s) origin such as https://api.kucoin.com, with no path, query or credentials`)
      return fallback
    }
  }

  /** A secret from NAME or from the file named by NAME_FILE; never echoed. */
  secret (name: string): string | undefined {
    const direct = this.env[name]
    const file = this.env[`${name}_FILE`]
    if (direct && file) {
      this.problems.push(`set ${name} or ${name}_FILE, not both`)
      return undefined
    }
    if (file) {
      try {
        const value = this.readFile(file).trim()
        if (value === '') this.problems.push(`${name}_FILE names an empty file`)
        return value || undefined
      } catch (error) {
        this.problems.push(`${name}_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
        return undefined
      }
    }
    return direct || undefined
  }
}

function readCredentials (r: Reader): Credentials | undefined {
  const names = ['KUCOIN_API_KEY', 'KUCOIN_API_SECRET', 'KUCOIN_API_PASSPHRASE'] as const
  const problemsBefore = r.problems.length
  const [key, secret, passphrase] = names.map(n => r.secret(n))
  const unreadable = r.problems.length > problemsBefore
  const version = Number(r.oneOf('KUCOIN_API_KEY_VERSION', ['1', '2', '3'], '3')) as KeyVersion
  if (unreadable) return undefined
  const given = [key, secret, passphrase].filter(v => v !== undefined).length
  if (given === 0) return undefined
  if (given < 3) {
    const missing = names.filter((_, i) => [key, secret, passphrase][i] === undefined)
    r.problems.push(`credentials need all three of KUCOIN_API_KEY, KUCOIN_API_SECRET, KUCOIN_API_PASSPHRASE; missing ${missing.join(', ')}`)
    return undefined
  }
  return { key: key!, secret: secret!, passphrase: passphrase!, version }
}

const TOKEN_NAME = /^[\w.-]{1,64}$/
const MIN_TOKEN_LENGTH = 16

/** KGW_TOKENS: `name:token:scope+scope` entries, separated by commas or newlines. */
function readTokens (r: Reader): AccessToken[] {
  const raw = r.secret('KGW_TOKENS')
  if (raw === undefined) return []
  const tokens: AccessToken[] = []
  const entries = raw.split(/[,\n]/).map(e => e.trim()).filter(e => e !== '')
  entries.forEach((entry, i) => {
    const [name = '', token = '', scopeList = '', ...rest] = entry.split(':')
    // Never echo any part of an entry: in `token:read`, a bare token or a swapped
    // `token:name:read`, what stands where the name belongs is the token. Its position finds it.
    const where = `KGW_TOKENS entry ${i + 1}`
    const scopes = scopeList.split('+').filter(s => s !== '')
    if (rest.length || !TOKEN_NAME.test(name)) r.problems.push(`${where} must look like name:token:scope+scope, the name made of letters, digits, _ . -`)
    else if (token.length < MIN_TOKEN_LENGTH) r.problems.push(`${where}: the token must be at least ${MIN_TOKEN_LENGTH} characters`)
    else if (!scopes.length || !scopes.every(s => (SCOPES as readonly string[]).includes(s))) r.problems.push(`${where}: scopes must be some of ${SCOPES.join(', ')} joined by +`)
    else if (tokens.some(t => t.name === name || t.token === token)) r.problems.push(`${where}: names and tokens must be unique`)
    else tokens.push({ name, token, scopes: scopes as Scope[] })
  })
  return tokens
}

/** KGW_ALLOW_ENDPOINTS: never-proxied endpoints let through by name, `METHOD /path` separated by commas. */
function readAllowEndpoints (r: Reader): string[] {
  const raw = r.string('KGW_ALLOW_ENDPOINTS', '')
  if (raw === '') return []
  const allowable = deniedByDefault(new Catalog())
  const entries = raw.split(',').map(e => e.trim().replace(/\s+/, ' ')).filter(e => e !== '')
  for (const entry of entries) {
    if (!allowable.has(entry)) r.problems.push(`KGW_ALLOW_ENDPOINTS: "${entry}" is not one of the endpoints denied by default (write it as METHOD /path/template, e.g. "POST /api/v3/withdrawals"; see README)`)
  }
  return entries
}

function readAllowedHosts (r: Reader): string[] {
  return r.list('KGW_ALLOWED_HOSTS').flatMap(entry => {
    const pattern = canonicalHostPattern(entry)
    if (pattern === undefined) r.problems.push(`KGW_ALLOWED_HOSTS: "${entry}" is not a host name, *.domain, IP address or * (no port: every port of a listed host is served)`)
    return pattern === undefined ? [] : [pattern]
  })
}

function readAllowedOrigins (r: Reader): string[] {
  return r.list('KGW_ALLOWED_ORIGINS').flatMap(entry => {
    const origin = canonicalOrigin(entry)
    if (origin === undefined) r.problems.push(`KGW_ALLOWED_ORIGINS: "${entry}" is not an origin such as https://dashboard.example.com (scheme, host and port only; * is not accepted: list each site you trust)`)
    return origin === undefined ? [] : [origin]
  })
}

/** KGW_PUBLIC_URL: an http(s) URL, optionally with a path prefix, no query or credentials; kept without a trailing slash. */
function readPublicUrl (r: Reader): string | undefined {
  const raw = r.string('KGW_PUBLIC_URL', '')
  if (raw === '') return undefined
  try {
    const url = new URL(raw)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme')
    if (url.search || url.hash || url.username || url.password) throw new Error('extras')
    return url.origin + url.pathname.replace(/\/+$/, '')
  } catch {
    r.problems.push('KGW_PUBLIC_URL must be an http(s) URL such as https://kgw.internal (a path prefix is allowed; no query or credentials)')
    return undefined
  }
}

/** KGW_RATE_LIMIT_QUOTAS: `Pool=quota` entries separated by commas, e.g. `Spot=4000,Public=1000`. */
function readQuotas (r: Reader): Record<string, number> {
  const quotas: Record<string, number> = {}
  for (const entry of r.list('KGW_RATE_LIMIT_QUOTAS')) {
    const [pool = '', raw = '', ...rest] = entry.split('=').map(e => e.trim())
    const value = Number(raw)
    if (rest.length || !(POOLS as readonly string[]).includes(pool) || !Number.isInteger(value) || value < 1 || value > 10_000_000) {
      r.problems.push(`KGW_RATE_LIMIT_QUOTAS: "${entry}" must look like Pool=quota, the pool one of ${POOLS.join(', ')} and the quota a positive integer`)
    } else quotas[pool] = value
  }
  return quotas
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal']

/** KGW_TRUSTED_PROXIES: IP addresses, CIDRs, or proxy-addr's names (loopback, linklocal, uniquelocal). */
function readTrustedProxies (r: Reader): string[] {
  const entries = r.list('KGW_TRUSTED_PROXIES')
  for (const entry of entries) {
    const [address = '', bits, ...rest] = entry.split('/')
    const family = isIP(address)
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32))
    if (!PROXY_NAMES.includes(entry) && (family === 0 || !validBits || rest.length > 0)) {
      r.problems.push(`KGW_TRUSTED_PROXIES: "${entry}" is not an IP address, a CIDR such as 10.0.0.0/8, or one of ${PROXY_NAMES.join(', ')}`)
    }
  }
  return entries
}

const UPSTREAM_CODINGS = ['gzip', 'deflate', 'br', 'identity']

/** KGW_REDIS_URL and the replica settings that only matter with it. */
function readReplicas (r: Reader): Config['replicas'] {
  const redisUrl = r.secret('KGW_REDIS_URL')
  if (redisUrl !== undefined && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
    r.problems.push('KGW_REDIS_URL must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379/0')
  }
  const keyPrefix = r.string('KGW_REDIS_PREFIX', 'kgw:')
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(keyPrefix)) r.problems.push('KGW_REDIS_PREFIX must be 1-64 characters of letters, digits, _ . : -')
  const replicaId = r.string('KGW_REPLICA_ID', `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`)
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(replicaId)) r.problems.push('KGW_REPLICA_ID must be 1-100 characters of letters, digits, _ . : -')
  return {
    redisUrl,
    commandTimeoutMs: r.int('KGW_REDIS_COMMAND_TIMEOUT_MS', 100, 5, 60_000),
    keyPrefix,
    replicaId,
    budget: readSharedBudget(r)
  }
}

function readSharedBudget (r: Reader): Config['replicas']['budget'] {
  return {
    safetyPercent: r.int('KGW_REDIS_BUDGET_SAFETY_PERCENT', 5, 0, 50),
    fallbackPercent: r.int('KGW_REDIS_BUDGET_FALLBACK_PERCENT', 0, 0, 100),
    creditPercent: r.int('KGW_REDIS_BUDGET_CREDIT_PERCENT', 2, 0, 10),
    presenceIntervalMs: r.int('KGW_REDIS_PRESENCE_INTERVAL_MS', 1000, 100, 60_000)
  }
}

/** Lease and bus settings of replica mode; the renewal must fit inside the lease several times over. */
function readReplicaStreams (r: Reader): Config['replicaStreams'] {
  const leaseTtlMs = r.int('KGW_REPLICA_LEASE_TTL_MS', 2000, 200, 60_000)
  const leaseRenewMs = r.int('KGW_REPLICA_LEASE_RENEW_MS', Math.max(50, Math.floor(leaseTtlMs / 4)), 50, 30_000)
  if (leaseRenewMs * 2 > leaseTtlMs) r.problems.push('KGW_REPLICA_LEASE_RENEW_MS must be at most half of KGW_REPLICA_LEASE_TTL_MS, or a slow renewal loses the lease')
  return { leaseTtlMs, leaseRenewMs, streamMaxLen: r.int('KGW_REPLICA_STREAM_MAXLEN', 10_000, 100, 10_000_000) }
}

/** KGW_UPSTREAM_ACCEPT_ENCODING: codings the gateway decodes, comma-separated; `identity` alone asks for none. */
function readUpstreamAcceptEncoding (r: Reader): string {
  const codings = r.list('KGW_UPSTREAM_ACCEPT_ENCODING').map(c => c.toLowerCase())
  const unknown = codings.filter(c => !UPSTREAM_CODINGS.includes(c))
  if (unknown.length > 0) r.problems.push(`KGW_UPSTREAM_ACCEPT_ENCODING: ${unknown.join(', ')} not one of ${UPSTREAM_CODINGS.join(', ')}`)
  return codings.length === 0 || unknown.length > 0 ? 'gzip' : codings.join(', ')
}

/**
 * Parses the environment into a frozen Config, or throws ConfigError listing
 * every problem. `simulate` may be forced by the `--simulate` flag.
 */
export function loadConfig (env: Env, options: { simulate?: boolean, readFile?: (path: string) => string } = {}): Config {
  const r = new Reader(env, options.readFile ?? (path => readFileSync(path, 'utf8')))
  const config: Config = {
    host: r.string('HOST', '127.0.0.1'),
    port: r.int('PORT', 8080, 0, 65535),
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    spotUrl: r.url('KUCOIN_SPOT_URL', 'https://api.kucoin.com'),
    futuresUrl: r.url('KUCOIN_FUTURES_URL', 'https://api-futures.kucoin.com'),
    credentials: readCredentials(r),
    tradingEnabled: r.bool('KGW_TRADING_ENABLED', false),
    allowEndpoints: readAllowEndpoints(r),
    tokens: readTokens(r),
    allowOpen: r.bool('KGW_ALLOW_OPEN', false),
    simulate: r.bool('KGW_SIMULATE', false) || options.simulate === true,
    allowedHosts: readAllowedHosts(r),
    allowedOrigins: readAllowedOrigins(r),
    publicUrl: readPublicUrl(r),
    trustedProxies: readTrustedProxies(r),
    connections: {
      headersTimeoutMs: r.int('KGW_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
      max: r.int('KGW_MAX_CONNECTIONS', 0, 0, 10_000_000),
      maxPerClient: r.int('KGW_MAX_CONNECTIONS_PER_CLIENT', 0, 0, 10_000_000)
    },
    querySigning: r.oneOf('KGW_QUERY_SIGNING', ['decoded', 'raw'] as const, 'decoded'),
    upstream: {
      connections: r.int('KGW_UPSTREAM_CONNECTIONS', 128, 1, 4096),
      connectTimeoutMs: r.int('KGW_UPSTREAM_CONNECT_TIMEOUT_MS', 5000, 1, 600_000),
      headersTimeoutMs: r.int('KGW_UPSTREAM_HEADERS_TIMEOUT_MS', 10_000, 1, 600_000),
      bodyTimeoutMs: r.int('KGW_UPSTREAM_BODY_TIMEOUT_MS', 30_000, 1, 600_000),
      maxBufferedBytes: r.int('KGW_UPSTREAM_MAX_BUFFERED_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      acceptEncoding: readUpstreamAcceptEncoding(r)
    },
    rateLimit: {
      vipLevel: r.int('KGW_KUCOIN_VIP_LEVEL', 0, 0, MAX_VIP_LEVEL),
      quotas: readQuotas(r),
      windowMs: r.int('KGW_RATE_LIMIT_WINDOW_MS', 30_000, 100, 3_600_000),
      marginMs: r.int('KGW_RATE_LIMIT_MARGIN_MS', 100, 0, 60_000),
      cancelReservePercent: r.int('KGW_RATE_LIMIT_CANCEL_RESERVE_PERCENT', 10, 0, 50),
      queueSize: r.int('KGW_RATE_LIMIT_QUEUE_SIZE', 1000, 0, 1_000_000),
      queuePerCaller: r.int('KGW_RATE_LIMIT_QUEUE_PER_CALLER', 100, 0, 1_000_000),
      maxWaitMs: r.int('KGW_RATE_LIMIT_MAX_WAIT_MS', 5000, 0, 600_000)
    },
    orderCache: {
      mode: r.oneOf('KGW_ORDER_CACHE', ['eager', 'lazy', 'off'] as const, 'lazy'),
      maxOrders: r.int('KGW_ORDER_CACHE_MAX_ORDERS', 10_000, 1, 1_000_000),
      ttlMs: r.int('KGW_ORDER_CACHE_TTL_MS', 600_000, 1000, 86_400_000)
    },
    cache: {
      shareInFlight: r.bool('KGW_SHARE_IN_FLIGHT', true),
      ttlMs: r.int('KGW_CACHE_TTL_MS', 0, 0, 60_000),
      maxBytes: r.int('KGW_CACHE_MAX_BYTES', 4 * 1024 * 1024, 0, 1024 * 1024 * 1024)
    },
    orders: {
      journalPath: r.string('KGW_IDEMPOTENCY_JOURNAL', '') || undefined,
      journalFsync: r.bool('KGW_IDEMPOTENCY_FSYNC', false),
      maxRecords: r.int('KGW_IDEMPOTENCY_MAX_RECORDS', 100_000, 1, 10_000_000),
      ttlMs: r.int('KGW_IDEMPOTENCY_TTL_MS', 24 * 3_600_000, 1000, 30 * 24 * 3_600_000),
      inFlightWaitMs: r.int('KGW_IDEMPOTENCY_WAIT_MS', 10_000, 0, 600_000),
      timeWindowMs: r.int('KGW_ORDER_TIME_WINDOW_MS', 5000, 0, 600_000),
      settleGraceMs: r.int('KGW_SETTLE_GRACE_MS', 2000, 0, 600_000),
      settleWaitMs: r.int('KGW_SETTLE_WAIT_MS', 3000, 0, 600_000),
      settleMaxMs: r.int('KGW_SETTLE_MAX_MS', 30_000, 0, 3_600_000)
    },
    timeSyncIntervalMs: r.int('KGW_TIME_SYNC_INTERVAL_MS', 60_000, 1000, 86_400_000),
    bodyLimitBytes: r.int('KGW_BODY_LIMIT_BYTES', 1024 * 1024, 1, 64 * 1024 * 1024),
    shutdownTimeoutMs: r.int('KGW_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    ws: {
      lingerMs: r.int('KGW_WS_LINGER_MS', 30_000, 0, 86_400_000),
      softLimitBytes: r.int('KGW_WS_SOFT_LIMIT_BYTES', 256 * 1024, 1024, 1024 * 1024 * 1024),
      hardLimitBytes: r.int('KGW_WS_HARD_LIMIT_BYTES', 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxTopicsPerClient: r.int('KGW_WS_MAX_TOPICS_PER_CLIENT', 300, 1, 100_000),
      maxFramesPer10s: r.int('KGW_WS_MAX_FRAMES_PER_10S', 100, 1, 100_000),
      pingIntervalMs: r.int('KGW_WS_PING_INTERVAL_MS', 18_000, 1000, 600_000),
      pingTimeoutMs: r.int('KGW_WS_PING_TIMEOUT_MS', 10_000, 1000, 600_000),
      // 7 days: a client that caches its URL (ccxt) keeps reconnecting with it; past it, it is told `token is expired` and fetches another.
      tokenTtlMs: r.int('KGW_WS_TOKEN_TTL_MS', 7 * 24 * 3_600_000, 1000, 365 * 24 * 3_600_000),
      stalePeriodicMs: r.int('KGW_WS_STALE_PERIODIC_MS', 15_000, 0, 86_400_000),
      staleMarketMs: r.int('KGW_WS_STALE_MARKET_MS', 60_000, 0, 86_400_000),
      historyFrames: r.int('KGW_WS_HISTORY_FRAMES', 1000, 0, 1_000_000),
      historyMs: r.int('KGW_WS_HISTORY_MS', 120_000, 1000, 86_400_000)
    },
    upstreamWs: {
      maxTopicsPerConnection: r.int('KGW_UPSTREAM_WS_MAX_TOPICS', 300, 1, 10_000),
      maxSymbolsPerFrame: r.int('KGW_UPSTREAM_WS_MAX_SYMBOLS_PER_FRAME', 100, 1, 10_000),
      maxFramesPer10s: r.int('KGW_UPSTREAM_WS_MAX_FRAMES_PER_10S', 100, 1, 100_000),
      maxConnectsPerMinute: r.int('KGW_UPSTREAM_WS_MAX_CONNECTS_PER_MINUTE', 30, 1, 10_000),
      renewAfterMs: r.int('KGW_UPSTREAM_WS_RENEW_AFTER_MS', 23 * 3_600_000, 1000, 86_400_000),
      maxConnections: r.int('KGW_UPSTREAM_WS_MAX_CONNECTIONS', 40, 1, 10_000),
      ackTimeoutMs: r.int('KGW_UPSTREAM_WS_ACK_TIMEOUT_MS', 10_000, 100, 600_000)
    },
    books: {
      maxBooks: r.int('KGW_BOOKS_MAX', 200, 1, 100_000),
      lingerMs: r.int('KGW_BOOKS_LINGER_MS', 30_000, 0, 86_400_000),
      syncTimeoutMs: r.int('KGW_BOOKS_SYNC_TIMEOUT_MS', 10_000, 100, 600_000),
      snapshotDelayMs: r.int('KGW_BOOKS_SNAPSHOT_DELAY_MS', 1000, 0, 60_000),
      maxBufferedDeltas: r.int('KGW_BOOKS_MAX_BUFFERED_DELTAS', 10_000, 10, 1_000_000),
      replayFrames: r.int('KGW_BOOKS_REPLAY_FRAMES', 1000, 0, 1_000_000),
      crossCheck: r.bool('KGW_BOOKS_CROSS_CHECK', true),
      spotSnapshot: r.oneOf('KGW_BOOKS_SPOT_SNAPSHOT', ['auto', 'full', 'partial'] as const, 'auto')
    },
    graphql: {
      maxUpstreamCalls: r.int('KGW_GRAPHQL_MAX_UPSTREAM_CALLS', 50, 1, 100_000),
      maxAliases: r.int('KGW_GRAPHQL_MAX_ALIASES', 50, 0, 100_000),
      maxDepth: r.int('KGW_GRAPHQL_MAX_DEPTH', 10, 2, 1000),
      maxBatch: r.int('KGW_GRAPHQL_MAX_BATCH', 10, 1, 1000),
      maxTokens: r.int('KGW_GRAPHQL_MAX_TOKENS', 10_000, 100, 1_000_000)
    },
    replicas: readReplicas(r),
    replicaStreams: readReplicaStreams(r)
  }
  if (!isLoopbackHost(config.host) && config.tokens.length === 0 && !config.allowOpen) {
    r.problems.push(`HOST=${config.host} is not a loopback address and KGW_TOKENS is empty: anyone who can reach it could use the KuCoin keys. Set KGW_TOKENS, or KGW_ALLOW_OPEN=true if a network control in front already restricts callers`)
  }
  if (r.problems.length) throw new ConfigError(r.problems)
  return Object.freeze(config)
}
