/**
 * Exit marks from the market-wide tape: another wallet's trade in a token the live run holds moves
 * its mark, and our take-profit exit fires and is committed, though no followed wallet traded.
 * Same shifted stand-in as test/run-live-resolution.test.ts (the run's clock is the wall clock).
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../src/config/config.ts";
import type { CopyEngine } from "../src/engine/engine.ts";
import { runLive } from "../src/engine/live.ts";
import { PolymarketAdapter } from "../src/polymarket/adapter.ts";
import { simulate } from "../src/sim/simulate.ts";
import { PollSource } from "../src/sources/poll-source.ts";
import { standinDataFromSim } from "../src/standin/from-sim.ts";
import { startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";
import { busiestAfter, LOOSE_RISK, shiftToNow, waitFor } from "./live-run.fixture.ts";

const sim = simulate({ seed: 5, days: 30, walletsPerStyle: 3, markets: 40 });
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

describe("exit marks from the market-wide tape", () => {
  it("another wallet's trade in a token we hold drives our take-profit exit, committed to the ledger", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-tape-exit-"));
    writeFileSync(join(dir, "c.json"), JSON.stringify({ risk: LOOSE_RISK }));
    const risk = loadConfig({ file: join(dir, "c.json"), env: {} }).risk;
    const standin = await startStandin({
      markets: data.markets,
      activity: initial,
      book: data.book,
      seed: 2,
    });
    const store = await openStore({ dataDir: join(dir, "data") });
    const stop = new AbortController();
    let running: Promise<unknown> = Promise.resolve();
    try {
      const urls = { gammaUrl: standin.url, dataUrl: standin.url, clobUrl: standin.url };
      const adapter = new PolymarketAdapter({ urls });
      const opts = { adapter, wallets: followed, backfillDays: 3650, name: "poll:tape-exit" };
      let engine: CopyEngine | null = null;
      running = runLive({
        store,
        adapter,
        backfill: new PollSource(opts),
        source: new PollSource({ ...opts, follow: true, pollIntervalMs: 100 }),
        wallets: followed,
        risk,
        signal: stop.signal,
        onReady: (e) => {
          engine = e;
        },
        tapeRefreshMs: 100,
      });
      await waitFor(() => engine !== null, "the run to start");
      const e = engine as unknown as CopyEngine;
      // Follow until we hold a token whose take-profit mark (under any class's profile) 0.99 reaches.
      const maxTp = Math.max(...Object.values(risk.profiles).map((p) => p.takeProfit));
      const target = () =>
        [...e.positions.values()].find((p) => p.qty > 0 && p.cost / p.qty < 0.99 / (1 + maxTp));
      for (let i = 0; i < later.length && !target(); i += 20) {
        for (const r of later.slice(i, i + 20)) {
          standinSimMs = (ts(r) - shift) * 1000;
          standin.publish(r);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      await waitFor(() => target() !== undefined, "a held position");
      const held = target()!;
      const tpOrders = async () =>
        (await store.listOrders()).filter((o) => o.key.startsWith(`exit:tp:${held.tokenId}:`));
      assert.equal((await tpOrders()).length, 0, "no take profit before the tape trade");
      const proto = data.activity.find((r) => r.type === "TRADE" && String(r.asset) === held.tokenId)!;
      standin.publish({
        ...proto,
        proxyWallet: `0x${"ef".repeat(20)}`,
        side: "BUY",
        price: 0.99,
        usdcSize: Number(proto.size) * 0.99,
        timestamp: Math.floor(Date.now() / 1000),
        transactionHash: `0x${"cd".repeat(32)}`,
      });
      await waitFor(async () => (await tpOrders()).length > 0, "a take-profit exit in the ledger");
      assert.equal(e.prices.last(held.tokenId), 0.99);
    } finally {
      stop.abort();
      await running.catch(() => {});
      await store.close();
      await standin.close();
    }
  });
});
