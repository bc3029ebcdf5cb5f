import { chainFillKey, type LeaderEvent, type NonTradeType, type Side } from "../domain/fill.ts";
import type { Rng } from "../domain/rng.ts";
import type { SimLabel } from "../domain/wallet.ts";
import { bookAt, type SimMarket, touchAt, yesMidAt } from "./markets.ts";

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
/**
 * Styles that break a classifier leaning on the short markout (issue 8): makers picked off by
 * informed flow, takers who buy just before news, one-sided resting-order accumulators (makers by
 * role, directional by intent), scalpers, DCA buyers, outcome switchers, and wallets with only
 * 15–40 fills. Only simulations that ask for them get them (`styles`), so the demo's stream is unchanged.
 */
export const NEW_MM_STYLES = ["adverse_maker", "thin_maker"] as const;
export const NEW_DIRECTIONAL_STYLES = [
  "news_sniper",
  "patient_accumulator",
  "scalper",
  "dca",
  "outcome_switcher",
  "thin_directional",
] as const;
export type Style =
  | (typeof MM_STYLES)[number]
  | (typeof DIRECTIONAL_STYLES)[number]
  | (typeof OTHER_STYLES)[number]
  | (typeof NEW_MM_STYLES)[number]
  | (typeof NEW_DIRECTIONAL_STYLES)[number];
export const ALL_STYLES: readonly Style[] = [...MM_STYLES, ...DIRECTIONAL_STYLES, ...OTHER_STYLES];
/** Every style, old and new: what the classifier is trained and evaluated on. */
export const EXTENDED_STYLES: readonly Style[] = [
  ...MM_STYLES,
  ...NEW_MM_STYLES,
  ...DIRECTIONAL_STYLES,
  ...NEW_DIRECTIONAL_STYLES,
  ...OTHER_STYLES,
];

export function labelOf(style: Style): SimLabel {
  if (
    (MM_STYLES as readonly string[]).includes(style) ||
    (NEW_MM_STYLES as readonly string[]).includes(style)
  )
    return "market_maker";
  if (
    (DIRECTIONAL_STYLES as readonly string[]).includes(style) ||
    (NEW_DIRECTIONAL_STYLES as readonly string[]).includes(style)
  )
    return "directional";
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
  /**
   * Real-shaped records (issue 8): a taker order that walks the book is one fill at the
   * volume-weighted average price (off the tick grid), rewards and rebates are paid as rows with
   * no market, and a redemption of losing tokens has size 0.
   */
  real: boolean;
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

/** A wallet-level payment (REWARD, MAKER_REBATE, TAKER_REBATE, YIELD): no market, as the API sends it. */
function emitIncome(c: AgentContext, type: NonTradeType, usd: number, ts: number): void {
  const amount = Math.round(usd * 1e6) / 1e6;
  if (!c.real || amount < 0.000001) return;
  const tx = `0x${c.rng.hex(32)}`;
  c.out.push({
    type,
    key: chainFillKey(tx, c.out.length % 500),
    wallet: c.wallet,
    marketId: "",
    size: amount,
    usdcSize: amount,
    ts: Math.floor(ts / 1000) * 1000,
    txHash: tx,
    source: "sim",
  });
}

/**
 * A taker order of `size` shares: at the touch, or (real-shaped) walking the simulated book, reported
 * as one fill at the volume-weighted average of the levels taken, like the Data API does.
 */
function takerPrice(
  c: AgentContext,
  m: SimMarket,
  outcome: number,
  side: Side,
  size: number,
  ts: number,
): number {
  const touch = touchAt(m, outcome, ts);
  if (!c.real) return side === "BUY" ? touch.ask : touch.bid;
  const book = bookAt(m, outcome, ts);
  const levels = side === "BUY" ? book.asks : book.bids;
  let left = size;
  let q = 0;
  let qp = 0;
  for (let i = 0; i < levels.length && left > 1e-9; i++) {
    const l = levels[i]!;
    const take = i === levels.length - 1 ? left : Math.min(left, l.size);
    q += take;
    qp += take * l.price;
    left -= take;
  }
  if (q <= 0) return side === "BUY" ? touch.ask : touch.bid;
  return Math.min(0.999, Math.max(0.001, qp / q));
}

/** Daily income of a maker: rewards for resting near the mid, rebates for its maker fills on fee markets. */
class MakerIncome {
  readonly #c: AgentContext;
  readonly #rewardPerDay: number;
  #day = -1;
  #rebate = 0;
  #quoted = false;
  constructor(c: AgentContext, rewardPerDay: number) {
    this.#c = c;
    this.#rewardPerDay = rewardPerDay;
  }
  fill(m: SimMarket, price: number, size: number, role: "maker" | "taker", ts: number): void {
    this.#roll(ts);
    this.#quoted = true;
    // Maker rebates: a share of the taker fee charged on the other side of the maker's fills.
    if (role === "maker") this.#rebate += 0.25 * m.market.fee.rate * size * price * (1 - price);
  }
  #roll(ts: number): void {
    const d = Math.floor(ts / DAY);
    if (d === this.#day) return;
    this.flush();
    this.#day = d;
  }
  flush(): void {
    if (this.#day < 0) return;
    const paidAt = (this.#day + 1) * DAY + this.#c.rng.range(0, 2) * HOUR;
    if (this.#quoted && this.#rewardPerDay > 0)
      emitIncome(this.#c, "REWARD", this.#rewardPerDay * Math.exp(this.#c.rng.normal() * 0.6), paidAt);
    if (this.#rebate > 0) emitIncome(this.#c, "MAKER_REBATE", this.#rebate, paidAt + 60_000);
    this.#rebate = 0;
    this.#quoted = false;
  }
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
    if (win + lose <= 0) continue;
    const at = m.endTs + c.rng.range(0.2, 24) * HOUR;
    if (!c.real) {
      emitActivity(c, m, "REDEEM", win + lose, win, at);
      continue;
    }
    // As the Data API reports it: winning tokens redeem for $1 each, losing ones in a REDEEM of size 0.
    if (win > 0) emitActivity(c, m, "REDEEM", win, win, at);
    if (lose > 0) emitActivity(c, m, "REDEEM", 0, 0, at + 1000);
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
  /** Share of fills that informed flow picks off: the maker's side is the one the next half hour moves against. */
  adverse: number;
  /** Liquidity rewards per active day (USD, real-shaped runs only); 0: none. */
  rewardPerDay: number;
}

function jitter(c: AgentContext, x: number, spread: number): number {
  return x * Math.exp(c.rng.normal() * spread * (0.3 + c.noise));
}

/** Two-sided quoting: fills at the touch as maker, side skewed against inventory. */
function runMaker(c: AgentContext, p: MakerParams): void {
  const book = new Book();
  const touched = new Set<SimMarket>();
  const inv = new Map<SimMarket, number>();
  const income = c.real ? new MakerIncome(c, p.singleBook ? p.rewardPerDay / 3 : p.rewardPerDay) : null;
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
        let wantLong = c.rng.chance(pBuyYesEq);
        // Picked off: takers who know where the price goes next trade against this maker's quote.
        if (p.adverse > 0 && c.rng.chance(p.adverse))
          wantLong = yesMidAt(m, t + 30 * 60_000) < yesMidAt(m, t);
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
        const role = c.rng.chance(0.93) ? "maker" : "taker";
        emitTrade(c, m, outcome, side, price, size, t, role);
        income?.fill(m, price, size, role, t);
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
  income?.flush();
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
  let spent = 0;
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
        const ask = takerPrice(c, m, outcome, "BUY", size, t);
        emitTrade(c, m, outcome, "BUY", ask, size, t, c.rng.chance(0.8) ? "taker" : "maker");
        spent += size * ask;
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
        const bid = takerPrice(c, m, outcome, "SELL", size, t);
        emitTrade(c, m, outcome, "SELL", bid, size, t, c.rng.chance(0.8) ? "taker" : "maker");
        book.add(token, -size);
        left = book.get(token);
        t += c.rng.exp(2 * HOUR);
      }
      t += c.rng.range(0.5, 3) * DAY;
    }
  }
  takerIncome(c, spent);
  redeemAll(c, book, touched);
}

/**
 * What a directional wallet is paid besides trading (real-shaped runs): some receive taker rebates
 * from a fee program, some holding yield on positions; weekly rows with no market.
 */
function takerIncome(c: AgentContext, spent: number): void {
  if (!c.real || spent <= 0) return;
  const weeks = Math.max(1, Math.floor((c.endTs - c.startTs) / (7 * DAY)));
  const rebates = c.rng.chance(0.2);
  const yieldy = c.rng.chance(0.25);
  for (let w = 1; w <= weeks; w++) {
    const ts = c.startTs + w * 7 * DAY - c.rng.range(1, 20) * HOUR;
    if (rebates)
      emitIncome(c, "TAKER_REBATE" as NonTradeType, (spent / weeks) * 0.0005 * c.rng.range(0.5, 1.5), ts);
    if (yieldy)
      emitIncome(c, "YIELD" as NonTradeType, (spent / weeks) * 0.0008 * c.rng.range(0.5, 1.5), ts + 60_000);
  }
}

/** Buys the outcome news is about to favour minutes before the jump, as taker; sells later or holds. */
function runNewsSniper(c: AgentContext): void {
  const book = new Book();
  const touched = new Set<SimMarket>();
  const react = c.rng.range(0.4, 0.9);
  const lead = c.rng.range(1, 8) * 60_000;
  const usd = jitter(c, c.shifted ? 500 : 250, 0.6);
  const candidates = c.markets.filter((m) => m.jumps.some((j) => Math.abs(j.dx) > 0.35));
  const mine = candidates.filter(() => c.rng.chance(0.5));
  let spent = 0;
  for (const m of mine) {
    for (const j of m.jumps) {
      if (Math.abs(j.dx) <= 0.35 || !c.rng.chance(react)) continue;
      const t = j.ts - c.rng.exp(lead);
      if (t < c.startTs || t >= c.endTs || t < m.startTs || t > m.endTs - 2 * HOUR) continue;
      touched.add(m);
      const outcome = j.dx > 0 ? 0 : 1;
      const token = m.market.outcomes[outcome]!.tokenId;
      const mid = outcome === 0 ? yesMidAt(m, t) : 1 - yesMidAt(m, t);
      const size = shares(c.rng.lognormal(usd / Math.max(0.05, mid), 0.7));
      const price = takerPrice(c, m, outcome, "BUY", size, t);
      emitTrade(c, m, outcome, "BUY", price, size, t, "taker");
      book.add(token, size);
      spent += size * price;
      // Take the profit once the news is priced in (some hold to resolution).
      if (c.rng.chance(0.6)) {
        const te = j.ts + c.rng.range(0.3, 12) * HOUR;
        const held = book.get(token);
        if (te < m.endTs - HOUR && te < c.endTs && held >= 5) {
          const q = shares(held * c.rng.range(0.5, 1));
          emitTrade(c, m, outcome, "SELL", takerPrice(c, m, outcome, "SELL", q, te), q, te, "taker");
          book.add(token, -q);
        }
      }
    }
  }
  takerIncome(c, spent);
  redeemAll(c, book, touched);
}

/**
 * Rests bids on the outcome it believes in and is filled as maker over days, one side only, then
 * holds to resolution: maker by role, directional by intent. Some earn (one-sided) liquidity rewards.
 */
function runPatientAccumulator(c: AgentContext): void {
  const book = new Book();
  const touched = new Set<SimMarket>();
  const rewarded = c.rng.chance(0.5);
  const income = c.real ? new MakerIncome(c, rewarded ? jitter(c, 0.6, 0.6) : 0) : null;
  const n = c.rng.int(2, 8);
  const accuracy = c.rng.range(0.55, 0.8);
  for (let k = 0; k < n; k++) {
    const start = c.startTs + c.rng.range(0, 0.8) * (c.endTs - c.startTs);
    const open = openMarkets(c, start, 3 * DAY);
    if (open.length === 0) continue;
    const m = c.rng.pick(open);
    touched.add(m);
    const outcome = c.rng.chance(accuracy) ? m.winner : 1 - m.winner;
    const target = jitter(c, 3000, 0.6);
    const perFill = jitter(c, 60, 0.5);
    let got = 0;
    let t = start;
    const rate = jitter(c, 0.5, 0.5); // fills per hour while the bid rests
    while (got < target && t < m.endTs - 2 * HOUR && t < c.endTs) {
      t += c.rng.exp(HOUR / rate);
      if (t >= m.endTs - 2 * HOUR || t >= c.endTs) break;
      const size = shares(c.rng.lognormal(perFill, 0.5));
      const { bid } = touchAt(m, outcome, t);
      emitTrade(c, m, outcome, "BUY", bid, size, t, "maker");
      income?.fill(m, bid, size, "maker", t);
      book.add(m.market.outcomes[outcome]!.tokenId, size);
      got += size * bid;
    }
  }
  income?.flush();
  redeemAll(c, book, touched);
}

/** Round trips within minutes to an hour as taker on a few markets, in sessions. */
function runScalper(c: AgentContext): void {
  const book = new Book();
  const touched = new Set<SimMarket>();
  const sessions = c.rng.int(6, 20);
  const usd = jitter(c, 150, 0.6);
  const holdMin = c.rng.range(3, 40);
  let spent = 0;
  for (let s = 0; s < sessions; s++) {
    let t = c.startTs + c.rng.range(0, 0.95) * (c.endTs - c.startTs);
    const open = openMarkets(c, t, 12 * HOUR);
    if (open.length === 0) continue;
    const m = c.rng.pick(open);
    touched.add(m);
    const trips = c.rng.int(2, 6);
    for (let k = 0; k < trips && t < m.endTs - 2 * HOUR; k++) {
      const up = yesMidAt(m, t) >= yesMidAt(m, t - 30 * 60_000);
      const outcome = c.rng.chance(0.7) === up ? 0 : 1;
      const token = m.market.outcomes[outcome]!.tokenId;
      const mid = outcome === 0 ? yesMidAt(m, t) : 1 - yesMidAt(m, t);
      const size = shares(usd / Math.max(0.05, mid));
      const pb = takerPrice(c, m, outcome, "BUY", size, t);
      emitTrade(c, m, outcome, "BUY", pb, size, t, "taker");
      spent += size * pb;
      book.add(token, size);
      t += c.rng.exp(holdMin * 60_000);
      emitTrade(c, m, outcome, "SELL", takerPrice(c, m, outcome, "SELL", size, t), size, t, "taker");
      book.add(token, -size);
      t += c.rng.exp(holdMin * 60_000);
    }
  }
  takerIncome(c, spent);
  redeemAll(c, book, touched);
}

/** Buys the same outcome on a schedule in one to three markets and holds. */
function runDca(c: AgentContext): void {
  const book = new Book();
  const touched = new Set<SimMarket>();
  const k = c.rng.int(1, 3);
  let spent = 0;
  for (let i = 0; i < k; i++) {
    let t = c.startTs + c.rng.range(0, 0.3) * (c.endTs - c.startTs);
    const open = openMarkets(c, t, 10 * DAY);
    if (open.length === 0) continue;
    const m = c.rng.pick(open);
    touched.add(m);
    const outcome = c.rng.chance(0.5) ? 0 : 1;
    const usd = jitter(c, 50, 0.5);
    const every = c.rng.range(0.3, 2) * DAY;
    const limit = c.rng.chance(0.3);
    while (t < m.endTs - 2 * HOUR && t < c.endTs) {
      const mid = outcome === 0 ? yesMidAt(m, t) : 1 - yesMidAt(m, t);
      const size = shares(usd / Math.max(0.05, mid));
      const price = limit ? touchAt(m, outcome, t).bid : takerPrice(c, m, outcome, "BUY", size, t);
      emitTrade(c, m, outcome, "BUY", price, size, t, limit ? "maker" : "taker");
      spent += size * price;
      book.add(m.market.outcomes[outcome]!.tokenId, size);
      t += every * c.rng.range(0.7, 1.3);
    }
  }
  takerIncome(c, spent);
  redeemAll(c, book, touched);
}

/** Takes a view, then changes its mind: sells (or keeps) the first outcome and buys the other. */
function runOutcomeSwitcher(c: AgentContext): void {
  const book = new Book();
  const touched = new Set<SimMarket>();
  const n = Math.max(2, Math.round(jitter(c, 8, 0.4)));
  const usd = jitter(c, 200, 0.6);
  let spent = 0;
  for (let i = 0; i < n; i++) {
    let t = c.startTs + c.rng.range(0, 0.9) * (c.endTs - c.startTs);
    const open = openMarkets(c, t, 2 * DAY);
    if (open.length === 0) continue;
    const m = c.rng.pick(open);
    touched.add(m);
    let outcome = c.rng.chance(0.5) ? 0 : 1;
    const switches = c.rng.int(1, 3);
    for (let s = 0; s <= switches && t < m.endTs - 2 * HOUR; s++) {
      const token = m.market.outcomes[outcome]!.tokenId;
      const mid = outcome === 0 ? yesMidAt(m, t) : 1 - yesMidAt(m, t);
      const size = shares(c.rng.lognormal(usd / Math.max(0.05, mid), 0.5));
      const pb = takerPrice(c, m, outcome, "BUY", size, t);
      emitTrade(c, m, outcome, "BUY", pb, size, t, "taker");
      spent += size * pb;
      book.add(token, size);
      t += c.rng.range(0.3, 4) * DAY;
      if (s === switches || t >= m.endTs - 2 * HOUR) break;
      // Changes its mind: most sell the old side first, some just buy the other outcome.
      if (c.rng.chance(0.7)) {
        const held = book.get(token);
        emitTrade(c, m, outcome, "SELL", takerPrice(c, m, outcome, "SELL", held, t), held, t, "taker");
        book.add(token, -held);
      }
      outcome = 1 - outcome;
      t += c.rng.range(1, 30) * 60_000;
    }
  }
  takerIncome(c, spent);
  redeemAll(c, book, touched);
}

/** A wallet seen only briefly: the first 15–40 fills of a wallet of `base` style (and what came with them). */
function runThin(c: AgentContext, base: Style): void {
  const sub: LeaderEvent[] = [];
  // Starts at a random point so thin wallets are not all early ones.
  const startTs = c.startTs + c.rng.range(0, 0.6) * (c.endTs - c.startTs);
  runAgent(base, { ...c, startTs, out: sub });
  sub.sort((a, b) => a.ts - b.ts);
  const keep = c.rng.int(15, 40);
  let trades = 0;
  let until = Number.POSITIVE_INFINITY;
  for (const e of sub) {
    if (e.type === "TRADE" && ++trades === keep) {
      until = e.ts;
      break;
    }
  }
  const markets = new Set(sub.filter((e) => e.type === "TRADE" && e.ts <= until).map((e) => e.marketId));
  for (const e of sub) {
    // Its income and redemptions still arrive for the markets it traded.
    if (e.ts <= until || (e.type !== "TRADE" && (e.marketId === "" || markets.has(e.marketId)))) {
      if (e.type === "TRADE" || e.ts <= until + 2 * DAY || e.type === "REDEEM") c.out.push(e);
    }
  }
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
    adverse: 0,
    rewardPerDay: c.real && c.rng.chance(0.7) ? jitter(c, 2, 0.8) : 0,
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
    case "adverse_maker":
      return runMaker(c, maker({ adverse: r(0.5, 0.9), fillsPerHour: jitter(c, s ? 2 : 3, 0.5) }));
    case "thin_maker":
      return runThin(c, c.rng.pick(["quoter", "lp_both_sides", "merge_split", "adverse_maker"] as const));
    case "news_sniper":
      return runNewsSniper(c);
    case "patient_accumulator":
      return runPatientAccumulator(c);
    case "scalper":
      return runScalper(c);
    case "dca":
      return runDca(c);
    case "outcome_switcher":
      return runOutcomeSwitcher(c);
    case "thin_directional":
      return runThin(
        c,
        c.rng.pick([
          "informed",
          "momentum",
          "swing",
          "frequent_directional",
          "news_sniper",
          "scalper",
        ] as const),
      );
    case "arbitrageur":
      return runArbitrageur(c);
    case "wash":
      return runWash(c);
  }
}
