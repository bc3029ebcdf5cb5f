import { PolycopyError } from "./errors.ts";

/**
 * Integer micro-units (6 decimals). Used for USDC/pUSD amounts and for outcome-token share
 * quantities, both of which have 6 decimals on chain. Always an integer; never accumulate floats.
 */
export type Micros = number;

export const MICROS_PER_UNIT = 1_000_000;

/** Converts a decimal amount (USD or shares) to integer micros, rounding half away from zero. */
export function toMicros(amount: number): Micros {
  if (!Number.isFinite(amount)) {
    throw new PolycopyError("INPUT_INVALID", `amount must be a finite number, got ${amount}`);
  }
  const m = Math.round(Math.abs(amount) * MICROS_PER_UNIT) * Math.sign(amount);
  return m === 0 ? 0 : m;
}

/** Converts micros back to a decimal number, for display and analytics only. */
export function fromMicros(m: Micros): number {
  return m / MICROS_PER_UNIT;
}

/** price (USD per share) × quantity (micro-shares) → integer micro-USD, rounded to nearest. */
export function notionalMicros(price: number, qtyMicros: Micros): Micros {
  const n = Math.round(price * qtyMicros);
  return n === 0 ? 0 : n;
}

export function assertMicros(name: string, m: number): Micros {
  if (!Number.isSafeInteger(m)) {
    throw new PolycopyError("INPUT_INVALID", `${name} must be an integer number of micros, got ${m}`);
  }
  return m;
}

/** Formats micros as a dollar string with 2 decimals, e.g. -1234567 → "-$1.23". */
export function formatUsd(m: Micros): string {
  const sign = m < 0 ? "-" : "";
  return `${sign}$${(Math.abs(m) / MICROS_PER_UNIT).toFixed(2)}`;
}
