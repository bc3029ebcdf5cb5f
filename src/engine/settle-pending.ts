/**
 * Startup reconciliation of the orders a crash left "pending" (written ahead in the ledger, the
 * venue's answer never booked), the NautilusTrader way: each is looked up at the venue by the venue
 * id written with it, its fills are booked once through the engine's normal path, and its status is
 * set. Startup refuses only when the venue cannot be asked.
 */
import { isPolycopyError, PolycopyError } from "../domain/errors.ts";
import type { Market } from "../domain/market.ts";
import type { Order, OrderStatus, OurFill } from "../domain/order.ts";
import type { Micros } from "../domain/units.ts";
import type { Store } from "../store/store.ts";
import type { Venue, VenueOrderLookup } from "../venues/venue.ts";
import type { CopyEngine } from "./engine.ts";
import type { StepRecorder } from "./step-recorder.ts";

export interface PendingResolution {
  status: OrderStatus;
  /** Fills not yet in the ledger, labelled with the ledger's order. */
  fills: OurFill[];
  /** All fills the venue reports for the order (booked before or now), micro-shares. */
  filledQty: Micros;
  reason: string;
}

/**
 * What a pending order became, from the venue's answer (null: no venue id was written, so it was
 * never sent). `booked` holds fill keys already in the ledger: a fill is never booked twice.
 */
export function resolvePending(
  order: Order,
  answer: VenueOrderLookup | null,
  booked: ReadonlySet<string>,
  /** The order was found resting and was cancelled at the venue before this (final) lookup. */
  cancelledResting = false,
): PendingResolution {
  // Cancelled by us just now, a resting order may leave no record: it ended with what it had filled.
  const lookup: VenueOrderLookup | null =
    answer?.state === "unknown" && cancelledResting ? { state: "done", fills: [] } : answer;
  if (lookup === null)
    return {
      status: "cancelled",
      fills: [],
      filledQty: 0,
      reason: "never sent: the bot stopped before the order had a venue id",
    };
  if (lookup.state === "unknown")
    return {
      status: "cancelled",
      fills: [],
      filledQty: 0,
      reason: `the venue has no trace of ${order.venueOrderId}: it never reached the CLOB (or matched nothing and was killed)`,
    };
  const fills = lookup.fills.map((f) => ({
    ...f,
    // The venue may not know our key for an order sent by an earlier process.
    orderKey: order.key,
    marketId: order.marketId,
    outcomeIndex: order.outcomeIndex,
  }));
  const filledQty = fills.reduce((s, f) => s + f.qty, 0);
  const fresh = fills.filter((f) => !booked.has(f.key));
  if (lookup.state === "open")
    return {
      status: filledQty > 0 ? "partially_filled" : "open",
      fills: fresh,
      filledQty,
      reason: `still resting on the venue with ${filledQty / 1e6} shares filled`,
    };
  // Sizes go on the wire in whole cents of a share: a fill of the rounded size is a full fill.
  const full = Math.floor(order.qty / 10_000) * 10_000;
  return {
    status: filledQty > 0 && filledQty >= full ? "filled" : filledQty > 0 ? "partially_filled" : "cancelled",
    fills: fresh,
    filledQty,
    reason: `${cancelledResting ? "was resting on the venue, cancelled there at startup; " : "found on the venue: "}${fills.length} fill(s), ${filledQty / 1e6} shares; ${fresh.length} booked now`,
  };
}

export interface SettlePendingOptions {
  store: Store;
  venue: Venue;
  engine: CopyEngine;
  rec: StepRecorder;
  markets: ReadonlyMap<string, Market>;
  /** Commits what the recorder holds (one order's settlement per commit). */
  commit: () => Promise<void>;
  now?: () => number;
  /**
   * Only these order keys (default: every pending order). While running, a placement that got no
   * answer settles just its own order; the rest of the step's orders are still to be sent.
   */
  keys?: ReadonlySet<string>;
}

/** Settles every pending order; returns them with their resolutions. Throws RECONCILE_FAILED when the venue cannot be asked. */
export async function settlePendingOrders(
  o: SettlePendingOptions,
): Promise<{ order: Order; resolution: PendingResolution }[]> {
  const pending = (await o.store.listOrders({ status: ["pending"] })).filter(
    (x) => !o.keys || o.keys.has(x.key),
  );
  const out: { order: Order; resolution: PendingResolution }[] = [];
  if (pending.length === 0) return out;
  const booked = new Set((await o.store.listFills()).map((f) => f.key));
  const now = o.now ?? Date.now;
  for (const order of pending) {
    const id = order.venueOrderId;
    let lookup: VenueOrderLookup | null = null;
    let cancelledResting = false;
    if (id) {
      const market = o.markets.get(order.marketId);
      const known = market ? { order, market } : undefined;
      try {
        lookup = await o.venue.orderStatus(id, known);
        if (lookup.state === "open") {
          // polycopy sends FAK orders, which never rest: one still on the book after a crash is
          // taken off before trading resumes, then its final fills are read.
          await o.venue.cancelOrder(id).catch((e) => {
            if (!isPolycopyError(e, "NOT_FOUND")) throw e;
          });
          cancelledResting = true;
          lookup = await o.venue.orderStatus(id, known);
        }
      } catch (e) {
        const msg = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ");
        throw new PolycopyError(
          "RECONCILE_FAILED",
          o.keys
            ? `stopping: order ${order.key} (venue id ${id}) got no answer from the CLOB and cannot be looked up: ${msg}; it stays pending and the next start settles it`
            : `refusing to trade: cannot ask the venue about order ${order.key} (venue id ${id}) left pending when the bot stopped: ${msg}; start again once the CLOB answers`,
          { userFacing: true },
        );
      }
    }
    const r = resolvePending(order, lookup, booked, cancelledResting);
    o.engine.applyVenueResult(order, { venueOrderId: id ?? "", status: r.status, fills: r.fills });
    o.rec.noteOrder(order.key, {
      venueOrderId: id,
      filledQty: r.filledQty,
      error: r.status === "cancelled" ? r.reason : order.error,
    });
    o.rec.noteAudit({
      ts: now(),
      kind: "reconcile",
      subject: order.key,
      message: `pending order ${order.key} → ${r.status}: ${r.reason}`,
      data: { venueOrderId: id, status: r.status, filledQty: r.filledQty, fills: r.fills.map((f) => f.key) },
    });
    await o.commit();
    for (const f of r.fills) booked.add(f.key);
    out.push({ order, resolution: r });
  }
  return out;
}
