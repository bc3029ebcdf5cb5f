/**
 * Wallet verdicts: minimum-evidence gates, P(market maker) with a cluster bootstrap over the
 * wallet's markets (fills within a market are dependent, quant-notes §1.4), the class with an
 * abstain band, quality and score, and a recommendation with its reasons.
 */

import type { LeaderEvent } from "../domain/fill.ts";
import { Rng } from "../domain/rng.ts";
import type { Recommendation, WalletClass } from "../domain/wallet.ts";
import { WalletAccumulator } from "./accumulator.ts";
import { featuresOf, type WalletFeatures } from "./features.ts";
import { explain, type LogisticModel, MODEL, predict, standardize } from "./model.ts";
import { MarketPrices } from "./prices.ts";
import { assessQuality, type Quality } from "./quality.ts";
import { dsrThreshold, moments, psr, quantileSorted } from "./stats.ts";

export interface AnalyzeOptions {
  /** P(MM) at or above which a wallet is a market maker. */
  mmThreshold: number;
  /** P(MM) at or below which a wallet is directional. */
  dirThreshold: number;
  minFills: number;
  minMarkets: number;
  /** Bootstrap resamples for P(MM) and score intervals (0 = no intervals: the fast incremental path). */
  bootstrap: number;
  model: LogisticModel;
}

export const DEFAULT_ANALYZE_OPTIONS: AnalyzeOptions = {
  mmThreshold: 0.7,
  dirThreshold: 0.3,
  // The minimum evidence to decide at all. One market is enough when there are fills to read (a
  // niche maker quotes one book, a DCA buyer feeds one position); fewer than 5 fills are not.
  minFills: 5,
  minMarkets: 1,
  bootstrap: 100,
  model: MODEL,
};

export interface WalletVerdict {
  wallet: string;
  class: WalletClass;
  p_mm: number;
  p_mm_low: number;
  p_mm_high: number;
  score: number;
  score_low: number;
  score_high: number;
  recommendation: Recommendation;
  reasons: string[];
  fills: number;
  markets: number;
  features: WalletFeatures["x"] & WalletFeatures["info"];
  quality: Quality;
}

const PRETTY: Record<string, string> = {
  log_fills_per_active_hour: "fills per active hour",
  two_sidedness: "buys and sells the same token",
  both_outcome_buying: "buys (or sells) both outcomes",
  balanced_market_share: "balanced buys/sells per market",
  reducing_fill_share: "fills that reduce inventory",
  inventory_ratio: "net inventory vs volume",
  log_mean_hold_hours: "holding time",
  share_closed_under_1h: "lots closed within 1 h",
  share_held_to_resolution: "held to resolution",
  merge_split_ratio: "merges/splits",
  log_markets: "number of markets",
  effective_spread: "effective spread vs the mid before (earns or pays it)",
  move_1h: "price move in 1 h after its fills (informed gain, makers lose)",
  log_reward_per_day: "liquidity rewards per day",
  rebate_share: "maker vs taker rebates",
  maker_share: "notional filled as maker",
};

function hashSeed(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const r3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0);

/** The verdict for one wallet from its accumulator. Never throws on thin data; says why instead. */
export function judgeWallet(
  acc: WalletAccumulator,
  prices: MarketPrices | undefined,
  baseline: Float64Array | undefined,
  opts: AnalyzeOptions = DEFAULT_ANALYZE_OPTIONS,
): WalletVerdict {
  const aggs = [...acc.markets.values()].filter((a) => a.fills > 0);
  const f = featuresOf(acc, aggs);
  const model = opts.model;
  const z = standardize(model, f.x, new Float64Array(model.features.length));
  const p = predict(model, z);
  const rng = new Rng(hashSeed(acc.wallet));
  let low = p;
  let high = p;
  if (opts.bootstrap > 0 && aggs.length >= 2) {
    const ps: number[] = [];
    const sample = new Array(aggs.length);
    const zb = new Float64Array(model.features.length);
    for (let b = 0; b < opts.bootstrap; b++) {
      for (let i = 0; i < aggs.length; i++) sample[i] = aggs[rng.int(0, aggs.length - 1)];
      ps.push(predict(model, standardize(model, featuresOf(acc, sample).x, zb)));
    }
    ps.sort((x, y) => x - y);
    low = quantileSorted(ps, 0.05);
    high = quantileSorted(ps, 0.95);
  }
  const reasons: string[] = [];
  let cls: WalletClass;
  if (f.fills < opts.minFills || aggs.length < opts.minMarkets) {
    cls = "uncertain";
    reasons.push(
      `insufficient evidence: ${f.fills} fills in ${aggs.length} markets (need ≥${opts.minFills} fills and ≥${opts.minMarkets} markets)`,
    );
  } else if (p >= opts.mmThreshold) cls = "market_maker";
  else if (p <= opts.dirThreshold) cls = "directional";
  else {
    cls = "uncertain";
    reasons.push(
      `P(MM)=${p.toFixed(2)} is inside the abstain band (${opts.dirThreshold}–${opts.mmThreshold})`,
    );
  }
  for (const c of explain(model, z, 3)) {
    const toward = c.contribution > 0 ? "market maker" : "directional";
    reasons.push(`${PRETTY[c.feature] ?? c.feature} (${r3(f.x[c.feature])}) points ${toward}`);
  }
  reasons.push(rolesReason(acc));
  const quality = assessQuality(acc, prices ?? { last: () => undefined }, baseline, rng, opts.bootstrap);
  const rec = recommend(cls, quality);
  reasons.push(rec.reason);
  // info.maker_share (−1 when no role is known) overrides the model input's NaN below half coverage.
  const features = { ...f.x, ...f.info };
  for (const k of Object.keys(features) as (keyof typeof features)[]) features[k] = r3(features[k]);
  return {
    wallet: acc.wallet,
    class: cls,
    p_mm: r3(p),
    p_mm_low: r3(low),
    p_mm_high: r3(high),
    score: r3(quality.score.value),
    score_low: r3(quality.score.low),
    score_high: r3(quality.score.high),
    recommendation: rec.recommendation,
    reasons,
    fills: f.fills,
    markets: aggs.length,
    features,
    quality,
  };
}

/**
 * Whether the wallet's maker share is known: the Data API does not say which side of a match a
 * fill was; the chain does (polymarket/fill-roles.ts, when an RPC URL is configured).
 */
function rolesReason(acc: WalletAccumulator): string {
  let notional = 0;
  for (const a of acc.markets.values()) notional += a.notional;
  if (acc.roleKnownNotional <= 0)
    return "maker/taker roles not available (no chain RPC: set polymarket.rpcUrl): maker share unknown";
  const share = acc.makerNotional / acc.roleKnownNotional;
  const cover = notional > 0 ? acc.roleKnownNotional / notional : 0;
  return `maker share ${r3(share)} of notional (roles from the chain for ${Math.round(cover * 100)}% of it)`;
}

function recommend(cls: WalletClass, q: Quality): { recommendation: Recommendation; reason: string } {
  const s = `score ${q.score.value.toFixed(0)} [${q.score.low.toFixed(0)}–${q.score.high.toFixed(0)}]`;
  if (cls === "uncertain") return { recommendation: "watch", reason: `uncertain class: watch only (${s})` };
  if (cls === "market_maker") {
    return q.score.low >= 40 && q.pnl > 0
      ? {
          recommendation: "copy_mm_rules",
          reason: `profitable market maker: copy net inventory drift only (${s})`,
        }
      : { recommendation: "avoid", reason: `market maker without a proven edge for a taker (${s})` };
  }
  if (q.score.low >= 50 && q.pnl > 0) return { recommendation: "copy", reason: `directional with ${s}` };
  if (q.score.value >= 45) return { recommendation: "watch", reason: `directional, ${s}: not yet proven` };
  return { recommendation: "avoid", reason: `directional with weak ${s}` };
}

/** Feeds events (any order) into per-wallet accumulators in time order, sharing one price book. */
export function accumulate(events: readonly LeaderEvent[], wallets?: ReadonlySet<string>) {
  const prices = new MarketPrices();
  const accs = new Map<string, WalletAccumulator>();
  const sorted = isSorted(events) ? events : [...events].sort((a, b) => a.ts - b.ts);
  for (const e of sorted) {
    prices.observe(e);
    if (wallets && !wallets.has(e.wallet)) continue;
    let acc = accs.get(e.wallet);
    if (!acc) {
      acc = new WalletAccumulator(e.wallet, prices);
      accs.set(e.wallet, acc);
    }
    acc.add(e);
  }
  return { prices, accs };
}

function isSorted(events: readonly LeaderEvent[]): boolean {
  for (let i = 1; i < events.length; i++) if (events[i]!.ts < events[i - 1]!.ts) return false;
  return true;
}

/** Classifies and scores every wallet; fills in the Deflated Sharpe with N = wallets screened. */
export function analyzeWallets(
  accs: Map<string, WalletAccumulator>,
  prices: MarketPrices,
  opts: AnalyzeOptions = DEFAULT_ANALYZE_OPTIONS,
): WalletVerdict[] {
  const baseline = prices.baselineEdge();
  const out = [...accs.values()].map((a) => judgeWallet(a, prices, baseline, opts));
  const srs = out.map((v) => v.quality.daily_sharpe);
  const srVar = moments(srs).sd ** 2;
  const sr0 = dsrThreshold(srVar, out.length);
  for (const v of out) {
    const acc = accs.get(v.wallet)!;
    const cap = Math.max(1, acc.peakDeployed);
    v.quality.dsr = r3(psr(moments(acc.dailyPnl().map((d) => d / cap)), sr0));
  }
  return out.sort((a, b) => b.score_low - a.score_low || (a.wallet < b.wallet ? -1 : 1));
}
