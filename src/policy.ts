// What the gateway lets through to KuCoin, decided from the endpoint catalog
// before anything is sent. Fail closed:
// - the path is canonicalised first (canonical-path.ts); a write whose path
//   is not already canonical is refused, so no trick reaches KuCoin;
// - money leaving the account and account management (withdrawals,
//   transfers, sub-accounts and their API keys, broker accounts) are never
//   proxied unless allowed by name (KGW_ALLOW_ENDPOINTS);
// - trading writes need KGW_TRADING_ENABLED=true;
// - reads the catalog does not know pass, signed when the gateway has keys;
//   writes it does not know are refused.
import { canonicalPath } from './canonical-path.js'
import type { Catalog, Endpoint, Market } from './kucoin/catalog.js'

export type Decision =
  | { allow: true, signed: boolean, endpoint: Endpoint | undefined }
  | { allow: false, reason: string }

/** Spec files whose writes move funds out or manage sub-accounts, API keys and broker accounts. */
const NEVER_WRITE_SERVICES = new Set(['account-withdrawal', 'account-transfer', 'account-subaccount', 'broker-ndbroker'])
/** Key permissions that move funds wherever they appear. */
const NEVER_WRITE_PERMISSIONS = new Set(['Withdrawal', 'FlexTransfers'])
/** Key permissions whose writes trade: orders, borrowing, earn subscriptions, positions. */
const TRADING = new Set(['Spot', 'Margin', 'Futures', 'Earn', 'LeadtradeFutures'])

export interface PolicyOptions {
  tradingEnabled: boolean
  hasCredentials: boolean
  /** Endpoints lifted out of the never-proxied set by name (see endpointKey). */
  allowed?: ReadonlySet<string>
}

/** How KGW_ALLOW_ENDPOINTS names an operation: `METHOD /path/template`. */
export function endpointKey (endpoint: Pick<Endpoint, 'method' | 'path'>): string {
  return `${endpoint.method} ${endpoint.path}`
}

/** The catalog operation behind a path; broker operations live on the spot host, so a spot path may be one of them. */
export function findEndpoint (catalog: Catalog, market: Market, method: string, path: string): Endpoint | undefined {
  return catalog.lookup(market, method, path)
}

function isNeverWrite (endpoint: Endpoint): boolean {
  return NEVER_WRITE_SERVICES.has(endpoint.service) || (endpoint.permission !== null && NEVER_WRITE_PERMISSIONS.has(endpoint.permission))
}

export function decide (catalog: Catalog, options: PolicyOptions, market: Market, method: string, rawPath: string): Decision {
  const write = method !== 'GET' && method !== 'HEAD'
  const canonical = canonicalPath(rawPath)
  if (!canonical.ok) return { allow: false, reason: `${canonical.reason}; refused` }
  if (write && !canonical.exact) {
    return { allow: false, reason: `writes must use a canonical path (no dot segments, encoded or doubled slashes, matrix parameters or trailing junk); this one resolves to ${canonical.path}` }
  }
  const endpoint = findEndpoint(catalog, market, method, canonical.path)
  if (!endpoint) {
    // New KuCoin reads still work (signed when we can, KuCoin ignores a signature on public data);
    // an unknown write could move money, so it is refused.
    if (write) return { allow: false, reason: `${method} ${canonical.path} is not in the endpoint catalog; unknown writes are refused` }
    return { allow: true, signed: options.hasCredentials, endpoint: undefined }
  }
  if (write && isNeverWrite(endpoint) && !options.allowed?.has(endpointKey(endpoint))) {
    return { allow: false, reason: `${endpointKey(endpoint)} moves funds or manages accounts (${endpoint.service}); the gateway never proxies it unless KGW_ALLOW_ENDPOINTS names it` }
  }
  if (write && endpoint.permission !== null && TRADING.has(endpoint.permission) && !options.tradingEnabled) {
    return { allow: false, reason: `${endpointKey(endpoint)} trades (${endpoint.permission} permission); set KGW_TRADING_ENABLED=true to allow it` }
  }
  return { allow: true, signed: endpoint.channel === 'private', endpoint }
}

/** Every endpoint KGW_ALLOW_ENDPOINTS may name: the never-proxied writes, as `METHOD /path`. */
export function deniedByDefault (catalog: Catalog): Set<string> {
  return new Set(catalog.endpoints.filter(e => e.method !== 'GET' && isNeverWrite(e)).map(endpointKey))
}
