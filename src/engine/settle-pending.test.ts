import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Order, OurFill } from "../domain/order.ts";
import { resolvePending } from "./settle-pending.ts";

const order: Order = {
  key: "copy:x",
  marketId: "m1",
  tokenId: "t1",
  outcomeIndex: 1,
  side: "BUY",
  price: 0.5,
  qty: 10_004_000, // 10.004 shares: the wire carries 10.00
  tif: "FAK",
  purpose: "entry",
  leader: "0xabc",
  leaderFillKey: "x",
  reason: "",
  status: "pending",
  venueOrderId: `0x${"1".repeat(64)}`,
  filledQty: 0,
  createdTs: 1,
  updatedTs: 1,
  error: null,
};
const fill = (key: string, qty: number): OurFill => ({
  key,
  orderKey: order.venueOrderId!, // what a venue that does not know our key reports
  marketId: "",
  tokenId: "t1",
  outcomeIndex: 0,
  side: "BUY",
  price: 0.5,
  qty,
  fee: 0,
  ts: 1,
  role: "taker",
});

describe("resolvePending", () => {
  it("no venue id: never sent, cancelled", () => {
    const r = resolvePending({ ...order, venueOrderId: null }, null, new Set());
    assert.equal(r.status, "cancelled");
    assert.match(r.reason, /never sent/);
  });

  it("unknown to the venue: cancelled, nothing booked", () => {
    const r = resolvePending(order, { state: "unknown" }, new Set());
    assert.deepEqual([r.status, r.fills, r.filledQty], ["cancelled", [], 0]);
    assert.match(r.reason, /no trace of 0x1{64}/);
  });

  it("done: books only fills not yet in the ledger, labelled with the ledger's order", () => {
    const r = resolvePending(
      order,
      { state: "done", fills: [fill("a", 6_000_000), fill("b", 4_000_000)] },
      new Set(["a"]),
    );
    assert.equal(r.status, "filled", "10.00 of 10.004 shares is the whole wire size");
    assert.equal(r.filledQty, 10_000_000);
    assert.deepEqual(
      r.fills.map((f) => [f.key, f.orderKey, f.marketId, f.outcomeIndex]),
      [["b", "copy:x", "m1", 1]],
    );
  });

  it("done with less than the size: partially filled; open: still resting", () => {
    assert.equal(
      resolvePending(order, { state: "done", fills: [fill("a", 3_000_000)] }, new Set()).status,
      "partially_filled",
    );
    assert.equal(resolvePending(order, { state: "open", filledQty: 0, fills: [] }, new Set()).status, "open");
    const p = resolvePending(order, { state: "open", filledQty: 2e6, fills: [fill("c", 2e6)] }, new Set());
    assert.deepEqual([p.status, p.filledQty, p.fills.length], ["partially_filled", 2e6, 1]);
  });
});
