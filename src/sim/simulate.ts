import type { OrderBook } from "../domain/book.ts";
import { PolycopyError } from "../domain/errors.ts";
import type { LeaderEvent } from "../domain/fill.ts";
import type { Market } from "../domain/market.ts";
import { Rng } from "../domain/rng.ts";
import type { SimLabel } from "../domain/wallet.ts";
import { ALL_STYLES, EXTENDED_STYLES, labelOf, runAgent, type Style } from "./agents.ts";
import { bookAt, generateMarkets, type SimMarket, yesMidAt } from "./markets.ts";

export interface SimParams {
  seed: number;
  days: number;
  walletsPerStyle: number;
  markets: number;
  /** 0..1: how widely wallet parameters spread (more overlap between styles). */
  noise: number;
  regime: "base" | "shifted";
  /** ms epoch of day 0 (default 2026-01-01). */
  startTs: number;
  /** Restrict to some styles (default: ALL_STYLES, or EXTENDED_STYLES when real-shaped). */
  styles?: readonly Style[];
  /**
   * Real-shaped records as the Data API sends them (issue 8): takers' average prices off the tick
   * grid, reward/rebate/yield rows with no market, zero-size redemptions of losing tokens; the
   * activity file newest first with duplicated rows. Off by default so existing streams keep their bytes.
   */
  real?: boolean;
}

export const DEFAULT_SIM_PARAMS: SimParams = {
  seed: 7,
  days: 90,
  walletsPerStyle: 22,
  markets: 160,
  noise: 0.5,
  regime: "base",
  startTs: Date.UTC(2026, 0, 1),
};

export interface SimLabelRow {
  wallet: string;
  label: SimLabel;
  style: Style;
}

export interface SimResult {
  params: SimParams;
  markets: Market[];
  /** Sorted by ts, then key. */
  events: LeaderEvent[];
  labels: SimLabelRow[];
  resolutions: Map<string, { winnerIndex: number; ts: number }>;
  bookAt(tokenId: string, ts: number): OrderBook;
  midAt(tokenId: string, ts: number): number;
  /** The simulator's internal market (latent path, winner) for a market id. */
  simMarket(marketId: string): SimMarket | undefined;
}

export function validateSimParams(p: SimParams): SimParams {
  const bad = (msg: string) => new PolycopyError("CLI_INVALID", msg, { userFacing: true });
  if (!Number.isSafeInteger(p.seed) || p.seed < 0)
    throw bad(`--seed must be a non-negative integer, got ${p.seed}`);
  if (!Number.isInteger(p.days) || p.days < 1 || p.days > 3650)
    throw bad(`--days must be an integer 1..3650, got ${p.days}`);
  if (!Number.isInteger(p.walletsPerStyle) || p.walletsPerStyle < 1 || p.walletsPerStyle > 10_000) {
    throw bad(`--wallets-per-style must be an integer 1..10000, got ${p.walletsPerStyle}`);
  }
  if (!Number.isInteger(p.markets) || p.markets < 2 || p.markets > 100_000) {
    throw bad(`--markets must be an integer 2..100000, got ${p.markets}`);
  }
  if (!Number.isFinite(p.noise) || p.noise < 0 || p.noise > 1)
    throw bad(`--noise must be between 0 and 1, got ${p.noise}`);
  if (p.regime !== "base" && p.regime !== "shifted")
    throw bad(`--regime must be base or shifted, got ${p.regime}`);
  return p;
}

/** Runs the whole simulation in memory. Same params ⇒ identical result. */
export function simulate(input: Partial<SimParams> = {}): SimResult {
  const params = validateSimParams({ ...DEFAULT_SIM_PARAMS, ...input });
  const endTs = params.startTs + params.days * 86_400_000;
  const sims = generateMarkets({
    seed: params.seed,
    startTs: params.startTs,
    days: params.days,
    markets: params.markets,
    negRiskShare: 0.25,
  });
  const byToken = new Map<string, { m: SimMarket; outcome: number }>();
  const byId = new Map<string, SimMarket>();
  for (const m of sims) {
    byId.set(m.market.id, m);
    for (const [i, o] of m.market.outcomes.entries()) byToken.set(o.tokenId, { m, outcome: i });
  }
  const events: LeaderEvent[] = [];
  const labels: SimLabelRow[] = [];
  const real = params.real === true;
  const styles = params.styles ?? (real ? EXTENDED_STYLES : ALL_STYLES);
  const addrRng = Rng.derive(params.seed, "wallets");
  for (const style of styles) {
    for (let i = 0; i < params.walletsPerStyle; i++) {
      const wallet = `0x${addrRng.hex(20)}`;
      labels.push({ wallet, label: labelOf(style), style });
      runAgent(style, {
        rng: Rng.derive(params.seed, `${style}:${i}`),
        wallet,
        markets: sims,
        startTs: params.startTs,
        endTs,
        noise: params.noise,
        shifted: params.regime === "shifted",
        real,
        out: events,
      });
    }
  }
  // Drop anything after the horizon and sort by time (ties by key) for a stable stream.
  const inRange = events.filter((e) => e.ts < endTs);
  inRange.sort((a, b) => a.ts - b.ts || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const resolutions = new Map<string, { winnerIndex: number; ts: number }>();
  const markets = sims.map((m) => {
    if (m.endTs <= endTs) {
      resolutions.set(m.market.id, { winnerIndex: m.winner, ts: m.endTs });
      return { ...m.market, closed: true, winnerIndex: m.winner };
    }
    return m.market;
  });
  const find = (tokenId: string) => {
    const f = byToken.get(tokenId);
    if (!f) throw new PolycopyError("NOT_FOUND", `unknown simulated token ${tokenId}`);
    return f;
  };
  return {
    params,
    markets,
    events: inRange,
    labels,
    resolutions,
    bookAt: (tokenId, ts) => {
      const f = find(tokenId);
      return bookAt(f.m, f.outcome, ts);
    },
    midAt: (tokenId, ts) => {
      const f = find(tokenId);
      const y = yesMidAt(f.m, ts);
      return f.outcome === 0 ? y : 1 - y;
    },
    simMarket: (id) => byId.get(id),
  };
}
