/**
 * Issue #8 item 4: a live run classifies its followed wallets on the same tape a backtest sees. The
 * stand-in serves a simulated market's whole history; a live run (backfill of the followed
 * wallets' activity, then the market-wide tape of their markets through the stand-in's
 * `/trades?market=`) must give every followed wallet the class, and the P(MM), that
 * `polycopy classify` gives it on the stand-in's full tape written to a file.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { accumulate, analyzeWallets } from "../src/analytics/analyze.ts";
import type { CopyEngine, LeaderProfile } from "../src/engine/engine.ts";
import { runLive } from "../src/engine/live.ts";
import { PolymarketAdapter } from "../src/polymarket/adapter.ts";
import { toLeaderEvent } from "../src/polymarket/convert.ts";
import { FillRoles } from "../src/polymarket/fill-roles.ts";
import { DEFAULT_RISK_CONFIG } from "../src/risk/config.ts";
import { simulate } from "../src/sim/simulate.ts";
import { PollSource } from "../src/sources/poll-source.ts";
import { startChainRpc } from "../src/standin/chain-rpc.ts";
import { standinDataFromSim } from "../src/standin/from-sim.ts";
import { startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";
import { waitFor } from "./live-run.fixture.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;

const sim = simulate({ seed: 5, days: 20, walletsPerStyle: 2, markets: 30 });
const data = standinDataFromSim(sim);
// Styles whose class hangs on other wallets' prices after their fills (the 5-minute markout):
// informed takers and slow makers, with quoters and frequent directional traders beside them.
const STYLES = new Set(["informed", "slow_maker", "quoter", "frequent_directional"]);
const followed = sim.labels.filter((l) => STYLES.has(l.style)).map((l) => l.wallet.toLowerCase());

type Classified = { class: string; p_mm: number; fills: number };

/** `polycopy classify` on the stand-in's full tape (every wallet's records, as a JSON Lines file). */
function classifyFullTape(): Map<string, Classified> {
  const dir = mkdtempSync(join(tmpdir(), "polycopy-tape-"));
  const file = join(dir, "tape.jsonl");
  writeFileSync(file, `${data.activity.map((r) => JSON.stringify(r)).join("\n")}\n`);
  const r = spawnSync(
    process.execPath,
    [MAIN, "classify", "-i", file, "--wallets", followed.join(","), "--format", "json"],
    { encoding: "utf8", env: { ...process.env, POLYCOPY_LOG_LEVEL: "silent" } },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as (Classified & { wallet: string })[];
  return new Map(out.map((w) => [w.wallet, { class: w.class, p_mm: w.p_mm, fills: w.fills }]));
}

describe("live classification on the market-wide tape (stand-in)", () => {
  it("gives every followed wallet the class and P(MM) that classify gives it on the full tape", async () => {
    assert.ok(followed.length >= 6, `followed wallets: ${followed.length}`);
    const batch = classifyFullTape();
    assert.equal(batch.size, followed.length);

    // The fixture matters: on the followed wallets' own fills only, some verdict comes out different
    // (P(MM), which the live run must then match exactly, and so its class).
    const own = data.activity
      .map((r, i) => toLeaderEvent(r, `activity[${i}]`, { source: "file" }))
      .filter((e) => e !== null && followed.includes(e.wallet));
    const ownOnly = (() => {
      const a = accumulate(own as NonNullable<(typeof own)[number]>[]);
      return analyzeWallets(a.accs, a.prices);
    })();
    const differs = ownOnly.filter((v) => v.p_mm !== batch.get(v.wallet)?.p_mm).map((v) => v.wallet);
    assert.ok(differs.length >= 1, "some followed wallet needs other wallets' prices to be classified");

    const standin = await startStandin({ markets: data.markets, activity: data.activity, book: data.book });
    const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), "polycopy-tape-run-")) });
    try {
      const urls = { gammaUrl: standin.url, dataUrl: standin.url, clobUrl: standin.url };
      const adapter = new PolymarketAdapter({ urls });
      const name = "poll:tape-test";
      const opts = { adapter, wallets: followed, backfillDays: 3650, name };
      const stop = new AbortController();
      const lines: string[] = [];
      let leaders: ReadonlyMap<string, LeaderProfile> = new Map();
      let engine: CopyEngine | null = null;
      const running = runLive({
        store,
        adapter,
        backfill: new PollSource(opts),
        source: new PollSource({ ...opts, follow: true, pollIntervalMs: 100 }),
        wallets: followed,
        risk: DEFAULT_RISK_CONFIG,
        signal: stop.signal,
        onStatus: (m) => lines.push(m),
        onReady: (e, l) => {
          engine = e;
          leaders = l;
        },
        tapeRefreshMs: 100,
      });
      await waitFor(
        () => engine !== null || lines.some((l) => l.startsWith("following")),
        "the run to follow",
      );
      // While following, another wallet's trade in a scored market moves the engine's price.
      const last = data.activity
        .filter((r) => r.type === "TRADE" && followed.includes(String(r.proxyWallet)))
        .at(-1)!;
      const token = String(last.asset);
      const before = engine!.prices.last(token);
      const price = before === 0.37 ? 0.38 : 0.37;
      const maxTs = Math.max(...data.activity.map((r) => Number(r.timestamp)));
      standin.publish({
        ...last,
        proxyWallet: `0x${"ee".repeat(20)}`,
        price,
        usdcSize: Number(last.size) * price,
        timestamp: maxTs + 60,
        transactionHash: `0x${"ab".repeat(32)}`,
      });
      await waitFor(
        () => engine!.prices.last(token) === price,
        "the tape to move the price of a scored token",
      );
      stop.abort();
      const r = await running;
      assert.equal(r.handled, 0, "another wallet's trade is never a leader fill");
      for (const w of followed) assert.equal(leaders.get(w)?.class, batch.get(w)!.class, `class of ${w}`);
      for (const w of followed) {
        const want = batch.get(w)!;
        const line = lines.find((l) => l.startsWith(`classified ${w}:`));
        assert.ok(line, `a status line for ${w}: ${lines.join(" | ")}`);
        assert.equal(line, `classified ${w}: ${want.class} (P(MM)=${want.p_mm}, ${want.fills} fills)`);
      }
      assert.ok((standin.stats.byPath["/trades"] ?? 0) > 0, "the live run read the market tape from /trades");
      assert.ok(lines.includes("maker/taker roles unknown: no chain RPC configured (polymarket.rpcUrl)"));
    } finally {
      await store.close();
      await standin.close();
    }
  });

  it("with a chain RPC, enriches the followed wallets' stored fills with their roles before classifying", async () => {
    const standin = await startStandin({ markets: data.markets, activity: data.activity, book: data.book });
    const chain = await startChainRpc({ fills: sim.events.filter((e) => e.type === "TRADE") });
    const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), "polycopy-tape-roles-")) });
    try {
      const urls = { gammaUrl: standin.url, dataUrl: standin.url, clobUrl: standin.url };
      const adapter = new PolymarketAdapter({ urls });
      const opts = { adapter, wallets: followed, backfillDays: 3650, name: "poll:tape-roles" };
      const stop = new AbortController();
      const lines: string[] = [];
      await runLive({
        store,
        adapter,
        backfill: new PollSource(opts),
        source: new PollSource({ ...opts, follow: true, pollIntervalMs: 100 }),
        wallets: followed,
        risk: DEFAULT_RISK_CONFIG,
        signal: stop.signal,
        onStatus: (m) => lines.push(m),
        onReady: () => stop.abort(),
        roles: new FillRoles({ rpcUrl: chain.url }),
      });
      const n = data.activity.filter(
        (r) => r.type === "TRADE" && followed.includes(String(r.proxyWallet)),
      ).length;
      assert.ok(lines.includes(`maker/taker roles from the chain: ${n} of ${n} fills`), lines.join(" | "));
      assert.ok((chain.stats.byMethod.eth_getTransactionReceipt ?? 0) > 0);
    } finally {
      await store.close();
      await chain.close();
      await standin.close();
    }
  });
});
