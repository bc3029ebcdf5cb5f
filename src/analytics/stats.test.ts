import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  binomialTwoSidedP,
  dsrThreshold,
  jsDivergence,
  mannKendall,
  minTrackRecord,
  moments,
  psr,
  spearman,
  wilson,
} from "./stats.ts";

describe("analytics stats", () => {
  it("Wilson lower bound matches quant-notes: 0.90 on n=300 gives 0.861", () => {
    assert.equal(wilson(270, 300).low.toFixed(3), "0.861");
    assert.equal(wilson(180, 200).low.toFixed(3), "0.851");
    assert.deepEqual(wilson(0, 0), { p: 0, low: 0, high: 1 });
  });
  it("binomial test: balanced counts are not rejected, one-sided counts are", () => {
    assert.equal(binomialTwoSidedP(5, 10), 1);
    assert.ok(Math.abs(binomialTwoSidedP(0, 10) - 2 / 1024) < 1e-12);
    assert.ok(binomialTwoSidedP(3000, 5000) < 1e-6);
  });
  it("PSR is 0.5 at zero Sharpe and rises with it; MinTRL for daily SR 0.1 is ~273 days", () => {
    const flat = moments([1, -1, 1, -1]);
    assert.ok(Math.abs(psr(flat) - 0.5) < 1e-9);
    const m = { n: 365, mean: 0.1, sd: 1, skew: 0, kurt: 3 };
    assert.ok(psr(m) > 0.97);
    assert.equal(Math.round(minTrackRecord(m)), 272);
  });
  it("DSR threshold grows with the number of wallets screened", () => {
    assert.ok(dsrThreshold(1, 1000) > dsrThreshold(1, 10));
    assert.equal(dsrThreshold(1, 10).toFixed(2), "1.57");
  });
  it("Mann–Kendall finds a monotone trend; Spearman and JSD behave", () => {
    const mk = mannKendall([1, 2, 3, 4, 5, 6, 7, 8]);
    assert.ok(mk.z > 2 && mk.p < 0.01 && mk.slope === 1);
    assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
    assert.equal(jsDivergence([1, 0], [0, 1]), 1);
    assert.equal(jsDivergence([1, 1], [2, 2]), 0);
  });
});
