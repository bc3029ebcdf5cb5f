/**
 * Issue #9, item 1: two `polycopy run` processes on one ledger. They start together; exactly one
 * takes the ledger's trading lock and trades, the other exits 2 with one line naming the holder.
 * On SQLite (one data directory) and on PostgreSQL (one database schema).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pg from "pg";
import { simulate } from "../src/sim/simulate.ts";
import { standinDataFromSim } from "../src/standin/from-sim.ts";
import { type Standin, startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";
import { busiestAfter, runFolder, startRun, waitFor } from "./live-run.fixture.ts";

const sim = simulate({ seed: 5, days: 20, walletsPerStyle: 2, markets: 25 });
const data = standinDataFromSim(sim);
const cut = Math.floor((sim.params.startTs + 12 * 86_400_000) / 1000);
const ts = (r: Record<string, unknown>) => Number(r.timestamp);
const followed = busiestAfter(data.activity, cut, 3);
const initial = data.activity.filter((r) => ts(r) < cut);
const later = data.activity.filter(
  (r) => ts(r) >= cut && ts(r) < cut + 2 * 86_400 && followed.includes(String(r.proxyWallet)),
);
const laterTrades = later.filter((r) => r.type === "TRADE").length;

const pgUrl = process.env.TEST_DATABASE_URL;
const schema = `t_lock_${randomBytes(5).toString("hex")}`;

async function ledger(o: { dir: string; databaseUrl?: string }) {
  const store = await openStore(
    o.databaseUrl ? { databaseUrl: o.databaseUrl } : { dataDir: join(o.dir, "data") },
  );
  try {
    const keys = (await store.listAudit({ kind: "decision", limit: 1e7 })).map(
      (a) => (a.data as { leaderFillKey: string }).leaderFillKey,
    );
    return { keys, orders: (await store.listOrders()).map((x) => x.key) };
  } finally {
    await store.close();
  }
}

async function twoInstances(databaseUrl?: string): Promise<void> {
  assert.ok(laterTrades > 50, `enough new fills (${laterTrades})`);
  const standin: Standin = await startStandin({ markets: data.markets, activity: initial, book: data.book });
  try {
    const dir = runFolder("polycopy-lock-", {
      polymarket: { backfillDays: 3650 },
      wallets: followed.map((address) => ({ address })),
    });
    const env: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl } : {};
    const runs = [startRun(dir, standin.url, { env }), startRun(dir, standin.url, { env })];
    const loser = await Promise.race(runs.map((r, i) => r.exitedWithin(90_000).then(() => i)));
    const winner = runs[1 - loser]!;
    const lost = runs[loser]!;
    assert.equal((await lost.exited).code, 2, lost.err());
    const line = lost.err().trim();
    assert.equal(line.split("\n").length, 1, `one line: ${line}`);
    assert.match(
      line,
      new RegExp(
        `^error: another polycopy instance is trading on this ledger \\(pid ${winner.child.pid} on host \\S+, since \\d{4}-`,
      ),
    );
    assert.doesNotMatch(lost.out(), /following|classified/, "the refused instance did nothing");
    await waitFor(() => winner.out().includes("following 3 wallets"), "the winner to follow");
    assert.match(winner.out(), /ledger lock: this instance trades \(epoch \d+/);
    for (const r of later) standin.publish(r);
    await waitFor(
      async () => (await ledger({ dir, databaseUrl })).keys.length >= laterTrades,
      "every fill decided",
    );
    winner.child.kill("SIGTERM");
    assert.equal((await winner.exitedWithin()).code, 0, winner.err());
    const d = await ledger({ dir, databaseUrl });
    assert.equal(d.keys.length, laterTrades, "each new leader fill decided once, by one instance");
    assert.equal(new Set(d.keys).size, d.keys.length);
    assert.equal(new Set(d.orders).size, d.orders.length);

    // The lock went with the winner: a restart takes it at a higher epoch.
    const again = startRun(dir, standin.url, { env });
    await waitFor(() => again.out().includes("following 3 wallets"), "the restart to follow");
    again.child.kill("SIGTERM");
    assert.equal((await again.exitedWithin()).code, 0, again.err());
    const epoch = (s: string) => Number(/epoch (\d+)/.exec(s)?.[1]);
    assert.equal(epoch(again.out()), epoch(winner.out()) + 1);
  } finally {
    await standin.close();
  }
}

describe("two `polycopy run` instances on one ledger (issue #9)", () => {
  it("SQLite: started together, exactly one trades; the other exits 2 naming the holder", async () => {
    await twoInstances();
  });

  it("PostgreSQL: started together, exactly one trades; the other exits 2 naming the holder", async () => {
    assert.ok(pgUrl, "TEST_DATABASE_URL is not set: PostgreSQL tests cannot run (use npm test)");
    await twoInstances(`${pgUrl}${pgUrl.includes("?") ? "&" : "?"}schema=${schema}`);
  });

  after(async () => {
    if (!pgUrl) return;
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });
});
