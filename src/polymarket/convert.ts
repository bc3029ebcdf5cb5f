import type { Level, OrderBook } from "../domain/book.ts";
import { PolycopyError } from "../domain/errors.ts";
import type { LeaderEvent, LeaderFill, SourceKind } from "../domain/fill.ts";
import { assertPrice, type FeeSchedule, type Market, NO_FEE } from "../domain/market.ts";
import { quoted } from "../domain/printable.ts";
import { parseWith } from "../domain/validation.ts";
import { parseDataApiRecord } from "./data-api-record.ts";
import { clobBookSchema, gammaMarketSchema } from "./schemas.ts";

export { activityKey } from "./data-api-record.ts";

/** Pure conversions from validated Polymarket payloads to domain types. */

const bad = (msg: string) => new PolycopyError("PAYLOAD_INVALID", msg, { userFacing: true });

/** Validates a Gamma market object and converts it to a domain Market. `what` prefixes errors. */
export function toMarket(raw: unknown, what = "gamma market"): Market {
  const g = parseWith(gammaMarketSchema, raw, what);
  if (g.outcomes.length < 2) throw bad(`${what}: outcomes: must list at least 2 outcomes`);
  if (g.clobTokenIds.length !== g.outcomes.length) {
    throw bad(`${what}: clobTokenIds: has ${g.clobTokenIds.length} ids for ${g.outcomes.length} outcomes`);
  }
  let fee: FeeSchedule = NO_FEE;
  if (g.feeSchedule) {
    fee = { rate: g.feeSchedule.rate, exponent: g.feeSchedule.exponent, takerOnly: g.feeSchedule.takerOnly };
  } else if (g.feesEnabled === true) {
    throw bad(`${what}: feeSchedule: required when feesEnabled is true`);
  }
  let endTs: number | null = null;
  if (g.endDate) {
    endTs = Date.parse(g.endDate);
    if (!Number.isFinite(endTs)) throw bad(`${what}: endDate: not a date: "${g.endDate}"`);
  }
  const eventId = g.eventId ?? g.events?.[0]?.id ?? null;
  return {
    id: g.conditionId.toLowerCase(),
    slug: g.slug,
    question: g.question,
    eventId: eventId === null ? null : String(eventId),
    category: g.category ?? null,
    outcomes: g.outcomes.map((name, i) => ({ tokenId: g.clobTokenIds[i]!, name })),
    tickSize: g.orderPriceMinTickSize,
    minOrderSize: g.orderMinSize,
    negRisk: g.negRisk ?? false,
    fee,
    endTs,
    closed: g.closed,
    winnerIndex: g.closed ? winnerOf(g.outcomePrices) : null,
  };
}

/**
 * Where a market stands on its way to resolution, read from a Gamma market object:
 * - "open": still trading (`closed` false);
 * - "closed": trading stopped but not settled yet (UMA proposal or dispute running, or the final
 *   prices not published): check again later;
 * - "resolved": `closed`, `umaResolutionStatus` "resolved" (or absent) and `outcomePrices` one-hot.
 */
export type MarketState =
  | { kind: "open"; market: Market }
  | { kind: "closed"; market: Market; umaStatus: string | null }
  | { kind: "resolved"; market: Market; winnerIndex: number };

/**
 * Validates a Gamma market object for settlement and says whether it has resolved. Stricter than
 * toMarket: money moves on this answer, so `outcomePrices` must list one price in [0, 1] per
 * outcome, and a market Gamma calls resolved must price exactly one outcome at 1 and the others at
 * 0. Anything else (a 50-50 resolution included) is rejected with PAYLOAD_INVALID, never settled.
 */
export function toMarketState(raw: unknown, what = "gamma market"): MarketState {
  const market = toMarket(raw, what);
  const g = parseWith(gammaMarketSchema, raw, what);
  const uma = g.umaResolutionStatus ?? null;
  let prices: number[] | null = null;
  if (g.outcomePrices != null) {
    prices = g.outcomePrices.map(Number);
    if (prices.length !== g.outcomes.length)
      throw bad(
        `${what}: outcomePrices: has ${prices.length} prices for ${g.outcomes.length} outcomes (${JSON.stringify(g.outcomePrices)})`,
      );
    const i = prices.findIndex((p) => !(p >= 0 && p <= 1));
    if (i >= 0)
      throw bad(`${what}: outcomePrices[${i}]: must be a price in [0, 1], got ${g.outcomePrices[i]}`);
  }
  if (!g.closed) return { kind: "open", market };
  const winner = winnerOf(prices);
  if (uma !== null && uma !== "resolved") return { kind: "closed", market, umaStatus: uma };
  if (winner !== null) return { kind: "resolved", market, winnerIndex: winner };
  if (uma === "resolved")
    throw bad(
      `${what}: outcomePrices: a resolved market must price one outcome at 1 and the others at 0, got ${prices === null ? "none" : JSON.stringify(g.outcomePrices)} (split resolutions are not settled automatically)`,
    );
  return { kind: "closed", market, umaStatus: null };
}

/** A resolved market prices the winner at 1 and the rest at 0; anything else is not (yet) resolved. */
function winnerOf(prices: readonly (string | number)[] | null | undefined): number | null {
  if (!prices) return null;
  const p = prices.map(Number);
  const ones = p.filter((x) => x === 1).length;
  const zeros = p.filter((x) => x === 0).length;
  if (ones !== 1 || zeros !== p.length - 1) return null;
  return p.indexOf(1);
}

/**
 * Polymarket moves a market to a 0.001 tick when its price passes 0.96 or 0.04, and Gamma reports
 * only the current tick; so a historical fill near the extremes may sit on the finer grid.
 */
export function effectiveTick(price: number, marketTick: number | undefined): number {
  const tick = marketTick ?? 0.0001;
  if (tick > 0.001 && (price > 0.96 || price < 0.04)) return 0.001;
  return tick;
}

function decimalsOf(tick: number): number {
  return Math.max(0, Math.ceil(-Math.log10(tick) - 1e-9));
}

/** Checks a price (finite, inside (0,1), on the tick grid) and removes float noise. */
export function checkedPrice(price: number, marketTick: number | undefined, field: string): number {
  const tick = effectiveTick(price, marketTick);
  try {
    assertPrice(price, tick, field);
  } catch (e) {
    throw bad((e as Error).message);
  }
  return Number(price.toFixed(decimalsOf(tick)));
}

export interface ConvertOptions {
  source?: SourceKind;
}

/**
 * Validates one Data API `/activity` record (any type, or a `/trades` record without one) and
 * converts it to a LeaderEvent; returns null for an activity type polycopy does not know yet (the
 * caller counts it). `what` names the record in errors (e.g. "activity[3]"). See data-api-record.ts.
 */
export function toLeaderEvent(raw: unknown, what: string, opts: ConvertOptions = {}): LeaderEvent | null {
  return parseDataApiRecord(raw, what, { source: opts.source ?? "poll" }).event;
}

/** Validates one Data API `/trades` record (or a websocket trade payload) and converts it to a LeaderFill. */
export function tradeToFill(raw: unknown, what: string, opts: ConvertOptions = {}): LeaderFill {
  const t = (raw as { type?: unknown } | null)?.type;
  if (t !== undefined && t !== "TRADE")
    throw bad(`${what}.type: a trade record has no type or "TRADE", got ${quoted(t)}`);
  const e = parseDataApiRecord(raw, what, { source: opts.source ?? "poll" }).event;
  if (e === null || e.type !== "TRADE") throw bad(`${what}.type: not a trade`);
  return e;
}

/** Validates a CLOB `/book` response; returns the book with bids best-first and asks best-first. */
export function toOrderBook(raw: unknown, what = "clob book", nowMs: number = Date.now()): OrderBook {
  const b = parseWith(clobBookSchema, raw, what);
  const levels = (ls: readonly { price: number; size: number }[], side: string): Level[] =>
    ls.map((l, i) => ({
      price: checkedPrice(l.price, b.tick_size, `${what}.${side}[${i}].price`),
      size: l.size,
    }));
  const bids = levels(b.bids, "bids").sort((x, y) => y.price - x.price);
  const asks = levels(b.asks, "asks").sort((x, y) => x.price - y.price);
  const ts = b.timestamp == null ? nowMs : Number(b.timestamp);
  if (!Number.isFinite(ts)) throw bad(`${what}.timestamp: must be ms since epoch`);
  return { tokenId: b.asset_id, bids, asks, ts, tickSize: b.tick_size };
}
