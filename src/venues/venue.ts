import type { OrderBook } from "../domain/book.ts";
import type { Market } from "../domain/market.ts";
import type { Order, OrderStatus, OurFill } from "../domain/order.ts";
import type { Micros } from "../domain/units.ts";

export interface PlaceOrderResult {
  venueOrderId: string;
  status: OrderStatus;
  /** Fills known at placement time; more may arrive later (FAK can report `live` and fill later). */
  fills: OurFill[];
}

export interface VenueOrderState {
  venueOrderId: string;
  orderKey: string;
  status: OrderStatus;
  filledQty: Micros;
}

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
  /** Places an order; `order.key` is the idempotency key and is sent as client metadata when possible. */
  placeOrder(order: Order, market: Market): Promise<PlaceOrderResult>;
  cancelOrder(venueOrderId: string): Promise<void>;
  /** Orders the venue considers open (for startup reconciliation). */
  openOrders(): Promise<VenueOrderState[]>;
  /** Our fills since ts (for reconciliation after a crash). */
  fillsSince(ts: number): Promise<OurFill[]>;
  balances(): Promise<VenueBalances>;
  orderBook(tokenId: string): Promise<OrderBook>;
}
