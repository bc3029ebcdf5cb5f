/**
 * Settlement of resolved markets on a live feed (src/engine/resolutions.ts), in process against the
 * local stand-in's Gamma and a real SQLite ledger: paper pays out exactly once (also across a
 * restart), live records the resolution and asks for a manual redemption, and failed or malformed
 * lookups settle nothing.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/domain/clock.ts";
import type { EngineEvent } from "../src/domain/events.ts";
import type { Market } from "../src/domain/market.ts";
import type { Position } from "../src/domain/position.ts";
import { EventBus } from "../src/engine/bus.ts";
import { CopyEngine } from "../src/engine/engine.ts";
import { LiveBridge } from "../src/engine/live.ts";
import { ResolutionWatcher, resolutionKey, StepLock } from "../src/engine/resolutions.ts";
import { StepRecorder } from "../src/engine/step-recorder.ts";
import { PolymarketAdapter } from "../src/polymarket/adapter.ts";
import { DEFAULT_RISK_CONFIG } from "../src/risk/config.ts";
import { simulate } from "../src/sim/simulate.ts";
import { standinDataFromSim } from "../src/standin/from-sim.ts";
import { type Standin, startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";
import type { Store } from "../src/store/store.ts";
import { SimulatedVenue } from "../src/venues/simulated.ts";
import { connectTestVenue, TEST_ADDRESS } from "./venue.fixture.ts";

const sim = simulate({ seed: 5, days: 30, walletsPerStyle: 1, markets: 40 });
const openAt = sim.params.startTs + 15 * 86_400_000;
const data = standinDataFromSim(sim, { openAt });
// Two markets still trading at `openAt` that the simulation resolves later.
const later = [...sim.resolutions].filter(([, r]) => r.ts > openAt).sort((a, b) => a[1].ts - b[1].ts);
const [M, RES] = later[0]!;
const [M2, RES2] = later[1]!;
const CASH = "live:cash";
const START_CASH = 1_000_000_000;

interface Rig {
  store: Store;
  engine: CopyEngine;
  watcher: ResolutionWatcher;
  alerts: string[];
}

function holdings(market: Market): Position[] {
  // 10 shares of the winner (cost $4) and 5 of the loser (cost $3).
  const w = RES.winnerIndex;
  return market.outcomes.map((o, i) => ({
    marketId: market.id,
    tokenId: o.tokenId,
    outcomeIndex: i,
    qty: i === w ? 10_000_000 : 5_000_000,
    cost: i === w ? 4_000_000 : 3_000_000,
    realized: 0,
    openedTs: openAt,
    updatedTs: openAt,
  }));
}

/** An engine restored from the ledger, as runLive builds it, and a watcher on it. */
async function rig(
  dir: string,
  adapter: PolymarketAdapter,
  mode: "paper" | "live",
  markets: Market[],
  extra: Partial<ConstructorParameters<typeof ResolutionWatcher>[0]> = {},
  wrap: (s: Store) => Store = (s) => s,
): Promise<Rig> {
  const store = wrap(await openStore({ dataDir: dir }));
  const clock = new ManualClock(Date.now());
  const inner = new EventBus();
  const alerts: string[] = [];
  inner.on("alert", (e: Extract<EngineEvent, { type: "alert" }>) => alerts.push(`${e.level}: ${e.message}`));
  const rec = new StepRecorder(inner);
  const venue = new SimulatedVenue({
    clock,
    book: (t, ts) => ({ tokenId: t, bids: [], asks: [], ts, tickSize: 0.01 }),
    latencyMs: 0,
    startingCash: START_CASH,
  });
  const engine = new CopyEngine({
    mode,
    strategy: "aware",
    risk: DEFAULT_RISK_CONFIG,
    clock,
    venue: mode === "live" ? new LiveBridge(new Map()) : venue,
    markets: new Map(markets.map((m) => [m.id, m])),
    leaders: new Map(),
    bus: inner,
  });
  let cash = await store.getKv(CASH);
  if (cash === undefined) {
    // A fresh ledger holding both outcomes of M.
    await store.commitStep({
      cursor: { source: "test", value: "0" },
      orders: [],
      fills: [],
      positions: holdings(markets.find((m) => m.id === M)!),
      audit: [],
      breakers: [],
      kv: { [CASH]: String(START_CASH) },
    });
    cash = String(START_CASH);
  }
  const positions = await store.listPositions();
  engine.restore({
    positions,
    cash: Number(cash),
    origins: [],
    breakers: [],
    killSwitch: false,
    decidedKeys: [],
  });
  venue.restore(Number(cash), Object.fromEntries(positions.map((p) => [p.tokenId, p.qty])));
  const watcher = new ResolutionWatcher({
    store,
    engine,
    mode,
    lookup: (ids, signal) => adapter.marketStates(ids, signal),
    recorder: rec,
    cashKey: CASH,
    lock: new StepLock(),
    ...extra,
  });
  return { store, engine, watcher, alerts };
}

async function ledger(store: Store) {
  const positions = (await store.listPositions()).filter((p) => p.marketId === M);
  const audit = await store.listAudit({ kind: "resolution" });
  return {
    cash: Number(await store.getKv(CASH)),
    qty: positions.reduce((s, p) => s + p.qty, 0),
    realized: positions.reduce((s, p) => s + p.realized, 0),
    audit,
    marker: await store.getKv(resolutionKey(M)),
  };
}

describe("resolution settlement on a live feed (stand-in Gamma, SQLite ledger)", () => {
  let standin: Standin;
  let adapter: PolymarketAdapter;
  let markets: Market[];
  before(async () => {
    standin = await startStandin({ markets: data.markets, activity: [], seed: 1 });
    adapter = new PolymarketAdapter({
      urls: { gammaUrl: standin.url, dataUrl: standin.url, clobUrl: standin.url },
      // Two tries, no waiting: a failing lookup fails fast and is retried by the next check.
      http: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 10 } },
    });
    markets = await adapter.markets({ conditionIds: [M, M2] });
    assert.equal(markets.length, 2);
    assert.ok(
      markets.every((m) => !m.closed),
      "served open before their resolution",
    );
  });
  after(async () => standin?.close());

  it("paper: settles a resolved market once, with the right payout, cash, PnL and audit; failed or malformed lookups settle nothing; a restart does not pay again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-res-"));
    const r = await rig(dir, adapter, "paper", markets);
    const start = await ledger(r.store);
    assert.equal(start.qty, 15_000_000);

    // Still open: asked, nothing settled.
    let rep = await r.watcher.checkOnce();
    assert.deepEqual([rep.asked, rep.settled.length, rep.pending], [1, 0, [M]]);

    standin.resolve(M, RES.winnerIndex);
    // 5xx and 429 on the lookup: the check fails as a whole and settles nothing.
    for (const status of [503, 429]) {
      standin.failNext("/markets", status, 2);
      rep = await r.watcher.checkOnce();
      assert.match(rep.failed ?? "", new RegExp(String(status)));
      assert.equal(rep.settled.length, 0);
      assert.deepEqual(await ledger(r.store), start, `nothing settled after a ${status}`);
    }
    // Malformed outcomePrices: rejected with a clear error, alerted once, not settled.
    standin.patchMarket(M, { outcomePrices: '["1", "1"]' });
    for (let k = 0; k < 2; k++) {
      rep = await r.watcher.checkOnce();
      assert.equal(rep.invalid.length, 1);
      assert.match(rep.invalid[0]!.error, /outcomePrices: a resolved market must price one outcome at 1/);
    }
    assert.equal(r.alerts.filter((a) => a.includes("resolution payload rejected")).length, 1);
    standin.patchMarket(M, { outcomePrices: "[0.5" });
    rep = await r.watcher.checkOnce();
    assert.match(rep.invalid[0]!.error, /outcomePrices: must be a JSON array/);
    assert.deepEqual(await ledger(r.store), start);

    // The real answer: settled.
    standin.resolve(M, RES.winnerIndex);
    rep = await r.watcher.checkOnce();
    assert.deepEqual(rep.settled, [M]);
    const done = await ledger(r.store);
    assert.equal(done.qty, 0);
    assert.equal(done.cash, START_CASH + 10_000_000, "the 10 winning shares pay $10");
    assert.equal(r.engine.cash, done.cash);
    assert.equal(done.realized, 10_000_000 - 7_000_000, "PnL = payout - cost of both sides");
    assert.equal(done.audit.length, 1);
    const name = markets.find((m) => m.id === M)!.outcomes[RES.winnerIndex]!.name;
    assert.equal(
      done.audit[0]!.message,
      `market ${M} resolved, outcome ${RES.winnerIndex} (${name}) won, paid $10.00 (PnL 3.00 USD)`,
    );
    assert.equal(JSON.parse(done.marker!).status, "settled");

    // Asked again: nothing more (the market is no longer held).
    const asked = standin.stats.byPath["/markets"];
    rep = await r.watcher.checkOnce();
    assert.equal(rep.asked, 0);
    assert.equal(standin.stats.byPath["/markets"], asked);
    assert.deepEqual(await ledger(r.store), done);
    await r.store.close();

    // Restart from the ledger: nothing to pay again.
    const r2 = await rig(dir, adapter, "paper", markets);
    rep = await r2.watcher.checkOnce();
    assert.equal(rep.settled.length, 0);
    assert.equal(r2.engine.cash, done.cash);
    assert.deepEqual(await ledger(r2.store), done);
    await r2.store.close();
  });

  it("live: records the resolution as awaiting redemption, valued at its payout, and alerts; never fakes the redemption", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-res-live-"));
    const r = await rig(dir, adapter, "live", markets);
    const start = await ledger(r.store);
    const rep = await r.watcher.checkOnce();
    assert.deepEqual(rep.awaitingRedeem, [M]);
    const after1 = await ledger(r.store);
    assert.equal(after1.qty, start.qty, "the tokens stay held until the user redeems them");
    assert.equal(after1.cash, START_CASH, "no cash until redemption");
    const marker = JSON.parse(after1.marker!);
    assert.equal(marker.status, "awaiting_redeem");
    assert.equal(marker.payoutMicros, 10_000_000);
    assert.match(
      after1.audit[0]!.message,
      /redeem it on Polymarket: \$10\.00 payable \(redemption is not automated\)/,
    );
    assert.ok(r.alerts.some((a) => a.startsWith("warn: redeem needed")));
    const alertAudit = await r.store.listAudit({ kind: "alert" });
    assert.ok(
      alertAudit.some((a) => a.message.startsWith("redeem needed")),
      "the alert is in the ledger too",
    );
    // Valued at the payout: the 10 winning shares at 1, the 5 losing ones at 0.
    assert.equal(r.engine.equityUsd(), (START_CASH + 10_000_000) / 1e6);
    await r.store.close();

    // A restart neither asks again nor records it twice, and keeps the payout valuation.
    const asked = standin.stats.byPath["/markets"];
    const r2 = await rig(dir, adapter, "live", markets);
    const rep2 = await r2.watcher.checkOnce();
    assert.equal(rep2.asked, 0);
    assert.equal(standin.stats.byPath["/markets"], asked);
    assert.equal((await r2.store.listAudit({ kind: "resolution" })).length, 1);
    assert.equal(r2.engine.equityUsd(), (START_CASH + 10_000_000) / 1e6);
    await r2.store.close();
  });

  it("live: books the user's redemption once the wallet no longer holds the tokens, while running", async () => {
    const m = markets.find((x) => x.id === M)!;
    const winner = m.outcomes[RES.winnerIndex]!.tokenId;
    const tokenIds = m.outcomes.map((o) => o.tokenId);
    // A stand-in whose CLOB wallet holds what the ledger holds: 10 winning and 5 losing shares.
    const st = await startStandin({
      markets: data.markets,
      activity: [],
      seed: 2,
      clob: { cash: 0, tokens: Object.fromEntries(tokenIds.map((t) => [t, t === winner ? 10 : 5])) },
    });
    try {
      const venue = await connectTestVenue(st.url, {
        retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 2, timeoutMs: 5000 },
      });
      const tokenBalances = async (tokens: string[]) => (await venue.balances(tokens)).tokens;
      const stAdapter = new PolymarketAdapter({
        urls: { gammaUrl: st.url, dataUrl: st.url, clobUrl: st.url },
        http: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } },
      });
      st.resolve(M, RES.winnerIndex);
      const dir = mkdtempSync(join(tmpdir(), "polycopy-res-redeem-"));
      const r = await rig(dir, stAdapter, "live", markets, { tokenBalances });
      const balanceReads = () => st.stats.byPath["/balance-allowance"] ?? 0;
      let rep = await r.watcher.checkOnce();
      assert.deepEqual(rep.awaitingRedeem, [M]);
      assert.equal(balanceReads(), 0, "no balance asked before anything awaits redemption");

      rep = await r.watcher.checkOnce();
      assert.deepEqual(rep.redeemed, [], "the wallet still holds the tokens");
      assert.ok(balanceReads() > 0);

      st.clob.redeem(TEST_ADDRESS, tokenIds, winner);
      st.failNext("/balance-allowance", 503, 2); // the read and its one retry
      rep = await r.watcher.checkOnce();
      assert.deepEqual(rep.redeemed, [], "a failed balance read books nothing");
      assert.equal((await ledger(r.store)).cash, START_CASH);

      rep = await r.watcher.checkOnce();
      assert.deepEqual(rep.redeemed, [M]);
      const done = await ledger(r.store);
      assert.equal(done.cash, START_CASH + 10_000_000, "10 winning shares at 1 USD");
      assert.equal(st.clob.account(TEST_ADDRESS).cash, 10_000_000, "what the redemption paid on the venue");
      assert.equal(r.engine.cash, done.cash);
      assert.equal(done.qty, 0, "positions closed");
      assert.equal(done.realized, 10_000_000 - 7_000_000);
      assert.equal(JSON.parse(done.marker!).status, "settled");
      assert.equal(done.audit.length, 2);
      assert.ok(
        done.audit.some((a) =>
          /^market 0x[0-9a-f]+ was redeemed on the venue while the bot was running: booked \$10\.00 for outcome \d$/.test(
            a.message,
          ),
        ),
        done.audit.map((a) => a.message).join(" | "),
      );

      rep = await r.watcher.checkOnce();
      assert.deepEqual(rep.redeemed, []);
      assert.deepEqual(await ledger(r.store), done, "booked once");
      await r.store.close();
      const r2 = await rig(dir, stAdapter, "live", markets, { tokenBalances });
      await r2.watcher.checkOnce();
      assert.deepEqual(await ledger(r2.store), done, "a restart books nothing more");
      await r2.store.close();
    } finally {
      await st.close();
    }
  });

  it("a settlement whose commit fails stops further steps (memory paid, ledger not: never trade on)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-res-fail-"));
    const lock = new StepLock();
    // A real ledger whose commits fail once the initial holdings are in (disk full, lost connection).
    let failCommits = false;
    const failing = (s: Store): Store =>
      new Proxy(s, {
        get(target, prop) {
          if (prop === "commitStep" && failCommits)
            return async () => {
              throw new Error("disk I/O error");
            };
          const v = Reflect.get(target, prop, target);
          return typeof v === "function" ? v.bind(target) : v;
        },
      });
    const r = await rig(dir, adapter, "paper", markets, { lock }, failing);
    failCommits = true;
    await assert.rejects(r.watcher.checkOnce(), /disk I\/O error/);
    await assert.rejects(
      lock.run(async () => "a leader fill's step"),
      /disk I\/O error/,
    );
    await r.store.close();
    const reopened = await openStore({ dataDir: dir });
    assert.equal((await reopened.listAudit({ kind: "resolution" })).length, 0);
    assert.equal(Number(await reopened.getKv(CASH)), START_CASH, "nothing half-written");
    await reopened.close();
  });

  it("checks held markets before their end date only every openMarketIntervalMs, and the loop survives failures (injected clock and timer)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-res-loop-"));
    let now = Date.now();
    // M2 ends in the future on this clock.
    const m2 = markets.find((m) => m.id === M2)!;
    const futureEnd = { ...m2, endTs: now + 86_400_000 };
    const store0 = await openStore({ dataDir: dir });
    await store0.commitStep({
      cursor: { source: "test", value: "0" },
      orders: [],
      fills: [],
      positions: [
        {
          marketId: M2,
          tokenId: m2.outcomes[RES2.winnerIndex]!.tokenId,
          outcomeIndex: RES2.winnerIndex,
          qty: 2_000_000,
          cost: 1_000_000,
          realized: 0,
          openedTs: now,
          updatedTs: now,
        },
      ],
      audit: [],
      breakers: [],
      kv: { [CASH]: String(START_CASH) },
    });
    await store0.close();
    let ticks = 0;
    const stop = new AbortController();
    const reports: number[] = [];
    const r = await rig(dir, adapter, "paper", [futureEnd, markets.find((m) => m.id === M)!], {
      now: () => now,
      intervalMs: 60_000,
      openMarketIntervalMs: 600_000,
      sleep: async (ms) => {
        ticks++;
        now += ms;
        reports.push(standin.stats.byPath["/markets"] ?? 0);
        if (ticks === 3) {
          standin.resolve(M2, RES2.winnerIndex);
          standin.failNext("/markets", 500, 4); // the 10-minute check (tick 10) and its retry fail
        }
        if (ticks >= 25) stop.abort();
        await new Promise((res) => setImmediate(res));
      },
    });
    r.watcher.start(stop.signal);
    await r.watcher.stopped();
    // Asked at start, then only every 10 minutes; the 10-minute check and the next one fail (500),
    // a failed check records no answer so the following one asks again, and settles.
    const asks = reports.map((n, i) => n - (reports[i - 1] ?? reports[0]!));
    assert.ok(ticks >= 25);
    const l = await r.store.listAudit({ kind: "resolution" });
    assert.equal(l.length, 1, "settled once");
    assert.equal(l[0]!.subject, M2);
    assert.equal(Number(await r.store.getKv(CASH)), START_CASH + 2_000_000);
    // No lookups between the start and the 10-minute mark.
    assert.deepEqual(asks.slice(1, 9), [0, 0, 0, 0, 0, 0, 0, 0]);
    await r.store.close();
  });
});
