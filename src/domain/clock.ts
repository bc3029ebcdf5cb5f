/** Injected time: the only difference between backtest, paper and live besides the venue. */
export interface Clock {
  /** ms epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock the caller moves; backtests advance it to each event's timestamp. */
export class ManualClock implements Clock {
  #t: number;
  constructor(start = 0) {
    this.#t = start;
  }
  now(): number {
    return this.#t;
  }
  set(t: number): void {
    if (t > this.#t) this.#t = t;
  }
  advance(ms: number): void {
    this.#t += ms;
  }
}
