import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { simulate } from "../src/sim/simulate.ts";
import { standinDataFromSim } from "../src/standin/from-sim.ts";
import { type Standin, startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";
import { busiestAfter, runFolder, startRun, waitFor } from "./live-run.fixture.ts";

const sim = simulate({ seed: 5, days: 30, walletsPerStyle: 3, markets: 40 });
const data = standinDataFromSim(sim);
const cut = Math.floor((sim.params.startTs + 15 * 86_400_000) / 1000);
const rec = (r: Record<string, unknown>) => ({
  ts: Number(r.timestamp),
  user: String(r.proxyWallet),
  type: String(r.type),
});
// Follow the four wallets with the most trades after the cut.
const followed = busiestAfter(data.activity, cut, 4);
const initial = data.activity.filter((r) => rec(r).ts < cut);
const later = data.activity.filter(
  (r) => rec(r).ts >= cut && rec(r).ts < cut + 4 * 86_400 && followed.includes(rec(r).user),
);
const laterTrades = later.filter((r) => rec(r).type === "TRADE").length;

function start(dir: string, url: string, env: Record<string, string> = {}) {
  return startRun(dir, url, { env });
}

async function decisions(dir: string) {
  const store = await openStore({ dataDir: join(dir, "data") });
  try {
    const keys = (await store.listAudit({ kind: "decision", limit: 1e7 })).map(
      (a) => (a.data as { leaderFillKey: string }).leaderFillKey,
    );
    const orders = (await store.listOrders()).map((o) => o.key);
    return { keys, orders };
  } finally {
    await store.close();
  }
}

function workdir(): string {
  return runFolder("polycopy-live-", {
    polymarket: { backfillDays: 3650 },
    wallets: followed.map((address) => ({ address })),
  });
}

function publishAll(s: Standin): Promise<void> {
  return (async () => {
    for (let i = 0; i < later.length; i += 40) {
      for (const r of later.slice(i, i + 40)) s.publish(r);
      await new Promise((r) => setTimeout(r, 30));
    }
  })();
}

describe("polycopy run --source standin (paper trading on a live feed)", () => {
  let standin: Standin;
  before(async () => {
    assert.ok(laterTrades > 200, `enough new fills to follow (${laterTrades})`);
  });
  after(async () => standin?.close());

  it("learns from the backfill, then decides every new leader fill exactly once, and stops cleanly on SIGTERM", async () => {
    standin = await startStandin({ markets: data.markets, activity: initial, book: data.book, seed: 3 });
    const dir = workdir();
    const run = start(dir, standin.url);
    await waitFor(() => run.out().includes("following 4 wallets"), "the run to follow");
    await publishAll(standin);
    await waitFor(async () => (await decisions(dir)).keys.length >= laterTrades, "every new fill decided");
    run.child.kill("SIGTERM");
    const ex = await run.exited;
    assert.equal(ex.code, 0, run.err());
    assert.match(run.out(), /stopped: \d+ leader fills handled this session/);
    const d = await decisions(dir);
    assert.equal(d.keys.length, laterTrades, "one decision per new leader fill, none for the backfill");
    assert.equal(new Set(d.keys).size, d.keys.length, "no leader fill decided twice");
    assert.equal(new Set(d.orders).size, d.orders.length);
    await standin.close();
  });

  it("a kill -9 between a decision and its commit (under feed faults), then a restart: every new fill decided once", async () => {
    standin = await startStandin({
      markets: data.markets,
      activity: initial,
      book: data.book,
      seed: 4,
      faults: {
        rateLimit: 0.03,
        retryAfterSec: 0,
        serverError: 0.03,
        drop: 0.02,
        malformed: 0.02,
        duplicate: 0.2,
        shuffle: 0.2,
      },
    });
    const dir = workdir();
    const first = start(dir, standin.url, { POLYCOPY_TEST_CRASH_AFTER_STEP: "60" });
    await waitFor(() => first.out().includes("following 4 wallets"), "the first run to follow");
    const publishing = publishAll(standin);
    const ex = await first.exited;
    assert.equal(ex.signal, "SIGKILL", `expected the crash hook to fire: ${first.err()}`);
    await publishing;
    const mid = await decisions(dir);
    assert.ok(mid.keys.length < laterTrades, "killed before deciding everything");
    const second = start(dir, standin.url);
    await waitFor(
      async () => (await decisions(dir)).keys.length >= laterTrades,
      "every new fill decided after restart",
    );
    await new Promise((r) => setTimeout(r, 500)); // a few more polls: duplicates would show up now
    second.child.kill("SIGTERM");
    assert.equal((await second.exited).code, 0, second.err());
    assert.match(second.out(), /restored from the ledger/);
    const d = await decisions(dir);
    assert.equal(d.keys.length, laterTrades);
    assert.equal(new Set(d.keys).size, d.keys.length, "no leader fill decided twice");
    assert.equal(new Set(d.orders).size, d.orders.length, "no order doubled");
  });
});
