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
