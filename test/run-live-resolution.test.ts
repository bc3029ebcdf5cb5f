/**
 * `polycopy run --source standin` (paper on a live feed) settles a held position when its market
 * resolves on the stand-in's Gamma, exactly once across kill -9s just before and just after the
 * settlement's commit.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { simulate } from "../src/sim/simulate.ts";
import { standinDataFromSim } from "../src/standin/from-sim.ts";
import { type Standin, startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";
import { busiestAfter, LOOSE_RISK, runFolder, shiftToNow, startRun, waitFor } from "./live-run.fixture.ts";

const sim = simulate({ seed: 5, days: 30, walletsPerStyle: 3, markets: 40 });
// Follow the last days, shifted so that they happen now (the run's clock is the wall clock).
const simCutMs = sim.params.startTs + 24 * 86_400_000;
const shift = Math.floor(Date.now() / 1000) - Math.floor(simCutMs / 1000);
let standinSimMs = simCutMs;
const data = standinDataFromSim(sim, { openAt: simCutMs, bookTs: () => standinSimMs });
shiftToNow(data, shift);
const cut = Math.floor(simCutMs / 1000) + shift;
const ts = (r: Record<string, unknown>) => Number(r.timestamp);
const followed = busiestAfter(data.activity, cut, 3);
const initial = data.activity.filter((r) => ts(r) < cut);
const later = data.activity.filter((r) => ts(r) >= cut && followed.includes(String(r.proxyWallet)));

function workdir(): string {
  // Loose filters so that orders flow; resolution checks every 200 ms. Our own price and time exits
  // are off: other wallets' tape trades reach held tokens, and an exit during a restart would move
  // cash beside the settlement this test measures.
  const noExits = { takeProfit: 1000, trailingStop: 1, maxHoldHours: 87_600 };
  return runFolder("polycopy-live-resolve-", {
    polymarket: { backfillDays: 3650, resolutionCheckSec: 0.2, openMarketCheckSec: 0.2 },
    wallets: followed.map((address) => ({ address })),
    risk: {
      ...LOOSE_RISK,
      profiles: {
        market_maker: { ...LOOSE_RISK.profiles.market_maker, ...noExits },
        directional: noExits,
        uncertain: noExits,
      },
    },
  });
}

function start(dir: string, url: string, env: Record<string, string> = {}) {
  return startRun(dir, url, { env });
}

async function ledger(dir: string, marketId?: string) {
  const store = await openStore({ dataDir: join(dir, "data") });
  try {
    const positions = await store.listPositions();
    const inMarket = positions.filter((p) => p.marketId === marketId);
    return {
      cash: Number(await store.getKv("live:cash")),
      positions,
      qty: inMarket.reduce((s, p) => s + p.qty, 0),
      realized: inMarket.reduce((s, p) => s + p.realized, 0),
      resolutions: await store.listAudit({ kind: "resolution" }),
      decisions: (await store.listAudit({ kind: "decision", limit: 1e7 })).length,
      fills: (await store.listFills()).length,
    };
  } finally {
    await store.close();
  }
}

describe("run --source standin settles held positions when their market resolves", () => {
  let standin: Standin;
  after(async () => standin?.close());

  it("pays out once with the right amount, across kill -9 before and after the settlement's commit", async () => {
    standin = await startStandin({ markets: data.markets, activity: initial, book: data.book, seed: 11 });
    const dir = workdir();
    // 1. Trade until the run holds a position; then stop the feed and let the run go idle.
    const first = start(dir, standin.url, { POLYCOPY_TEST_CRASH_AT_SETTLE: "before-commit" });
    await waitFor(() => first.out().includes("following 3 wallets"), "the run to follow");
    let held = false;
    for (let i = 0; i < later.length && !held; i += 20) {
      for (const r of later.slice(i, i + 20)) {
        standinSimMs = (ts(r) - shift) * 1000;
        standin.publish(r);
      }
      await new Promise((r) => setTimeout(r, 60));
      if (i % 200 === 0) held = (await ledger(dir)).positions.some((p) => p.qty > 0);
    }
    await waitFor(async () => (await ledger(dir)).positions.some((p) => p.qty > 0), "a position");
    let prev = -1;
    await waitFor(async () => {
      const n = (await ledger(dir)).decisions;
      const idle = n === prev;
      prev = n;
      return idle && (await new Promise((r) => setTimeout(() => r(true), 700)));
    }, "the run to go idle");
    const before = await ledger(dir);
    // The market with the largest holding resolves (to the simulation's winner).
    const biggest = [...before.positions].sort((a, b) => b.qty - a.qty)[0]!;
    const M = biggest.marketId;
    const winner = sim.resolutions.get(M)!.winnerIndex;
    const heldM = before.positions.filter((p) => p.marketId === M && p.qty > 0);
    const payout = heldM.filter((p) => p.outcomeIndex === winner).reduce((s, p) => s + p.qty, 0);
    const cost = heldM.reduce((s, p) => s + p.cost, 0);
    standin.resolve(M, winner);

    // 2. Killed just before the settlement's commit: the ledger is untouched.
    const ex1 = await first.exitedWithin();
    assert.equal(ex1.signal, "SIGKILL", `the crash hook fired: ${first.err()}`);
    const mid = await ledger(dir, M);
    assert.equal(mid.cash, before.cash);
    assert.equal(mid.resolutions.length, 0);
    assert.deepEqual(mid.positions, before.positions);

    // 3. Restart: settles, then is killed just after the commit.
    const second = start(dir, standin.url, { POLYCOPY_TEST_CRASH_AT_SETTLE: "after-commit" });
    const ex2 = await second.exitedWithin();
    assert.equal(ex2.signal, "SIGKILL", `settled and killed after the commit: ${second.err()}`);
    const settled = await ledger(dir, M);
    assert.equal(settled.resolutions.length, 1);
    assert.equal(settled.resolutions[0]!.subject, M);
    assert.match(
      settled.resolutions[0]!.message,
      new RegExp(
        `^market ${M} resolved, outcome ${winner} \\(\\w+\\) won, paid \\$${(payout / 1e6).toFixed(2)}`,
      ),
    );
    assert.equal(settled.qty, 0, "the market's positions are closed");
    assert.equal(settled.cash, before.cash + payout, "cash grew by the payout");
    const realizedBefore = before.positions
      .filter((p) => p.marketId === M)
      .reduce((s, p) => s + p.realized, 0);
    assert.equal(settled.realized, realizedBefore + payout - cost, "PnL = payout - cost");
    assert.equal(settled.fills, before.fills);

    // 4. Restart again: nothing paid twice.
    const third = start(dir, standin.url);
    await waitFor(() => third.out().includes("following 3 wallets"), "the third run to follow");
    await new Promise((r) => setTimeout(r, 1500)); // several resolution checks
    third.child.kill("SIGTERM");
    const ex3 = await third.exitedWithin();
    assert.equal(ex3.code, 0, third.err());
    const end = await ledger(dir, M);
    assert.equal(end.resolutions.length, 1, "settled exactly once");
    assert.equal(end.cash, settled.cash);
    assert.deepEqual(end.positions, settled.positions);
  });
});
