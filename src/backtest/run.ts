/**
 * Backtest/paper run on simulated history: classify the leaders on a warm-up window, then replay
 * the rest through the copy engine against the simulated venue, once wallet-type-aware and once as
 * plain proportional copying of every fill, and compare them side by side.
 */
import { accumulate, analyzeWallets, type WalletVerdict } from "../analytics/analyze.ts";
import { maxDrawdown, moments } from "../analytics/stats.ts";
import type { OrderBook } from "../domain/book.ts";
import { ManualClock } from "../domain/clock.ts";
import type { LeaderEvent } from "../domain/fill.ts";
import type { Market } from "../domain/market.ts";
import type { EventBus } from "../engine/bus.ts";
import { CopyEngine, type LeaderProfile } from "../engine/engine.ts";
import type { RiskConfig } from "../risk/config.ts";
import { SimulatedVenue } from "../venues/simulated.ts";

export interface History {
  markets: Market[];
  events: LeaderEvent[];
  resolutions: ReadonlyMap<string, { winnerIndex: number; ts: number }>;
  bookAt(tokenId: string, ts: number): OrderBook;
}

/** What a strategy replays: a history whose events may also be a stream (e.g. lines parsed one by one). */
export type Replay = Omit<History, "events"> & { events: Iterable<LeaderEvent> };

export interface StrategyResult {
  name: string;
  return: number;
  sharpe: number;
  maxDrawdown: number;
  trades: number;
  fees: number;
  finalEquity: number;
  engine: CopyEngine;
}

export interface RunResult {
  verdicts: WalletVerdict[];
  leaders: Map<string, LeaderProfile>;
  warmupEnd: number;
  aware: StrategyResult;
  plain: StrategyResult;
}

/** Picks leaders: the given wallets, or the top-N by warm-up volume (what a leaderboard shows). */
export function pickLeaders(
  verdicts: readonly WalletVerdict[],
  accsVolume: Map<string, number>,
  n: number,
  given?: readonly string[],
): string[] {
  if (given && given.length > 0) return [...given];
  return [...accsVolume.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([w]) => w)
    .filter((w) => verdicts.some((v) => v.wallet === w));
}

export function runStrategy(
  name: string,
  strategy: "aware" | "plain",
  h: Replay,
  leaders: ReadonlyMap<string, LeaderProfile>,
  risk: RiskConfig,
  fromTs: number,
  bus?: EventBus,
  onProgress?: (done: number, total: number) => void,
): StrategyResult {
  const clock = new ManualClock(fromTs);
  const venue = new SimulatedVenue({
    clock,
    book: h.bookAt,
    latencyMs: risk.filters.latencyMs,
    startingCash: Math.round(risk.startingCashUsd * 1e6),
  });
  const engine = new CopyEngine({
    mode: "backtest",
    strategy,
    risk,
    clock,
    venue,
    markets: new Map(h.markets.map((m) => [m.id, m])),
    leaders,
    ...(bus ? { bus } : {}),
  });
  const res = [...h.resolutions.entries()]
    .filter(([, r]) => r.ts >= fromTs)
    .sort((a, b) => a[1].ts - b[1].ts);
  let ri = 0;
  const total = Array.isArray(h.events) ? h.events.length : 0;
  let i = -1;
  for (const e of h.events) {
    i++;
    while (ri < res.length && res[ri]![1].ts <= e.ts) {
      const [id, r] = res[ri++]!;
      engine.resolve(id, r.winnerIndex, r.ts);
    }
    if (e.ts < fromTs) {
      engine.prices.observe(e);
      continue;
    }
    engine.handle(e);
    if (onProgress && i % 20_000 === 0) onProgress(i, total);
  }
  while (ri < res.length) {
    const [id, r] = res[ri++]!;
    engine.resolve(id, r.winnerIndex, r.ts);
  }
  engine.finish();
  onProgress?.(total, total);
  return summarize(name, engine, risk);
}

/** Return, Sharpe, drawdown, trades and fees of a finished engine. */
export function summarize(name: string, engine: CopyEngine, risk: RiskConfig): StrategyResult {
  const start = risk.startingCashUsd;
  const eq = [start, ...engine.dailyEquity];
  const daily = eq.slice(1).map((v, i) => (v - eq[i]!) / start);
  const m = moments(daily);
  const final = engine.equityUsd();
  return {
    name,
    return: (final - start) / start,
    sharpe: m.sd > 0 ? (m.mean / m.sd) * Math.sqrt(365) : 0,
    maxDrawdown: maxDrawdown(eq.slice(1).map((v, i) => v - eq[i]!)) / start,
    trades: engine.counters.fills,
    fees: engine.feesPaid / 1e6,
    finalEquity: final,
    engine,
  };
}

/** Classifies every wallet on the warm-up window and picks the leaders with their profiles. */
export function classifyLeaders(
  h: Pick<History, "events">,
  opts: { warmupDays: number; leaders?: readonly string[]; topN: number },
): { verdicts: WalletVerdict[]; leaders: Map<string, LeaderProfile>; warmupEnd: number } {
  const t0 = h.events[0]?.ts ?? 0;
  const warmupEnd = t0 + opts.warmupDays * 86_400_000;
  const warm = h.events.filter((e) => e.ts < warmupEnd);
  const { accs, prices } = accumulate(warm);
  const verdicts = analyzeWallets(accs, prices);
  const vol = new Map(
    [...accs].map(([w, a]) => [w, [...a.markets.values()].reduce((s, m) => s + m.notional, 0)]),
  );
  const chosen = pickLeaders(verdicts, vol, opts.topN, opts.leaders);
  const byWallet = new Map(verdicts.map((v) => [v.wallet, v]));
  const leaders = new Map<string, LeaderProfile>();
  for (const w of chosen) {
    const v = byWallet.get(w);
    // Edge shrunk toward zero by evidence (fills): a thin record earns little trust.
    const edge = v ? v.quality.alpha_per_share * (v.fills / (v.fills + 100)) : 0;
    leaders.set(w, {
      class: v?.class ?? "uncertain",
      edge,
      score: v?.score ?? 0,
      recommendation: v?.recommendation ?? "watch",
    });
  }
  return { verdicts, leaders, warmupEnd };
}

export function runComparison(
  h: History,
  risk: RiskConfig,
  opts: {
    warmupDays: number;
    leaders?: readonly string[];
    topN: number;
    bus?: EventBus;
    onProgress?: (label: string, done: number, total: number) => void;
  },
): RunResult {
  const { verdicts, leaders, warmupEnd } = classifyLeaders(h, opts);
  const progress = (label: string) =>
    opts.onProgress ? (d: number, t: number) => opts.onProgress!(label, d, t) : undefined;
  const aware = runStrategy(
    "wallet-type-aware",
    "aware",
    h,
    leaders,
    risk,
    warmupEnd,
    opts.bus,
    progress("aware"),
  );
  const plain = runStrategy(
    "plain proportional copy",
    "plain",
    h,
    leaders,
    risk,
    warmupEnd,
    undefined,
    progress("plain"),
  );
  return { verdicts, leaders, warmupEnd, aware, plain };
}

export function formatComparison(r: Pick<RunResult, "aware" | "plain">): string {
  const rows = [r.aware, r.plain];
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const lines = [
    "strategy                    return    sharpe   max_dd    trades   fees_usd   final_equity",
    ...rows.map(
      (s) =>
        `${s.name.padEnd(26)} ${pct(s.return).padStart(8)} ${s.sharpe.toFixed(2).padStart(9)} ${pct(s.maxDrawdown).padStart(8)} ${String(s.trades).padStart(9)} ${s.fees.toFixed(2).padStart(10)} ${s.finalEquity.toFixed(2).padStart(14)}`,
    ),
  ];
  return lines.join("\n");
}
