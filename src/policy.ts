// What the gateway lets through to KuCoin, decided from the endpoint catalog
// before anything is sent. Fail closed: money leaving the account and account
// management are never proxied; trading needs KGW_TRADING_ENABLED=true;
// writes the catalog does not know are refused.
import type { Catalog, Endpoint, Market } from './kucoin/catalog.js'

export type Decision =
  | { allow: true, signed: boolean, endpoint: Endpoint | undefined }
  | { allow: false, reason: string }

/** Spec files whose writes move funds out or manage sub-accounts and API keys. */
const NEVER_WRITE = new Set(['account-withdrawal', 'account-transfer', 'account-subaccount'])
/** Key permissions whose writes trade: orders, borrowing, earn subscriptions, positions. */
const TRADING = new Set(['Spot', 'Margin', 'Futures', 'Earn', 'LeadtradeFutures'])

export interface PolicyOptions {
  tradingEnabled: boolean
  hasCredentials: boolean
}

export function decide (catalog: Catalog, options: PolicyOptions, market: Market, method: string, path: string): Decision {
  const endpoint = catalog.find(market, method, path)
  const write = method !== 'GET' && method !== 'HEAD'
  if (!endpoint) {
    // New KuCoin reads still work (signed when we can, KuCoin ignores a signature on public data);
    // an unknown write could move money, so it is refused.
    if (write) return { allow: false, reason: `${method} ${path} is not in the endpoint catalog; unknown writes are refused` }
    return { allow: true, signed: options.hasCredentials, endpoint: undefined }
  }
  if (write && NEVER_WRITE.has(endpoint.service)) {
    return { allow: false, reason: `${method} ${endpoint.path} moves funds or manages accounts (${endpoint.service}); the gateway never proxies it` }
  }
  if (write && endpoint.permission !== null && TRADING.has(endpoint.permission) && !options.tradingEnabled) {
    return { allow: false, reason: `${method} ${endpoint.path} trades (${endpoint.permission} permission); set KGW_TRADING_ENABLED=true to allow it` }
  }
  return { allow: true, signed: endpoint.channel === 'private', endpoint }
}
