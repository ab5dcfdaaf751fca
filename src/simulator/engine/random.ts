// Seeded randomness, so a simulator started with the same seed walks the same
// way; nothing here touches Math.random (tests run many simulators at once).

/** mulberry32: tiny, fast and good enough for synthetic market noise. */
export class Rng {
  private state: number

  constructor (seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform in [0, 1). */
  next (): number {
    this.state = (this.state + 0x6D2B79F5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Uniform integer in [min, max]. */
  int (min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** Standard normal (Box–Muller). */
  gaussian (): number {
    const u = 1 - this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next())
  }
}

/** A stateless hash of integers to [0, 1): the same inputs always give the same value. */
export function hashUnit (...parts: number[]): number {
  let h = 0x811C9DC5
  for (const part of parts) {
    h = Math.imul(h ^ (part | 0), 0x01000193)
    h = Math.imul(h ^ Math.floor(part / 4294967296), 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85EBCA6B)
  h ^= h >>> 13
  return (h >>> 0) / 4294967296
}

/** A random hex id of `bytes` bytes from the given generator. */
export function hexId (rng: Rng, bytes: number): string {
  let out = ''
  for (let i = 0; i < bytes; i++) out += rng.int(0, 255).toString(16).padStart(2, '0')
  return out
}

/** A stable 32-bit number for a string (FNV-1a). */
export function hashString (text: string): number {
  let h = 0x811C9DC5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}
