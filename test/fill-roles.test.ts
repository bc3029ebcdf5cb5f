/**
 * Issue #8 item 3: maker or taker from the chain. Data API fills carry no role; their
 * transactions' `OrderFilled` logs do. Against the stand-in JSON-RPC node serving the simulator's
 * fills (whose true roles are known), enriched roles must equal the simulator's, under RPC faults,
 * with one receipt per transaction; without an RPC the verdict says roles were not available.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accumulate, analyzeWallets } from "../src/analytics/analyze.ts";
import type { LeaderEvent, LeaderFill } from "../src/domain/fill.ts";
import { toLeaderEvent } from "../src/polymarket/convert.ts";
import { FillRoles } from "../src/polymarket/fill-roles.ts";
import { simulate, toActivityRecord } from "../src/sim/index.ts";
import { startChainRpc } from "../src/standin/chain-rpc.ts";

const sim = simulate({ seed: 11, days: 6, walletsPerStyle: 1, markets: 12 });
const byId = new Map(sim.markets.map((m) => [m.id, m]));
const truth = sim.events.filter((e): e is LeaderFill => e.type === "TRADE");
/** The same fills as the Data API serves them: no role. */
const fromApi: LeaderEvent[] = sim.events
  .map((e, i) =>
    toLeaderEvent(toActivityRecord(e, byId.get(e.marketId)), `activity[${i}]`, { source: "file" }),
  )
  .filter((e): e is LeaderEvent => e !== null);

describe("maker/taker roles from the chain", () => {
  it("enriches Data API fills with the simulator's true roles, one receipt per transaction, under RPC faults", async () => {
    assert.ok(
      fromApi.every((e) => e.type !== "TRADE" || e.role === null),
      "the Data API has no roles",
    );
    const roles = new Set(truth.map((f) => f.role));
    assert.deepEqual([...roles].sort(), ["maker", "taker"], "both roles occur");
    const chain = await startChainRpc({
      fills: truth,
      seed: 3,
      faults: { rateLimit: 0.05, serverError: 0.05, drop: 0.03, malformed: 0.03, rpcError: 0.05 },
    });
    try {
      const fr = new FillRoles({
        rpcUrl: chain.url,
        batchSize: 20,
        retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 30 },
      });
      const { events, summary } = await fr.enrich(fromApi);
      const want = new Map(truth.map((f) => [`${f.txHash}|${f.wallet}|${f.tokenId}`, f.role]));
      let compared = 0;
      for (const e of events) {
        if (e.type !== "TRADE") continue;
        assert.equal(e.role, want.get(`${e.txHash}|${e.wallet}|${e.tokenId}`), `role of ${e.key}`);
        compared++;
      }
      assert.equal(compared, truth.length);
      assert.deepEqual(summary, { known: truth.length, unknown: 0 });
      const txs = new Set(truth.map((f) => f.txHash)).size;
      assert.equal(fr.stats.receipts, txs, "one receipt per transaction");
      assert.ok(
        chain.stats.requests <= fr.stats.batches && chain.stats.requests < txs / 10,
        `JSON-RPC batches (${chain.stats.requests} HTTP requests for ${txs} transactions)`,
      );
      const faults = Object.values(chain.stats.faults).reduce((x, y) => x + y, 0);
      assert.ok(
        faults > 0 && fr.stats.retries >= faults,
        `faults met (${faults}) and retried (${fr.stats.retries})`,
      );

      // Cached: enriching again asks the node nothing.
      const before = chain.stats.requests;
      await fr.enrich(fromApi);
      assert.equal(chain.stats.requests, before);

      // Maker share becomes known, and equals the simulator's.
      const a = accumulate(events);
      const verdicts = analyzeWallets(a.accs, a.prices);
      for (const v of verdicts) {
        const mine = truth.filter((f) => f.wallet === v.wallet);
        const notional = mine.reduce((s, f) => s + f.size * f.price, 0);
        const maker = mine.filter((f) => f.role === "maker").reduce((s, f) => s + f.size * f.price, 0);
        if (notional === 0) continue;
        assert.ok(Math.abs(v.features.maker_share - maker / notional) < 0.001, `maker share of ${v.wallet}`);
        assert.ok(
          v.reasons.some((r) => r.startsWith("maker share ")),
          v.reasons.join(" | "),
        );
      }
    } finally {
      await chain.close();
    }
  });

  it("leaves a fill unknown when its transaction has no log of that wallet, and says so in the verdict without an RPC", async () => {
    // A node that has none of these transactions: every fill stays without a role.
    const chain = await startChainRpc({ fills: [] });
    try {
      const fr = new FillRoles({ rpcUrl: chain.url });
      const { summary } = await fr.enrich(fromApi.slice(0, 50));
      assert.equal(summary.known, 0);
      assert.ok(summary.unknown > 0);
    } finally {
      await chain.close();
    }
    const a = accumulate(fromApi);
    for (const v of analyzeWallets(a.accs, a.prices)) {
      assert.equal(v.features.maker_share, -1);
      assert.ok(
        v.reasons.includes(
          "maker/taker roles not available (no chain RPC: set polymarket.rpcUrl): maker share unknown",
        ),
        v.reasons.join(" | "),
      );
    }
  });
});
