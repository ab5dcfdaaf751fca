// Series bumped on every proxied request, kept as plain numbers behind one
// Map lookup by a string key. prom-client's inc(labels) / observe(labels) /
// set(labels) hash and validate the label object on every call, several
// times per request; these are read into the registry at scrape time
// instead (src/metrics.ts owns the series, their names and their labels).
import type { Counter, Gauge, Registry } from 'prom-client'

type Labels = Record<string, string>

interface HistogramSeries { labels: Labels, buckets: Float64Array, sum: number, count: number }

/** A histogram registered with prom-client's registry and exported as prom-client's own would be. */
export class HotHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly series = new Map<string, HistogramSeries>()

  constructor (readonly name: string, readonly help: string, private readonly bounds: readonly number[], registry: Registry) {
    registry.registerMetric(this as never)
  }

  /** `key` must identify `labels` (the caller builds it from the same values). */
  observe (key: string, labels: () => Labels, value: number): void {
    let s = this.series.get(key)
    if (s === undefined) {
      s = { labels: labels(), buckets: new Float64Array(this.bounds.length), sum: 0, count: 0 }
      this.series.set(key, s)
    }
    const bounds = this.bounds
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        s.buckets[i]!++
        break
      }
    }
    s.sum += value
    s.count++
  }

  reset (): void {
    this.series.clear()
  }

  /** The shape prom-client's Registry formats: cumulative buckets, +Inf, sum and count per label set. */
  get (): { name: string, help: string, type: string, aggregator: string, values: unknown[] } {
    const values: unknown[] = []
    const pair = (labels: Labels, value: number, metricName: string, shared: Labels): void => {
      values.push({ labels, sharedLabels: shared, value, metricName, exemplar: undefined })
    }
    for (const s of this.series.values()) {
      let cumulative = 0
      this.bounds.forEach((bound, i) => {
        cumulative += s.buckets[i]!
        pair({ le: bound as unknown as string }, cumulative, `${this.name}_bucket`, s.labels)
      })
      pair({ le: '+Inf' }, s.count, `${this.name}_bucket`, s.labels)
      pair({}, s.sum, `${this.name}_sum`, s.labels)
      pair({}, s.count, `${this.name}_count`, s.labels)
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }
}

/** Counts kept by key, copied into a prom-client counter when it is scraped. */
export class HotCounts {
  private readonly counts = new Map<string, { labels: Labels, value: number }>()

  constructor (counter: Counter<string>) {
    collectWith(counter, () => {
      counter.reset()
      for (const { labels, value } of this.counts.values()) counter.inc(labels, value)
    })
  }

  inc (key: string, labels: () => Labels): void {
    const c = this.counts.get(key)
    if (c === undefined) this.counts.set(key, { labels: labels(), value: 1 })
    else c.value++
  }
}

/** Last values kept by key, copied into a prom-client gauge when it is scraped. */
export class HotValues {
  private readonly values = new Map<string, { labels: Labels, value: number }>()

  constructor (gauge: Gauge<string>) {
    collectWith(gauge, () => {
      for (const { labels, value } of this.values.values()) gauge.set(labels, value)
    })
  }

  set (key: string, labels: () => Labels, value: number): void {
    const v = this.values.get(key)
    if (v === undefined) this.values.set(key, { labels: labels(), value })
    else v.value = value
  }
}

function collectWith (metric: Counter<string> | Gauge<string>, collect: () => void): void {
  (metric as unknown as { collect: () => void }).collect = collect
}
