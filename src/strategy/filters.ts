/**
 * Trade filters: should this leader fill become an order of ours at all? Each is a small pure
 * function returning null (pass) or the rule and reason it failed, so every skip is explained.
 */
import type { OrderBook } from "../domain/book.ts";
import type { LeaderFill } from "../domain/fill.ts";
import type { WalletClass } from "../domain/wallet.ts";
import type { RiskConfig } from "../risk/config.ts";

export interface Skip {
  rule: string;
  reason: string;
}

/** What we know about the leader's inventory in this market (from the analytics accumulator). */
export interface LeaderMarketState {
  /** YES-equivalent inventory after this fill, shares. */
  inv: number;
  /** Shares traded in this market so far. */
  vol: number;
  fills: number;
  /** Whether this fill increased |inventory|. */
  increased: boolean;
}

/**
 * Market makers' fills are mostly inventory rebalancing. Copy only a fill that pushes a
 * significant, persistent net inventory further (a drift), never the churn around flat.
 */
export function rebalancingFilter(
  cls: WalletClass,
  s: LeaderMarketState,
  f: RiskConfig["filters"],
): Skip | null {
  if (cls !== "market_maker") return null;
  if (s.fills < f.mmMinFillsInMarket)
    return {
      rule: "filter.rebalancing",
      reason: `market maker with only ${s.fills} fills here: no drift signal yet`,
    };
  const ratio = s.vol > 0 ? Math.abs(s.inv) / s.vol : 0;
  if (!s.increased || ratio < f.mmDriftThreshold)
    return {
      rule: "filter.rebalancing",
      reason: `rebalancing churn (net inventory ${(ratio * 100).toFixed(0)}% of volume)`,
    };
  return null;
}

/** Skip when the market moved beyond tolerance since the leader's price (we would chase). */
export function stalenessFilter(fill: LeaderFill, ourPrice: number, f: RiskConfig["filters"]): Skip | null {
  const moved = fill.side === "BUY" ? ourPrice - fill.price : fill.price - ourPrice;
  if (moved > f.stalenessTolerance)
    return {
      rule: "filter.staleness",
      reason: `price moved ${moved.toFixed(3)} against us since the leader's fill`,
    };
  return null;
}

/** Spread and depth at our size. */
export function liquidityFilter(
  book: OrderBook,
  side: "BUY" | "SELL",
  shares: number,
  f: RiskConfig["filters"],
): Skip | null {
  const bid = book.bids[0]?.price;
  const ask = book.asks[0]?.price;
  if (bid === undefined || ask === undefined)
    return { rule: "filter.liquidity", reason: "one side of the book is empty" };
  if (ask - bid > f.maxSpread + 1e-9)
    return { rule: "filter.liquidity", reason: `spread ${(ask - bid).toFixed(3)} > ${f.maxSpread}` };
  const levels = side === "BUY" ? book.asks : book.bids;
  let depth = 0;
  for (const l of levels) depth += l.size;
  if (depth < shares * f.minDepthMultiple)
    return {
      rule: "filter.liquidity",
      reason: `book depth ${depth.toFixed(0)} < ${f.minDepthMultiple}× our ${shares.toFixed(0)} shares`,
    };
  return null;
}

/**
 * Expected edge per share after costs must be positive: the leader's estimated edge (shrunk
 * toward zero by its uncertainty) minus the half-spread we pay, the taker fee and the slippage.
 */
export function profitabilityFilter(
  leaderEdge: number,
  costs: { halfSpread: number; feePerShare: number; slippage: number },
  f: RiskConfig["filters"],
): Skip | null {
  const net = leaderEdge - costs.halfSpread - costs.feePerShare - costs.slippage;
  if (net <= f.minEdge)
    return {
      rule: "filter.profitability",
      reason: `expected edge ${leaderEdge.toFixed(3)} − costs ${(costs.halfSpread + costs.feePerShare + costs.slippage).toFixed(3)} = ${net.toFixed(3)} ≤ ${f.minEdge}`,
    };
  return null;
}

export function feeFilter(feeUsd: number, notionalUsd: number, f: RiskConfig["filters"]): Skip | null {
  if (notionalUsd > 0 && feeUsd / notionalUsd > f.maxFeeShare)
    return {
      rule: "filter.fees",
      reason: `fee ${feeUsd.toFixed(3)} is ${((feeUsd / notionalUsd) * 100).toFixed(1)}% of notional`,
    };
  return null;
}

/** We never short: a leader's sell is copied only against a position we hold from copying. */
export function sellFilter(side: "BUY" | "SELL", heldShares: number): Skip | null {
  if (side === "SELL" && heldShares <= 0)
    return { rule: "filter.no_position", reason: "leader sold; we hold none of this token" };
  return null;
}
