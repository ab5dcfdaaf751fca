// ccxt, unchanged and with default options, pointed at the gateway: every
// REST base URL becomes http://<gateway>/spot or /futures. Dummy keys: the
// gateway signs with its own and never forwards the client's KC-API-* headers.
import ccxt from 'ccxt'
import type { Exchange } from 'ccxt'

export type Flavour = 'kucoin' | 'kucoinfutures'

/**
 * Every REST entry of ccxt's `urls.api` on the gateway host it belongs to. The
 * `ws` entry (KuCoin's Pro push hosts) is kept: ccxt's Classic WebSocket takes
 * its URL from the bullet answer, as KuCoin's protocol has it.
 */
function gatewayUrls (gatewayUrl: string, current: Record<string, unknown>): Record<string, unknown> {
  const urls: Record<string, unknown> = { ...current }
  for (const [name, url] of Object.entries(current)) {
    if (typeof url === 'string') urls[name] = url.includes('api-futures.') ? `${gatewayUrl}/futures` : `${gatewayUrl}/spot`
  }
  return urls
}

/** A REST client (`pro` for ccxt.pro's WebSocket one) with explicit timeouts, so no test waits on ccxt's defaults. */
export function ccxtClient (flavour: Flavour, gatewayUrl: string, pro = false): Exchange {
  const Class = pro ? ccxt.pro[flavour] : ccxt[flavour]
  const exchange = new Class({ apiKey: 'dummy-key', secret: 'dummy-secret', password: 'dummy-passphrase', timeout: 15_000 })
  exchange.urls.api = gatewayUrls(gatewayUrl, exchange.urls.api as Record<string, unknown>)
  return exchange
}
