import type { Side } from "./fill.ts";
import type { Micros } from "./units.ts";

/** Polymarket time-in-force: GTC/GTD rest on the book; FOK fills whole or nothing; FAK fills what it can. */
export type TimeInForce = "GTC" | "GTD" | "FOK" | "FAK";

export type OrderStatus =
  | "pending" // recorded in the ledger, not yet acknowledged by the venue
  | "open" // resting / live on the venue
  | "partially_filled"
  | "filled"
  | "cancelled"
  | "rejected"
  | "expired";

export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set([
  "filled",
  "cancelled",
  "rejected",
  "expired",
]);

/** What the strategy wants; the risk gate may resize or block it. */
export interface OrderIntent {
  /** Idempotency key, stable across restarts: derived from the leader fill key (or exit rule + position). */
  key: string;
  marketId: string;
  tokenId: string;
  outcomeIndex: number;
  side: Side;
  /** Limit price on the tick grid (worst price we accept). */
  price: number;
  /** Quantity in micro-shares. */
  qty: Micros;
  tif: TimeInForce;
  /** "entry" orders can be blocked by breakers; "exit" orders never are. */
  purpose: "entry" | "exit";
  /** Leader wallet whose fill caused the order, or null for our own exits. */
  leader: string | null;
  leaderFillKey: string | null;
  reason: string;
}

export interface Order extends OrderIntent {
  status: OrderStatus;
  /** Venue's id once acknowledged. */
  venueOrderId: string | null;
  filledQty: Micros;
  createdTs: number;
  updatedTs: number;
  error: string | null;
}

/** One of our executions. */
export interface OurFill {
  /** Idempotency key: venue trade id, or `${orderKey}:${seq}` from the simulated venue. */
  key: string;
  orderKey: string;
  marketId: string;
  tokenId: string;
  outcomeIndex: number;
  side: Side;
  price: number;
  qty: Micros;
  /** Fee paid in micro-USD. */
  fee: Micros;
  ts: number;
  role: "maker" | "taker";
}
