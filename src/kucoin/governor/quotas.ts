// KuCoin's rate-limit quotas per pool and 30 s window, by VIP level
// (PROTOCOL §4.1, docs-new/rate-limit). The gateway starts from these and
// then follows whatever gw-ratelimit-limit KuCoin reports.

export const POOLS = ['Spot', 'Futures', 'Management', 'Earn', 'CopyTrading', 'Public', 'Broker'] as const

/** Spot, Futures and Management grow with the VIP level; the other pools stay at 2000. */
const BY_VIP: ReadonlyArray<readonly [spot: number, futures: number, management: number]> = [
  [4000, 2000, 2000], [6000, 2000, 2000], [8000, 4000, 4000], [10000, 5000, 5000],
  [13000, 6000, 6000], [16000, 7000, 7000], [20000, 8000, 8000], [23000, 10000, 10000],
  [26000, 12000, 12000], [30000, 14000, 14000], [33000, 16000, 16000], [36000, 18000, 18000],
  [40000, 20000, 20000]
]

export const MAX_VIP_LEVEL = BY_VIP.length - 1

/** Quota of a pool the table does not name (Broker is not documented): the smallest one. */
export const DEFAULT_QUOTA = 2000

/** Every pool's quota at `vipLevel`, with explicit overrides (from KGW_RATE_LIMIT_QUOTAS) on top. */
export function quotasFor (vipLevel: number, overrides: Readonly<Record<string, number>> = {}): Record<string, number> {
  const [spot, futures, management] = BY_VIP[Math.min(Math.max(vipLevel, 0), MAX_VIP_LEVEL)]!
  const quotas: Record<string, number> = {}
  for (const pool of POOLS) quotas[pool] = DEFAULT_QUOTA
  Object.assign(quotas, { Spot: spot, Futures: futures, Management: management }, overrides)
  return quotas
}
