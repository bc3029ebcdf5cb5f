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
  /** The tape's mid just before the fill (NaN when unknown): the move after it is measured from here. */
  ref: number;
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
/** Trades of a market (YES-equivalent prices) kept to estimate its mid just before a fill. */
const TAPE_TRADES = 12;
/** How far back a fill's mid-before looks (a live run reads the tape from this long before its first fill). */
export const TAPE_WINDOW_MS = 3_600_000;

interface Tape {
  /** Ring of the last TAPE_TRADES committed trades: [ts, yesPrice] pairs. */
  ring: Float64Array;
  n: number;
  next: number;
  /** Trades of the current second, committed once a later second starts (never "before" a fill of the same second). */
  curTs: number;
  pending: number[];
}

export class MarketPrices implements PriceMarks {
  readonly #last = new Map<string, number>();
  readonly #resolved = new Map<string, number>();
  /** Per token: [Q_bucket0, Qp_bucket0, Q_bucket1, ...] of buys by anyone. */
  readonly #buckets = new Map<string, Float64Array>();
  readonly #markouts = new Map<string, MarkoutQueue[]>();
  readonly #tapes = new Map<string, Tape>();

  observe(e: LeaderEvent): void {
    if (e.type !== "TRADE") return;
    this.#last.set(e.tokenId, e.price);
    this.#tape(e.marketId, e.ts, e.outcomeIndex === 0 ? e.price : 1 - e.price);
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

  #tape(marketId: string, ts: number, yes: number): void {
    let t = this.#tapes.get(marketId);
    if (!t) {
      t = { ring: new Float64Array(2 * TAPE_TRADES), n: 0, next: 0, curTs: ts, pending: [] };
      this.#tapes.set(marketId, t);
    }
    if (ts > t.curTs) {
      for (const p of t.pending) {
        t.ring[2 * t.next] = t.curTs;
        t.ring[2 * t.next + 1] = p;
        t.next = (t.next + 1) % TAPE_TRADES;
        if (t.n < TAPE_TRADES) t.n++;
      }
      t.pending.length = 0;
      t.curTs = ts;
    }
    t.pending.push(yes);
  }

  /**
   * The market's YES mid just before `ts`, estimated from the tape (every wallet's trades in either
   * outcome, YES-equivalent): the midrange of the last trades of earlier seconds within the hour.
   * Makers fill at the bid and the ask, takers walk from the touch, so the extremes of a short run
   * of trades bracket the mid. NaN when fewer than two such trades are known. Uses only trades
   * already observed, so a live re-score sees what a batch run saw at the same point.
   */
  midBefore(marketId: string, ts: number): number {
    const t = this.#tapes.get(marketId);
    if (!t) return Number.NaN;
    let lo = 1;
    let hi = 0;
    let k = 0;
    const scan = (tt: number, p: number) => {
      if (tt >= ts || tt < ts - TAPE_WINDOW_MS) return;
      k++;
      if (p < lo) lo = p;
      if (p > hi) hi = p;
    };
    for (let i = 0; i < t.n; i++) scan(t.ring[2 * i]!, t.ring[2 * i + 1]!);
    // A late event (older than the current second) may also see the pending second's trades.
    if (t.curTs < ts) for (const p of t.pending) scan(t.curTs, p);
    return k >= 2 ? (lo + hi) / 2 : Number.NaN;
  }

  /**
   * Asks for a fill's markouts: at each horizon, d·(price of the token's first trade at or after
   * fill time + horizon − fill price), size-weighted into the sink. Incremental (events arrive in
   * time order), so a live re-score sees the same markouts as a batch analysis.
   */
  watchMarkout(
    tokenId: string,
    ts: number,
    price: number,
    signedSize: number,
    sink: MarkoutSink,
    ref = Number.NaN,
  ): void {
    let queues = this.#markouts.get(tokenId);
    if (!queues) {
      queues = MARKOUT_HORIZONS_MS.map(() => ({ q: [], head: 0 }));
      this.#markouts.set(tokenId, queues);
    }
    const p = { ts, price, ref, signedSize, sink };
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
      // The move after the fill, from the mid before it: what information earns (or adverse selection costs).
      if (p.sink.move && Number.isFinite(p.ref)) {
        p.sink.move[2 * h]! += Math.abs(p.signedSize);
        p.sink.move[2 * h + 1]! += p.signedSize * (price - p.ref);
      }
    }
    mq.head = i;
    // Drop settled entries now and then so a long run does not keep every fill.
    if (i > 256 && i * 2 > q.length) {
      q.splice(0, i);
      mq.head = 0;
    }
  }
}
