// A deterministic price path: log-price is a sum of sinusoids with seeded
// phases whose amplitudes grow with the square root of their period, which
// looks like a random walk at every time scale. Being a pure function of time
// means candles and 24 h statistics for any past moment agree with the live
// book without storing history.
import type { Rng } from './random.js'

// Roughly geometric and mutually incommensurate, so the path never visibly repeats.
const PERIODS_S = [2, 5, 13, 31, 67, 151, 347, 811, 1901, 4409, 10313, 24007, 56003, 130003, 303011, 707011, 1650011]

export class PricePath {
  private readonly amplitudes: number[] = []
  private readonly omegas: number[] = []
  private readonly phases: number[] = []

  /** `volatility` is the log-price spread per √second. */
  constructor (readonly centre: number, rng: Rng, volatility = 1e-4) {
    for (const period of PERIODS_S) {
      this.amplitudes.push(volatility * Math.sqrt(period) * 0.35 * (0.5 + rng.next()))
      this.omegas.push(2 * Math.PI / (period * 1000))
      this.phases.push(rng.next() * 2 * Math.PI)
    }
  }

  /** The price at `time` (ms since epoch). */
  at (time: number): number {
    let x = 0
    for (let i = 0; i < this.amplitudes.length; i++) {
      x += this.amplitudes[i]! * Math.sin(this.omegas[i]! * time + this.phases[i]!)
    }
    return this.centre * Math.exp(x)
  }

  /** Highest and lowest price over [from, to], sampled `samples` times (plus both ends). */
  range (from: number, to: number, samples: number): { high: number, low: number } {
    let high = -Infinity
    let low = Infinity
    for (let i = 0; i <= samples; i++) {
      const p = this.at(from + (to - from) * i / samples)
      if (p > high) high = p
      if (p < low) low = p
    }
    return { high, low }
  }
}
