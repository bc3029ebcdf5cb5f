/**
 * The market-wide tape adapter (`/trades?market=<conditionId>&takerOnly=false`) against the
 * stand-in: every wallet's fills of one market, paged past the offset cap, each once, in time order,
 * validated at the boundary; and its cache (MarketTape) that asks only for what is new.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPolycopyError } from "../src/domain/errors.ts";
import { PolymarketAdapter } from "../src/polymarket/adapter.ts";
import { MarketTape } from "../src/polymarket/market-tape.ts";
import { startStandin } from "../src/standin/server.ts";

const CID = `0x${"11".repeat(32)}`;
const OTHER = `0x${"22".repeat(32)}`;
const T0 = 1_767_225_600; // 2026-01-01, seconds

function market(id: string, cid: string, tokens: [string, string]) {
  return {
    id,
    slug: `m${id}`,
    question: "Will it?",
    conditionId: cid,
    outcomes: '["Yes","No"]',
    outcomePrices: '["0.5","0.5"]',
    clobTokenIds: JSON.stringify(tokens),
    closed: false,
    negRisk: false,
    orderPriceMinTickSize: 0.01,
    orderMinSize: 5,
    feesEnabled: false,
    endDate: "2026-12-31T00:00:00Z",
  };
}

/** Trade i: one of 7 wallets, 3 fills per second (so seconds are shared across pages). */
function trade(i: number, cid = CID, asset = "111"): Record<string, unknown> {
  return {
    proxyWallet: `0x${(i % 7).toString(16).padStart(40, "a")}`,
    timestamp: T0 + Math.floor(i / 3),
    conditionId: cid,
    type: "TRADE",
    size: 10 + i,
    usdcSize: (10 + i) * 0.42,
    transactionHash: `0x${i.toString(16).padStart(64, "0")}`,
    price: 0.42,
    asset,
    side: i % 2 === 0 ? "BUY" : "SELL",
    outcomeIndex: 0,
    outcome: "Yes",
  };
}

const markets = [market("1", CID, ["111", "112"]), market("2", OTHER, ["221", "222"])];
const tape = Array.from({ length: 230 }, (_, i) => trade(i));
const noise = Array.from({ length: 40 }, (_, i) => trade(1000 + i, OTHER, "221"));

function adapterFor(url: string) {
  return new PolymarketAdapter({
    urls: { gammaUrl: url, dataUrl: url, clobUrl: url },
    pageSize: 25,
    maxOffset: 100,
    http: { retry: { baseDelayMs: 1, maxDelayMs: 5 } },
  });
}

describe("market trades (the market-wide tape)", () => {
  it("reads every wallet's fills of one market past the offset cap, each once, oldest first, under faults", async () => {
    const s = await startStandin({
      markets,
      activity: [...tape, ...noise],
      maxOffset: 100,
      seed: 9,
      faults: { duplicate: 0.5, shuffle: 0.5, rateLimit: 0.05, retryAfterSec: 0, serverError: 0.05 },
    });
    try {
      const fills = await adapterFor(s.url).marketTrades(CID);
      assert.equal(
        fills.length,
        tape.length,
        "every fill of the market, none twice, none of the other market",
      );
      assert.equal(new Set(fills.map((f) => f.key)).size, fills.length);
      assert.ok(fills.every((f) => f.marketId === CID));
      assert.equal(new Set(fills.map((f) => f.wallet)).size, 7, "every wallet's fills, not one wallet's");
      for (let i = 1; i < fills.length; i++) assert.ok(fills[i]!.ts >= fills[i - 1]!.ts, "oldest first");
      assert.ok(
        (s.stats.byPath["/trades"] ?? 0) > tape.length / 25,
        "paged (and re-based at the offset cap)",
      );
    } finally {
      await s.close();
    }
  });

  it("caches by market: a second read asks only for what is newer and returns only new fills", async () => {
    const s = await startStandin({ markets, activity: [...tape.slice(0, 60), ...noise] });
    try {
      const mt = new MarketTape(adapterFor(s.url));
      const first = await mt.refresh(new Map([[CID, 0]]));
      assert.equal(first.length, 60);
      const requests = s.stats.byPath["/trades"] ?? 0;
      assert.deepEqual(await mt.refresh(new Map([[CID, 0]])), [], "nothing new");
      assert.equal(
        (s.stats.byPath["/trades"] ?? 0) - requests,
        1,
        "one small request, not the history again",
      );
      // A fill in the newest second already read, and one later: both new, each once.
      s.publish({ ...trade(500), timestamp: T0 + 19 });
      s.publish({ ...trade(501), timestamp: T0 + 40 });
      const next = await mt.refresh(new Map([[CID, 0]]));
      assert.deepEqual(
        next.map((f) => f.txHash),
        [trade(500).transactionHash, trade(501).transactionHash],
      );
      assert.equal(mt.stats.fills, 62);
    } finally {
      await s.close();
    }
  });

  it("rejects a malformed record with one line naming the request, the record and the field", async () => {
    const bad = { ...trade(3), price: 1.5 };
    const s = await startStandin({ markets, activity: [...tape.slice(0, 10), bad] });
    try {
      await assert.rejects(adapterFor(s.url).marketTrades(CID), (e) => {
        assert.ok(isPolycopyError(e));
        assert.match(e.message, /^data \/trades \(market 0x1{64}, offset 0\)\[\d+\]: price:/);
        assert.ok(!e.message.includes("\n"));
        return true;
      });
      await assert.rejects(
        adapterFor(s.url).marketTrades("0x12"),
        /conditionId must be 0x and 64 hex digits/,
      );
    } finally {
      await s.close();
    }
  });
});
