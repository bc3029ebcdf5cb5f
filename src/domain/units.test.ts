import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatUsd, fromMicros, notionalMicros, toMicros } from "./units.ts";

describe("units", () => {
  it("converts decimals to integer micros and back", () => {
    assert.equal(toMicros(1.234567), 1_234_567);
    assert.equal(toMicros(0.1 + 0.2), 300_000);
    assert.equal(toMicros(-2.5), -2_500_000);
    assert.equal(fromMicros(1_500_000), 1.5);
  });
  it("rejects non-finite amounts", () => {
    assert.throws(() => toMicros(Number.NaN), /finite/);
    assert.throws(() => toMicros(Number.POSITIVE_INFINITY), /finite/);
  });
  it("computes notional in micros without float drift", () => {
    assert.equal(notionalMicros(0.37, 10_000_000), 3_700_000);
    let sum = 0;
    for (let i = 0; i < 1000; i++) sum += notionalMicros(0.01, 1_000_000);
    assert.equal(sum, 10_000_000);
  });
  it("formats dollars", () => {
    assert.equal(formatUsd(-1_234_567), "-$1.23");
    assert.equal(formatUsd(5_000_000), "$5.00");
  });
});
