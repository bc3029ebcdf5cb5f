import { chainFillKey, type LeaderEvent, type NonTradeType, type Side } from "../domain/fill.ts";
import type { Rng } from "../domain/rng.ts";
import type { SimLabel } from "../domain/wallet.ts";
import { type SimMarket, touchAt, yesMidAt } from "./markets.ts";

export const MM_STYLES = [
  "quoter",
  "lp_both_sides",
  "merge_split",
  "many_markets",
  "slow_maker",
  "lean_maker",
] as const;
export const DIRECTIONAL_STYLES = [
  "informed",
  "uninformed",
  "whale",
  "momentum",
  "swing",
  "frequent_directional",
] as const;
export const OTHER_STYLES = ["arbitrageur", "wash"] as const;
export type Style =
  | (typeof MM_STYLES)[number]
  | (typeof DIRECTIONAL_STYLES)[number]
  | (typeof OTHER_STYLES)[number];
export const ALL_STYLES: readonly Style[] = [...MM_STYLES, ...DIRECTIONAL_STYLES, ...OTHER_STYLES];

export function labelOf(style: Style): SimLabel {
  if ((MM_STYLES as readonly string[]).includes(style)) return "market_maker";
  if ((DIRECTIONAL_STYLES as readonly string[]).includes(style)) return "directional";
  return style === "arbitrageur" ? "arbitrageur" : "wash";
}

export interface AgentContext {
  rng: Rng;
  wallet: string;
  markets: readonly SimMarket[];
  startTs: number;
  endTs: number;
  /** 0 = clean styles; 1 = parameters spread wide so styles overlap. */
  noise: number;
  /** Multiplier family for holdout data: "shifted" moves rates, sizes and holding times. */
  shifted: boolean;
  out: LeaderEvent[];
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Tracks one wallet's token holdings so sells never exceed what it holds. */
class Book {
  readonly held = new Map<string, number>();
  get(token: string): number {
    return this.held.get(token) ?? 0;
  }
  add(token: string, q: number): void {
    this.held.set(token, Math.max(0, Math.round((this.get(token) + q) * 100) / 100));
  }
}

function shares(x: number): number {
  return Math.max(5, Math.round(x * 100) / 100);
}

function emitTrade(
  c: AgentContext,
  m: SimMarket,
  outcome: number,
  side: Side,
  price: number,
  size: number,
  ts: number,
  role: "maker" | "taker",
): void {
  const tx = `0x${c.rng.hex(32)}`;
  c.out.push({
    type: "TRADE",
    key: chainFillKey(tx, c.out.length % 500),
    wallet: c.wallet,
    marketId: m.market.id,
    tokenId: m.market.outcomes[outcome]!.tokenId,
    outcomeIndex: outcome,
    side,
    price,
    size,
    ts: Math.floor(ts / 1000) * 1000,
    role,
    txHash: tx,
    source: "sim",
  });
}

function emitActivity(
  c: AgentContext,
  m: SimMarket,
  type: NonTradeType,
  size: number,
  usdc: number,
  ts: number,
): void {
  const tx = `0x${c.rng.hex(32)}`;
  c.out.push({
    type,
    key: chainFillKey(tx, c.out.length % 500),
    wallet: c.wallet,
    marketId: m.market.id,
    size: Math.round(size * 100) / 100,
    usdcSize: Math.round(usdc * 100) / 100,
    ts: Math.floor(ts / 1000) * 1000,
    txHash: tx,
    source: "sim",
  });
}

function openMarkets(c: AgentContext, ts: number, minLeft = 2 * HOUR): SimMarket[] {
  return c.markets.filter((m) => m.startTs <= ts && m.endTs - ts > minLeft);
}

/** Redeems whatever the wallet still holds in markets that resolved. */
function redeemAll(c: AgentContext, book: Book, touched: Set<SimMarket>): void {
  for (const m of touched) {
    if (m.endTs > c.endTs) continue;
    const win = book.get(m.market.outcomes[m.winner]!.tokenId);
    const lose = book.get(m.market.outcomes[1 - m.winner]!.tokenId);
    if (win + lose > 0) emitActivity(c, m, "REDEEM", win + lose, win, m.endTs + c.rng.range(0.2, 24) * HOUR);
  }
}

interface MakerParams {
  marketsAtOnce: number;
  fillsPerHour: number;
  hoursPerDay: number;
  daysActiveShare: number;
  invScale: number;
  lean: number;
  otherOutcomeShare: number;
  mergeSplit: boolean;
  medianSize: number;
  stickyDays: number;
  /** A maker quoting one book only: when it holds nothing to sell it skips the ask instead of buying the other outcome. */
  singleBook: boolean;
}

function jitter(c: AgentContext, x: number, spread: number): number {
  return x * Math.exp(c.rng.normal() * spread * (0.3 + c.noise));
}

/** Two-sided quoting: fills at the touch as maker, side skewed against inventory. */
function runMaker(c: AgentContext, p: MakerParams): void {
  const book = new Book();
  const touched = new Set<SimMarket>();
  const inv = new Map<SimMarket, number>();
  let chosen: SimMarket[] = [];
  let nextReselect = c.startTs;
  for (let day = c.startTs; day < c.endTs; day += DAY) {
    if (!c.rng.chance(p.daysActiveShare)) continue;
    if (day >= nextReselect || chosen.some((m) => m.endTs - day < 6 * HOUR)) {
      const open = openMarkets(c, day, 12 * HOUR);
      chosen = [];
      for (let k = 0; k < p.marketsAtOnce && open.length > 0; k++) chosen.push(c.rng.pick(open));
      nextReselect = day + p.stickyDays * DAY;
    }
    if (chosen.length === 0) continue;
    const from = day + c.rng.range(0, 24 - p.hoursPerDay) * HOUR;
    const until = from + p.hoursPerDay * HOUR;
    let t = from + c.rng.exp(HOUR / p.fillsPerHour);
    while (t < until && t < c.endTs) {
      const m = c.rng.pick(chosen);
      if (t >= m.startTs && t < m.endTs - HOUR) {
        touched.add(m);
        const x = inv.get(m) ?? 0;
        const leanSign = m.winner === 0 ? 1 : -1;
        const pBuyYesEq = 1 / (1 + Math.exp(x / p.invScale - p.lean * leanSign));
        const wantLong = c.rng.chance(pBuyYesEq);
        const size = shares(c.rng.lognormal(p.medianSize, 0.5));
        const useOther = c.rng.chance(p.otherOutcomeShare);
        // YES-equivalent long = buy YES or sell NO; short = sell YES or buy NO.
        let outcome = useOther ? 1 : 0;
        let side: Side = (outcome === 0) === wantLong ? "BUY" : "SELL";
        const token = (o: number) => m.market.outcomes[o]!.tokenId;
        if (side === "SELL" && book.get(token(outcome)) < size) {
          if (p.mergeSplit && c.rng.chance(0.5)) {
            const amt = shares(size * c.rng.range(2, 6));
            emitActivity(c, m, "SPLIT", amt, amt, t - 2000);
            book.add(token(0), amt);
            book.add(token(1), amt);
          } else if (p.singleBook) {
            t += c.rng.exp(HOUR / p.fillsPerHour);
            continue;
          } else {
            outcome = 1 - outcome;
            side = "BUY";
          }
        }
        const { bid, ask } = touchAt(m, outcome, t);
        const price = side === "BUY" ? bid : ask;
        emitTrade(c, m, outcome, side, price, size, t, c.rng.chance(0.93) ? "maker" : "taker");
        book.add(token(outcome), side === "BUY" ? size : -size);
        const delta = (outcome === 0 ? 1 : -1) * (side === "BUY" ? 1 : -1) * size;
        inv.set(m, x + delta);
        if (p.mergeSplit) {
          const both = Math.min(book.get(token(0)), book.get(token(1)));
          if (both > p.medianSize * 4) {
            emitActivity(c, m, "MERGE", both, both, t + 5000);
            book.add(token(0), -both);
            book.add(token(1), -both);
          }
        }
      }
      t += c.rng.exp(HOUR / p.fillsPerHour);
    }
  }
  redeemAll(c, book, touched);
}

interface DirectionalParams {
  positionsPerMonth: number;
  accuracy: number;
  medianSize: number;
  chunks: [number, number];
  chunkGapHours: number;
  holdToResolution: number;
  holdDays: [number, number];
  roundTrips: number;
  momentum: boolean;
}

/** Takes a view: enters as taker in chunks, holds, exits before or at resolution. */
function runDirectional(c: AgentContext, p: DirectionalParams): void {
  const book = new Book();
  const touched = new Set<SimMarket>();
  const months = (c.endTs - c.startTs) / (30 * DAY);
  const n = Math.max(1, Math.round(p.positionsPerMonth * months * c.rng.range(0.7, 1.3)));
  for (let k = 0; k < n; k++) {
    let t = c.startTs + c.rng.range(0, 0.95) * (c.endTs - c.startTs);
    const open = openMarkets(c, t, 12 * HOUR);
    if (open.length === 0) continue;
    const m = c.rng.pick(open);
    touched.add(m);
    for (let trip = 0; trip < p.roundTrips && t < m.endTs - 6 * HOUR; trip++) {
      let outcome: number;
      if (p.momentum) {
        const now = yesMidAt(m, t);
        const before = yesMidAt(m, t - 6 * HOUR);
        outcome = now >= before ? 0 : 1;
      } else {
        outcome = c.rng.chance(p.accuracy) ? m.winner : 1 - m.winner;
      }
      const token = m.market.outcomes[outcome]!.tokenId;
      const chunks = c.rng.int(p.chunks[0], p.chunks[1]);
      let bought = 0;
      for (let j = 0; j < chunks && t < m.endTs - 2 * HOUR; j++) {
        const size = shares(c.rng.lognormal(p.medianSize / chunks, 0.6));
        const { ask } = touchAt(m, outcome, t);
        emitTrade(c, m, outcome, "BUY", ask, size, t, c.rng.chance(0.8) ? "taker" : "maker");
        book.add(token, size);
        bought += size;
        t += c.rng.exp(p.chunkGapHours * HOUR);
      }
      if (bought === 0) break;
      if (c.rng.chance(p.holdToResolution) && trip === p.roundTrips - 1) break;
      t += c.rng.range(p.holdDays[0], p.holdDays[1]) * DAY;
      if (t >= m.endTs - HOUR) break;
      // Exit: sell what was bought, in one or two pieces, as taker at the bid.
      let left = book.get(token);
      const pieces = c.rng.int(1, 2);
      for (let j = 0; j < pieces && left >= 5; j++) {
        const size = j === pieces - 1 ? left : shares(left / 2);
        const { bid } = touchAt(m, outcome, t);
        emitTrade(c, m, outcome, "SELL", bid, size, t, c.rng.chance(0.8) ? "taker" : "maker");
        book.add(token, -size);
        left = book.get(token);
        t += c.rng.exp(2 * HOUR);
      }
      t += c.rng.range(0.5, 3) * DAY;
    }
  }
  redeemAll(c, book, touched);
}

function runArbitrageur(c: AgentContext): void {
  const book = new Book();
  const touched = new Set<SimMarket>();
  const perDay = jitter(c, 3, 0.5);
  for (let t = c.startTs + c.rng.exp(DAY / perDay); t < c.endTs; t += c.rng.exp(DAY / perDay)) {
    const open = openMarkets(c, t);
    if (open.length === 0) continue;
    const m = c.rng.pick(open);
    touched.add(m);
    const size = shares(c.rng.lognormal(300, 0.5));
    // A momentary mispricing: both outcomes bought as taker for a combined price just under 1.
    const yes = touchAt(m, 0, t).ask;
    const tick = m.market.tickSize;
    const no = Math.max(tick, Math.round((1 - yes - tick * c.rng.int(1, 3)) / tick) * tick);
    emitTrade(c, m, 0, "BUY", yes, size, t, "taker");
    emitTrade(c, m, 1, "BUY", Number(no.toFixed(3)), size, t + 1000, "taker");
    emitActivity(c, m, "MERGE", size, size, t + c.rng.range(1, 30) * 60_000);
  }
  redeemAll(c, book, touched);
}

function runWash(c: AgentContext): void {
  const perDay = jitter(c, 6, 0.5);
  const markets = [c.rng.pick(c.markets), c.rng.pick(c.markets)];
  for (let t = c.startTs + c.rng.exp(DAY / perDay); t < c.endTs; t += c.rng.exp(DAY / perDay)) {
    const m = c.rng.pick(markets);
    if (t < m.startTs || t > m.endTs - HOUR) continue;
    const { bid } = touchAt(m, 0, t);
    const size = shares(c.rng.lognormal(500, 0.3));
    // Self-matching round trip: same size, same price, seconds apart.
    emitTrade(c, m, 0, "BUY", bid, size, t, "taker");
    emitTrade(c, m, 0, "SELL", bid, size, t + c.rng.int(2, 60) * 1000, "maker");
  }
}

/** Runs one wallet of `style`, appending its events to `c.out`. */
export function runAgent(style: Style, c: AgentContext) {
  const s = c.shifted;
  const r = (lo: number, hi: number) => c.rng.range(lo, hi);
  const maker = (over: Partial<MakerParams>): MakerParams => ({
    marketsAtOnce: Math.round(jitter(c, 4, 0.4)),
    fillsPerHour: jitter(c, s ? 1.8 : 3, 0.5),
    hoursPerDay: r(4, 14),
    daysActiveShare: r(0.5, 0.95),
    invScale: jitter(c, s ? 250 : 150, 0.5),
    lean: 0,
    otherOutcomeShare: r(0.05, 0.3),
    mergeSplit: false,
    medianSize: jitter(c, s ? 120 : 60, 0.6),
    stickyDays: r(2, 10),
    singleBook: false,
    ...over,
  });
  const dir = (over: Partial<DirectionalParams>): DirectionalParams => ({
    positionsPerMonth: jitter(c, s ? 8 : 12, 0.5),
    accuracy: r(0.6, 0.8),
    medianSize: jitter(c, s ? 600 : 300, 0.7),
    chunks: [1, 3],
    chunkGapHours: s ? 4 : 2,
    holdToResolution: 0.6,
    holdDays: s ? [2, 10] : [1, 6],
    roundTrips: 1,
    momentum: false,
    ...over,
  });
  switch (style) {
    case "quoter":
      // Some quoters work a single book (buy at the bid, sell inventory at the ask), as many
      // Polymarket makers do; the rest also quote the complement token.
      return runMaker(c, c.rng.chance(0.4) ? maker({ singleBook: true, otherOutcomeShare: 0 }) : maker({}));
    case "lp_both_sides":
      return runMaker(c, maker({ otherOutcomeShare: r(0.4, 0.6) }));
    case "merge_split":
      return runMaker(c, maker({ mergeSplit: true, otherOutcomeShare: r(0.3, 0.5) }));
    case "many_markets":
      return runMaker(
        c,
        maker({ marketsAtOnce: Math.round(jitter(c, 25, 0.3)), fillsPerHour: jitter(c, 6, 0.4) }),
      );
    case "slow_maker":
      return runMaker(
        c,
        maker({
          fillsPerHour: jitter(c, s ? 0.4 : 0.6, 0.4),
          invScale: jitter(c, 600, 0.4),
          stickyDays: r(7, 20),
        }),
      );
    case "lean_maker":
      return runMaker(c, maker({ lean: r(0.4, 0.9) }));
    case "informed":
      return runDirectional(c, dir({ accuracy: r(0.7, 0.85) }));
    case "uninformed":
      return runDirectional(c, dir({ accuracy: 0.5 }));
    case "whale":
      return runDirectional(
        c,
        dir({
          positionsPerMonth: jitter(c, 3, 0.4),
          medianSize: jitter(c, 6000, 0.6),
          chunks: [3, 8],
          holdToResolution: 0.95,
        }),
      );
    case "momentum":
      return runDirectional(c, dir({ momentum: true, holdToResolution: 0.2, holdDays: [0.3, 3] }));
    case "swing":
      return runDirectional(c, dir({ roundTrips: c.rng.int(2, 4), holdToResolution: 0.1, holdDays: [1, 5] }));
    case "frequent_directional":
      return runDirectional(
        c,
        dir({
          positionsPerMonth: jitter(c, 25, 0.4),
          chunks: [8, 30],
          chunkGapHours: 0.5,
          holdToResolution: 0.7,
        }),
      );
    case "arbitrageur":
      return runArbitrageur(c);
    case "wash":
      return runWash(c);
  }
}
