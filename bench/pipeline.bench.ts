/**
 * Copy-engine benchmark (issue 4 targets), on one core:
 *  - leader fill -> order ready: latency of CopyEngine.handle for followed-wallet fills (filters,
 *    sizing, risk gate, simulated venue execution, ledger), p50/p99;
 *  - replay throughput: all leader events of a 90-day, 308-wallet simulation through the full
 *    pipeline (every event updates prices; followed wallets' fills go through every stage);
 *  - the same events merely parsed from JSON Lines, and the ratio of the two;
 *  - the replay streamed from those JSON Lines (parse + pipeline), and its ratio to parsing alone.
 */
import { runComparison, runStrategy } from "../src/backtest/run.ts";
import { ManualClock } from "../src/domain/clock.ts";
import type { LeaderEvent } from "../src/domain/fill.ts";
import { CopyEngine } from "../src/engine/engine.ts";
import { DEFAULT_RISK_CONFIG } from "../src/risk/config.ts";
import { simulate } from "../src/sim/simulate.ts";
import { SimulatedVenue } from "../src/venues/simulated.ts";
import { quantile, reportBench } from "./report.ts";

const sim = simulate({ seed: 7, days: 90 });
const lines = sim.events.map((e) => JSON.stringify(e));
const n = sim.events.length;

// Leaders as the demo picks them (top 25 by warm-up volume, classified on 20 days).
const cmp = runComparison(
  { ...sim, events: sim.events.filter((e) => e.ts < sim.events[0]!.ts + 25 * 86_400_000) },
  DEFAULT_RISK_CONFIG,
  {
    warmupDays: 20,
    topN: 25,
  },
);
const from = cmp.warmupEnd;

/** Best of 3 wall-clock seconds (lets the JIT settle; noise only ever adds time). */
function bestOf3(f: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

// Parse only.
let parsed = 0;
const parseSecs = bestOf3(() => {
  parsed = 0;
  for (const l of lines) parsed += (JSON.parse(l) as { size: number }).size > 0 ? 1 : 0;
});

// Full pipeline replay of decoded events.
const best = bestOf3(() => runStrategy("bench", "aware", sim, cmp.leaders, DEFAULT_RISK_CONFIG, from));

// The same replay read from JSON Lines, streamed: each line parsed and handed to the pipeline (a
// replay of a file pays this; DESIGN asks for it within 3x of merely parsing the file).
function* parsedLines(ls: readonly string[]): Generator<LeaderEvent> {
  for (const l of ls) yield JSON.parse(l) as LeaderEvent;
}
const fromFile = bestOf3(() =>
  runStrategy(
    "bench",
    "aware",
    { ...sim, events: parsedLines(lines) },
    cmp.leaders,
    DEFAULT_RISK_CONFIG,
    from,
  ),
);

// Per-fill latency for followed wallets: a fresh engine over the same history, resolutions in order.
const clock = new ManualClock(from);
const venue = new SimulatedVenue({
  clock,
  book: sim.bookAt,
  latencyMs: DEFAULT_RISK_CONFIG.filters.latencyMs,
  startingCash: 10_000_000_000,
});
const eng = new CopyEngine({
  mode: "backtest",
  strategy: "aware",
  risk: DEFAULT_RISK_CONFIG,
  clock,
  venue,
  markets: new Map(sim.markets.map((m) => [m.id, m])),
  leaders: cmp.leaders,
});
const res = [...sim.resolutions.entries()].sort((a, b) => a[1].ts - b[1].ts);
let ri = 0;
const lat: number[] = [];
const latOrdered: number[] = [];
for (const e of sim.events) {
  while (ri < res.length && res[ri]![1].ts <= e.ts) {
    const [id, r] = res[ri++]!;
    eng.resolve(id, r.winnerIndex, r.ts);
  }
  if (e.ts < from) {
    eng.prices.observe(e);
    continue;
  }
  if (e.type !== "TRADE" || !cmp.leaders.has(e.wallet)) {
    eng.handle(e);
    continue;
  }
  const before = eng.counters.copied + eng.counters.resized;
  const s = performance.now();
  eng.handle(e);
  const dt = performance.now() - s;
  lat.push(dt);
  if (eng.counters.copied + eng.counters.resized > before) latOrdered.push(dt);
}

reportBench("pipeline_events", n, "events");
reportBench("pipeline_replay_throughput", Math.round(n / best), "events/s");
reportBench("pipeline_parse_only_throughput", Math.round(parsed / parseSecs), "events/s");
reportBench("pipeline_replay_vs_parse_ratio", best / parseSecs, "x");
reportBench("pipeline_replay_from_jsonl_throughput", Math.round(n / fromFile), "events/s");
reportBench("pipeline_replay_from_jsonl_vs_parse_ratio", fromFile / parseSecs, "x");
reportBench("pipeline_leader_fill_to_order_p50", quantile(lat, 0.5) * 1000, "us");
reportBench("pipeline_leader_fill_to_order_p99", quantile(lat, 0.99), "ms");
// Only the fills that became an order (sized, gated, executed on the simulated venue, booked).
reportBench("pipeline_leader_fill_to_order_p99_ordered_only", quantile(latOrdered, 0.99), "ms");
reportBench("pipeline_leader_fills_ordered", latOrdered.length, "fills");
