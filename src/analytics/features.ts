/**
 * Wallet features (quant-notes §1.3) computed from the accumulator's per-market aggregates. Every
 * feature is defined on fills, splits, merges and redeems as the Data API reports them, so it means
 * the same on a real Polymarket wallet as on a simulated one.
 *
 * Cost and information are kept apart (quant-notes §1.3 markouts): the effective spread against the
 * tape's mid just before a fill (makers earn it, takers pay it) is one input, the move after the fill
 * from that mid (informed traders gain it, adversely selected makers lose it) another. The 5-minute
 * markout, their sum, is shown but not used: a taker who buys just before news has a large one.
 * Rewards and rebates are inputs too: liquidity rewards are paid only to resting orders near the
 * mid and maker rebates only for maker fills. So is the maker share of fill notional when the
 * roles are known (chain OrderFilled logs, the simulator, a CSV role column).
 */
import type { MarketAgg, WalletAccumulator } from "./accumulator.ts";
import { binomialTwoSidedP, entropyBits } from "./stats.ts";

/** The classifier's inputs, in model order. */
export const MODEL_FEATURES = [
  "log_fills_per_active_hour",
  "two_sidedness",
  "both_outcome_buying",
  "balanced_market_share",
  "reducing_fill_share",
  "inventory_ratio",
  "log_mean_hold_hours",
  "share_closed_under_1h",
  "share_held_to_resolution",
  "merge_split_ratio",
  "log_markets",
  "effective_spread",
  "move_1h",
  "log_reward_per_day",
  "rebate_share",
  "maker_share",
] as const;
/** The inputs that come from REWARD / MAKER_REBATE / TAKER_REBATE rows (for the ablation). */
export const INCOME_FEATURES: readonly ModelFeature[] = ["log_reward_per_day", "rebate_share"];
export type ModelFeature = (typeof MODEL_FEATURES)[number];

export interface WalletFeatures {
  fills: number;
  markets: number;
  /** Model inputs. */
  x: Record<ModelFeature, number>;
  /** Descriptive features shown in reports (not used by the model). */
  info: {
    fills_per_active_hour: number;
    median_gap_s_approx: number;
    burstiness: number;
    hour_entropy_bits: number;
    size_cv: number;
    hhi: number;
    reversals_per_market: number;
    round_trip_capture: number;
    buy_share: number;
    /**
     * Notional share of fills as maker, where the role is known (chain data); -1 when unknown. Shown
     * in verdicts under the model input's name (`x.maker_share`, NaN below half coverage).
     */
    maker_share: number;
    realized_pnl: number;
    markout_5m: number;
    markout_1h: number;
    markout_1d: number;
    move_5m: number;
    reward_usd: number;
    maker_rebate_usd: number;
    taker_rebate_usd: number;
    yield_usd: number;
  };
}

/** Features of a set of market aggregates (all of the wallet's, or a bootstrap resample). */
export function featuresOf(acc: WalletAccumulator, aggs: readonly MarketAgg[]): WalletFeatures {
  let fills = 0;
  let sumMin = 0;
  let sumMax = 0;
  let bothMin = 0;
  let bothSum = 0;
  let balanced = 0;
  let tested = 0;
  let reducing = 0;
  let absInv = 0;
  let vol = 0;
  let closedQty = 0;
  let closedLogH = 0;
  let under1h = 0;
  let heldToEnd = 0;
  let acquired = 0;
  let mergeSplit = 0;
  let notional = 0;
  let reversals = 0;
  let rtPnl = 0;
  let rtQty = 0;
  let buys = 0;
  let realized = 0;
  const mo = new Float64Array(6);
  const mv = new Float64Array(6);
  let spreadW = 0;
  let spreadSum = 0;
  for (const a of aggs) {
    realized += a.realized;
    for (let i = 0; i < 6; i++) {
      mo[i]! += a.markout[i]!;
      mv[i]! += a.move[i]!;
    }
    spreadW += a.spread[0]!;
    spreadSum += a.spread[1]!;
    fills += a.fills;
    for (let o = 0; o < 2; o++) {
      sumMin += Math.min(a.buy[o]!, a.sell[o]!);
      sumMax += Math.max(a.buy[o]!, a.sell[o]!);
    }
    // Complement two-sidedness (quant-notes F4), "same for sells": a maker that splits collateral
    // and rests asks on both tokens does what one bidding on both does (SELL YES at p is BUY NO at
    // 1 − p to the CLOB), so both-outcome selling counts like both-outcome buying.
    bothMin += Math.min(a.buy[0], a.buy[1]) + Math.min(a.sell[0], a.sell[1]);
    bothSum += a.buy[0] + a.buy[1] + a.sell[0] + a.sell[1];
    if (a.fills >= 6) {
      tested++;
      if (a.balancedAt !== a.fills) {
        a.balanced = binomialTwoSidedP(a.upFills, a.fills) > 0.05;
        a.balancedAt = a.fills;
      }
      if (a.balanced) balanced++;
    }
    reducing += a.reducing;
    absInv += Math.abs(a.inv);
    vol += a.vol;
    closedQty += a.closedQty;
    closedLogH += a.closedLogHours;
    under1h += a.closedUnder1h;
    heldToEnd += a.heldToEndQty;
    acquired += a.acquiredQty;
    mergeSplit += a.merged + a.split;
    notional += a.notional;
    reversals += a.reversals;
    rtPnl += a.rtPnl;
    rtQty += a.rtQty;
    buys += a.buy[0] + a.buy[1];
  }
  let hhi = 0;
  if (notional > 0) for (const a of aggs) hhi += (a.notional / notional) ** 2;
  const activeHours = Math.max(1, acc.activeHours.size);
  // Days from the wallet's first record to its last (rewards are paid daily while it quotes).
  const activeDays = Math.max(1, (acc.lastTs - acc.firstTs) / 86_400_000);
  const rebates = acc.income.MAKER_REBATE + acc.income.TAKER_REBATE;
  const fph = acc.fills / activeHours;
  const gapMean = acc.gapN > 0 ? acc.gapSum / acc.gapN : 0;
  const gapSd = acc.gapN > 1 ? Math.sqrt(Math.max(0, acc.gapSq / acc.gapN - gapMean * gapMean)) : 0;
  const sizeMean = acc.fills > 0 ? acc.sizeSum / acc.fills : 0;
  const sizeSd = acc.fills > 1 ? Math.sqrt(Math.max(0, acc.sizeSq / acc.fills - sizeMean * sizeMean)) : 0;
  const x: Record<ModelFeature, number> = {
    log_fills_per_active_hour: Math.log(fph),
    two_sidedness: sumMax > 0 ? sumMin / sumMax : 0,
    both_outcome_buying: bothSum > 0 ? (2 * bothMin) / bothSum : 0,
    balanced_market_share: tested > 0 ? balanced / tested : 0.5,
    reducing_fill_share: fills > 0 ? reducing / fills : 0,
    inventory_ratio: vol > 0 ? absInv / vol : 1,
    log_mean_hold_hours: closedQty > 0 ? closedLogH / closedQty : Math.log1p(24 * 30),
    share_closed_under_1h: closedQty > 0 ? under1h / closedQty : 0,
    share_held_to_resolution: acquired > 0 ? heldToEnd / acquired : 0,
    merge_split_ratio: buys > 0 ? Math.min(2, mergeSplit / buys) : 0,
    log_markets: Math.log(Math.max(1, aggs.length)),
    // Per share, against the tape's mid before the fill; 0 (between makers and takers) when unknown.
    effective_spread: spreadW > 0 ? spreadSum / spreadW : 0,
    move_1h: markoutAt(mv, 1),
    // Unknown (NaN: the model's neutral value) for a wallet with no payment rows at all: a trades
    // feed or chain logs do not carry them, so their absence there says nothing.
    log_reward_per_day: acc.incomeUsd > 0 ? Math.log1p(acc.income.REWARD / activeDays) : Number.NaN,
    // +1: only maker rebates, −1: only taker rebates; unknown without any rebate.
    rebate_share: rebates > 0 ? (acc.income.MAKER_REBATE - acc.income.TAKER_REBATE) / rebates : Number.NaN,
    maker_share: modelMakerShare(acc),
  };
  return {
    fills,
    markets: aggs.length,
    x,
    info: {
      fills_per_active_hour: fph,
      median_gap_s_approx: gapMean,
      burstiness: gapSd + gapMean > 0 ? (gapSd - gapMean) / (gapSd + gapMean) : 0,
      hour_entropy_bits: entropyBits(acc.hourOfDay),
      size_cv: sizeMean > 0 ? sizeSd / sizeMean : 0,
      hhi,
      reversals_per_market: aggs.length > 0 ? reversals / aggs.length : 0,
      round_trip_capture: rtQty > 0 ? rtPnl / rtQty : 0,
      buy_share: vol > 0 ? buys / vol : 0,
      maker_share: acc.roleKnownNotional > 0 ? acc.makerNotional / acc.roleKnownNotional : -1,
      realized_pnl: realized,
      markout_5m: markoutAt(mo, 0),
      markout_1h: markoutAt(mo, 1),
      markout_1d: markoutAt(mo, 2),
      move_5m: markoutAt(mv, 0),
      reward_usd: acc.income.REWARD,
      maker_rebate_usd: acc.income.MAKER_REBATE,
      taker_rebate_usd: acc.income.TAKER_REBATE,
      yield_usd: acc.income.YIELD,
    },
  };
}

/**
 * Share of fill notional where the wallet was maker, as a model input: unknown (NaN, neutral) unless
 * the roles cover at least half of the wallet's fill notional, so a few enriched fills cannot speak
 * for the rest. Wallet-wide (like the payments), not resampled by the bootstrap.
 */
export const MIN_ROLE_COVERAGE = 0.5;
function modelMakerShare(acc: WalletAccumulator): number {
  let notional = 0;
  for (const a of acc.markets.values()) notional += a.notional;
  if (acc.roleKnownNotional <= 0 || acc.roleKnownNotional < MIN_ROLE_COVERAGE * notional) return Number.NaN;
  return acc.makerNotional / acc.roleKnownNotional;
}

/** Size-weighted markout at horizon h (see MarketPrices.watchMarkout); 0 before any is known. */
function markoutAt(mo: Float64Array, h: number): number {
  return mo[2 * h]! > 0 ? mo[2 * h + 1]! / mo[2 * h]! : 0;
}
