/**
 * A leader fill's Data API price is an average over the levels walked, off the tick grid. It must
 * flow through classification, paper trading and the backtest unchanged, while our own orders stay
 * on the market's tick.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runComparison } from "../src/backtest/run.ts";
import { analyzeEvents } from "../src/cli/commands/analyze-file.ts";
import { isOnTick } from "../src/domain/market.ts";
import type { Order } from "../src/domain/order.ts";
import { Rng } from "../src/domain/rng.ts";
import { EventBus } from "../src/engine/bus.ts";
import { DEFAULT_RISK_CONFIG } from "../src/risk/config.ts";
import { simulate } from "../src/sim/simulate.ts";

describe("leader prices off the tick grid", () => {
  it("are classified and copied; every order we place is on the market's tick", () => {
    const sim = simulate({ seed: 21, days: 30, walletsPerStyle: 2 });
    const rng = new Rng(5);
    const ticks = new Map(sim.markets.map((m) => [m.id, m.tickSize]));
    // What the Data API reports: the average over two or three levels, not a tick.
    const events = sim.events.map((e) => {
      if (e.type !== "TRADE") return e;
      const t = ticks.get(e.marketId)!;
      const p = Math.min(0.999, Math.max(0.001, e.price + (rng.next() - 0.5) * t * 0.9));
      return { ...e, price: p === e.price ? p + t / 7 : p };
    });
    const offGrid = events.filter((e) => e.type === "TRADE" && !isOnTick(e.price, 0.001)).length;
    assert.ok(offGrid > events.length / 2, `${offGrid} of ${events.length} off the grid`);

    const a = analyzeEvents(events);
    assert.equal(a.verdicts.length, sim.labels.length, "every wallet classified");

    const bus = new EventBus();
    const orders: Order[] = [];
    bus.on("order", (e) => orders.push(e.order));
    const r = runComparison({ ...sim, events }, DEFAULT_RISK_CONFIG, { warmupDays: 10, topN: 10, bus });
    assert.ok(
      r.plain.trades > 0 && r.aware.trades > 0,
      `trades: plain ${r.plain.trades}, aware ${r.aware.trades}`,
    );
    assert.ok(orders.length > 0);
    for (const o of orders) {
      assert.ok(isOnTick(o.price, ticks.get(o.marketId)!), `our order ${o.key} at ${o.price} is on the tick`);
    }
  });
});
