/**
 * Market-wide price knowledge built from every trade seen (all wallets): the last trade price per
 * token, used to mark open positions, and the edge of buying in each 10¢ bucket (the naive
 * same-price-bucket baseline that per-bet edge is measured against, quant-notes §2.3).
 */
import type { LeaderEvent } from "../domain/fill.ts";
import type { PriceMarks } from "./accumulator.ts";

export class MarketPrices implements PriceMarks {
  readonly #last = new Map<string, number>();
  readonly #resolved = new Map<string, number>();
  /** Per token: [Q_bucket0, Qp_bucket0, Q_bucket1, ...] of buys by anyone. */
  readonly #buckets = new Map<string, Float64Array>();

  observe(e: LeaderEvent): void {
    if (e.type !== "TRADE") return;
    this.#last.set(e.tokenId, e.price);
    if (e.side !== "BUY") return;
    let b = this.#buckets.get(e.tokenId);
    if (!b) {
      b = new Float64Array(20);
      this.#buckets.set(e.tokenId, b);
    }
    const k = Math.min(9, Math.floor(e.price * 10));
    b[2 * k]! += e.size;
    b[2 * k + 1]! += e.size * e.price;
  }

  /** Records a known resolution payout (1 or 0) for a token; it overrides the last trade price. */
  resolve(tokenId: string, payout: number): void {
    this.#resolved.set(tokenId, payout);
  }

  last(tokenId: string): number | undefined {
    return this.#resolved.get(tokenId) ?? this.#last.get(tokenId);
  }

  /** Edge per share of buying in each 10¢ bucket across all observed buyers, marked now. */
  baselineEdge(): Float64Array {
    const q = new Float64Array(10);
    const gain = new Float64Array(10);
    for (const [token, b] of this.#buckets) {
      const mark = this.last(token);
      if (mark === undefined) continue;
      for (let k = 0; k < 10; k++) {
        q[k]! += b[2 * k]!;
        gain[k]! += mark * b[2 * k]! - b[2 * k + 1]!;
      }
    }
    return q.map((v, k) => (v > 0 ? gain[k]! / v : 0));
  }
}
