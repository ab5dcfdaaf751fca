// What the gateway says when it starts: which KuCoin hosts it talks to and
// whether the first clock sync with each worked. A gateway that cannot reach
// KuCoin still starts (/readyz reports it), but it must say so in the log at
// once, naming the host and the setting that points at it.
import type { FastifyBaseLogger } from 'fastify'
import type { Market } from './kucoin/catalog.js'
import type { KucoinClient } from './kucoin/client.js'

const URL_SETTING: Record<Market, string> = { spot: 'KUCOIN_SPOT_URL', futures: 'KUCOIN_FUTURES_URL' }

/** One line per market after the first time sync: info when it worked, warn when the host did not answer. */
export function reportUpstreams (log: FastifyBaseLogger, client: Pick<KucoinClient, 'clocks' | 'origins'>): void {
  for (const market of Object.keys(client.clocks) as Market[]) {
    const host = client.origins[market]
    const clock = client.clocks[market].state()
    if (clock.known) {
      log.info({ market, host, offsetMs: clock.offsetMs }, `KuCoin ${market} at ${host}: clock synced, offset ${clock.offsetMs} ms`)
    } else {
      log.warn({ market, host, error: clock.lastError }, `KuCoin ${market} at ${host} did not answer the time sync (${clock.lastError ?? 'no answer'}): ` +
        `/readyz reports not ready and ${market} calls fail until it does; check the network, a proxy, or ${URL_SETTING[market]}`)
    }
  }
}
