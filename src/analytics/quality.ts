/**
 * Wallet quality (quant-notes §2): PnL, per-bet edge against the same-price-bucket baseline,
 * Sharpe/Sortino/Calmar, drawdown, PSR/DSR, Brier, win rate with a Wilson interval, minimum track
 * record, trend (Mann–Kendall on weekly PnL), and a composite score from four components
 * (risk-adjusted return, consistency, adaptability, predictability), each with an interval.
 */

import type { Rng } from "../domain/rng.ts";
import type { WalletAccumulator } from "./accumulator.ts";
import {
  jsDivergence,
  mannKendall,
  maxDrawdown,
  mean,
  minTrackRecord,
  moments,
  psr,
  quantileSorted,
  sortino,
  wilson,
} from "./stats.ts";

export interface Interval {
  value: number;
  low: number;
  high: number;
}

export interface Quality {
  pnl: number;
  roi: number;
  capital: number;
  edge_per_share: number;
  baseline_edge: number;
  alpha_per_share: number;
  brier: number;
  win_rate: Interval;
  sharpe: number;
  sortino: number;
  calmar: number;
  max_drawdown: number;
  psr: number;
  /** Filled in by the batch (needs the cross-section of wallets screened). */
  dsr: number | null;
  /** Daily per-period Sharpe, for DSR. */
  daily_sharpe: number;
  min_track_record_days: number | null;
  days: number;
  trend: { z: number; p: number; slope: number; direction: "improving" | "declining" | "flat" };
  components: {
    risk_adjusted: Interval;
    consistency: Interval;
    adaptability: Interval;
    predictability: Interval;
  };
  score: Interval;
}

export const SCORE_WEIGHTS = {
  risk_adjusted: 0.4,
  consistency: 0.25,
  adaptability: 0.2,
  predictability: 0.15,
};

export function assessQuality(
  acc: WalletAccumulator,
  marks: { last(tokenId: string): number | undefined },
  baseline: Float64Array | undefined,
  rng: Rng,
  bootstrap = 100,
): Quality {
  const daily = acc.dailyPnl();
  const capital = Math.max(1, acc.peakDeployed);
  const returns = daily.map((v) => v / capital);
  const mom = moments(returns);
  const pnl = daily.reduce((s, v) => s + v, 0);

  // Per-bet edge and Brier from buys, marked at resolution when known, else at the last price.
  let q = 0;
  let gain = 0;
  let brierSum = 0;
  let wins = 0;
  let bets = 0;
  const regimeWins = [0, 0, 0, 0, 0, 0];
  const regimeN = [0, 0, 0, 0, 0, 0];
  const span = Math.max(1, acc.lastTs - acc.firstTs);
  for (const a of acc.markets.values()) {
    let mpnl = a.cash;
    let bought = 0;
    let avgPrice = 0;
    for (let o = 0; o < 2; o++) {
      const token = a.tokenIds[o]!;
      const mark = marks.last(token) ?? a.lastPrice[o]!;
      const m = Number.isFinite(mark) ? mark : 0.5;
      mpnl += a.pos[o]! * m;
      const Q = a.boughtQty[o]!;
      if (Q <= 0) continue;
      bought += Q;
      avgPrice += a.buyQp[o]!;
      q += Q;
      gain += m * Q - a.buyQp[o]!;
      brierSum += a.buyQp2[o]! - 2 * m * a.buyQp[o]! + m * m * Q;
    }
    if (bought > 0) {
      bets++;
      const win = mpnl > 0 ? 1 : 0;
      wins += win;
      // Regimes: time third of the market's first trade × cheap/expensive entry.
      const third = Math.min(2, Math.floor(((a.firstTs - acc.firstTs) / span) * 3));
      const r = third * 2 + (avgPrice / bought < 0.5 ? 0 : 1);
      regimeN[r]! += 1;
      regimeWins[r]! += win;
    }
  }
  const edge = q > 0 ? gain / q : 0;
  let baseEdge = 0;
  if (baseline) {
    let bq = 0;
    for (let k = 0; k < 10; k++) {
      baseEdge += acc.bucketQty[k]! * baseline[k]!;
      bq += acc.bucketQty[k]!;
    }
    baseEdge = bq > 0 ? baseEdge / bq : 0;
  }

  // Risk-adjusted component: PSR(0) with a bootstrap over days.
  const psr0 = psr(mom);
  const boots: number[] = [];
  if (returns.length >= 5) {
    const buf = new Float64Array(returns.length);
    for (let b = 0; b < bootstrap; b++) {
      for (let i = 0; i < buf.length; i++) buf[i] = returns[rng.int(0, returns.length - 1)]!;
      boots.push(psr(moments(buf)));
    }
    boots.sort((x, y) => x - y);
  }
  const riskAdj: Interval = {
    value: psr0,
    low: boots.length ? quantileSorted(boots, 0.1) : 0,
    high: boots.length ? quantileSorted(boots, 0.9) : 1,
  };

  // Consistency: share of positive weeks (weeks with any PnL change).
  const weekly: number[] = [];
  for (let i = 0; i < daily.length; i += 7) weekly.push(daily.slice(i, i + 7).reduce((s, v) => s + v, 0));
  const activeWeeks = weekly.filter((w) => Math.abs(w) > 1e-9);
  const pos = activeWeeks.filter((w) => w > 0).length;
  const cw = wilson(pos, activeWeeks.length, 1.2816);
  const consistency: Interval = { value: activeWeeks.length ? cw.p : 0, low: cw.low, high: cw.high };

  // Adaptability: share of regimes (time thirds × price level) with ≥2 markets whose win rate beats 50%.
  let regimes = 0;
  let good = 0;
  for (let r = 0; r < 6; r++) {
    if (regimeN[r]! < 2) continue;
    regimes++;
    if (regimeWins[r]! / regimeN[r]! > 0.5) good++;
  }
  const aw = wilson(good, regimes, 1.2816);
  const adaptability: Interval = { value: regimes ? aw.p : 0, low: aw.low, high: aw.high };

  // Predictability: 1 − mean style drift (JSD of price-bucket mix between consecutive completed weeks).
  // Trend and drift only change when a week completes, so they are cached per wallet until then:
  // re-scoring after one fill stays O(markets), not O(history).
  const slow = slowParts(acc, weekly);
  const predictability = slow.predictability;
  const comps = { risk_adjusted: riskAdj, consistency, adaptability, predictability };
  const combine = (k: "value" | "low" | "high") =>
    100 *
    (SCORE_WEIGHTS.risk_adjusted * comps.risk_adjusted[k] +
      SCORE_WEIGHTS.consistency * comps.consistency[k] +
      SCORE_WEIGHTS.adaptability * comps.adaptability[k] +
      SCORE_WEIGHTS.predictability * comps.predictability[k]);

  const mdd = maxDrawdown(daily);
  const annRet = daily.length > 0 ? (pnl / capital) * (365 / daily.length) : 0;
  const mk = slow.mk;
  const mtrl = minTrackRecord(mom);
  const wr = wilson(wins, bets);
  return {
    pnl,
    roi: pnl / capital,
    capital,
    edge_per_share: edge,
    baseline_edge: baseEdge,
    alpha_per_share: edge - baseEdge,
    brier: q > 0 ? brierSum / q : 0,
    win_rate: { value: wr.p, low: wr.low, high: wr.high },
    sharpe: mom.sd > 0 ? (mom.mean / mom.sd) * Math.sqrt(365) : 0,
    sortino: sortino(returns) * Math.sqrt(365),
    calmar: mdd > 0 ? annRet / (mdd / capital) : 0,
    max_drawdown: mdd,
    psr: psr0,
    dsr: null,
    daily_sharpe: mom.sd > 0 ? mom.mean / mom.sd : 0,
    min_track_record_days: Number.isFinite(mtrl) ? Math.ceil(mtrl) : null,
    days: daily.length,
    trend: {
      z: mk.z,
      p: mk.p,
      slope: mk.slope,
      direction: mk.p < 0.1 ? (mk.z > 0 ? "improving" : "declining") : "flat",
    },
    components: comps,
    score: { value: combine("value"), low: combine("low"), high: combine("high") },
  };
}

const slowCache = new WeakMap<
  WalletAccumulator,
  { key: string; mk: ReturnType<typeof mannKendall>; predictability: Interval }
>();

function slowParts(acc: WalletAccumulator, weekly: readonly number[]) {
  const completed = Math.max(0, weekly.length - 1);
  const key = `${acc.weekHist.size}:${completed}`;
  const hit = slowCache.get(acc);
  if (hit && hit.key === key) return hit;
  const weeks = [...acc.weekHist.entries()].sort((a, b) => a[0] - b[0]).map(([, h]) => h);
  const drifts: number[] = [];
  for (let i = 1; i < weeks.length - 1; i++) {
    const a = weeks[i - 1]!;
    const b = weeks[i]!;
    if (sum(a) >= 5 && sum(b) >= 5) drifts.push(jsDivergence(Array.from(a), Array.from(b)));
  }
  const dm = mean(drifts);
  const dse = drifts.length > 1 ? Math.sqrt(moments(drifts).sd ** 2 / drifts.length) : 0.5;
  const entry = {
    key,
    mk: mannKendall(weekly.slice(0, completed)),
    predictability: {
      value: drifts.length ? 1 - dm : 0.5,
      low: Math.max(0, 1 - dm - 1.2816 * dse),
      high: Math.min(1, 1 - dm + 1.2816 * dse),
    },
  };
  slowCache.set(acc, entry);
  return entry;
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}
