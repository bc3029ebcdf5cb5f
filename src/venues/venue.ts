import type { OrderBook } from "../domain/book.ts";
import type { Market } from "../domain/market.ts";
import type { Order, OrderStatus, OurFill } from "../domain/order.ts";
import type { Micros } from "../domain/units.ts";

export interface PlaceOrderResult {
  venueOrderId: string;
  status: OrderStatus;
  /** Fills known at placement time; more may arrive later (FAK can report `live` and fill later). */
  fills: OurFill[];
  /** The venue is still working the order (the CLOB answered `live` or `delayed`): fills may follow. */
  working?: boolean;
}

export interface VenueOrderState {
  venueOrderId: string;
  orderKey: string;
  status: OrderStatus;
  filledQty: Micros;
}

/**
 * What the venue knows of one order, looked up by its venue id (startup reconciliation after a
 * crash): no trace of it (it never reached the venue, or a FAK/FOK that matched nothing and left no
 * record), still resting with what has filled so far, or done with its fills.
 */
export type VenueOrderLookup =
  | { state: "unknown" }
  | { state: "open"; filledQty: Micros; fills: OurFill[] }
  | { state: "done"; fills: OurFill[] };

export interface VenueBalances {
  /** Collateral (pUSD) available, micro-USD. */
  cash: Micros;
  /** Token balances in micro-shares, by token id. */
  tokens: Record<string, Micros>;
}

/**
 * Where orders go. The simulated venue and the Polymarket venue implement this one interface and
 * run one shared contract test suite; the engine never knows which it has.
 */
export interface Venue {
  readonly name: "simulated" | "polymarket";
  /**
   * Fixes the order's venue id before it is sent (pre-trade checks, signing), so the caller can write
   * it ahead in the ledger; `placeOrder` then sends exactly this order. Idempotent by order key.
   */
  prepareOrder(order: Order, market: Market): Promise<{ venueOrderId: string }>;
  /** Places an order; `order.key` is the idempotency key and is sent as client metadata when possible. */
  placeOrder(order: Order, market: Market): Promise<PlaceOrderResult>;
  /**
   * Looks an order up by its venue id. `known` (the ledger's order and its market) lets the venue
   * label the fills with our order key and price their fees. Throws when the venue cannot be asked.
   */
  orderStatus(venueOrderId: string, known?: { order: Order; market: Market }): Promise<VenueOrderLookup>;
  cancelOrder(venueOrderId: string): Promise<void>;
  /** Orders the venue considers open (for startup reconciliation). */
  openOrders(): Promise<VenueOrderState[]>;
  /** Our fills since ts (for reconciliation after a crash). */
  fillsSince(ts: number): Promise<OurFill[]>;
  /** Cash and token balances; `tokens` names tokens to report besides those traded in this process. */
  balances(tokens?: readonly string[]): Promise<VenueBalances>;
  orderBook(tokenId: string): Promise<OrderBook>;
}
