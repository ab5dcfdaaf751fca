// Every Prometheus series the gateway exports, in one place, on one registry
// per app (no prom-client globals). Names carry the `kgw_` prefix and their
// unit; label values are bounded: route and endpoint templates, markets,
// pools, error kinds and known KuCoin codes — never raw paths or symbols.
// Hot paths only bump counters they already keep (the hub's, the upstream
// connections'); those are read at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { REFUSALS, type ConnectionStats } from './http/connections.js'
import { HotCounts, HotHistogram, HotValues } from './metrics-hot.js'
import type { Catalog, Market } from './kucoin/catalog.js'
import type { UpstreamEvent } from './kucoin/client.js'
import type { ServerClock } from './kucoin/clock.js'
import type { Governor } from './kucoin/governor/governor.js'
import type { SharedBudget } from './replicas/budget.js'
import type { SharedGets } from './kucoin/shared-gets.js'
import { codeTable } from './kucoin/errors.js'
import type { PlacementObserver } from './orders/placements.js'
import { findEndpoint } from './policy.js'
import type { Replication } from './replicas/replication.js'
import { REFUSAL_REASONS, type Feed } from './ws/feed.js'

const MARKETS = ['spot', 'futures'] as const satisfies readonly Market[]
const CHANNELS = ['public', 'private'] as const
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** KuCoin codes the gateway knows by name; anything else is `other`, so the label stays bounded. */
const KNOWN_CODES = new Set(codeTable().map(row => row.code).filter(code => /^\d+$/.test(code)))

export interface MetricSources {
  catalog: Catalog
  clocks: Record<Market, ServerClock>
  feeds: Record<Market, Feed>
  /** Client connections held and closed unheard (src/http/connections.ts). */
  connections?: ConnectionStats
  /** Replica mode's upstream ownership and bus, when on. */
  replication?: Replication | undefined
}

export class Metrics {
  readonly registry = new Registry()
  private readonly catalog: Catalog

  readonly httpRequests = new Counter({
    name: 'kgw_http_requests_total',
    help: 'HTTP requests answered, by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry]
  })

  private readonly httpCounts = new HotCounts(this.httpRequests)

  private readonly httpDuration = new HotHistogram('kgw_http_request_duration_seconds', 'Time to answer an HTTP request, by route template and method', DURATION_BUCKETS, this.registry)

  private readonly upstreamDuration = new HotHistogram('kgw_upstream_request_duration_seconds', 'KuCoin REST calls until the envelope is known, by market, endpoint template and outcome (ok or the error kind)', DURATION_BUCKETS, this.registry)

  readonly kucoinErrors = new Counter({
    name: 'kgw_kucoin_errors_total',
    help: 'Error codes KuCoin answered with, by market and code (unknown codes as other)',
    labelNames: ['market', 'code'] as const,
    registers: [this.registry]
  })

  readonly rateLimitLimit = new Gauge({
    name: 'kgw_upstream_ratelimit_limit',
    help: 'KuCoin rate-limit quota per window, from gw-ratelimit-limit, by market and pool',
    labelNames: ['market', 'pool'] as const,
    registers: [this.registry]
  })

  readonly rateLimitRemaining = new Gauge({
    name: 'kgw_upstream_ratelimit_remaining',
    help: 'KuCoin rate-limit quota left in the window, from gw-ratelimit-remaining, by market and pool',
    labelNames: ['market', 'pool'] as const,
    registers: [this.registry]
  })

  private readonly rateLimitLimits = new HotValues(this.rateLimitLimit)
  private readonly rateLimitRemainings = new HotValues(this.rateLimitRemaining)

  private readonly graphqlOperations = new Counter({
    name: 'kgw_graphql_operations_total',
    help: 'GraphQL operations, by type (query, mutation, subscription) and outcome (ok, partial, error)',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry]
  })

  private readonly graphqlOperationCounts = new HotCounts(this.graphqlOperations)

  readonly graphqlErrors = new Counter({
    name: 'kgw_graphql_errors_total',
    help: 'GraphQL errors, by gateway error kind',
    labelNames: ['kind'] as const,
    registers: [this.registry]
  })

  readonly bookResyncs = new Counter({
    name: 'kgw_book_resyncs_total',
    help: 'Verified order book resyncs, by market and cause (gap, reconnect, stale-snapshot, overflow, shallow, slow-consumer)',
    labelNames: ['market', 'cause'] as const,
    registers: [this.registry]
  })

  readonly bookGapSize = new Histogram({
    name: 'kgw_book_gap_sequences',
    help: 'Sequences missed when a verified book found a gap, by market',
    labelNames: ['market'] as const,
    buckets: [1, 2, 5, 10, 50, 100, 1000, 10000],
    registers: [this.registry]
  })

  readonly bookLatency = new Histogram({
    name: 'kgw_book_update_latency_seconds',
    help: 'KuCoin\'s change time to the moment the gateway hands the change to book consumers (KuCoin clock as synced), by market',
    labelNames: ['market'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry]
  })

  readonly orderPlacements = new Counter({
    name: 'kgw_order_placements_total',
    help: 'Order placement answers, by market, route (spot-hf, spot-hf-sync, spot-classic, margin-hf, futures), outcome (placed, rejected, unknown, not-placed) and whether it was a replay',
    labelNames: ['market', 'route', 'outcome', 'replayed'] as const,
    registers: [this.registry]
  })

  readonly orderSettleDuration = new Histogram({
    name: 'kgw_order_settle_duration_seconds',
    help: 'Time to settle a placement whose answer was lost, by result (placed, not-placed, unknown) and by what settled it (stream: the private order stream named the order; lookup: a lookup by clientOid; none)',
    labelNames: ['outcome', 'by'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry]
  })

  readonly orderSettleLookups = new Counter({
    name: 'kgw_order_settle_lookups_total',
    help: 'Order lookups by clientOid made while settling placements',
    registers: [this.registry]
  })

  constructor (sources: MetricSources) {
    this.catalog = sources.catalog
    collectDefaultMetrics({ register: this.registry, prefix: 'kgw_' })
    this.clockSeries(sources.clocks)
    this.hubSeries(sources.feeds)
    this.upstreamWsSeries(sources.feeds)
    this.topicTruthSeries(sources.feeds)
    if (sources.connections) this.connectionSeries(sources.connections)
    if (sources.replication) this.replicaBusSeries(sources.replication)
  }

  /** One answered HTTP request: route template (never the raw URL), method, status, seconds. */
  httpRequest (route: string, method: string, status: number, seconds: number): void {
    const key = `${route} ${method}`
    this.httpCounts.inc(`${key} ${status}`, () => ({ route, method, status: String(status) }))
    this.httpDuration.observe(key, () => ({ route, method }), seconds)
  }

  /** One GraphQL operation by type (query, mutation, subscription, unknown) and outcome (ok, partial, error): every query counts one. */
  graphqlOperation (type: string, outcome: string): void {
    this.graphqlOperationCounts.inc(`${type} ${outcome}`, () => ({ type, outcome }))
  }

  /** What src/orders/ reports: every placement answer and every settlement. */
  placementObserver (): PlacementObserver {
    return {
      placement: (market, route, outcome, replayed) => { this.orderPlacements.inc({ market, route, outcome, replayed: replayed ? 'true' : 'false' }) },
      settled: (outcome, seconds, lookups, by) => {
        this.orderSettleDuration.observe({ outcome, by }, seconds)
        this.orderSettleLookups.inc(lookups)
      }
    }
  }

  /** The client's per-call report: duration, outcome, KuCoin code, rate-limit headers. */
  upstream (event: UpstreamEvent): void {
    const { market, outcome } = event
    const endpoint = event.endpoint ?? findEndpoint(this.catalog, market, event.method, event.path)
    const template = endpoint?.path ?? 'unknown'
    this.upstreamDuration.observe(`${market} ${outcome} ${template}`, () => ({ market, endpoint: template, outcome }), event.seconds)
    if (event.code !== undefined && event.code !== '200000' && !event.code.startsWith('KGW_')) {
      this.kucoinErrors.inc({ market, code: KNOWN_CODES.has(event.code) ? event.code : 'other' })
    }
    const limit = event.headers['gw-ratelimit-limit']
    const remaining = event.headers['gw-ratelimit-remaining']
    if (limit !== undefined || remaining !== undefined) {
      const pool = endpoint?.pool ?? 'unknown'
      const key = `${market} ${pool}`
      const labels = (): Record<string, string> => ({ market, pool })
      if (limit !== undefined && Number.isFinite(Number(limit))) this.rateLimitLimits.set(key, labels, Number(limit))
      if (remaining !== undefined && Number.isFinite(Number(remaining))) this.rateLimitRemainings.set(key, labels, Number(remaining))
    }
  }

  /** Replica mode: who owns each upstream slot, how far behind the bus runs, what it recovered, lost and refused. */
  private replicaBusSeries (replication: Replication): void {
    const owned = new Gauge({ name: 'kgw_replica_lease_owned', help: '1 while this replica owns the upstream slot (its lease), by slot (market)', labelNames: ['slot'] as const, registers: [this.registry] })
    setCollect(owned, () => { for (const slot of MARKETS) owned.set({ slot }, replication.slots[slot].isOwner() ? 1 : 0) })
    const redis = new Gauge({ name: 'kgw_replica_redis_up', help: '1 while this replica reaches Redis for commands and bus reads', registers: [this.registry] })
    setCollect(redis, () => { redis.set(replication.status().redis === 'up' ? 1 : 0) })
    const lag = new Histogram({
      name: 'kgw_replica_bus_lag_seconds',
      help: 'Time from the owner\'s publish (Redis\'s entry time) to this replica reading the frame, by slot',
      labelNames: ['slot'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [this.registry]
    })
    replication.lagObserver = (slot, seconds) => lag.observe({ slot }, seconds)
    const counters = [
      ['kgw_replica_bus_recovered_total', 'Bus entries read back with XRANGE after this replica lost its bus connection, by slot', 'recovered'],
      ['kgw_replica_bus_gaps_total', 'Offset gaps the bus could no longer fill (entries trimmed before this replica read them), by slot', 'gaps'],
      ['kgw_replica_bus_missed_total', 'Bus entries lost in those gaps, by slot', 'missed'],
      ['kgw_replica_owner_changes_total', 'New upstream owners seen on the bus (clients told to resync), by slot', 'ownerChanges'],
      ['kgw_replica_stale_publishes_rejected_total', 'Publishes Redis refused because this replica\'s epoch was no longer the slot\'s (fencing), by slot', 'rejectedStale'],
      ['kgw_replica_bus_fallbacks_total', 'Owner events delivered only locally because Redis could not take them, by slot', 'fallbacks'],
      ['kgw_replica_lease_acquisitions_total', 'Times this replica took the upstream slot, by slot', 'acquisitions']
    ] as const
    for (const [name, help, key] of counters) {
      const counter = new Counter({ name, help, labelNames: ['slot'] as const, registers: [this.registry] })
      setCollect(counter, () => mirror(counter, MARKETS.map(slot => [{ slot }, replication.counters(slot)[key]])))
    }
  }

  private clockSeries (clocks: Record<Market, ServerClock>): void {
    const offset = new Gauge({ name: 'kgw_clock_offset_seconds', help: 'KuCoin server time minus local time, by market', labelNames: ['market'] as const, registers: [this.registry] })
    const known = new Gauge({ name: 'kgw_clock_synced', help: '1 when the KuCoin clock offset is known, by market', labelNames: ['market'] as const, registers: [this.registry] })
    const collect = (): void => {
      for (const market of MARKETS) {
        const state = clocks[market].state()
        offset.set({ market }, state.offsetMs / 1000)
        known.set({ market }, state.known ? 1 : 0)
      }
    }
    setCollect(offset, collect)
    setCollect(known, collect)
  }

  private hubSeries (feeds: Record<Market, Feed>): void {
    const gauges = {
      clients: 'Downstream WebSocket clients connected',
      topics: 'Topics with at least one downstream subscriber or lingering upstream',
      subscriptions: 'Downstream (client, topic) subscriptions'
    } as const
    for (const [key, help] of Object.entries(gauges) as Array<[keyof typeof gauges, string]>) {
      const gauge = new Gauge({ name: `kgw_ws_${key}`, help: `${help}, by market`, labelNames: ['market'] as const, registers: [this.registry] })
      setCollect(gauge, () => { for (const market of MARKETS) gauge.set({ market }, feeds[market].hub.stats()[key]) })
    }
    const history = {
      historyTopics: ['kgw_ws_history_topics', 'Topics holding a replay window (some client asked for resumable delivery)'],
      historyFrames: ['kgw_ws_history_frames', 'Frames held in replay windows']
    } as const
    for (const [key, [name, help]] of Object.entries(history) as Array<[keyof typeof history, readonly [string, string]]>) {
      const gauge = new Gauge({ name, help: `${help}, by market`, labelNames: ['market'] as const, registers: [this.registry] })
      setCollect(gauge, () => { for (const market of MARKETS) gauge.set({ market }, feeds[market].hub.stats()[key]) })
    }
    const counters = {
      received: ['kgw_ws_messages_received_total', 'Upstream message frames received'],
      delivered: ['kgw_ws_messages_delivered_total', 'Frames handed to downstream sockets'],
      conflated: ['kgw_ws_messages_conflated_total', 'State-topic frames replaced by a newer one for a slow client'],
      unrouted: ['kgw_ws_messages_dropped_total', 'Upstream frames no client was subscribed to (arriving while unsubscribing)'],
      slowDisconnects: ['kgw_ws_slow_consumer_disconnects_total', 'Clients cut off for falling behind on a delta topic']
    } as const
    for (const [key, [name, help]] of Object.entries(counters) as Array<[keyof typeof counters, readonly [string, string]]>) {
      const counter = new Counter({ name, help: `${help}, by market`, labelNames: ['market'] as const, registers: [this.registry] })
      setCollect(counter, () => mirror(counter, MARKETS.map(market => [{ market }, feeds[market].hub.counters[key]])))
    }
  }

  private connectionSeries (stats: ConnectionStats): void {
    const open = new Gauge({ name: 'kgw_client_connections', help: 'Client connections open (HTTP and WebSocket)', registers: [this.registry] })
    const refused = new Counter({ name: 'kgw_client_connections_refused_total', help: 'Client connections closed before a request was read, by reason (client-cap, total-cap, no-request)', labelNames: ['reason'] as const, registers: [this.registry] })
    setCollect(open, () => { open.set(stats.open) })
    setCollect(refused, () => mirror(refused, REFUSALS.map(reason => [{ reason }, stats.refused[reason]])))
  }

  private upstreamWsSeries (feeds: Record<Market, Feed>): void {
    const labelNames = ['market', 'channel'] as const
    const connections = new Gauge({ name: 'kgw_upstream_ws_connections', help: 'Upstream KuCoin WebSocket connections, by market, channel and state', labelNames: [...labelNames, 'state'] as const, registers: [this.registry] })
    const reconnects = new Counter({ name: 'kgw_upstream_ws_reconnects_total', help: 'Upstream WebSocket reconnects after a drop, by market and channel', labelNames, registers: [this.registry] })
    const renewals = new Counter({ name: 'kgw_upstream_ws_token_renewals_total', help: 'Upstream WebSocket make-before-break renewals, by market and channel', labelNames, registers: [this.registry] })
    setCollect(connections, () => {
      connections.reset()
      for (const market of MARKETS) {
        for (const c of feeds[market].connections()) connections.inc({ market, channel: c.channel, state: c.state })
      }
    })
    const totals = (key: 'reconnects' | 'renewals'): Array<[Record<string, string>, number]> =>
      MARKETS.flatMap(market => CHANNELS.map(channel => [{ market, channel }, feeds[market].totals[channel][key]] as [Record<string, string>, number]))
    setCollect(reconnects, () => mirror(reconnects, totals('reconnects')))
    setCollect(renewals, () => mirror(renewals, totals('renewals')))
  }

  /** Verified books (src/books/): what the registry holds, read at scrape time. */
  bookSeries (books: { held: () => Record<Market, number>, maxAgeSeconds: () => Record<Market, number> }): void {
    const held = new Gauge({ name: 'kgw_books', help: 'Verified order books held (lingering ones included), by market', labelNames: ['market'] as const, registers: [this.registry] })
    const age = new Gauge({ name: 'kgw_book_max_age_seconds', help: 'Oldest last change among consistent verified books, by market', labelNames: ['market'] as const, registers: [this.registry] })
    setCollect(held, () => { const h = books.held(); for (const market of MARKETS) held.set({ market }, h[market]) })
    setCollect(age, () => { const a = books.maxAgeSeconds(); for (const market of MARKETS) age.set({ market }, a[market]) })
  }

  /** The read-your-writes order cache (src/orders/order-cache.ts), read at scrape time. */
  orderCacheSeries (cache: { readonly size: number, readonly served: number }): void {
    const held = new Gauge({ name: 'kgw_order_cache_orders', help: 'Orders the read-your-writes order cache holds', registers: [this.registry] })
    const served = new Counter({ name: 'kgw_order_cache_served_total', help: 'Order lookups KuCoin answered "does not exist" and the gateway answered from its order cache', registers: [this.registry] })
    setCollect(held, () => { held.set(cache.size) })
    setCollect(served, () => { mirror(served, [[{}, cache.served]]) })
  }

  /** The books' observer: resyncs by cause with the gap size, and update latency. */
  bookObserver (): { resync: (market: Market, cause: string, missed: number) => void, latency: (market: Market, seconds: number) => void } {
    return {
      resync: (market, cause, missed) => {
        this.bookResyncs.inc({ market, cause })
        if (missed > 0) this.bookGapSize.observe({ market }, missed)
      },
      latency: (market, seconds) => { this.bookLatency.observe({ market }, seconds) }
    }
  }

  /** Refused topics and topic freshness: aggregates per market, never a per-topic label. */
  private topicTruthSeries (feeds: Record<Market, Feed>): void {
    const refusals = new Counter({ name: 'kgw_ws_topic_refusals_total', help: 'Topics refused by KuCoin or the upstream budget, by market and reason (not-found, invalid, forbidden, limit, other)', labelNames: ['market', 'reason'] as const, registers: [this.registry] })
    setCollect(refusals, () => mirror(refusals, MARKETS.flatMap(market => REFUSAL_REASONS.map(reason => [{ market, reason }, feeds[market].refusals[reason]] as [Record<string, string>, number]))))
    const pending = new Gauge({ name: 'kgw_ws_topics_pending', help: 'Topics KuCoin has not acked yet (or not again since a drop), by market', labelNames: ['market'] as const, registers: [this.registry] })
    setCollect(pending, () => { for (const market of MARKETS) pending.set({ market }, feeds[market].hub.stats().pending) })
    const stale = new Gauge({ name: 'kgw_ws_topics_stale', help: 'Live topics silent past their stale threshold, by market', labelNames: ['market'] as const, registers: [this.registry] })
    const oldest = new Gauge({ name: 'kgw_ws_topic_last_message_age_max_seconds', help: 'Time since the last frame of the longest-silent live topic (topics with a stale threshold), by market', labelNames: ['market'] as const, registers: [this.registry] })
    const collect = (): void => {
      for (const market of MARKETS) {
        const ages = feeds[market].hub.ages()
        stale.set({ market }, ages.filter(a => a.stale).length)
        oldest.set({ market }, (ages[0]?.ageMs ?? 0) / 1000)
      }
    }
    setCollect(stale, collect)
    setCollect(oldest, collect)
  }

  /** GraphQL subscriptions and their groups (src/graphql/live/), read from the counters they keep. */
  graphqlSubscriptionSeries (stats: GraphqlStreamTotals): void {
    const gauges = {
      open: ['kgw_graphql_subscriptions', 'Live GraphQL subscriptions (one per subscriber and id)'],
      groups: ['kgw_graphql_subscription_groups', 'Groups of identical live GraphQL subscriptions, each executed once per event']
    } as const
    for (const [key, [name, help]] of Object.entries(gauges) as Array<[keyof typeof gauges, readonly [string, string]]>) {
      const gauge = new Gauge({ name, help, registers: [this.registry] })
      setCollect(gauge, () => gauge.set(stats[key]))
    }
    const counters = {
      executions: ['kgw_graphql_subscription_executions_total', 'Executions of a subscription group for an event (once per group, not per subscriber)'],
      deliveries: ['kgw_graphql_subscription_deliveries_total', 'GraphQL subscription results written to subscribers\' sockets'],
      conflated: ['kgw_graphql_subscription_conflated_total', 'State-stream results replaced by a newer one for a slow subscriber'],
      slowConsumers: ['kgw_graphql_slow_consumers_total', 'GraphQL subscriptions ended with a slow-consumer error on an event stream']
    } as const
    for (const [key, [name, help]] of Object.entries(counters) as Array<[keyof typeof counters, readonly [string, string]]>) {
      const counter = new Counter({ name, help, registers: [this.registry] })
      setCollect(counter, () => mirror(counter, [[{}, stats[key]]]))
    }
  }
}

/** Wait for budget: from nothing to the longest a call may wait (KGW_RATE_LIMIT_MAX_WAIT_MS tops out the usual range). */
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/**
 * The rate-limit governor's series (src/kucoin/governor/) and the sharing of
 * identical GETs (src/kucoin/shared-gets.ts). Wait and rejections are
 * reported as they happen; the rest is read at scrape time.
 */
export function governorSeries (metrics: Metrics, governor: Governor, shared: SharedGets): void {
  const registers = [metrics.registry]
  const depth = new Gauge({ name: 'kgw_ratelimit_queue_depth', help: 'KuCoin calls waiting for rate-limit budget, by pool', labelNames: ['pool'] as const, registers })
  const remaining = new Gauge({ name: 'kgw_ratelimit_budget_remaining', help: 'Weight the gateway may still spend in the current window, by pool (its own count, kept in step with gw-ratelimit-*)', labelNames: ['pool'] as const, registers })
  setCollect(depth, () => { for (const p of governor.stats()) depth.set({ pool: p.pool }, p.queued) })
  setCollect(remaining, () => { for (const p of governor.stats()) remaining.set({ pool: p.pool }, p.remaining) })
  const wait = new Histogram({ name: 'kgw_ratelimit_wait_seconds', help: 'Time KuCoin calls waited for rate-limit budget before going, by pool and priority (calls that went at once are not counted)', labelNames: ['pool', 'priority'] as const, buckets: WAIT_BUCKETS, registers })
  const rejected = new Counter({ name: 'kgw_ratelimit_rejections_total', help: 'KuCoin calls refused locally with a 429 before KuCoin was asked, by pool, priority and reason (queue-full, caller-queue-full, deadline, wait-too-long, shared-spent: the replicas\' shared budget)', labelNames: ['pool', 'priority', 'reason'] as const, registers })
  governor.events = {
    waited: (pool, priority, seconds) => { wait.observe({ pool, priority }, seconds) },
    rejected: (pool, priority, reason) => { rejected.inc({ pool, priority, reason }) }
  }
  const sharing = new Counter({ name: 'kgw_upstream_shared_total', help: 'GETs answered without a KuCoin call of their own: joined (an identical call in flight) or cached (the micro-cache)', labelNames: ['how'] as const, registers })
  setCollect(sharing, () => mirror(sharing, [[{ how: 'joined' }, shared.stats.joined], [{ how: 'cached' }, shared.stats.cached]]))
  const aborted = new Counter({ name: 'kgw_upstream_aborted_total', help: 'Shared KuCoin GETs aborted because every caller waiting for them had gone', registers })
  setCollect(aborted, () => mirror(aborted, [[{}, shared.stats.aborted]]))
  const bytes = new Gauge({ name: 'kgw_upstream_cache_bytes', help: 'Bytes held by the micro-cache of public KuCoin answers (KGW_CACHE_MAX_BYTES bounds it)', registers })
  setCollect(bytes, () => { bytes.set(shared.cachedBytes) })
}

/**
 * Replica mode's shared KuCoin budget (src/replicas/budget.ts): every
 * reservation by result — admitted or refused by Redis, `credit` (spent from
 * weight this replica reserved ahead, no Redis round trip), `fallback` (Redis
 * unavailable, spent from this replica's local share) or `fallback-refused`
 * (that share spent too) — and whether the fallback is active now. The
 * `replica` label is KGW_REPLICA_ID, so series from all replicas can be summed.
 */
export function sharedBudgetSeries (metrics: Metrics, governor: Governor, budget: SharedBudget, replica: string): void {
  const registers = [metrics.registry]
  const reservations = new Counter({ name: 'kgw_replica_budget_reservations_total', help: 'Reservations of KuCoin weight in the budget the replicas share, by pool and result (admitted, credit: spent from weight reserved ahead without a Redis round trip, refused, fallback, fallback-refused)', labelNames: ['replica', 'pool', 'result'] as const, registers })
  const previous = governor.events.shared
  governor.events.shared = (pool, result) => {
    reservations.inc({ replica, pool, result })
    previous?.(pool, result)
  }
  const fallback = new Gauge({ name: 'kgw_replica_budget_fallback', help: '1 while Redis is unavailable and this replica spends only its local share of each pool, else 0', labelNames: ['replica'] as const, registers })
  setCollect(fallback, () => { fallback.set({ replica }, budget.stats.fallback ? 1 : 0) })
  const replicas = new Gauge({ name: 'kgw_replica_budget_peers', help: 'Replicas seen alive in Redis (this one included); the fallback share divides each pool among them', labelNames: ['replica'] as const, registers })
  setCollect(replicas, () => { replicas.set({ replica }, budget.stats.replicas) })
  const slowest = new Gauge({ name: 'kgw_replica_budget_slowest_failure_seconds', help: 'The longest a failed shared-budget check took (KGW_REDIS_COMMAND_TIMEOUT_MS bounds it)', labelNames: ['replica'] as const, registers })
  setCollect(slowest, () => { slowest.set({ replica }, budget.stats.slowestFailureMs / 1000) })
  const syncFailures = new Counter({ name: 'kgw_replica_budget_sync_failures_total', help: 'KuCoin rate-limit headers that could not be written to the shared budget (Redis unavailable)', labelNames: ['replica'] as const, registers })
  setCollect(syncFailures, () => mirror(syncFailures, [[{ replica }, budget.stats.syncFailures]]))
  const topUps = new Counter({ name: 'kgw_replica_budget_credit_topups_total', help: 'Background reservations of prefetched credit (a chunk alone, weight 0) this replica asked Redis for', labelNames: ['replica'] as const, registers })
  setCollect(topUps, () => mirror(topUps, [[{ replica }, budget.stats.topUps]]))
}

/** What src/graphql/hub-stream.ts's StreamStats counts, as far as metrics read it. */
export interface GraphqlStreamTotals {
  open: number
  groups: number
  executions: number
  deliveries: number
  conflated: number
  slowConsumers: number
}

/** prom-client calls `collect` before each scrape; series read from elsewhere are set there. */
function setCollect (metric: Counter<string> | Gauge<string>, collect: () => void): void {
  (metric as unknown as { collect: () => void }).collect = collect
}

/** Sets a counter to totals kept elsewhere, which only ever grow. */
function mirror (counter: Counter<string>, totals: Array<[Record<string, string>, number]>): void {
  counter.reset()
  for (const [labels, value] of totals) counter.inc(labels, value)
}
