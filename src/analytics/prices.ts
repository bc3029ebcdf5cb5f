/**
 * Market-wide price knowledge built from every trade seen (all wallets): the last trade price per
 * token, used to mark open positions, and the edge of buying in each 10¢ bucket (the naive
 * same-price-bucket baseline that per-bet edge is measured against, quant-notes §2.3).
 */
import type { LeaderEvent } from "../domain/fill.ts";
import type { MarkoutSink, PriceMarks } from "./accumulator.ts";

/** Markout horizons (quant-notes §1.3 F15): 5 minutes, 1 hour, 1 day. */
export const MARKOUT_HORIZONS_MS = [5 * 60_000, 3_600_000, 86_400_000] as const;

interface PendingMarkout {
  ts: number;
  price: number;
  /** size × direction (+ buy, − sell). */
  signedSize: number;
  sink: MarkoutSink;
}

/**
 * Fills of one token waiting for the token's first trade a horizon later: one queue per horizon,
 * ordered by due time (fill time + horizon), consumed from `head`.
 */
interface MarkoutQueue {
  q: PendingMarkout[];
  head: number;
}
export class MarketPrices implements PriceMarks {
  readonly #last = new Map<string, number>();
  readonly #resolved = new Map<string, number>();
  /** Per token: [Q_bucket0, Qp_bucket0, Q_bucket1, ...] of buys by anyone. */
  readonly #buckets = new Map<string, Float64Array>();
  readonly #markouts = new Map<string, MarkoutQueue[]>();

  observe(e: LeaderEvent): void {
    if (e.type !== "TRADE") return;
    this.#last.set(e.tokenId, e.price);
    const queues = this.#markouts.get(e.tokenId);
    if (queues) settleMarkouts(queues, e.ts, e.price);
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

  /**
   * Asks for a fill's markouts: at each horizon, d·(price of the token's first trade at or after
   * fill time + horizon − fill price), size-weighted into the sink. Incremental (events arrive in
   * time order), so a live re-score sees the same markouts as a batch analysis.
   */
  watchMarkout(tokenId: string, ts: number, price: number, signedSize: number, sink: MarkoutSink): void {
    let queues = this.#markouts.get(tokenId);
    if (!queues) {
      queues = MARKOUT_HORIZONS_MS.map(() => ({ q: [], head: 0 }));
      this.#markouts.set(tokenId, queues);
    }
    const p = { ts, price, signedSize, sink };
    for (const mq of queues) {
      const { q } = mq;
      if (q.length === mq.head || q[q.length - 1]!.ts <= ts) {
        q.push(p);
        continue;
      }
      // A fill older than one already waiting (a late event): keep the pending part in time order.
      let lo = mq.head;
      let hi = q.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (q[mid]!.ts <= ts) lo = mid + 1;
        else hi = mid;
      }
      q.splice(lo, 0, p);
    }
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

function settleMarkouts(queues: MarkoutQueue[], ts: number, price: number): void {
  for (let h = 0; h < queues.length; h++) {
    const mq = queues[h]!;
    const { q } = mq;
    const horizon = MARKOUT_HORIZONS_MS[h]!;
    let i = mq.head;
    for (; i < q.length && q[i]!.ts + horizon <= ts; i++) {
      const p = q[i]!;
      p.sink.markout[2 * h]! += Math.abs(p.signedSize);
      p.sink.markout[2 * h + 1]! += p.signedSize * (price - p.price);
    }
    mq.head = i;
    // Drop settled entries now and then so a long run does not keep every fill.
    if (i > 256 && i * 2 > q.length) {
      q.splice(0, i);
      mq.head = 0;
    }
  }
}
