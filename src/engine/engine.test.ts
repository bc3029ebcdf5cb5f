import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runComparison, runStrategy } from "../backtest/run.ts";
import type { Decision } from "../domain/events.ts";
import { DEFAULT_RISK_CONFIG } from "../risk/config.ts";
import { simulate } from "../sim/simulate.ts";
import { EventBus } from "./bus.ts";

const sim = simulate({ seed: 21, days: 40, walletsPerStyle: 4 });

describe("copy engine", () => {
  it("wallet-type-aware copying beats plain proportional copying on risk-adjusted return", () => {
    const r = runComparison(sim, DEFAULT_RISK_CONFIG, { warmupDays: 14, topN: 20 });
    assert.ok(
      [...r.leaders.values()].some((l) => l.class === "market_maker"),
      "market makers among the leaders",
    );
    assert.ok(r.aware.sharpe > r.plain.sharpe, `aware ${r.aware.sharpe} vs plain ${r.plain.sharpe}`);
    assert.ok(r.aware.maxDrawdown <= r.plain.maxDrawdown);
    assert.ok(r.plain.trades > r.aware.trades);
  });

  it("records one decision per followed leader fill, with a rule for every skip or block", () => {
    const bus = new EventBus();
    const decisions: Decision[] = [];
    bus.on("decision", (e) => decisions.push(e.decision));
    const r = runComparison(sim, DEFAULT_RISK_CONFIG, { warmupDays: 14, topN: 10, bus });
    const c = r.aware.engine.counters;
    assert.equal(decisions.length, c.copied + c.resized + c.skipped + c.blocked);
    assert.equal(decisions.length, c.followedFills);
    for (const d of decisions)
      if (d.action === "skipped" || d.action === "blocked") assert.ok(d.rule, d.reason);
  });

  it("a duplicated leader event is processed once", () => {
    const leaders = new Map([
      [sim.labels[0]!.wallet, { class: "directional" as const, edge: 0.1, score: 80 }],
    ]);
    const doubled = { ...sim, events: sim.events.flatMap((e) => [e, e]) };
    const once = runStrategy("a", "aware", sim, leaders, DEFAULT_RISK_CONFIG, sim.events[0]!.ts);
    const twice = runStrategy("b", "aware", doubled, leaders, DEFAULT_RISK_CONFIG, sim.events[0]!.ts);
    // Every counter but the raw event count (duplicates of other wallets only re-mark prices).
    assert.deepEqual(
      { ...twice.engine.counters, leaderEvents: 0 },
      { ...once.engine.counters, leaderEvents: 0 },
    );
    assert.equal(twice.finalEquity, once.finalEquity);
  });

  it("the kill switch blocks entries but exits still run", () => {
    const r = runComparison(sim, DEFAULT_RISK_CONFIG, { warmupDays: 14, topN: 20 });
    const leaders = r.leaders;
    const bus = new EventBus();
    const decisions: Decision[] = [];
    bus.on("decision", (e) => decisions.push(e.decision));
    // Trip the switch halfway: afterwards no entry may be copied, but sells of held positions go through.
    const mid = r.warmupEnd + 13 * 86_400_000;
    const first = { ...sim, events: sim.events.filter((e) => e.ts < mid), resolutions: new Map() };
    const s = runStrategy("k", "aware", first, leaders, DEFAULT_RISK_CONFIG, r.warmupEnd, bus);
    const eng = s.engine;
    eng.setKillSwitch(true, "test");
    const before = eng.counters.fills;
    const exitsBefore = eng.counters.exits;
    decisions.length = 0;
    for (const e of sim.events) if (e.ts >= mid) eng.handle(e);
    assert.ok(decisions.length > 0);
    const entries = decisions.filter((d) => d.action === "copied" || d.action === "resized");
    assert.ok(
      entries.every((d) => d.rule?.startsWith("exit.")),
      "no entries after the kill switch, only exits",
    );
    assert.ok(decisions.some((d) => d.rule === "risk.kill_switch" || d.rule === "breaker.global"));
    assert.ok(eng.counters.exits >= exitsBefore);
    assert.ok(eng.counters.fills >= before);
  });

  it("a stale upstream pauses entries (blocked, stale.*) while exits still run; fresh again, entries resume", () => {
    const r = runComparison(sim, DEFAULT_RISK_CONFIG, { warmupDays: 14, topN: 20 });
    const bus = new EventBus();
    const decisions: Decision[] = [];
    bus.on("decision", (e) => decisions.push(e.decision));
    const mid = r.warmupEnd + 13 * 86_400_000;
    const end = mid + 8 * 86_400_000;
    const first = { ...sim, events: sim.events.filter((e) => e.ts < mid), resolutions: new Map() };
    const eng = runStrategy("s", "aware", first, r.leaders, DEFAULT_RISK_CONFIG, r.warmupEnd, bus).engine;
    eng.setStale("clob:book", "prices clob:book stale since … (ECONNREFUSED)");
    assert.match(eng.entriesPausedBy() ?? "", /ECONNREFUSED/);
    const fillsBefore = eng.counters.fills;
    const exitsBefore = eng.counters.exits;
    decisions.length = 0;
    for (const e of sim.events) if (e.ts >= mid && e.ts < end) eng.handle(e);
    const copied = decisions.filter((d) => d.action === "copied" || d.action === "resized");
    assert.ok(
      copied.every((d) => d.rule === "exit.leader_sold"),
      "no entry while prices are stale, only exits",
    );
    // Exits (leader sells mirrored, price and time exits) are not paused.
    assert.ok(eng.counters.exits > exitsBefore, `exits ran during the outage (${eng.counters.exits})`);
    assert.ok(eng.counters.fills > fillsBefore, "exit orders filled");
    const paused = decisions.filter((d) => d.rule === "stale.prices");
    assert.ok(paused.length > 0 && paused.every((d) => d.action === "blocked"));
    eng.setStale("clob:book", null);
    assert.equal(eng.entriesPausedBy(), null);
    decisions.length = 0;
    for (const e of sim.events) if (e.ts >= end) eng.handle(e);
    assert.ok(
      decisions.some(
        (d) => (d.action === "copied" || d.action === "resized") && d.rule !== "exit.leader_sold",
      ),
      "entries resume once fresh",
    );
    assert.ok(!decisions.some((d) => d.rule?.startsWith("stale.")));
  });
});
