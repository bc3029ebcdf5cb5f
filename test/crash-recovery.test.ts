import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openStore } from "../src/store/open.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const ARGS = ["run", "--days", "60", "--warmup-days", "20", "--wallets-per-style", "6", "--no-serve"];

function run(dir: string, extraEnv: Record<string, string> = {}) {
  return spawnSync(process.execPath, [MAIN, ...ARGS], {
    encoding: "utf8",
    cwd: dir,
    env: { ...process.env, POLYCOPY_LOG_LEVEL: "silent", DATABASE_URL: "", ...extraEnv },
    timeout: 120_000,
  });
}

async function ledger(dir: string) {
  const store = await openStore({ dataDir: join(dir, "data") });
  try {
    const orders = (await store.listOrders()).map((o) => `${o.key}|${o.status}|${o.filledQty}`).sort();
    const fills = (await store.listFills()).map((f) => `${f.key}|${f.qty}|${f.price}|${f.fee}`).sort();
    const positions = (await store.listPositions())
      .map((p) => `${p.tokenId}|${p.qty}|${p.cost}|${p.realized}`)
      .sort();
    const decisions = (await store.listAudit({ kind: "decision", limit: 1e7 })).length;
    const leaderEvents = await store.countLeaderEvents();
    return { orders, fills, positions, decisions, leaderEvents };
  } finally {
    await store.close();
  }
}

describe("crash recovery: kill -9 mid-order, restart, nothing doubled or dropped", () => {
  const reference = mkdtempSync(join(tmpdir(), "polycopy-ref-"));
  let ref: Awaited<ReturnType<typeof ledger>>;

  it("an uninterrupted run gives the reference ledger", async () => {
    const r = run(reference);
    assert.equal(r.status, 0, r.stderr);
    ref = await ledger(reference);
    assert.ok(ref.orders.length > 10, `the run traded (${ref.orders.length} orders)`);
    assert.ok(ref.fills.length > 10);
  });

  it("SIGKILL right after the venue filled an order (before the ledger commit), twice, then restart: same ledger", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-crash-"));
    const k1 = run(dir, { POLYCOPY_TEST_CRASH_AFTER_ORDER: "3" });
    assert.equal(k1.signal, "SIGKILL", `first run should die: ${k1.stderr}`);
    const mid = await ledger(dir);
    assert.ok(mid.orders.length < ref.orders.length, "killed before the end");
    const k2 = run(dir, { POLYCOPY_TEST_CRASH_AFTER_ORDER: "5" });
    assert.equal(k2.signal, "SIGKILL");
    const done = run(dir);
    assert.equal(done.status, 0, done.stderr);
    assert.match(done.stdout, /resumed paper run .* rebuilt state reconciled with the ledger/);
    assert.deepEqual(await ledger(dir), ref);
  });

  it("SIGKILL at a random moment of a slowed-down run, then restart: same ledger", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-kill-"));
    const child = spawn(process.execPath, [MAIN, ...ARGS, "--step-delay-ms", "60"], {
      cwd: dir,
      env: { ...process.env, POLYCOPY_LOG_LEVEL: "silent", DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const exited = new Promise((r) => child.once("exit", r));
    // Wait until the run is trading, then kill it without warning.
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (out.includes("store (sqlite)")) {
          clearInterval(t);
          setTimeout(resolve, 700);
        }
      }, 20);
    });
    child.kill("SIGKILL");
    await exited;
    const mid = await ledger(dir);
    assert.ok(
      mid.orders.length < ref.orders.length,
      `killed mid-run (${mid.orders.length} of ${ref.orders.length} orders)`,
    );
    const done = run(dir);
    assert.equal(done.status, 0, done.stderr);
    assert.deepEqual(await ledger(dir), ref);
  });

  it("refuses to trade when the ledger disagrees with the venue", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-tamper-"));
    const k = run(dir, { POLYCOPY_TEST_CRASH_AFTER_ORDER: "4" });
    assert.equal(k.signal, "SIGKILL");
    const store = await openStore({ dataDir: join(dir, "data") });
    const [p] = (await store.listPositions()).filter((x) => x.qty > 0);
    assert.ok(p, "an open position to tamper with");
    await store.upsertPosition({ ...p, qty: p.qty + 5_000_000 });
    await store.close();
    const r = run(dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /startup reconciliation failed, refusing to trade: position/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  });
});
