import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPolycopyError } from "./errors.ts";
import { assertPrice, isOnTick, roundToTick, takerFeeMicros } from "./market.ts";

describe("market prices", () => {
  it("accepts on-tick prices and rejects NaN, negative, ≥1 and off-tick ones", () => {
    assert.equal(isOnTick(0.37, 0.01), true);
    assert.equal(isOnTick(0.375, 0.01), false);
    assert.equal(isOnTick(0.375, 0.001), true);
    for (const bad of [Number.NaN, -0.1, 0, 1, 1.2, 0.375]) {
      assert.throws(
        () => assertPrice(bad, 0.01),
        (e: unknown) => isPolycopyError(e, "PRICE_INVALID"),
      );
    }
    assert.equal(assertPrice(0.42, 0.01), 0.42);
  });
  it("rounds to the tick grid in the requested direction and stays inside (0,1)", () => {
    assert.equal(roundToTick(0.3749, 0.01, "down"), 0.37);
    assert.equal(roundToTick(0.3701, 0.01, "up"), 0.38);
    assert.equal(roundToTick(0.37, 0.01, "up"), 0.37);
    assert.equal(roundToTick(0.999, 0.01, "up"), 0.99);
    assert.equal(roundToTick(0.0001, 0.01, "down"), 0.01);
  });
  it("charges the taker fee C·rate·p·(1−p), floored to 1e-5 USD", () => {
    // 100 shares at 0.5 with rate 0.07: 100·0.07·0.25 = 1.75 USD
    assert.equal(takerFeeMicros({ rate: 0.07, exponent: 1, takerOnly: true }, 0.5, 100_000_000), 1_750_000);
    assert.equal(takerFeeMicros({ rate: 0, exponent: 1, takerOnly: true }, 0.5, 100_000_000), 0);
    // 1 share at 0.99 with rate 0.07: 0.000693 USD → floored to 0.00069
    assert.equal(takerFeeMicros({ rate: 0.07, exponent: 1, takerOnly: true }, 0.99, 1_000_000), 690);
  });
});
