import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { apiFillKey, type LeaderEvent } from "../src/domain/fill.ts";
import { PolymarketAdapter } from "../src/polymarket/adapter.ts";
import { activityKey } from "../src/polymarket/convert.ts";
import { Rng, type SimResult, simulate } from "../src/sim/index.ts";
import { PollSource } from "../src/sources/poll-source.ts";
import { standinDataFromSim } from "../src/standin/from-sim.ts";
import { ALL_FAULTS, type Standin, startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";

/** The key the Data API path must give each simulated event, computed from the simulator's own fields. */
function expectedKey(e: LeaderEvent): string {
  if (e.type === "TRADE") {
    return apiFillKey({
      txHash: e.txHash!,
      wallet: e.wallet,
      tokenId: e.tokenId,
      side: e.side,
      size: e.size,
      price: e.price,
    });
  }
  return activityKey({
    txHash: e.txHash!,
    wallet: e.wallet,
    type: e.type,
    marketId: e.marketId,
    size: e.size,
    usdcSize: e.usdcSize,
  });
}

function adapterFor(s: Standin, seed: number): PolymarketAdapter {
  const rng = new Rng(seed);
  return new PolymarketAdapter({
    urls: { gammaUrl: s.url, dataUrl: s.url, clobUrl: s.url },
    // Small pages and a low offset cap so the walk pages and rebases many times.
    pageSize: 25,
    maxOffset: 100,
    http: {
      retry: { baseDelayMs: 1, maxDelayMs: 4, maxAttempts: 40, timeoutMs: 5000 },
      random: () => rng.next(),
    },
  });
}

describe("adapter + poll source against the stand-in with every fault on", () => {
  let sim: SimResult;
  let standin: Standin;
  let expected: Map<string, LeaderEvent>;

  before(async () => {
    sim = simulate({ seed: 11, days: 10, walletsPerStyle: 1, markets: 10 });
    expected = new Map(sim.events.map((e) => [expectedKey(e), e]));
    assert.equal(expected.size, sim.events.length, "simulated events must have distinct Data API keys");
    standin = await startStandin({
      ...standinDataFromSim(sim),
      faults: ALL_FAULTS,
      seed: 5,
      maxLimit: 25,
      maxOffset: 100,
    });
  });
  after(async () => {
    await standin.close();
  });

  it("walletActivity returns each of the server's events exactly once, with the server's values", async () => {
    const adapter = adapterFor(standin, 1);
    const got: LeaderEvent[] = [];
    for (const { wallet } of sim.labels) {
      got.push(...(await adapter.walletActivity(wallet, { sinceTs: 0 })));
    }
    const keys = got.map((e) => e.key);
    assert.equal(new Set(keys).size, keys.length, "no duplicates");
    assert.deepEqual([...keys].sort(), [...expected.keys()].sort(), "no missing, no extra");
    for (const e of got) {
      const want = expected.get(e.key)!;
      assert.equal(e.wallet, want.wallet);
      assert.equal(e.ts, Math.floor(want.ts / 1000) * 1000);
      if (e.type === "TRADE" && want.type === "TRADE") {
        assert.equal(e.price, want.price);
        assert.equal(e.size, want.size);
        assert.equal(e.side, want.side);
        assert.equal(e.outcomeIndex, want.outcomeIndex);
      }
    }
    // Every fault kind really happened and was survived.
    for (const k of ["429", "drop", "malformed", "duplicate", "shuffle"]) {
      assert.ok((standin.stats.faults[k] ?? 0) > 0, `fault ${k} was injected`);
    }
    const fivexx =
      (standin.stats.faults["500"] ?? 0) +
      (standin.stats.faults["502"] ?? 0) +
      (standin.stats.faults["503"] ?? 0);
    assert.ok(fivexx > 0, "5xx faults were injected");
    assert.ok(adapter.http.stats.retries > 0);
  });

  it("the poll source into a store ends with exactly the server's events, once", async () => {
    const adapter = adapterFor(standin, 2);
    const store = await openStore({ filename: ":memory:" });
    try {
      const source = new PollSource({
        adapter,
        wallets: sim.labels.map((l) => l.wallet),
        backfillDays: 3650,
        overlapSec: 3600,
      });
      // Two passes: the second resumes from the stored cursor and re-reads the overlap window.
      for (let pass = 0; pass < 2; pass++) {
        const cursor = await store.getCursor(source.name);
        for await (const b of source.stream(cursor, new AbortController().signal)) {
          await store.upsertMarkets(adapter.knownMarkets());
          await store.ingestBatch(source.name, b.events, b.cursor);
        }
      }
      const stored = await store.listLeaderEvents();
      const keys = stored.map((e) => e.key);
      assert.equal(new Set(keys).size, keys.length);
      assert.equal(await store.countLeaderEvents(), expected.size);
      assert.deepEqual(keys.sort(), [...expected.keys()].sort());
      assert.equal((await store.listMarkets()).length, sim.markets.length);
    } finally {
      await store.close();
    }
  });

  it("reads markets and order books through the faults", async () => {
    const adapter = adapterFor(standin, 3);
    const markets = await adapter.markets();
    assert.equal(markets.length, sim.markets.length);
    for (const m of sim.markets) {
      const got = markets.find((x) => x.id === m.id)!;
      assert.equal(got.tickSize, m.tickSize);
      assert.deepEqual(got.outcomes, m.outcomes);
      assert.equal(got.negRisk, m.negRisk);
      assert.equal(got.closed, m.closed);
      assert.equal(got.winnerIndex, m.winnerIndex);
    }
    // Simulated markets have all resolved by the end of the run, and the CLOB has no book for a
    // resolved market (404); reopen one on a second stand-in to read a book.
    const data = standinDataFromSim(sim);
    const reopened = data.markets.map((g, i) =>
      i === 0 ? { ...g, closed: false, outcomePrices: '["0.42","0.58"]' } : g,
    );
    const s2 = await startStandin({ markets: reopened, activity: [], faults: ALL_FAULTS, seed: 9 });
    try {
      const a2 = adapterFor(s2, 4);
      const open = sim.markets[0]!;
      const book = await a2.orderBook(open.outcomes[0]!.tokenId);
      assert.equal(book.tokenId, open.outcomes[0]!.tokenId);
      assert.ok(book.bids.length > 0 && book.asks.length > 0);
      assert.ok(book.bids[0]!.price < 0.42 && book.asks[0]!.price > 0.42, "touch around the outcome price");
      for (let i = 1; i < book.bids.length; i++) assert.ok(book.bids[i]!.price < book.bids[i - 1]!.price);
      for (let i = 1; i < book.asks.length; i++) assert.ok(book.asks[i]!.price > book.asks[i - 1]!.price);
      const closed = sim.markets[1]!;
      await assert.rejects(a2.orderBook(closed.outcomes[0]!.tokenId), (e: Error) => /404/.test(e.message));
    } finally {
      await s2.close();
    }
    const open = sim.markets[0]!;
    const one = await adapter.market(open.id);
    assert.equal(one.id, open.id);
  });
});
