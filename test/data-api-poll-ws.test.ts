/**
 * Entry points 3 and 4 of the Data API parser: the poller (PollSource over the adapter's /activity
 * and /trades) and the websocket source (RtdsSource), both against the stand-in serving the fixture
 * corpus. Every quirk is read; a malformed record fails the poll with one line naming index and
 * field, and is counted and skipped (logged without raw bytes) on the socket.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { PolycopyError } from "../src/domain/errors.ts";
import type { LeaderEvent } from "../src/domain/fill.ts";
import { hasControlChars } from "../src/domain/printable.ts";
import { PolymarketAdapter } from "../src/polymarket/adapter.ts";
import { readDataApiFile } from "../src/polymarket/data-api-file.ts";
import { PollSource } from "../src/sources/poll-source.ts";
import { RtdsSource } from "../src/sources/rtds-source.ts";
import { startStandin } from "../src/standin/server.ts";
import {
  FIXTURES,
  fixture,
  gammaMarketsFor,
  MM,
  MM_WALLET,
  REAL,
  type Rec,
  WHALE,
} from "./data-api.fixture.ts";

const expected = async (name: string) =>
  (await readDataApiFile(join(FIXTURES, name), { source: "file" })).events;
const view = (e: LeaderEvent) => [
  e.key,
  e.type,
  e.marketId,
  e.size,
  e.type === "TRADE" ? e.price : e.usdcSize,
  e.ts,
];
const maxTs = (rs: Rec[]) => Math.max(...rs.map((r) => r.timestamp as number));
const adapterOf = (url: string, pageSize: number) =>
  new PolymarketAdapter({
    urls: { gammaUrl: url, dataUrl: url, clobUrl: url },
    pageSize,
    http: { retry: { baseDelayMs: 1, maxDelayMs: 4, maxAttempts: 3, timeoutMs: 5000 } },
  });

async function drain(src: PollSource): Promise<LeaderEvent[]> {
  const out: LeaderEvent[] = [];
  for await (const b of src.stream(undefined, new AbortController().signal)) out.push(...b.events);
  return out;
}

describe("the poller reads real Data API records from the stand-in", () => {
  it("the real capture and a market maker's pages: every type, averaged prices, repeats and unknown type", async () => {
    const real = fixture(REAL);
    const mm = fixture(MM);
    const s = await startStandin({
      pageRepeat: true,
      markets: gammaMarketsFor([...real, ...mm]),
      activity: [...real, ...mm],
      maxLimit: 5,
    });
    try {
      const adapter = adapterOf(s.url, 5);
      const now = () => (Math.max(maxTs(real), maxTs(mm)) + 3600) * 1000;
      const got = await drain(
        new PollSource({ adapter, wallets: [WHALE, MM_WALLET], backfillDays: 30, now }),
      );
      const want = [...(await expected(REAL)), ...(await expected(MM))];
      assert.deepEqual(
        got.map(view).sort(),
        want.map(view).sort(),
        "each record once, as the file parser reads it",
      );
      assert.ok(got.some((e) => e.type === "TRADE" && e.price === 0.7671607282693813));
      assert.ok(got.some((e) => e.type === "REDEEM" && e.size === 0));
      assert.equal(got.filter((e) => e.marketId === "").length, 4);

      // /trades (no type, newest first): the same fills, the same keys.
      const trades = await adapter.walletTrades(MM_WALLET);
      const mmTrades = (await expected(MM)).filter((e) => e.type === "TRADE");
      assert.deepEqual(trades.map((e) => e.key).sort(), mmTrades.map((e) => e.key).sort());
    } finally {
      await s.close();
    }
  });

  it("a malformed record fails the poll with one line naming the record index and field, no raw bytes", async () => {
    const real = fixture(REAL);
    const cases: [Rec, RegExp][] = [
      [{ ...real[3], size: 1e300 }, /\]: size: must be at most 1e\+9 shares$/],
      [{ ...real[3], price: 1.2 }, /\]: price: must be strictly between 0 and 1/],
      [
        { ...real[3], side: "\u001b[2J\u001b[31mBUY" },
        /\]: side: must be BUY or SELL for a trade, got "BUY"$/,
      ],
    ];
    for (const [bad, re] of cases) {
      const rows = [...real];
      rows[3] = bad;
      const s = await startStandin({ pageRepeat: true, markets: gammaMarketsFor(real), activity: rows });
      try {
        const src = new PollSource({
          adapter: adapterOf(s.url, 50),
          wallets: [WHALE],
          backfillDays: 30,
          now: () => (maxTs(real) + 3600) * 1000,
        });
        await assert.rejects(drain(src), (e: unknown) => {
          assert.ok(e instanceof PolycopyError && e.userFacing);
          assert.match(e.message, /^data \/activity \(user 0x6a72\w+, offset 0\)\[\d+\]: /);
          assert.match(e.message, re);
          assert.ok(!hasControlChars(e.message), "one clean line");
          return true;
        });
      } finally {
        await s.close();
      }
    }
  });
});

describe("the stand-in's Data API serves what the real API serves", () => {
  it("/activity newest first with a row repeated across pages, payments and zero REDEEMs; /trades without type", async () => {
    const rows = fixture(MM).filter(
      (r, i, all) => all.findIndex((x) => x.transactionHash === r.transactionHash) === i,
    );
    const s = await startStandin({
      pageRepeat: true,
      markets: gammaMarketsFor(rows),
      activity: [...rows].reverse(),
    });
    try {
      const get = async (path: string) => (await (await fetch(`${s.url}${path}`)).json()) as Rec[];
      const p0 = await get(`/activity?user=${MM_WALLET}&limit=5&offset=0`);
      const p1 = await get(`/activity?user=${MM_WALLET}&limit=5&offset=5`);
      const p2 = await get(`/activity?user=${MM_WALLET}&limit=5&offset=10`);
      const p3 = await get(`/activity?user=${MM_WALLET}&limit=5&offset=15`);
      assert.equal(p3.length, 2, "the last page is short: the client stops there");
      const ts = [...p0, ...p1.slice(1), ...p2.slice(1), ...p3.slice(1)].map((r) => r.timestamp as number);
      assert.deepEqual(
        ts,
        [...ts].sort((a, b) => b - a),
        "newest first",
      );
      assert.deepEqual(p1[0], p0.at(-1), "page 2 starts with page 1's last row");
      assert.deepEqual(p2[0], p1.at(-1), "page 3 starts with page 2's last row");
      const all = [...p0, ...p1, ...p2, ...p3];
      assert.equal(new Set(all.map((r) => r.transactionHash)).size, rows.length, "nothing lost");
      for (const t of ["REWARD", "MAKER_REBATE", "TAKER_REBATE", "YIELD"]) {
        const r = all.find((x) => x.type === t);
        assert.ok(r && r.conditionId === "" && r.outcomeIndex === 999 && r.price === 0, t);
      }
      assert.ok(
        all.some((r) => r.type === "REDEEM" && r.size === 0),
        "zero-size REDEEM",
      );
      const trades = await get(`/trades?user=${MM_WALLET}&limit=50`);
      assert.equal(trades.length, 4);
      assert.ok(
        trades.every((r) => !("type" in r) && !("usdcSize" in r)),
        "/trades rows have no type",
      );
      const asc = await get(`/activity?user=${MM_WALLET}&limit=50&sortDirection=ASC`);
      assert.deepEqual(
        asc.map((r) => r.timestamp),
        [...asc.map((r) => r.timestamp)].sort(),
        "ASC on request",
      );
    } finally {
      await s.close();
    }
  });
});

describe("the websocket source reads real trade payloads", () => {
  it("averaged prices, /trades shape, repeats dropped; malformed payloads counted and logged cleanly", async () => {
    const real = fixture(REAL);
    const mmTrades = fixture(MM).filter((r) => r.type === "TRADE");
    const s = await startStandin({
      pageRepeat: true,
      markets: gammaMarketsFor([...real, ...mmTrades]),
      activity: [],
      websocket: true,
    });
    const logs: string[] = [];
    const src = new RtdsSource({
      url: s.wsUrl!,
      adapter: adapterOf(s.url, 50),
      wallets: [WHALE, MM_WALLET],
      backfillDays: 1,
      reconcileMs: 0,
      pingMs: 1000,
      log: (_l, msg, data) => logs.push(`${msg} ${JSON.stringify(data ?? {})}`),
    });
    const ac = new AbortController();
    const got: LeaderEvent[] = [];
    const want = [...(await expected(REAL)), ...(await expected(MM)).filter((e) => e.type === "TRADE")];
    const done = (async () => {
      for await (const b of src.stream(undefined, ac.signal)) {
        got.push(...b.events);
        if (got.length >= want.length) ac.abort();
      }
    })();
    try {
      const t0 = Date.now();
      while (!src.connected && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
      assert.ok(src.connected, "socket connected");
      // The server subscribes the socket a moment after it opens: repeat one fill until it arrives
      // (its repeats are dropped as duplicates), so nothing below is published into the void.
      while (got.length === 0 && Date.now() - t0 < 60_000) {
        s.publish(real[0]!);
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(got.length, 1, "the socket delivers");
      // Malformed first: each is counted and skipped, the stream goes on.
      s.publish({ ...real[0], transactionHash: `0x${"ee".repeat(32)}`, size: 1e300 });
      s.publish({ ...real[0], transactionHash: `0x${"ef".repeat(32)}`, side: "\u001b]0;pwned\u0007SELL" });
      // Newest first as the API serves them, one repeated (the stand-in strips type and usdcSize).
      for (const r of [...real, ...mmTrades, real[2]!]) s.publish(r);
      const timeout = setTimeout(() => ac.abort(), 90_000);
      await done;
      clearTimeout(timeout);
    } finally {
      ac.abort();
      await done;
      await s.close();
    }
    assert.deepEqual(
      got.map(view).sort(),
      want.map(view).sort(),
      "every fill once, as the file parser reads it",
    );
    assert.ok(got.every((e) => e.source === "rtds"));
    assert.ok(got.some((e) => e.type === "TRADE" && e.price === 0.7671607282693813));
    assert.equal(src.stats.malformed, 2);
    const bad = logs.filter((l) => l.startsWith("rtds: malformed"));
    assert.equal(bad.length, 2);
    assert.match(bad[0]!, /size: must be at most 1e\+9 shares/);
    assert.match(bad[1]!, /side: must be BUY or SELL for a trade, got \\"SELL\\"/);
    for (const l of bad) assert.ok(!hasControlChars(l) && !/\\u00(1b|07)/.test(l), "no escapes logged");
  });
});
