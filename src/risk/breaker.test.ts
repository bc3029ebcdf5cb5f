import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type BreakerSignal, forceBreaker, newBreaker, stepBreaker } from "./breaker.ts";

const opts = { hysteresis: 0.2, cooldownMs: 60_000 };
const dd = (value: number): BreakerSignal[] => [{ name: "drawdown", value, reduced: 0.05, halted: 0.1 }];

describe("circuit breaker", () => {
  it("NORMAL → REDUCED → HALTED as the metric crosses each threshold (and can jump straight to HALTED)", () => {
    let b = newBreaker("global", 0);
    b = stepBreaker(b, dd(0.04), 1, opts);
    assert.equal(b.state, "NORMAL");
    b = stepBreaker(b, dd(0.06), 2, opts);
    assert.equal(b.state, "REDUCED");
    assert.match(b.reason, /drawdown 0.060 ≥ 0.050/);
    b = stepBreaker(b, dd(0.11), 3, opts);
    assert.equal(b.state, "HALTED");
    assert.equal(stepBreaker(newBreaker("x", 0), dd(0.5), 1, opts).state, "HALTED");
  });
  it("does not step down during the cooldown", () => {
    let b = stepBreaker(newBreaker("g", 0), dd(0.11), 0, opts);
    b = stepBreaker(b, dd(0), 30_000, opts);
    assert.equal(b.state, "HALTED");
  });
  it("hysteresis: just below the threshold is not enough to step down", () => {
    let b = stepBreaker(newBreaker("g", 0), dd(0.11), 0, opts);
    b = stepBreaker(b, dd(0.09), 120_000, opts); // < 0.10 but ≥ 0.08 (0.10 × 0.8)
    assert.equal(b.state, "HALTED");
    b = stepBreaker(b, dd(0.07), 240_000, opts);
    assert.equal(b.state, "REDUCED", "steps down one level only");
    b = stepBreaker(b, dd(0.045), 250_000, opts); // below 0.05 but inside the band, and in cooldown anyway
    assert.equal(b.state, "REDUCED");
    b = stepBreaker(b, dd(0.045), 400_000, opts);
    assert.equal(b.state, "REDUCED", "0.045 ≥ 0.05 × 0.8 keeps REDUCED");
    b = stepBreaker(b, dd(0.03), 400_000, opts);
    assert.equal(b.state, "NORMAL");
    assert.equal(b.reason, "recovered");
  });
  it("a manual trip holds the given state", () => {
    const b = forceBreaker(newBreaker("g", 0), "HALTED", "kill switch", 5);
    assert.equal(b.state, "HALTED");
    assert.equal(b.since, 5);
  });
});
