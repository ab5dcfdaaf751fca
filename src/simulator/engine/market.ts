// The synthetic market: one order book and trade tape per instrument, moved
// in fixed 100 ms steps towards a deterministic price path. State only changes
// inside advance(now), so every reader between two steps sees one consistent
// moment (ticker, level1, level2 and allTickers agree).
import { FUTURES_CONTRACTS, SPOT_PAIRS } from './instruments.js'
import type { FuturesContract, Instrument, SpotPair } from './instruments.js'
import { OrderBook } from './order-book.js'
import type { BookSide } from './order-book.js'
import { PricePath } from './price-path.js'
import { Rng, hexId } from './random.js'

export const STEP_MS = 100
// After a long idle period only the latest steps are simulated; the path keeps prices right anyway.
const MAX_STEPS = 50
const TAPE_LENGTH = 100

export interface Trade {
  sequence: number
  tradeId: string
  /** Price in ticks. */
  ticks: number
  /** Size in integer size units. */
  size: number
  /** Taker side. */
  side: BookSide
  time: number
  makerOrderId: string
  takerOrderId: string
}

/** A level change, for the WebSocket half (level2 deltas). */
export interface BookChange {
  instrument: Instrument
  side: BookSide
  ticks: number
  size: number
  sequence: number
  time: number
}

export interface InstrumentState<I extends Instrument = Instrument> {
  instrument: I
  path: PricePath
  book: OrderBook
  /** Oldest first. */
  tape: Trade[]
  tradeSequence: number
  /** Simulator time of the last step that changed this instrument. */
  time: number
  /** Price units per tick and size units per whole unit. */
  tick: number
  sizeUnit: number
}

export class SyntheticMarket {
  readonly spot = new Map<string, InstrumentState<SpotPair>>()
  readonly futures = new Map<string, InstrumentState<FuturesContract>>()
  private readonly rng: Rng
  private readonly listeners: Array<(change: BookChange) => void> = []
  private lastStep: number
  private stepTime = 0

  constructor (seed: number, now: number) {
    this.rng = new Rng(seed)
    for (const pair of SPOT_PAIRS) {
      this.spot.set(pair.symbol, this.createState(pair, new PricePath(pair.price, this.rng), pair.priceIncrement))
    }
    for (const contract of FUTURES_CONTRACTS) {
      // A contract's own path is its premium over the index: centred on 1, small.
      this.futures.set(contract.symbol, this.createState(contract, new PricePath(1, this.rng, 2e-6), contract.tickSize))
    }
    // Start with a few seconds of history so books are full and tapes non-empty.
    this.lastStep = now - MAX_STEPS * STEP_MS
    this.advance(now)
  }

  /** Brings the market up to `now`; cheap when less than one step has passed. */
  advance (now: number): void {
    if (now - this.lastStep < STEP_MS) return
    let steps = Math.floor((now - this.lastStep) / STEP_MS)
    if (steps > MAX_STEPS) {
      this.lastStep += (steps - MAX_STEPS) * STEP_MS
      steps = MAX_STEPS
    }
    for (let i = 0; i < steps; i++) {
      this.lastStep += STEP_MS
      this.step(this.lastStep)
    }
  }

  /** Simulator time of the latest step: equal times mean one consistent snapshot. */
  get time (): number {
    return this.lastStep
  }

  /** Subscribes to level changes; returns the unsubscriber. */
  onChange (listener: (change: BookChange) => void): () => void {
    this.listeners.push(listener)
    return () => {
      const i = this.listeners.indexOf(listener)
      if (i >= 0) this.listeners.splice(i, 1)
    }
  }

  /** Mid price from the path (the index for a spot pair, fair price for a contract). */
  fairPrice (state: InstrumentState, time: number): number {
    if (state.instrument.kind === 'spot') return state.path.at(time)
    const index = this.spot.get(state.instrument.index)
    return (index?.path.at(time) ?? 1) * state.path.at(time)
  }

  /** Last traded price in price units. */
  lastPrice (state: InstrumentState): number {
    const last = state.tape[state.tape.length - 1]
    return (last?.ticks ?? state.book.bestBid()?.ticks ?? 0) * state.tick
  }

  private createState<I extends Instrument> (instrument: I, path: PricePath, tick: number): InstrumentState<I> {
    const sizeUnit = 10 ** instrument.sizeDecimals
    const state: InstrumentState<I> = {
      instrument,
      path,
      book: new OrderBook(this.rng.int(1e9, 2e9) * 10, instrument.levelSize * sizeUnit, this.rng, (side, ticks, size, sequence) => {
        if (this.listeners.length > 0) this.publish({ instrument, side, ticks, size, sequence, time: this.stepTime })
      }),
      tape: [],
      tradeSequence: this.rng.int(1e9, 2e9) * 100,
      time: 0,
      tick,
      sizeUnit
    }
    return state
  }

  private step (time: number): void {
    this.stepTime = time
    for (const state of this.spot.values()) this.stepInstrument(state, time)
    for (const state of this.futures.values()) this.stepInstrument(state, time)
  }

  private stepInstrument (state: InstrumentState, time: number): void {
    const previous = state.book.bestBid()?.ticks
    const mid = Math.max(1, Math.round(this.fairPrice(state, time) / state.tick))
    state.book.recenter(mid)
    state.book.jitter(this.rng.int(0, 2))
    if (this.rng.next() < 0.6) {
      const direction = previous === undefined ? 0 : mid - previous
      const side: BookSide = direction > 0 || (direction === 0 && this.rng.next() < 0.5) ? 'buy' : 'sell'
      this.trade(state, side, time)
    }
    state.time = time
  }

  /** A taker of `side` lifts part of the opposite best level. */
  private trade (state: InstrumentState, side: BookSide, time: number): void {
    const level = side === 'buy' ? state.book.bestAsk() : state.book.bestBid()
    if (level === undefined) return
    const ticks = level.ticks
    const size = state.book.take(side === 'buy' ? 'sell' : 'buy', Math.max(1, Math.round(state.book.randomSize() * 0.1)))
    state.tradeSequence++
    state.tape.push({
      sequence: state.tradeSequence,
      tradeId: String(state.tradeSequence),
      ticks,
      size,
      side,
      time,
      makerOrderId: hexId(this.rng, 12),
      takerOrderId: hexId(this.rng, 12)
    })
    if (state.tape.length > TAPE_LENGTH) state.tape.shift()
  }

  private publish (change: BookChange): void {
    for (const listener of this.listeners) listener(change)
  }
}
