/**
 * The one contract every Venue meets, run against the simulated venue and against the Polymarket
 * venue talking to the local stand-in (venue.contract.test.ts). A harness builds a fresh venue whose
 * market trades against `CONTRACT_BOOK`, with the given cash and token holdings.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { Level } from "../domain/book.ts";
import { isPolycopyError } from "../domain/errors.ts";
import type { Market } from "../domain/market.ts";
import type { Order, TimeInForce } from "../domain/order.ts";
import type { Venue } from "./venue.ts";

export const CONTRACT_BOOK: { bids: Level[]; asks: Level[] } = {
  bids: [
    { price: 0.48, size: 100 },
    { price: 0.47, size: 200 },
  ],
  asks: [
    { price: 0.52, size: 100 },
    { price: 0.53, size: 200 },
    { price: 0.55, size: 500 },
  ],
};

export interface ContractSetup {
  /** pUSD, USD. */
  cash: number;
  /** Shares held at start, by token id (the harness maps "yes" to the market's first token). */
  yesShares: number;
}

export interface VenueHarness {
  venue: Venue;
  market: Market;
  close(): Promise<void>;
}

let seq = 0;
export function contractOrder(
  market: Market,
  side: "BUY" | "SELL",
  price: number,
  shares: number,
  tif: TimeInForce,
  key = `contract-${process.pid}-${++seq}`,
): Order {
  return {
    key,
    marketId: market.id,
    tokenId: market.outcomes[0]!.tokenId,
    outcomeIndex: 0,
    side,
    price,
    qty: Math.round(shares * 1e6),
    tif,
    purpose: "entry",
    leader: null,
    leaderFillKey: null,
    reason: "contract",
    status: "pending",
    venueOrderId: null,
    filledQty: 0,
    createdTs: Date.now(),
    updatedTs: Date.now(),
    error: null,
  };
}

const sum = (xs: readonly { qty: number }[]) => xs.reduce((s, x) => s + x.qty, 0);

export function runVenueContract(name: string, make: (s: ContractSetup) => Promise<VenueHarness>): void {
  describe(`Venue contract: ${name}`, () => {
    const open: VenueHarness[] = [];
    const fresh = async (s: Partial<ContractSetup> = {}) => {
      const h = await make({ cash: 1000, yesShares: 0, ...s });
      open.push(h);
      return h;
    };
    after(async () => {
      for (const h of open) await h.close();
    });

    it("a marketable buy within depth fills fully at book prices, and balances follow", async () => {
      const { venue, market } = await fresh();
      const before = await venue.balances();
      const r = await venue.placeOrder(contractOrder(market, "BUY", 0.53, 150, "FAK"), market);
      assert.equal(r.status, "filled");
      assert.equal(sum(r.fills), 150_000_000);
      assert.deepEqual(
        r.fills.map((f) => [f.price, f.qty]),
        [
          [0.52, 100_000_000],
          [0.53, 50_000_000],
        ],
      );
      const b = await venue.balances();
      assert.equal(b.tokens[market.outcomes[0]!.tokenId], 150_000_000);
      const notional = Math.round(0.52 * 100e6) + Math.round(0.53 * 50e6);
      const fees = sum(r.fills.map((f) => ({ qty: f.fee })));
      assert.equal(before.cash - b.cash, notional + fees);
    });

    it("a FAK beyond depth fills partially up to the limit price", async () => {
      const { venue, market } = await fresh();
      const r = await venue.placeOrder(contractOrder(market, "BUY", 0.53, 400, "FAK"), market);
      assert.equal(r.status, "partially_filled");
      assert.equal(sum(r.fills), 300_000_000);
      assert.ok(r.fills.every((f) => f.price <= 0.53));
    });

    it("a FOK that cannot fill whole is rejected and changes nothing", async () => {
      const { venue, market } = await fresh();
      const before = await venue.balances();
      const r = await venue.placeOrder(contractOrder(market, "BUY", 0.53, 400, "FOK"), market);
      assert.equal(r.status, "rejected");
      assert.equal(r.fills.length, 0);
      assert.deepEqual(await venue.balances(), before);
      const ok = await venue.placeOrder(contractOrder(market, "BUY", 0.53, 300, "FOK"), market);
      assert.equal(ok.status, "filled");
      assert.equal(sum(ok.fills), 300_000_000);
    });

    it("a non-crossing GTC is never filled; after cancelOrder it is not open", async () => {
      const { venue, market } = await fresh();
      const r = await venue.placeOrder(contractOrder(market, "BUY", 0.4, 10, "GTC"), market);
      assert.equal(r.fills.length, 0);
      assert.ok(r.status === "open" || r.status === "cancelled", r.status);
      const listed = (await venue.openOrders()).some((o) => o.venueOrderId === r.venueOrderId);
      assert.equal(listed, r.status === "open");
      await venue.cancelOrder(r.venueOrderId);
      assert.ok(!(await venue.openOrders()).some((o) => o.venueOrderId === r.venueOrderId));
      await assert.rejects(venue.cancelOrder(unknownId(r.venueOrderId)), (e) =>
        isPolycopyError(e, "NOT_FOUND"),
      );
    });

    it("fillsSince returns our fills with their order key, once each", async () => {
      const { venue, market } = await fresh();
      const t0 = Date.now() - 60_000;
      const o = contractOrder(market, "BUY", 0.55, 120, "FAK");
      const r = await venue.placeOrder(o, market);
      const fills = await venue.fillsSince(t0);
      assert.equal(sum(fills), sum(r.fills));
      assert.ok(fills.every((f) => f.orderKey === o.key));
      assert.equal(new Set(fills.map((f) => f.key)).size, fills.length);
      assert.deepEqual(await venue.fillsSince(Date.now() + 3_600_000), []);
    });

    it("placement is idempotent by order key", async () => {
      const { venue, market } = await fresh();
      const o = contractOrder(market, "BUY", 0.53, 50, "FAK");
      const [a, b] = await Promise.all([venue.placeOrder(o, market), venue.placeOrder(o, market)]);
      const c = await venue.placeOrder(o, market);
      assert.equal(a.venueOrderId, b.venueOrderId);
      assert.equal(a.venueOrderId, c.venueOrderId);
      assert.equal((await venue.balances()).tokens[market.outcomes[0]!.tokenId], 50_000_000);
      assert.equal(sum(await venue.fillsSince(0)), 50_000_000);
    });

    it("never sells more than it holds", async () => {
      const { venue, market } = await fresh({ yesShares: 20 });
      const r = await venue.placeOrder(contractOrder(market, "SELL", 0.47, 40, "FAK"), market);
      assert.ok(sum(r.fills) <= 20_000_000, `sold ${sum(r.fills)}`);
      const left = (await venue.balances()).tokens[market.outcomes[0]!.tokenId] ?? 0;
      assert.equal(left, 20_000_000 - sum(r.fills));
      assert.ok(left >= 0);
    });

    it("prepareOrder fixes the venue id before sending; placeOrder sends that order; orderStatus finds it", async () => {
      const { venue, market } = await fresh();
      const o = contractOrder(market, "BUY", 0.53, 150, "FAK");
      const before = await venue.balances();
      const { venueOrderId: id } = await venue.prepareOrder(o, market);
      assert.ok(id.length > 0);
      assert.equal((await venue.prepareOrder(o, market)).venueOrderId, id, "prepared once per order key");
      // Prepared is not sent: the venue has no trace of it and nothing moved.
      assert.deepEqual(await venue.orderStatus(id), { state: "unknown" });
      assert.deepEqual(await venue.balances(), before);
      const r = await venue.placeOrder(o, market);
      assert.equal(r.venueOrderId, id);
      assert.equal(r.status, "filled");
      const seen = await venue.orderStatus(id, { order: o, market });
      assert.equal(seen.state, "done");
      const fills = seen.state === "done" ? seen.fills : [];
      assert.deepEqual(
        fills.map((f) => [f.key, f.orderKey, f.price, f.qty, f.fee]).sort(),
        r.fills.map((f) => [f.key, f.orderKey, f.price, f.qty, f.fee]).sort(),
      );
      assert.equal(sum(fills), 150_000_000);
    });

    it("orderStatus: an order that filled nothing has no fills, a resting one is open, a foreign id is unknown", async () => {
      const { venue, market } = await fresh();
      const killed = contractOrder(market, "BUY", 0.4, 10, "FAK");
      const k = await venue.placeOrder(killed, market);
      assert.equal(k.fills.length, 0);
      const ks = await venue.orderStatus(k.venueOrderId);
      assert.ok(ks.state !== "open" && (ks.state === "unknown" || ks.fills.length === 0), ks.state);
      const gtc = await venue.placeOrder(contractOrder(market, "BUY", 0.4, 10, "GTC"), market);
      const gs = await venue.orderStatus(gtc.venueOrderId);
      if (gtc.status === "open") assert.deepEqual(gs, { state: "open", filledQty: 0, fills: [] });
      else assert.ok(gs.state === "unknown" || gs.fills.length === 0);
      assert.deepEqual(await venue.orderStatus(unknownId(gtc.venueOrderId)), { state: "unknown" });
    });

    it("orderBook is the market's book, best levels first", async () => {
      const { venue, market } = await fresh();
      const b = await venue.orderBook(market.outcomes[0]!.tokenId);
      assert.deepEqual(b.asks, CONTRACT_BOOK.asks);
      assert.deepEqual(b.bids, CONTRACT_BOOK.bids);
    });
  });
}

/** An id of the venue's own shape that it never issued. */
function unknownId(like: string): string {
  if (like.startsWith("0x")) return `0x${"0".repeat(64)}`;
  return "no-such-order";
}
