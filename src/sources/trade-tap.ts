/**
 * Other wallets' trades taken off the websocket firehose for the tokens a live run scores or holds.
 * The RTDS source pushes them here (they are not leader fills: never stored, never copied) and the
 * live run drains them to move prices, markouts and exit marks. Bounded: when the consumer falls
 * behind, the oldest are dropped (the Data API tape is read again and fills the gap).
 */
import type { LeaderFill } from "../domain/fill.ts";

export class TradeTap {
  readonly #max: number;
  #wanted: ReadonlySet<string> = new Set();
  #queue: LeaderFill[] = [];
  dropped = 0;

  constructor(max = 50_000) {
    this.#max = max;
  }

  /** The token ids whose trades are wanted from now on. */
  want(tokens: ReadonlySet<string>): void {
    this.#wanted = tokens;
  }

  wants(tokenId: string): boolean {
    return this.#wanted.has(tokenId);
  }

  push(f: LeaderFill): void {
    this.#queue.push(f);
    if (this.#queue.length > this.#max) {
      const drop = this.#queue.length - this.#max;
      this.#queue.splice(0, drop);
      this.dropped += drop;
    }
  }

  /** Everything pushed since the last drain, oldest first. */
  drain(): LeaderFill[] {
    const out = this.#queue;
    this.#queue = [];
    return out;
  }
}
