/**
 * Simulated venue for backtest and paper trading: walks the order book as it stands after our
 * latency, fills partially up to the limit price, charges the market's taker fee, and pays 1/0 at
 * resolution. Our own orders do not deplete later snapshots (each book is the market's snapshot
 * at that moment), which is optimistic only for orders large relative to depth: the liquidity
 * filter keeps ours small.
 */
import type { OrderBook } from "../domain/book.ts";
import type { Clock } from "../domain/clock.ts";
import { PolycopyError } from "../domain/errors.ts";
import { type Market, takerFeeMicros } from "../domain/market.ts";
import type { Order, OurFill } from "../domain/order.ts";
import { type Micros, notionalMicros, toMicros } from "../domain/units.ts";
import type { PlaceOrderResult, Venue, VenueBalances, VenueOrderLookup, VenueOrderState } from "./venue.ts";

export interface SimulatedVenueOptions {
  clock: Clock;
  /** Book of a token at a time (the simulator's, or a recorded one). */
  book(tokenId: string, ts: number): OrderBook;
  latencyMs: number;
  startingCash: Micros;
}

export class SimulatedVenue implements Venue {
  readonly name = "simulated" as const;
  readonly #o: SimulatedVenueOptions;
  #cash: Micros;
  readonly #tokens = new Map<string, Micros>();
  readonly #fills: OurFill[] = [];
  readonly #seen = new Map<string, PlaceOrderResult>();
  #seq = 0;

  constructor(o: SimulatedVenueOptions) {
    this.#o = o;
    this.#cash = o.startingCash;
  }

  /** Synchronous core (the engine's hot path in backtests); `placeOrder` wraps it. */
  execute(order: Order, market: Market): PlaceOrderResult {
    // Idempotent by order key, like a venue that dedupes client order ids.
    const prior = this.#seen.get(order.key);
    if (prior) return prior;
    const ts = this.#o.clock.now() + this.#o.latencyMs;
    const book = this.#o.book(order.tokenId, ts);
    const levels = order.side === "BUY" ? book.asks : book.bids;
    const fills: OurFill[] = [];
    let left = order.qty;
    let cash = this.#cash;
    let held = this.#tokens.get(order.tokenId) ?? 0;
    const fillable = (p: number) =>
      order.side === "BUY" ? p <= order.price + 1e-9 : p >= order.price - 1e-9;
    let available = 0;
    for (const l of levels) if (fillable(l.price)) available += toMicros(l.size);
    if (order.tif === "FOK" && available < order.qty) return this.#remember(order, "rejected", fills);
    for (const l of levels) {
      if (left <= 0 || !fillable(l.price)) break;
      let q = Math.min(left, toMicros(l.size));
      if (order.side === "SELL") q = Math.min(q, held);
      if (order.side === "BUY") {
        const unit = notionalMicros(l.price, 1_000_000) + takerFeeMicros(market.fee, l.price, 1_000_000);
        const affordable = Math.floor((cash / Math.max(1, unit)) * 1_000_000);
        q = Math.min(q, affordable);
      }
      if (q <= 0) break;
      const fee = takerFeeMicros(market.fee, l.price, q);
      const notional = notionalMicros(l.price, q);
      if (order.side === "BUY") {
        cash -= notional + fee;
        held += q;
      } else {
        cash += notional - fee;
        held -= q;
      }
      fills.push({
        key: `${order.key}:${this.#seq++}`,
        orderKey: order.key,
        marketId: order.marketId,
        tokenId: order.tokenId,
        outcomeIndex: order.outcomeIndex,
        side: order.side,
        price: l.price,
        qty: q,
        fee,
        ts,
        role: "taker",
      });
      left -= q;
    }
    this.#cash = cash;
    this.#tokens.set(order.tokenId, held);
    this.#fills.push(...fills);
    const status =
      left <= 0
        ? "filled"
        : fills.length > 0
          ? "partially_filled"
          : order.tif === "FOK"
            ? "rejected"
            : "cancelled";
    return this.#remember(order, status, fills);
  }

  #remember(order: Order, status: PlaceOrderResult["status"], fills: OurFill[]): PlaceOrderResult {
    const r = { venueOrderId: simId(order.key), status, fills };
    this.#seen.set(order.key, r);
    return r;
  }

  async prepareOrder(order: Order): Promise<{ venueOrderId: string }> {
    return { venueOrderId: simId(order.key) };
  }

  async orderStatus(venueOrderId: string): Promise<VenueOrderLookup> {
    const r = venueOrderId.startsWith("sim-") ? this.#seen.get(venueOrderId.slice(4)) : undefined;
    // Simulated orders never rest: once placed they are done.
    return r ? { state: "done", fills: [...r.fills] } : { state: "unknown" };
  }

  async placeOrder(order: Order, market: Market): Promise<PlaceOrderResult> {
    return this.execute(order, market);
  }

  /** Paper trading on a live feed: balances come back from the ledger after a restart. */
  restore(cash: Micros, tokens: Readonly<Record<string, Micros>>): void {
    this.#cash = cash;
    this.#tokens.clear();
    for (const [t, q] of Object.entries(tokens)) if (q > 0) this.#tokens.set(t, q);
  }

  /** Resolution: winning tokens pay $1 per share, losing ones 0. */
  settle(tokenId: string, won: boolean): Micros {
    const q = this.#tokens.get(tokenId) ?? 0;
    this.#tokens.delete(tokenId);
    const pay = won ? q : 0;
    this.#cash += pay;
    return pay;
  }

  async cancelOrder(venueOrderId: string): Promise<void> {
    // Simulated orders never rest: FAK/FOK/GTC remainders are cancelled at placement.
    if (!venueOrderId.startsWith("sim-"))
      throw new PolycopyError("NOT_FOUND", `unknown simulated order ${venueOrderId}`);
  }

  async openOrders(): Promise<VenueOrderState[]> {
    return [];
  }

  async fillsSince(ts: number): Promise<OurFill[]> {
    return this.#fills.filter((f) => f.ts >= ts);
  }

  async balances(): Promise<VenueBalances> {
    return { cash: this.#cash, tokens: Object.fromEntries(this.#tokens) };
  }

  /** The book as the venue will see it at `ts` (used for pre-trade checks in backtests). */
  orderBookSync(tokenId: string, ts: number): OrderBook {
    return this.#o.book(tokenId, ts);
  }

  async orderBook(tokenId: string): Promise<OrderBook> {
    return this.#o.book(tokenId, this.#o.clock.now());
  }
}

/** The simulated venue's order id: deterministic from the order key, so it is known before placement. */
function simId(orderKey: string): string {
  return `sim-${orderKey}`;
}
