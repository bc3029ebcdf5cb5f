import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_RISK_CONFIG, riskConfigSchema } from "./config.ts";
import { type GateContext, gateEntry } from "./gate.ts";

const risk = DEFAULT_RISK_CONFIG;
const ctx = (over: Partial<GateContext> = {}): GateContext => ({
  now: 0,
  killSwitch: false,
  breakers: { global: "NORMAL", cls: "NORMAL", wallet: "NORMAL" },
  profile: risk.profiles.directional,
  risk,
  marketExposureUsd: 0,
  eventWorstLossAfterUsd: 100,
  walletExposureUsd: 0,
  classExposureUsd: 0,
  totalExposureUsd: 0,
  dailyPnlUsd: 0,
  entriesLastHour: 0,
  classEntriesLastHour: 0,
  marketEndTs: null,
  cashUsd: 10_000,
  correlation: { state: "NORMAL", similarity: 0 },
  ...over,
});

describe("risk gate", () => {
  it("copies within limits", () => {
    assert.deepEqual(gateEntry(100, ctx()), {
      action: "copied",
      rule: null,
      reason: "within all limits",
      notionalUsd: 100,
    });
  });
  it("blocks on kill switch, HALTED breakers, disabled class, daily loss, frequency, time window", () => {
    const cases: [Partial<GateContext>, string][] = [
      [{ killSwitch: true }, "risk.kill_switch"],
      [{ breakers: { global: "HALTED", cls: "NORMAL", wallet: "NORMAL" } }, "breaker.global"],
      [{ breakers: { global: "NORMAL", cls: "HALTED", wallet: "NORMAL" } }, "breaker.class"],
      [{ breakers: { global: "NORMAL", cls: "NORMAL", wallet: "HALTED" } }, "breaker.wallet"],
      [{ profile: { ...risk.profiles.directional, enabled: false } }, "risk.class_disabled"],
      [{ dailyPnlUsd: -risk.dailyLossLimitUsd }, "risk.daily_loss"],
      [{ entriesLastHour: risk.profiles.directional.maxEntriesPerHour }, "breaker.frequency"],
      [{ marketEndTs: 3_600_000 }, "breaker.time_window"],
      [{ classEntriesLastHour: risk.profiles.directional.maxClassEntriesPerHour }, "breaker.class_frequency"],
    ];
    for (const [over, rule] of cases) {
      const r = gateEntry(100, ctx(over));
      assert.equal(r.action, "blocked", rule);
      assert.equal(r.rule, rule);
    }
  });
  it("resizes to each limit and names it", () => {
    const p = risk.profiles.directional;
    const cases: [number, Partial<GateContext>, string, number][] = [
      [p.maxOrderUsd + 50, {}, "risk.max_order", p.maxOrderUsd],
      [100, { marketExposureUsd: p.maxPositionPerMarketUsd - 40 }, "risk.max_position", 40],
      [100, { eventWorstLossAfterUsd: p.maxEventLossUsd + 30 }, "risk.max_event_loss", 70],
      [100, { walletExposureUsd: p.walletBudgetUsd - 20 }, "risk.wallet_budget", 20],
      [100, { classExposureUsd: p.classBudgetUsd - 10 }, "risk.class_budget", 10],
      [100, { cashUsd: 35 }, "risk.cash", 35],
      [100, { breakers: { global: "REDUCED", cls: "NORMAL", wallet: "NORMAL" } }, "breaker.reduced", 50],
      [
        100,
        {
          marketExposureUsd: 2_450,
          totalExposureUsd: 2_450,
          profile: { ...p, maxPositionPerMarketUsd: 1e6 },
        },
        "breaker.concentration",
        50,
      ],
    ];
    for (const [want, over, rule, usd] of cases) {
      const r = gateEntry(want, ctx(over));
      assert.equal(r.action, "resized", rule);
      assert.equal(r.rule, rule);
      assert.ok(Math.abs(r.notionalUsd - usd) < 1e-6, `${rule}: ${r.notionalUsd} vs ${usd}`);
    }
  });
  it("blocks when no room is left above the $1 minimum", () => {
    const r = gateEntry(100, ctx({ walletExposureUsd: risk.profiles.directional.walletBudgetUsd }));
    assert.equal(r.action, "blocked");
    assert.equal(r.rule, "risk.wallet_budget");
  });
  it("correlation breaker: cuts or blocks only entries that pile onto the other leaders' book", () => {
    const sim = risk.breakers.maxLeaderSimilarity;
    const crowd = (state: "NORMAL" | "REDUCED" | "HALTED", similarity: number) =>
      gateEntry(100, ctx({ correlation: { state, similarity } }));
    assert.equal(crowd("NORMAL", 1).action, "copied", "not tripped: no effect");
    const halted = crowd("HALTED", sim);
    assert.equal(halted.action, "blocked");
    assert.equal(halted.rule, "breaker.correlation");
    const reduced = crowd("REDUCED", 0.99);
    assert.equal(reduced.action, "resized");
    assert.equal(reduced.rule, "breaker.correlation");
    assert.equal(reduced.notionalUsd, 100 * risk.breakers.reducedSizeFactor);
    // Entries into markets the crowd does not hold, or against it, still pass while tripped.
    assert.equal(crowd("HALTED", 0).action, "copied");
    assert.equal(crowd("HALTED", -1).action, "copied");
    assert.equal(crowd("REDUCED", sim - 0.01).action, "copied");
  });
  it("config validation rejects inconsistent breakers with the field named", () => {
    const bad = { ...risk, breakers: { ...risk.breakers, drawdownHalted: 0.01 } };
    const r = riskConfigSchema.safeParse(bad);
    assert.equal(r.success, false);
    assert.deepEqual(r.error!.issues[0]!.path, ["breakers", "drawdownHalted"]);
    assert.equal(riskConfigSchema.safeParse({ ...risk, startingCashUsd: Number.NaN }).success, false);
    const corr = riskConfigSchema.safeParse({
      ...risk,
      breakers: { ...risk.breakers, correlationReduced: 0.9, correlationHalted: 0.5 },
    });
    assert.deepEqual(corr.error?.issues[0]?.path, ["breakers", "correlationHalted"]);
  });
});
