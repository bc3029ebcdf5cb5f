import { PolycopyError } from "./errors.ts";
import type { Micros } from "./units.ts";

/** One tradable outcome of a market: an ERC-1155 position token. */
export interface Outcome {
  /** CLOB token id (decimal string, up to 78 digits). */
  tokenId: string;
  /** Display name, e.g. "Yes", "Up". */
  name: string;
}

export interface FeeSchedule {
  /** Taker fee rate: fee = shares · rate · (p·(1−p))^exponent, in USD. */
  rate: number;
  exponent: number;
  takerOnly: boolean;
}

export interface Market {
  /** conditionId (0x-prefixed 32-byte hex). */
  id: string;
  slug: string;
  question: string;
  /** Event/group id; multi-outcome (neg-risk) events share one. */
  eventId: string | null;
  category: string | null;
  /** outcomes[0] is the "YES-equivalent" side used for inventory. */
  outcomes: Outcome[];
  tickSize: number;
  /** Minimum limit-order size in shares. */
  minOrderSize: number;
  negRisk: boolean;
  fee: FeeSchedule;
  /** ms epoch; null when unknown. */
  endTs: number | null;
  closed: boolean;
  /** Index of the winning outcome once resolved; null while open or unknown. */
  winnerIndex: number | null;
}

export const NO_FEE: FeeSchedule = { rate: 0, exponent: 1, takerOnly: true };

/** Taker fee in micro-USD for `qtyMicros` shares at `price`, floored to 5 decimals of USD as Polymarket does. */
export function takerFeeMicros(fee: FeeSchedule, price: number, qtyMicros: Micros): Micros {
  if (fee.rate <= 0) return 0;
  const base = (price * (1 - price)) ** fee.exponent;
  const feeMicros = qtyMicros * fee.rate * base;
  // Floor to 1e-5 USD = 10 micros.
  return Math.floor(feeMicros / 10) * 10;
}

const TICK_EPS = 1e-9;

/** True when price is a valid probability price strictly inside (0,1) and on the tick grid. */
export function isOnTick(price: number, tickSize: number): boolean {
  if (!Number.isFinite(price) || price <= 0 || price >= 1) return false;
  const steps = price / tickSize;
  return Math.abs(steps - Math.round(steps)) < TICK_EPS * Math.max(1, steps);
}

/** Validates a price at a boundary: rejects NaN, non-positive, ≥1 and off-tick prices with a clear error. */
export function assertPrice(price: number, tickSize: number, field = "price"): number {
  if (!Number.isFinite(price)) {
    throw new PolycopyError("PRICE_INVALID", `${field} must be a finite number, got ${price}`);
  }
  if (price <= 0 || price >= 1) {
    throw new PolycopyError("PRICE_INVALID", `${field} must be strictly between 0 and 1, got ${price}`);
  }
  if (!isOnTick(price, tickSize)) {
    throw new PolycopyError("PRICE_INVALID", `${field} ${price} is not on the tick grid ${tickSize}`);
  }
  return price;
}

/** Rounds a price to the tick grid: down for buys we place (never pay more), up for sells. */
export function roundToTick(price: number, tickSize: number, mode: "down" | "up" | "nearest"): number {
  const steps = price / tickSize;
  const n =
    mode === "down"
      ? Math.floor(steps + TICK_EPS)
      : mode === "up"
        ? Math.ceil(steps - TICK_EPS)
        : Math.round(steps);
  const decimals = Math.max(0, Math.ceil(-Math.log10(tickSize)));
  const rounded = Number((n * tickSize).toFixed(decimals));
  return Math.min(1 - tickSize, Math.max(tickSize, rounded));
}

export function outcomeIndexOf(market: Market, tokenId: string): number {
  const i = market.outcomes.findIndex((o) => o.tokenId === tokenId);
  if (i < 0) {
    throw new PolycopyError("NOT_FOUND", `token ${tokenId} is not an outcome of market ${market.id}`);
  }
  return i;
}
