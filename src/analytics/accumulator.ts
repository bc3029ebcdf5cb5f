/**
 * Incremental per-wallet state. Every leader event updates a few per-market aggregates in O(1)
 * (amortized); features, classification and quality are computed from these aggregates in
 * O(markets), so re-scoring a wallet after one new fill never re-reads its history. The batch path
 * (classify a file) feeds the same accumulators, so batch and live give the same answers.
 */
import { type LeaderEvent, type LeaderFill, WALLET_PAYMENT_TYPES } from "../domain/fill.ts";

const HOUR = 3_600_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

interface Lot {
  qty: number;
  price: number;
  ts: number;
}

/** FIFO lots of one token (array + head pointer; compacted when half consumed). */
class LotQueue {
  lots: Lot[] = [];
  head = 0;
  push(l: Lot): void {
    this.lots.push(l);
  }
  get open(): number {
    let s = 0;
    for (let i = this.head; i < this.lots.length; i++) s += this.lots[i]!.qty;
    return s;
  }
  /** Consumes up to qty shares, calling back per consumed piece. Returns the quantity consumed. */
  consume(qty: number, onPiece: (q: number, lot: Lot) => void): number {
    let left = qty;
    while (left > 1e-9 && this.head < this.lots.length) {
      const lot = this.lots[this.head]!;
      const q = Math.min(lot.qty, left);
      onPiece(q, lot);
      lot.qty -= q;
      left -= q;
      if (lot.qty <= 1e-9) this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.lots.length) {
      this.lots = this.lots.slice(this.head);
      this.head = 0;
    }
    return qty - left;
  }
}

/** Everything known about one wallet in one market (condition). */
export interface MarketAgg {
  marketId: string;
  tokenIds: [string, string];
  /** Shares bought / sold per outcome (0 = first outcome, 1 = the other). */
  buy: [number, number];
  sell: [number, number];
  fills: number;
  /** Fills that add YES-equivalent exposure (BUY first outcome or SELL the other). */
  upFills: number;
  /** Fills that reduced |YES-equivalent inventory|. */
  reducing: number;
  /** YES-equivalent inventory in shares (NO shares count as short YES). */
  inv: number;
  /** Sign changes of the inventory (position reversals). */
  reversals: number;
  vol: number;
  notional: number;
  merged: number;
  split: number;
  redeemed: number;
  /** Quantity-weighted holding statistics of closed lots. */
  closedQty: number;
  closedUnder1h: number;
  closedLogHours: number;
  /** Shares held to resolution (redeemed out of lots). */
  heldToEndQty: number;
  acquiredQty: number;
  /** Round-trip capture: Σ q·(sell − lot price) over lots closed by sells. */
  rtPnl: number;
  rtQty: number;
  /** Realized PnL: sells, merges and redemptions against the FIFO cost of the lots they close. */
  realized: number;
  /** Size-weighted markouts of this market's fills: [Σsize, Σ d·size·(later − fill price)] per horizon. */
  markout: Float64Array;
  /**
   * The move after each fill from the tape's mid before it, [Σsize, Σ d·size·(later − mid before)]
   * per horizon: informed traders gain it, adversely selected makers lose it.
   */
  move: Float64Array;
  /** Effective spread against the tape's mid before each fill: [Σsize, Σ d·size·(mid − price)]. Makers earn it, takers pay it. */
  spread: Float64Array;
  /** Cash flow and position per outcome, for PnL and edge. */
  cash: number;
  pos: [number, number];
  cost: [number, number];
  boughtQty: [number, number];
  /** Σ q·p and Σ q·p² of buys per outcome (edge, Brier). */
  buyQp: [number, number];
  buyQp2: [number, number];
  lastPrice: [number, number];
  firstTs: number;
  lastTs: number;
  lots: [LotQueue, LotQueue];
  /** Cached binomial balance verdict and the fill count it was computed at. */
  balanced: boolean;
  balancedAt: number;
}

function newAgg(marketId: string, ts: number): MarketAgg {
  return {
    marketId,
    tokenIds: ["", ""],
    buy: [0, 0],
    sell: [0, 0],
    fills: 0,
    upFills: 0,
    reducing: 0,
    inv: 0,
    reversals: 0,
    vol: 0,
    notional: 0,
    merged: 0,
    split: 0,
    redeemed: 0,
    closedQty: 0,
    closedUnder1h: 0,
    closedLogHours: 0,
    heldToEndQty: 0,
    acquiredQty: 0,
    rtPnl: 0,
    rtQty: 0,
    realized: 0,
    markout: new Float64Array(6),
    move: new Float64Array(6),
    spread: new Float64Array(2),
    cash: 0,
    pos: [0, 0],
    cost: [0, 0],
    boughtQty: [0, 0],
    buyQp: [0, 0],
    buyQp2: [0, 0],
    lastPrice: [Number.NaN, Number.NaN],
    firstTs: ts,
    lastTs: ts,
    lots: [new LotQueue(), new LotQueue()],
    balanced: false,
    balancedAt: -1,
  };
}

/** Prices seen across all wallets (last trade per token), used to mark positions. */
export interface PriceMarks {
  last(tokenId: string): number | undefined;
  watchMarkout?(
    tokenId: string,
    ts: number,
    price: number,
    signedSize: number,
    sink: MarkoutSink,
    ref?: number,
  ): void;
  /** The market's YES mid just before ts from the market-wide tape; NaN when unknown. */
  midBefore?(marketId: string, ts: number): number;
}

/** Where a fill's markouts land: [weight, value] per horizon (5 min, 1 h, 1 day). */
export interface MarkoutSink {
  markout: Float64Array;
  /** Same layout, measured from the mid before the fill instead of the fill price. */
  move?: Float64Array;
}

/**
 * Wallet-level payments on /activity with no market (`conditionId ""`): liquidity rewards (paid only
 * to resting orders near the midpoint), maker rebates (only for maker fills), taker rebates and
 * yield. Money in the wallet's PnL, and evidence of how it trades.
 */
export const INCOME_TYPES = ["REWARD", "MAKER_REBATE", "TAKER_REBATE", "YIELD"] as const;
export type IncomeType = (typeof INCOME_TYPES)[number];
const isIncome = (t: string): t is IncomeType => (WALLET_PAYMENT_TYPES as readonly string[]).includes(t);

export class WalletAccumulator {
  readonly wallet: string;
  readonly markets = new Map<string, MarketAgg>();
  fills = 0;
  events = 0;
  firstTs = Number.POSITIVE_INFINITY;
  lastTs = 0;
  readonly activeHours = new Set<number>();
  readonly hourOfDay = new Float64Array(24);
  gapSum = 0;
  gapSq = 0;
  gapN = 0;
  sizeSum = 0;
  sizeSq = 0;
  /** USD received per income type (REWARD, MAKER_REBATE, TAKER_REBATE, YIELD). */
  readonly income: Record<IncomeType, number> = { REWARD: 0, MAKER_REBATE: 0, TAKER_REBATE: 0, YIELD: 0 };
  /** The sum of `income`: cash in the wallet's equity. */
  incomeUsd = 0;
  /** Kept for reports: every wallet payment (rewards, rebates, yield). */
  get rewardUsd(): number {
    return this.incomeUsd;
  }
  /** Notional of fills whose maker/taker role is known, and of those where the wallet was maker. */
  roleKnownNotional = 0;
  makerNotional = 0;
  /** Net cash paid into positions so far, and its peak (the capital the wallet actually deployed). */
  deployed = 0;
  peakDeployed = 0;
  /** Buy quantity per 10¢ price bucket (for the same-bucket baseline edge). */
  readonly bucketQty = new Float64Array(10);
  /** Price-bucket histogram per week (style drift). */
  readonly weekHist = new Map<number, Float64Array>();
  /** Equity marks at the end of each active day: [dayIndex, equity]. */
  readonly dayEquity: [number, number][] = [];
  #curDay = -1;
  readonly #marks: PriceMarks | undefined;

  constructor(wallet: string, marks?: PriceMarks) {
    this.wallet = wallet;
    this.#marks = marks;
  }

  #agg(marketId: string, ts: number): MarketAgg {
    let a = this.markets.get(marketId);
    if (!a) {
      a = newAgg(marketId, ts);
      this.markets.set(marketId, a);
    }
    return a;
  }

  /** Mark-to-market equity now: Σ cash + positions at the last known price. */
  equity(): number {
    let eq = this.incomeUsd;
    for (const a of this.markets.values()) {
      eq += a.cash;
      for (let o = 0; o < 2; o++) {
        const p = a.pos[o]!;
        if (Math.abs(p) < 1e-9) continue;
        const m = this.#marks?.last(a.tokenIds[o]!) ?? a.lastPrice[o]!;
        eq += p * (Number.isFinite(m) ? m : a.cost[o]! / Math.max(1e-9, a.pos[o]!));
      }
    }
    return eq;
  }

  #rollDay(ts: number): void {
    const d = Math.floor(ts / DAY);
    if (this.#curDay === -1) this.#curDay = d;
    if (d > this.#curDay) {
      this.dayEquity.push([this.#curDay, this.equity()]);
      this.#curDay = d;
    }
  }

  /**
   * PnL per calendar day from the first active day to the last (equity marked at the end of each
   * active day; days without activity carry 0, since no mark was observed for them).
   */
  dailyPnl(): number[] {
    const marks: [number, number][] = [...this.dayEquity];
    if (this.#curDay !== -1) marks.push([this.#curDay, this.equity()]);
    if (marks.length === 0) return [];
    const first = marks[0]![0];
    const out = new Array<number>(marks[marks.length - 1]![0] - first + 1).fill(0);
    let prev = 0;
    for (const [d, eq] of marks) {
      out[d - first] = eq - prev;
      prev = eq;
    }
    return out;
  }

  add(e: LeaderEvent): void {
    this.events++;
    if (e.ts < this.firstTs) this.firstTs = e.ts;
    this.#rollDay(e.ts);
    const type: string = e.type;
    if (isIncome(type) && e.type !== "TRADE") {
      // Rewards, rebates and yield belong to no market (conditionId "" on the Data API): wallet
      // cash in its PnL, and classifier evidence; no market aggregate.
      if (e.ts > this.lastTs) this.lastTs = e.ts;
      const usd = e.usdcSize || e.size;
      this.income[type] += usd;
      this.incomeUsd += usd;
      return;
    }
    const a = this.#agg(e.marketId, e.ts);
    if (e.ts > a.lastTs) a.lastTs = e.ts;
    const cashBefore = a.cash;
    if (e.type !== "TRADE") {
      if (e.ts > this.lastTs) this.lastTs = e.ts;
      this.#activity(a, e.type, e.size, e.usdcSize, e.ts);
    } else {
      this.#trade(a, e);
    }
    this.deployed -= a.cash - cashBefore;
    if (this.deployed > this.peakDeployed) this.peakDeployed = this.deployed;
  }

  #trade(a: MarketAgg, e: LeaderFill): void {
    const o = e.outcomeIndex === 0 ? 0 : 1;
    a.tokenIds[o] = e.tokenId;
    const q = e.size;
    const p = e.price;
    this.fills++;
    a.fills++;
    a.vol += q;
    a.notional += q * p;
    a.lastPrice[o] = p;
    const d = e.side === "BUY" ? 1 : -1;
    const refYes = this.#marks?.midBefore?.(e.marketId, e.ts) ?? Number.NaN;
    const ref = o === 0 ? refYes : 1 - refYes;
    if (Number.isFinite(ref)) {
      a.spread[0]! += q;
      a.spread[1]! += d * q * (ref - p);
    }
    this.#marks?.watchMarkout?.(e.tokenId, e.ts, p, d * q, a, ref);
    if (e.role !== null) {
      this.roleKnownNotional += q * p;
      if (e.role === "maker") this.makerNotional += q * p;
    }
    this.sizeSum += q;
    this.sizeSq += q * q;
    const hour = Math.floor(e.ts / HOUR);
    this.activeHours.add(hour);
    this.hourOfDay[hour % 24]! += 1;
    if (this.lastTs > 0 && e.ts >= this.lastTs) {
      const g = (e.ts - this.lastTs) / 1000;
      this.gapSum += g;
      this.gapSq += g * g;
      this.gapN++;
    }
    if (e.ts > this.lastTs) this.lastTs = e.ts;
    const week = Math.floor(e.ts / WEEK);
    let wh = this.weekHist.get(week);
    if (!wh) {
      wh = new Float64Array(10);
      this.weekHist.set(week, wh);
    }
    const bucket = Math.min(9, Math.floor(p * 10));
    wh[bucket]! += 1;

    const up = (e.side === "BUY") === (o === 0);
    if (up) a.upFills++;
    const before = a.inv;
    a.inv += up ? q : -q;
    if (Math.abs(a.inv) < Math.abs(before) - 1e-9) a.reducing++;
    if ((before > 1e-9 && a.inv < -1e-9) || (before < -1e-9 && a.inv > 1e-9)) a.reversals++;

    if (e.side === "BUY") {
      a.buy[o]! += q;
      a.cash -= q * p;
      a.pos[o]! += q;
      a.cost[o]! += q * p;
      a.boughtQty[o]! += q;
      a.buyQp[o]! += q * p;
      a.buyQp2[o]! += q * p * p;
      a.acquiredQty += q;
      this.bucketQty[bucket]! += q;
      a.lots[o]!.push({ qty: q, price: p, ts: e.ts });
    } else {
      a.sell[o]! += q;
      a.cash += q * p;
      this.#reducePos(a, o, q);
      a.lots[o]!.consume(q, (pq, lot) => {
        this.#closeLot(a, pq, e.ts - lot.ts);
        a.rtPnl += pq * (p - lot.price);
        a.realized += pq * (p - lot.price);
        a.rtQty += pq;
      });
    }
  }

  #reducePos(a: MarketAgg, o: number, q: number): void {
    const pos = a.pos[o]!;
    if (pos > 1e-9) a.cost[o]! *= Math.max(0, pos - q) / pos;
    a.pos[o] = Math.max(0, pos - q);
  }

  #closeLot(a: MarketAgg, q: number, heldMs: number): void {
    a.closedQty += q;
    if (heldMs < HOUR) a.closedUnder1h += q;
    a.closedLogHours += q * Math.log1p(heldMs / HOUR);
  }

  /**
   * A merge settles complete sets. The exposure of a set ended when its second leg was bought (from
   * then on the wallet was flat), not when the merge was sent, so each set's holding time is the gap
   * between its two legs (paired FIFO), counted once. Timing the merge itself would measure how often
   * a wallet batches its merges, and would count the leg bought to close a position held for days
   * as a lot held for minutes.
   */
  #mergeLots(a: MarketAgg, size: number, ts: number): void {
    const legs: { q: number; ts: number }[][] = [[], []];
    for (let o = 0; o < 2; o++) {
      this.#reducePos(a, o, size);
      a.lots[o]!.consume(size, (q, lot) => {
        legs[o]!.push({ q, ts: lot.ts });
        a.realized -= q * lot.price;
      });
    }
    const [yes, no] = legs as [{ q: number; ts: number }[], { q: number; ts: number }[]];
    let i = 0;
    let j = 0;
    while (i < yes.length && j < no.length) {
      const y = yes[i]!;
      const n = no[j]!;
      const q = Math.min(y.q, n.q);
      this.#closeLot(a, q, Math.abs(y.ts - n.ts));
      y.q -= q;
      n.q -= q;
      if (y.q <= 1e-9) i++;
      if (n.q <= 1e-9) j++;
    }
    // Legs with no recorded twin (history that starts mid-position): held until the merge.
    for (const rest of [yes.slice(i), no.slice(j)])
      for (const l of rest) if (l.q > 1e-9) this.#closeLot(a, l.q, ts - l.ts);
  }

  #activity(a: MarketAgg, type: string, size: number, usd: number, ts: number): void {
    switch (type) {
      case "SPLIT":
        // $size of collateral becomes size YES + size NO.
        a.split += size;
        a.cash -= usd || size;
        for (let o = 0; o < 2; o++) {
          a.pos[o]! += size;
          a.cost[o]! += size / 2;
          a.lots[o]!.push({ qty: size, price: 0.5, ts });
        }
        a.acquiredQty += 2 * size;
        break;
      case "MERGE":
        a.merged += size;
        a.cash += usd || size;
        a.realized += usd || size;
        this.#mergeLots(a, size, ts);
        break;
      case "REDEEM":
        a.redeemed += size;
        a.cash += usd;
        a.realized += usd;
        for (let o = 0; o < 2; o++) {
          a.pos[o] = 0;
          a.cost[o] = 0;
          const lots = a.lots[o]!;
          lots.consume(Number.POSITIVE_INFINITY, (q, lot) => {
            this.#closeLot(a, q, ts - lot.ts);
            a.heldToEndQty += q;
            a.realized -= q * lot.price;
          });
        }
        break;
      default:
        // CONVERSION moves no cash here; wallet payments are booked in add().
        break;
    }
  }
}
