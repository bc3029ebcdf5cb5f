/**
 * Issue #9, item 2: upstream outages of any length. A short version of scripts/chaos.ts, against
 * the stand-in: `polycopy run --source standin` and `polycopy ingest --follow` keep running while
 * the stand-in is down (and while only its order books are), show the outage, pause entries, and
 * end with exactly the leader fills a fault-free run stores, each decided once.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { simulate } from "../src/sim/simulate.ts";
import { standinDataFromSim, toClobBook } from "../src/standin/from-sim.ts";
import { type Standin, startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";
import { busiestAfter, LOOSE_RISK, runFolder, shiftToNow, waitFor } from "./live-run.fixture.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const sim = simulate({ seed: 5, days: 30, walletsPerStyle: 3, markets: 40 });
const data = standinDataFromSim(sim);
// As in run-live-orders.test.ts: the followed days happen now (the engine's clock is the wall
// clock in a live run, and market end dates must lie in its future), with the simulator's books.
const simCut = Math.floor((sim.params.startTs + 26 * 86_400_000) / 1000);
const shift = Math.floor(Date.now() / 1000) - simCut;
const cut = simCut + shift;
shiftToNow(data, shift, { reopen: true });
const marketOfToken = new Map(sim.markets.flatMap((m) => m.outcomes.map((o) => [o.tokenId, m] as const)));
const book = (tokenId: string) => {
  const m = marketOfToken.get(tokenId);
  return m ? toClobBook(sim.bookAt(tokenId, simCut * 1000), m.id, m.negRisk) : undefined;
};
const ts = (r: Record<string, unknown>) => Number(r.timestamp);
const followed = busiestAfter(data.activity, cut, 3);
const mine = (r: Record<string, unknown>) => followed.includes(String(r.proxyWallet));
const initial = data.activity.filter((r) => ts(r) < cut);
const later = data.activity.filter((r) => ts(r) >= cut && ts(r) < cut + 2 * 86_400 && mine(r));
const third = Math.floor(later.length / 3);
const batches = [later.slice(0, third), later.slice(third, 2 * third), later.slice(2 * third)];
const trades = (rs: readonly Record<string, unknown>[]) => rs.filter((r) => r.type === "TRADE").length;

function spawnCli(dir: string, args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [MAIN, ...args], {
    cwd: dir,
    env: { ...process.env, POLYCOPY_LOG_LEVEL: "silent", DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  let alive = true;
  void exited.then(() => (alive = false));
  return { child, exited, out: () => out, err: () => err, alive: () => alive };
}

async function withStore<T>(
  dir: string,
  f: (s: Awaited<ReturnType<typeof openStore>>) => Promise<T>,
): Promise<T> {
  const store = await openStore({ dataDir: join(dir, "data") });
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

/** What a fault-free run stores: every record the stand-in served for the followed wallets. */
function expectedTx(records: readonly Record<string, unknown>[]): string[] {
  return [
    ...new Set(records.filter(mine).map((r) => `${r.type}:${String(r.transactionHash).toLowerCase()}`)),
  ].sort();
}
async function storedTx(dir: string): Promise<string[]> {
  const events = await withStore(dir, (s) => s.listLeaderEvents());
  return [...new Set(events.map((e) => `${e.type}:${String(e.txHash).toLowerCase()}`))].sort();
}

/** Decisions in the order they were made (the audit log lists newest first). */
async function decisions(dir: string) {
  return withStore(dir, async (s) =>
    (await s.listAudit({ kind: "decision", limit: 1e7 }))
      .sort((a, b) => (a.id ?? 0) - (b.id ?? 0))
      .map((a) => a.data as { leaderFillKey: string; action: string; rule: string | null; ts: number }),
  );
}

async function snapshot(
  url: string,
): Promise<{ upstream?: { stale: boolean; sources: { source: string; stale: boolean }[] } }> {
  const res = await fetch(new URL("/api/snapshot", url));
  return (await res.json()) as never;
}

/** Restarts a stand-in on the same port (an outage's end), serving `activity`. */
function standinOn(port: number, activity: readonly Record<string, unknown>[]): Promise<Standin> {
  return startStandin({ markets: data.markets, activity, book, port });
}

describe("upstream outages (issue #9; scripts/chaos.ts runs the long version)", () => {
  it("run: order books down, then the whole stand-in down; the run stays up, shows it, pauses entries, and ends with the fault-free fill set", async () => {
    assert.ok(trades(later) > 60, `enough new fills (${trades(later)})`);
    let s = await startStandin({ markets: data.markets, activity: initial, book });
    const port = Number(new URL(s.url).port);
    const dir = runFolder("polycopy-outage-", {
      polymarket: { backfillDays: 3650 },
      wallets: followed.map((address) => ({ address })),
      risk: LOOSE_RISK,
      server: { port: 0 },
    });
    const run = spawnCli(dir, ["run", "--source", "standin", "--url", s.url, "--interval", "200"]);
    try {
      await waitFor(() => run.out().includes("following 3 wallets"), "the run to follow");
      const dash = /dashboard: (http:\/\/\S+?)(#|\s)/.exec(run.out())?.[1];
      assert.ok(dash, run.out());
      for (const r of batches[0]!) s.publish(r);
      await waitFor(async () => (await decisions(dir)).length >= trades(batches[0]!), "batch 1 decided");
      const copiedBefore = (await decisions(dir)).filter(
        (d) => d.action === "copied" || d.action === "resized",
      );
      assert.ok(copiedBefore.length > 0, "entries are copied while everything is up");

      // 1. Order books down (the feed still works): entries are blocked as stale, not skipped.
      s.failNext("/book", 503, 1_000_000);
      for (const r of batches[1]!) s.publish(r);
      const upTo2 = trades(batches[0]!) + trades(batches[1]!);
      await waitFor(async () => (await decisions(dir)).length >= upTo2, "batch 2 decided", 120_000);
      const during = (await decisions(dir)).slice(trades(batches[0]!));
      const stale = during.filter((d) => d.rule === "stale.prices");
      assert.ok(stale.length > 0, "entries were paused while prices were stale");
      // From the first paused entry on (books known to be down), no entry is copied.
      const paused = during.slice(during.findIndex((d) => d.rule === "stale.prices"));
      assert.equal(
        paused.filter(
          (d) => (d.action === "copied" || d.action === "resized") && d.rule !== "exit.leader_sold",
        ).length,
        0,
        "no entry copied while prices are stale",
      );
      let snap = await snapshot(dash);
      assert.equal(snap.upstream?.stale, true);
      assert.ok(snap.upstream?.sources.some((x) => x.source === "clob:book" && x.stale));
      s.failNext("/book", 503, 0);

      // 2. The whole stand-in down. The run stays up and shows the stale feed.
      await s.close();
      await waitFor(() => /leader feed \S+ stale/.test(run.out()), "the feed to be reported stale", 60_000);
      snap = await snapshot(dash);
      assert.ok(
        snap.upstream?.sources.some((x) => x.source.startsWith("poll:") && x.stale),
        JSON.stringify(snap.upstream),
      );
      await new Promise((r) => setTimeout(r, 3000));
      assert.ok(run.alive(), `the run is still up during the outage: ${run.err().slice(-2000)}`);
      // Fills happened while it was down; the stand-in comes back serving them.
      s = await standinOn(port, [...initial, ...later]);
      await waitFor(() => /leader feed \S+ is back/.test(run.out()), "the feed to come back", 90_000);
      await waitFor(async () => (await decisions(dir)).length >= trades(later), "every fill decided", 90_000);
      // The first entry after the outage is copied again (prices are fresh: the pause lifted).
      await new Promise((r) => setTimeout(r, 1000));
      run.child.kill("SIGTERM");
      assert.equal(await run.exited, 0, run.err().slice(-2000));
      const d = await decisions(dir);
      assert.equal(d.length, trades(later), "each leader fill decided once");
      assert.equal(new Set(d.map((x) => x.leaderFillKey)).size, d.length);
      const after = d.slice(upTo2);
      assert.ok(
        after.some((x) => x.action === "copied" || x.action === "resized"),
        "entries resumed after the outage",
      );
      assert.deepEqual(
        await storedTx(dir),
        expectedTx([...initial, ...later]),
        "stored fills equal a fault-free run's",
      );
    } finally {
      if (run.alive()) run.child.kill("SIGKILL");
      await s.close();
    }
  });

  it("ingest --follow: the stand-in goes down and comes back; ingest stays up and stores every record once", async () => {
    let s = await startStandin({
      markets: data.markets,
      activity: [...initial, ...batches[0]!],
      book,
    });
    const port = Number(new URL(s.url).port);
    const dir = runFolder("polycopy-outage-ingest-", {});
    const ing = spawnCli(dir, [
      "ingest",
      "--from",
      "standin",
      "--url",
      s.url,
      "--wallets",
      followed.join(","),
      "--days",
      "3650",
      "--follow",
      "--interval",
      "200",
    ]);
    try {
      const count = () => withStore(dir, (st) => st.countLeaderEvents()).catch(() => 0);
      const first = expectedTx([...initial, ...batches[0]!]).length;
      await waitFor(async () => (await count()) >= first, "the backfill", 60_000);
      await s.close();
      await waitFor(() => /feed \S+ stale/.test(ing.out()), "the feed to be reported stale", 60_000);
      await new Promise((r) => setTimeout(r, 3000));
      assert.ok(ing.alive(), `ingest is still up during the outage: ${ing.err().slice(-2000)}`);
      s = await standinOn(port, [...initial, ...later]);
      await waitFor(() => /feed \S+ is back/.test(ing.out()), "the feed to come back", 90_000);
      const all = expectedTx([...initial, ...later]);
      await waitFor(async () => (await count()) >= all.length, "every record stored", 60_000);
      ing.child.kill("SIGTERM");
      await ing.exited;
      assert.deepEqual(await storedTx(dir), all);
      assert.equal(await count(), all.length, "nothing stored twice");
    } finally {
      if (ing.alive()) ing.child.kill("SIGKILL");
      await s.close();
    }
  });
});
