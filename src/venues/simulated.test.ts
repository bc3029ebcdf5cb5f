import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OrderBook } from "../domain/book.ts";
import { ManualClock } from "../domain/clock.ts";
import type { Market } from "../domain/market.ts";
import type { Order } from "../domain/order.ts";
import { SimulatedVenue } from "./simulated.ts";

const market: Market = {
  id: "m",
  slug: "m",
  question: "?",
  eventId: null,
  category: null,
  outcomes: [
    { name: "Yes", tokenId: "y" },
    { name: "No", tokenId: "n" },
  ] as Market["outcomes"],
  tickSize: 0.01,
  minOrderSize: 5,
  negRisk: false,
  fee: { rate: 0.02, exponent: 1, takerOnly: true },
  endTs: null,
  closed: false,
  winnerIndex: null,
};
const book = (_t: string, ts: number): OrderBook => ({
  tokenId: "y",
  ts,
  tickSize: 0.01,
  bids: [{ price: 0.49, size: 100 }],
  asks: [
    { price: 0.5, size: 100 },
    { price: 0.52, size: 100 },
  ],
});
const order = (over: Partial<Order>): Order => ({
  key: "k1",
  marketId: "m",
  tokenId: "y",
  outcomeIndex: 0,
  side: "BUY",
  price: 0.5,
  qty: 150_000_000,
  tif: "FAK",
  purpose: "entry",
  leader: null,
  leaderFillKey: null,
  reason: "",
  status: "pending",
  venueOrderId: null,
  filledQty: 0,
  createdTs: 0,
  updatedTs: 0,
  error: null,
  ...over,
});

describe("simulated venue", () => {
  it("walks the book up to the limit, fills partially (FAK), charges the taker fee, applies latency", () => {
    const clock = new ManualClock(1000);
    const v = new SimulatedVenue({ clock, book, latencyMs: 250, startingCash: 1_000_000_000 });
    const r = v.execute(order({}), market);
    assert.equal(r.status, "partially_filled");
    assert.equal(r.fills.length, 1);
    assert.equal(r.fills[0]!.qty, 100_000_000);
    assert.equal(r.fills[0]!.ts, 1250);
    // fee = 100 × 0.02 × 0.5 × 0.5 = 0.5 USD
    assert.equal(r.fills[0]!.fee, 500_000);
    const r2 = v.execute(order({ key: "k2", price: 0.52 }), market);
    assert.equal(r2.status, "filled");
    assert.deepEqual(
      r2.fills.map((f) => f.price),
      [0.5, 0.52],
    );
  });
  it("FOK rejects when the book cannot fill it all; the same key is never executed twice", () => {
    const v = new SimulatedVenue({
      clock: new ManualClock(0),
      book,
      latencyMs: 0,
      startingCash: 1_000_000_000,
    });
    assert.equal(v.execute(order({ tif: "FOK" }), market).status, "rejected");
    const a = v.execute(order({ key: "dup", qty: 10_000_000 }), market);
    const b = v.execute(order({ key: "dup", qty: 10_000_000 }), market);
    assert.equal(a, b);
  });
  it("never spends more cash than it has, never sells more than it holds, pays 1/0 at resolution", async () => {
    const v = new SimulatedVenue({ clock: new ManualClock(0), book, latencyMs: 0, startingCash: 10_000_000 });
    const r = v.execute(order({ qty: 100_000_000 }), market);
    const spent = r.fills.reduce((s, f) => s + Math.round(f.price * f.qty) + f.fee, 0);
    assert.ok(spent <= 10_000_000);
    const held = (await v.balances()).tokens.y!;
    const s = v.execute(order({ key: "sell", side: "SELL", price: 0.49, qty: held + 50_000_000 }), market);
    assert.equal(
      s.fills.reduce((n, f) => n + f.qty, 0),
      held,
    );
    assert.equal(v.settle("y", true), 0);
  });
});
