import assert from "node:assert/strict";
import { describe, it } from "node:test";
import WebSocket from "ws";
import type { LeaderEvent } from "../src/domain/fill.ts";
import { PolymarketAdapter } from "../src/polymarket/adapter.ts";
import { rtdsMessageSchema } from "../src/polymarket/schemas.ts";
import { PollSource, parsePollCursor } from "../src/sources/poll-source.ts";
import { startStandin } from "../src/standin/server.ts";

const WALLET = `0x${"ab".repeat(20)}`;
const CID = `0x${"11".repeat(32)}`;
const T0 = 1_767_225_600; // 2026-01-01, seconds

const market = {
  id: "1",
  slug: "m",
  question: "Will it?",
  conditionId: CID,
  outcomes: '["Yes","No"]',
  outcomePrices: '["0.5","0.5"]',
  clobTokenIds: '["111","222"]',
  closed: false,
  negRisk: false,
  orderPriceMinTickSize: 0.01,
  orderMinSize: 5,
  feesEnabled: false,
  endDate: "2026-12-31T00:00:00Z",
};

function trade(i: number, tsSec: number): Record<string, unknown> {
  return {
    proxyWallet: WALLET,
    timestamp: tsSec,
    conditionId: CID,
    type: "TRADE",
    size: 10 + i,
    usdcSize: (10 + i) * 0.5,
    transactionHash: `0x${i.toString(16).padStart(64, "0")}`,
    price: 0.5,
    asset: "111",
    side: i % 2 === 0 ? "BUY" : "SELL",
    outcomeIndex: 0,
    outcome: "Yes",
  };
}

async function drain(
  src: PollSource,
  cursor: string | undefined,
): Promise<{ events: LeaderEvent[]; cursor: string | undefined }> {
  const events: LeaderEvent[] = [];
  let last = cursor;
  for await (const b of src.stream(cursor, new AbortController().signal)) {
    events.push(...b.events);
    last = b.cursor;
  }
  return { events, cursor: last };
}

describe("poll source", () => {
  it("re-reads the overlap window on restart and picks up records the API indexed late", async () => {
    const s = await startStandin({
      markets: [market],
      activity: Array.from({ length: 30 }, (_, i) => trade(i, T0 + i * 60)),
    });
    try {
      const adapter = new PolymarketAdapter({
        urls: { gammaUrl: s.url, dataUrl: s.url, clobUrl: s.url },
        pageSize: 7,
        maxOffset: 14,
      });
      const now = () => (T0 + 3600) * 1000;
      const src = new PollSource({ adapter, wallets: [WALLET], backfillDays: 1, overlapSec: 300, now });
      const first = await drain(src, undefined);
      assert.equal(first.events.length, 30);
      assert.deepEqual(parsePollCursor(first.cursor).wallets, { [WALLET]: T0 + 29 * 60 });

      // Indexed late: a fill timestamped two minutes before the cursor appears only now.
      s.publish(trade(100, T0 + 29 * 60 - 120));
      const second = await drain(src, first.cursor);
      const late = `0x${(100).toString(16).padStart(64, "0")}`;
      assert.ok(
        second.events.some((e) => e.txHash === late),
        "the late fill is read",
      );
      // A restart re-reads only the overlap window (the store ignores the repeats by key).
      const firstKeys = new Set(first.events.map((e) => e.key));
      for (const e of second.events) {
        if (e.txHash === late) continue;
        assert.ok(firstKeys.has(e.key));
        assert.ok(e.ts >= (T0 + 29 * 60 - 300) * 1000, "repeats come only from the overlap window");
      }
      assert.ok(second.events.length < 10);
    } finally {
      await s.close();
    }
  });

  it("in follow mode yields each event once across polls and picks up new ones", async () => {
    const s = await startStandin({ markets: [market], activity: [trade(0, T0), trade(1, T0 + 1)] });
    try {
      const adapter = new PolymarketAdapter({ urls: { gammaUrl: s.url, dataUrl: s.url, clobUrl: s.url } });
      const src = new PollSource({
        adapter,
        wallets: [WALLET],
        backfillDays: 1,
        follow: true,
        pollIntervalMs: 20,
        now: () => (T0 + 60) * 1000,
      });
      const ac = new AbortController();
      const seen: string[] = [];
      let polls = 0;
      const done = (async () => {
        for await (const b of src.stream(undefined, ac.signal)) {
          polls++;
          seen.push(...b.events.map((e) => e.key));
          if (polls === 3) s.publish(trade(2, T0 + 2));
          if (polls >= 8) ac.abort();
        }
      })();
      await done;
      assert.equal(seen.length, 3);
      assert.equal(new Set(seen).size, 3);
    } finally {
      await s.close();
    }
  });

  it("rejects a corrupt cursor with a clear error", () => {
    assert.throws(() => parsePollCursor("{nope"), /poll cursor is not valid JSON/);
    assert.deepEqual(parsePollCursor(undefined), { v: 1, wallets: {} });
  });

  it("pages past the Data API offset cap by rebasing on the last timestamp", async () => {
    // 40 records, 4 per timestamp, cap of 12 records per window.
    const activity = Array.from({ length: 40 }, (_, i) => trade(i, T0 + Math.floor(i / 4)));
    const s = await startStandin({ markets: [market], activity, maxLimit: 5, maxOffset: 10 });
    try {
      const adapter = new PolymarketAdapter({
        urls: { gammaUrl: s.url, dataUrl: s.url, clobUrl: s.url },
        pageSize: 5,
        maxOffset: 10,
      });
      const got = await adapter.walletActivity(WALLET);
      assert.equal(got.length, 40);
      assert.equal(new Set(got.map((e) => e.key)).size, 40);
      // More records at one timestamp than the cap allows is reported, not looped on.
      const same = Array.from({ length: 20 }, (_, i) => trade(i, T0));
      const s2 = await startStandin({ markets: [market], activity: same, maxLimit: 5, maxOffset: 10 });
      try {
        const a2 = new PolymarketAdapter({
          urls: { gammaUrl: s2.url, dataUrl: s2.url, clobUrl: s2.url },
          pageSize: 5,
          maxOffset: 10,
        });
        await assert.rejects(a2.walletActivity(WALLET), /more than 10 records at timestamp/);
      } finally {
        await s2.close();
      }
    } finally {
      await s.close();
    }
  });

  it("keeps an averaged price off the tick grid; stops with a one-line error on a price outside (0,1)", async () => {
    const s = await startStandin({
      markets: [market],
      activity: [
        trade(0, T0),
        { ...trade(1, T0 + 1), price: 0.5050000127 },
        { ...trade(2, T0 + 2), price: 1.2 },
      ],
    });
    try {
      const adapter = new PolymarketAdapter({ urls: { gammaUrl: s.url, dataUrl: s.url, clobUrl: s.url } });
      const ok = await adapter.walletActivity(WALLET, { untilTs: (T0 + 2) * 1000 });
      assert.deepEqual(
        ok.map((e) => (e.type === "TRADE" ? e.price : null)),
        [0.5, 0.5050000127],
        "the Data API's average price is kept whole (it is not a tick)",
      );
      await assert.rejects(adapter.walletActivity(WALLET), (e: Error) => {
        assert.match(
          e.message,
          /data \/activity \(user 0x[0-9a-f]+, offset 0\)\[2\]: price: must be strictly between 0 and 1 for a trade, got 1\.2/,
        );
        assert.doesNotMatch(e.message, /\n/);
        return true;
      });
    } finally {
      await s.close();
    }
  });
});

describe("stand-in websocket", () => {
  it("pushes activity in the real-time data service shape, with duplicate and out-of-order faults", async () => {
    const s = await startStandin({
      markets: [market],
      activity: [],
      websocket: true,
      seed: 3,
      faults: { duplicate: 0.5, shuffle: 0.3 },
    });
    const ws = new WebSocket(s.wsUrl!);
    try {
      await new Promise((r, j) => ws.once("open", r).once("error", j));
      const got: Record<string, unknown>[] = [];
      ws.on("message", (d) => {
        const m = rtdsMessageSchema.parse(JSON.parse(d.toString()));
        assert.equal(m.topic, "activity");
        assert.equal(m.type, "trades");
        got.push(m.payload as Record<string, unknown>);
      });
      ws.send(
        JSON.stringify({ action: "subscribe", subscriptions: [{ topic: "activity", type: "trades" }] }),
      );
      await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 40; i++) s.publish(trade(i, T0 + i));
      s.publish(trade(40, T0 + 40)); // flushes a held (out-of-order) message
      await new Promise((r) => setTimeout(r, 200));
      const hashes = got.map((p) => p.transactionHash as string);
      const distinct = new Set(hashes);
      assert.ok(distinct.size >= 40, `all but possibly the last held message arrive (${distinct.size})`);
      assert.ok(hashes.length > distinct.size, "some messages were duplicated");
      const ts = got.map((p) => p.timestamp as number);
      assert.ok(
        ts.some((t, i) => i > 0 && t < ts[i - 1]!),
        "some messages arrived out of order",
      );
      assert.equal(got[0]!.proxyWallet, WALLET);
      assert.equal(got[0]!.type, undefined, "payload is the trade, without the activity type");
      // The REST side holds what was published.
      const adapter = new PolymarketAdapter({ urls: { gammaUrl: s.url, dataUrl: s.url, clobUrl: s.url } });
      assert.equal((await adapter.walletActivity(WALLET)).length, 41);
    } finally {
      ws.close();
      await s.close();
    }
  });
});
