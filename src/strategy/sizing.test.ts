import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_RISK_CONFIG } from "../risk/config.ts";
import { PriceVolatility, sizeEntry } from "./sizing.ts";

const s = DEFAULT_RISK_CONFIG.sizing;
const base = {
  leaderNotionalUsd: 1000,
  copyRatio: 0.1,
  maxOrderUsd: 250,
  price: 0.5,
  edge: 0.1,
  volPerHour: null,
  bankrollUsd: 10_000,
  useKelly: false,
};

describe("entry sizing", () => {
  it("copies the leader's notional × copy ratio, capped at 4 × max order", () => {
    assert.equal(sizeEntry(base, s).usd, 100);
    assert.equal(sizeEntry({ ...base, leaderNotionalUsd: 1e7 }, s).usd, 1000);
  });
  it("sizes down on a jumpy price and up (bounded) on a calm one", () => {
    const jumpy = sizeEntry({ ...base, volPerHour: s.targetVolPerHour * 4 }, s);
    assert.equal(jumpy.volFactor, 0.25);
    assert.equal(jumpy.usd, 25);
    const calm = sizeEntry({ ...base, volPerHour: s.targetVolPerHour / 100 }, s);
    assert.equal(calm.volFactor, s.maxVolFactor);
  });
  it("caps by fractional Kelly on the leader's edge; no edge, no stake", () => {
    // f* = 0.1 / (1 − 0.5) = 0.2; × 0.5 × 10,000 = 1,000 ≥ 100: not binding.
    assert.equal(sizeEntry({ ...base, useKelly: true }, s).kellyCapUsd, 1000);
    const thin = sizeEntry({ ...base, useKelly: true, edge: 0.004 }, s);
    assert.equal(thin.usd, 40);
    assert.equal(sizeEntry({ ...base, useKelly: true, edge: -0.05 }, s).usd, 0);
  });
  it("estimates volatility from price changes per √hour and ignores repeats", () => {
    const v = new PriceVolatility(0.5);
    const t = Date.UTC(2026, 0, 1);
    for (let i = 0; i <= 6; i++) v.observe("t", i % 2 ? 0.55 : 0.45, t + i * 3_600_000);
    assert.ok(Math.abs(v.perHour("t")! - 0.1) < 1e-9);
    v.observe("t", 0.45, t + 6 * 3_600_000);
    assert.ok(Math.abs(v.perHour("t")! - 0.1) < 1e-9, "a duplicate changes nothing");
    assert.equal(v.perHour("other"), null);
  });
});
