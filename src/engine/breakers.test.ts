import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../domain/clock.ts";
import type { EngineEvent } from "../domain/events.ts";
import type { LeaderFill } from "../domain/fill.ts";
import type { Market } from "../domain/market.ts";
import { DEFAULT_RISK_CONFIG } from "../risk/config.ts";
import { SimulatedVenue } from "../venues/simulated.ts";
import { EventBus } from "./bus.ts";
import { CopyEngine } from "./engine.ts";

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const LEADER = "0x00000000000000000000000000000000000000cc";
const market = (i: number): Market => ({
  id: `m${i}`,
  slug: `m${i}`,
  question: `m${i}`,
  eventId: null,
  category: null,
  outcomes: [
    { name: "Yes", tokenId: `m${i}y` },
    { name: "No", tokenId: `m${i}n` },
  ] as Market["outcomes"],
  tickSize: 0.01,
  minOrderSize: 5,
  negRisk: false,
  fee: { rate: 0, exponent: 1, takerOnly: true },
  endTs: T0 + 1000 * H,
  closed: false,
  winnerIndex: null,
});
const buy = (i: number, ts: number): LeaderFill => ({
  type: "TRADE",
  key: `f${i}`,
  wallet: LEADER,
  marketId: `m${i}`,
  tokenId: `m${i}y`,
  outcomeIndex: 0,
  side: "BUY",
  price: 0.5,
  size: 1000,
  ts,
  role: "taker",
  txHash: null,
  source: "sim",
});

describe("engine breakers", () => {
  it("a losing streak halts the wallet (entries blocked, alert raised), and it recovers step by step after the window", () => {
    const markets = new Map(Array.from({ length: 40 }, (_, i) => [`m${i}`, market(i)] as const));
    const clock = new ManualClock(T0);
    const book = (t: string, ts: number) => ({
      tokenId: t,
      ts,
      tickSize: 0.01,
      bids: [{ price: 0.49, size: 5000 }],
      asks: [{ price: 0.5, size: 5000 }],
    });
    const venue = new SimulatedVenue({ clock, book, latencyMs: 0, startingCash: 10_000_000_000 });
    const bus = new EventBus();
    const events: EngineEvent[] = [];
    bus.onAny((e) => events.push(e));
    const risk = {
      ...DEFAULT_RISK_CONFIG,
      breakers: { ...DEFAULT_RISK_CONFIG.breakers, lossStreakReduced: 3, lossStreakHalted: 5 },
    };
    const engine = new CopyEngine({
      mode: "backtest",
      strategy: "aware",
      risk,
      clock,
      venue,
      markets,
      leaders: new Map([[LEADER, { class: "directional", edge: 0.2, score: 80 }]]),
      bus,
    });
    const state = () => engine.breakers.get(`wallet:${LEADER}`)?.state ?? "NORMAL";
    // Five copied bets that each resolve against us, two hours apart.
    for (let i = 0; i < 5; i++) {
      const ts = T0 + i * 2 * H;
      engine.handle(buy(i, ts));
      engine.resolve(`m${i}`, 1, ts + H);
      if (i === 2) assert.equal(state(), "REDUCED", "three losses in a row: REDUCED");
    }
    assert.equal(state(), "HALTED");
    assert.ok(events.some((e) => e.type === "alert" && /breaker wallet:.*→ HALTED/.test(e.message)));
    // Entries from this wallet are now blocked by its breaker.
    engine.handle(buy(10, T0 + 11 * H));
    const last = events.filter((e) => e.type === "decision").at(-1);
    // The class shares the streak (all its losses came from this wallet), so both halt.
    assert.equal(engine.breakers.get("class:directional")?.state, "HALTED");
    assert.match(String(last?.type === "decision" && last.decision.rule), /^breaker\.(class|wallet)$/);
    // After the 24 h window the losses age out; recovery steps down one level per cooldown.
    const states: string[] = [];
    for (let k = 0; k < 8; k++) {
      engine.handle(buy(20 + k, T0 + 40 * H + k * 0.5 * H));
      states.push(state());
    }
    assert.ok(states.includes("REDUCED"), `steps through REDUCED: ${states.join(",")}`);
    assert.equal(states.at(-1), "NORMAL");
    assert.ok(states.indexOf("NORMAL") > states.indexOf("REDUCED"));
  });
});

describe("correlation breaker", () => {
  it("trips when the leaders' books crowd into the same bets, blocks only entries that pile on, and recovers after they part", () => {
    const markets = new Map(Array.from({ length: 20 }, (_, i) => [`m${i}`, market(i)] as const));
    const clock = new ManualClock(T0);
    const book = (t: string, ts: number) => ({
      tokenId: t,
      ts,
      tickSize: 0.01,
      bids: [{ price: 0.49, size: 50_000 }],
      asks: [{ price: 0.5, size: 50_000 }],
    });
    const venue = new SimulatedVenue({ clock, book, latencyMs: 0, startingCash: 10_000_000_000 });
    const bus = new EventBus();
    const events: EngineEvent[] = [];
    bus.onAny((e) => events.push(e));
    const wallets = ["a", "b", "c", "d", "e"].map((x) => `0x${x.repeat(40)}`);
    const [A, B, C, D, E] = wallets as [string, string, string, string, string];
    const engine = new CopyEngine({
      mode: "backtest",
      strategy: "aware",
      risk: DEFAULT_RISK_CONFIG,
      clock,
      venue,
      markets,
      leaders: new Map(wallets.map((w) => [w, { class: "directional" as const, edge: 0.2, score: 80 }])),
      bus,
    });
    const trade = (key: string, wallet: string, m: number, side: "BUY" | "SELL", minutes: number) => {
      engine.handle({ ...buy(m, T0 + minutes * 60_000), key, wallet, side });
      const d = events.filter((e) => e.type === "decision").at(-1);
      return d?.type === "decision" ? d.decision : undefined;
    };
    const state = () => engine.breakers.get("correlation")?.state;
    assert.equal(state(), "NORMAL", "the correlation breaker exists (and is shown) from the start");

    trade("a1", A, 1, "BUY", 0);
    trade("b1", B, 1, "BUY", 1);
    assert.equal(state(), "NORMAL", "two leaders are below the minimum to judge crowding");
    trade("c1", C, 1, "BUY", 2);
    assert.equal(state(), "HALTED", "three leaders, one bet: crowding 1");
    assert.ok(events.some((e) => e.type === "breaker" && e.scope === "correlation" && e.to === "HALTED"));
    assert.ok(
      events.some((e) => e.type === "alert" && /breaker correlation: NORMAL → HALTED/.test(e.message)),
    );

    const pileOn = trade("d1", D, 1, "BUY", 3);
    assert.equal(pileOn?.action, "blocked");
    assert.equal(pileOn?.rule, "breaker.correlation");
    const elsewhere = trade("d2", D, 2, "BUY", 4);
    assert.equal(
      elsewhere?.action,
      "copied",
      `a market the crowd does not hold passes: ${elsewhere?.reason}`,
    );

    // Exits always run; once A and B are out, C and D hold unrelated books.
    for (const [k, w] of [
      ["a2", A],
      ["b2", B],
    ] as const) {
      const d = trade(k, w, 1, "SELL", 10);
      assert.equal(d?.action, "copied", `exit of ${w}: ${d?.reason}`);
    }
    assert.equal(state(), "HALTED", "no release before the cooldown");
    const seen: string[] = [];
    for (let k = 0; k < 6; k++) {
      trade(`e${k}`, E, 10 + k, "BUY", 30 + k * 40);
      seen.push(String(state()));
    }
    assert.ok(seen.includes("REDUCED"), `steps down through REDUCED: ${seen.join(",")}`);
    assert.equal(seen.at(-1), "NORMAL");
  });
});
