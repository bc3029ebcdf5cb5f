import { PolycopyError } from "./errors.ts";
import type { Side } from "./fill.ts";
import { type Micros, notionalMicros } from "./units.ts";

/** Our holding of one outcome token. Average-cost accounting in integer micros. */
export interface Position {
  marketId: string;
  tokenId: string;
  outcomeIndex: number;
  /** Micro-shares held (≥ 0: Polymarket has no short selling). */
  qty: Micros;
  /** Cost basis of `qty`, micro-USD, fees included. */
  cost: Micros;
  /** Realized PnL so far, micro-USD, fees included. */
  realized: Micros;
  /** ms epoch when the position last went from flat to non-flat; null when flat. */
  openedTs: number | null;
  updatedTs: number;
}

export function emptyPosition(marketId: string, tokenId: string, outcomeIndex: number): Position {
  return { marketId, tokenId, outcomeIndex, qty: 0, cost: 0, realized: 0, openedTs: null, updatedTs: 0 };
}

/**
 * Applies one execution to a position (pure). Buys add cost; sells realize PnL against the average
 * cost. Selling more than held is an error: sells are only ever copied against a position we hold.
 */
export function applyFill(
  p: Position,
  f: { side: Side; price: number; qty: Micros; fee: Micros; ts: number },
): Position {
  if (!Number.isSafeInteger(f.qty) || f.qty <= 0) {
    throw new PolycopyError(
      "SIZE_INVALID",
      `fill quantity must be a positive integer of micro-shares, got ${f.qty}`,
    );
  }
  const notional = notionalMicros(f.price, f.qty);
  if (f.side === "BUY") {
    return {
      ...p,
      qty: p.qty + f.qty,
      cost: p.cost + notional + f.fee,
      openedTs: p.qty === 0 ? f.ts : p.openedTs,
      updatedTs: f.ts,
    };
  }
  if (f.qty > p.qty) {
    throw new PolycopyError(
      "SIZE_INVALID",
      `cannot sell ${f.qty} micro-shares of ${p.tokenId}: only ${p.qty} held`,
    );
  }
  // Cost released is proportional; the last sell releases all remaining cost so no dust accumulates.
  const released = f.qty === p.qty ? p.cost : Math.round((p.cost * f.qty) / p.qty);
  const qty = p.qty - f.qty;
  return {
    ...p,
    qty,
    cost: p.cost - released,
    realized: p.realized + notional - f.fee - released,
    openedTs: qty === 0 ? null : p.openedTs,
    updatedTs: f.ts,
  };
}

/** Settles a position at resolution: winning shares pay $1 each, losing ones $0. */
export function settlePosition(p: Position, won: boolean, ts: number): Position {
  const payout = won ? p.qty : 0; // 1 share pays 1 USD: micro-shares = micro-USD
  return { ...p, qty: 0, cost: 0, realized: p.realized + payout - p.cost, openedTs: null, updatedTs: ts };
}

export function unrealizedMicros(p: Position, markPrice: number): Micros {
  return notionalMicros(markPrice, p.qty) - p.cost;
}

/**
 * YES-equivalent inventory of a binary market in micro-shares: holding x NO is short x YES plus x USD,
 * so buying both sides reads as flat. `qtyByOutcome[0]` is YES-equivalent, `[1]` the complement.
 */
export function yesEquivalent(qtyByOutcome: readonly Micros[]): Micros {
  return (qtyByOutcome[0] ?? 0) - (qtyByOutcome[1] ?? 0);
}

/** Signed YES-equivalent delta of one trade: BUY YES or SELL NO is +size; BUY NO or SELL YES is −size. */
export function yesEquivalentDelta(outcomeIndex: number, side: Side, size: number): number {
  const sign = (outcomeIndex === 0 ? 1 : -1) * (side === "BUY" ? 1 : -1);
  return sign * size;
}
