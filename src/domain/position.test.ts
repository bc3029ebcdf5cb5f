import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  applyFill,
  emptyPosition,
  settlePosition,
  unrealizedMicros,
  yesEquivalent,
  yesEquivalentDelta,
} from "./position.ts";

describe("positions", () => {
  const p0 = emptyPosition("m", "t", 0);
  it("buys add cost, sells realize PnL against average cost", () => {
    const p1 = applyFill(p0, { side: "BUY", price: 0.4, qty: 10_000_000, fee: 0, ts: 1 });
    const p2 = applyFill(p1, { side: "BUY", price: 0.6, qty: 10_000_000, fee: 0, ts: 2 });
    assert.equal(p2.qty, 20_000_000);
    assert.equal(p2.cost, 10_000_000);
    assert.equal(p2.openedTs, 1);
    const p3 = applyFill(p2, { side: "SELL", price: 0.7, qty: 5_000_000, fee: 10_000, ts: 3 });
    assert.equal(p3.qty, 15_000_000);
    assert.equal(p3.cost, 7_500_000);
    assert.equal(p3.realized, 3_500_000 - 10_000 - 2_500_000);
    const p4 = applyFill(p3, { side: "SELL", price: 0.5, qty: 15_000_000, fee: 0, ts: 4 });
    assert.equal(p4.qty, 0);
    assert.equal(p4.cost, 0);
    assert.equal(p4.openedTs, null);
  });
  it("refuses to sell more than held and non-integer quantities", () => {
    assert.throws(() => applyFill(p0, { side: "SELL", price: 0.5, qty: 1, fee: 0, ts: 1 }), /only 0 held/);
    assert.throws(
      () => applyFill(p0, { side: "BUY", price: 0.5, qty: 1.5, fee: 0, ts: 1 }),
      /positive integer/,
    );
  });
  it("settles at resolution: winners pay 1, losers 0", () => {
    const p = applyFill(p0, { side: "BUY", price: 0.25, qty: 4_000_000, fee: 0, ts: 1 });
    assert.equal(unrealizedMicros(p, 0.5), 1_000_000);
    assert.equal(settlePosition(p, true, 2).realized, 3_000_000);
    assert.equal(settlePosition(p, false, 2).realized, -1_000_000);
  });
  it("reads buying both outcomes as flat YES-equivalent inventory", () => {
    assert.equal(yesEquivalent([5_000_000, 5_000_000]), 0);
    assert.equal(yesEquivalent([5_000_000, 2_000_000]), 3_000_000);
    assert.equal(yesEquivalentDelta(1, "BUY", 3), -3);
    assert.equal(yesEquivalentDelta(1, "SELL", 3), 3);
    assert.equal(yesEquivalentDelta(0, "SELL", 3), -3);
  });
});
