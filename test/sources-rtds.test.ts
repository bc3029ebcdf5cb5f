import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { WebSocketServer } from "ws";
import { apiFillKey } from "../src/domain/fill.ts";
import { Rng } from "../src/domain/rng.ts";
import { PolymarketAdapter } from "../src/polymarket/adapter.ts";
import { createCombinedSource } from "../src/sources/combined-source.ts";
import { RtdsSource } from "../src/sources/rtds-source.ts";
import type { LeaderSource } from "../src/sources/source.ts";
import { type Standin, startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";
import type { Store } from "../src/store/store.ts";

const A = `0x${"a1".repeat(20)}`;
const B = `0x${"b2".repeat(20)}`;
const C = `0x${"c3".repeat(20)}`; // not followed: its trades must never reach the store
const CIDS = [`0x${"11".repeat(32)}`, `0x${"22".repeat(32)}`];

const markets = CIDS.map((cid, i) => ({
  id: String(i + 1),
  slug: `m${i}`,
  question: `Q${i}?`,
  conditionId: cid,
  outcomes: '["Yes","No"]',
  outcomePrices: '["0.5","0.5"]',
  clobTokenIds: `["${100 + 2 * i}","${101 + 2 * i}"]`,
  closed: false,
  negRisk: false,
  orderPriceMinTickSize: 0.01,
  orderMinSize: 5,
  feesEnabled: false,
  endDate: "2027-12-31T00:00:00Z",
}));

let txSeq = 0;
function trade(rng: Rng, wallet: string, tsSec: number): Record<string, unknown> {
  const m = rng.int(0, 1);
  const o = rng.int(0, 1);
  const size = rng.int(5, 200);
  const price = rng.int(2, 98) / 100;
  return {
    proxyWallet: wallet,
    timestamp: tsSec,
    conditionId: CIDS[m],
    type: "TRADE",
    size,
    usdcSize: Number((size * price).toFixed(6)),
    transactionHash: `0x${(++txSeq).toString(16).padStart(64, "0")}`,
    price,
    asset: String(100 + 2 * m + o),
    side: rng.chance(0.5) ? "BUY" : "SELL",
    outcomeIndex: o,
    outcome: o === 0 ? "Yes" : "No",
  };
}

function keyOf(r: Record<string, unknown>): string {
  return apiFillKey({
    txHash: String(r.transactionHash),
    wallet: String(r.proxyWallet),
    tokenId: String(r.asset),
    side: r.side as "BUY" | "SELL",
    size: Number(r.size),
    price: Number(r.price),
  });
}

function adapterFor(s: Standin, seed: number): PolymarketAdapter {
  const rng = new Rng(seed);
  return new PolymarketAdapter({
    urls: { gammaUrl: s.url, dataUrl: s.url, clobUrl: s.url },
    pageSize: 20,
    maxOffset: 100,
    http: {
      retry: { baseDelayMs: 1, maxDelayMs: 4, maxAttempts: 60, timeoutMs: 5000 },
      random: () => rng.next(),
    },
  });
}

/** Runs a source into the store the way `polycopy ingest` does (markets first, batch + cursor atomically). */
function consume(src: LeaderSource, store: Store, adapter: PolymarketAdapter) {
  const ac = new AbortController();
  const stored = new Set<string>();
  const done = (async () => {
    const cursor = await store.getCursor(src.name);
    for await (const b of src.stream(cursor, ac.signal)) {
      const fresh = adapter.knownMarkets().filter((m) => !stored.has(m.id));
      if (fresh.length > 0) {
        await store.upsertMarkets(fresh);
        for (const m of fresh) stored.add(m.id);
      }
      await store.ingestBatch(src.name, b.events, b.cursor);
    }
  })();
  const stop = async () => {
    ac.abort();
    await done;
  };
  return { stop, done };
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function scenario(kind: "rtds" | "combined", seed: number) {
  const rng = new Rng(seed);
  const nowSec = Math.floor(Date.now() / 1000);
  // History the socket never carried: only a backfill can find it.
  const history: Record<string, unknown>[] = [];
  for (let i = 0; i < 40; i++) history.push(trade(rng, rng.pick([A, B, C]), nowSec - 3600 + i * 60));
  const standin = await startStandin({
    markets,
    activity: history,
    websocket: true,
    seed,
    maxLimit: 20,
    maxOffset: 100,
    faults: {
      rateLimit: 0.05,
      retryAfterSec: 0,
      serverError: 0.05,
      drop: 0.04, // REST: socket cut mid-body; websocket: connection terminated
      malformed: 0.1,
      duplicate: 0.3,
      shuffle: 0.3,
    },
  });
  const dir = mkdtempSync(join(tmpdir(), "polycopy-rtds-"));
  dirs.push(dir);
  const store = await openStore({ dataDir: dir });
  const published = [...history];
  const make = (adapter: PolymarketAdapter, s: number): RtdsSource => {
    const jitter = new Rng(s);
    const o = {
      url: standin.wsUrl!,
      adapter,
      wallets: [A, B],
      backfillDays: 1,
      overlapSec: 120,
      reconcileMs: 400,
      backoffMinMs: 20,
      backoffMaxMs: 200,
      pingMs: 200,
      random: () => jitter.next(),
    };
    return kind === "rtds" ? new RtdsSource(o) : createCombinedSource({ ...o, fallbackPollMs: 100 });
  };
  try {
    const ad1 = adapterFor(standin, seed + 1);
    const src1 = make(ad1, seed + 2);
    const run1 = consume(src1, store, ad1);
    const publish = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const r = trade(rng, rng.pick([A, B, C]), Math.floor(Date.now() / 1000));
        published.push(r);
        standin.publish(r);
        await sleep(rng.int(2, 12));
      }
    };
    await sleep(150);
    await publish(120);
    // Simulated restart: stop, publish while nobody listens, resume from the persisted cursor.
    await run1.stop();
    assert.ok(src1.stats.fromSocket > 0, "the socket delivered fills");
    await publish(30);
    const ad2 = adapterFor(standin, seed + 3);
    const src2 = make(ad2, seed + 4);
    const run2 = consume(src2, store, ad2);
    await publish(120);
    const want = new Set(published.filter((r) => r.proxyWallet !== C).map(keyOf));
    const ok = await waitFor(async () => (await store.countLeaderEvents()) >= want.size, 20_000);
    await sleep(300); // let a late duplicate show up if there were one
    await run2.stop();
    const got = (await store.listLeaderEvents()).map((e) => e.key);
    assert.ok(ok, `store reached ${got.length} of ${want.size} fills`);
    assert.equal(new Set(got).size, got.length, "no doubles");
    assert.deepEqual([...got].sort(), [...want].sort(), "exactly the server's fills of the followed wallets");
    const stats = [src1.stats, src2.stats];
    const sum = (k: keyof RtdsSource["stats"]) => stats.reduce((a, s) => a + s[k], 0);
    assert.ok(sum("filtered") > 0, "firehose trades of other wallets were filtered");
    assert.ok(sum("malformed") > 0, "malformed messages were counted and skipped");
    assert.ok(sum("duplicates") > 0, "duplicates were dropped");
    assert.ok(sum("backfills") >= 2, "a backfill ran at start and after the restart");
    assert.ok(sum("fromBackfill") > 0, "the backfill recovered fills the socket never carried");
    if (process.env.RTDS_DEBUG) console.log(JSON.stringify({ stats, faults: standin.stats.faults }));
    return { standin, stats };
  } finally {
    await store.close();
    await standin.close();
  }
}

describe("rtds source against the stand-in websocket with faults", () => {
  it("stores exactly the followed wallets' fills across drops, junk, duplicates, reordering and a restart", async () => {
    const { standin, stats } = await scenario("rtds", 7);
    assert.ok((standin.stats.faults["ws-drop"] ?? 0) > 0, "the server dropped sockets");
    assert.ok(stats.reduce((a, s) => a + s.disconnects, 0) > 0, "the source reconnected");
  });

  it("combined source (socket preferred, polling while down) gives the same exact set", async () => {
    await scenario("combined", 21);
  });

  it("polls while the socket cannot be opened (combined)", async () => {
    const standin = await startStandin({ markets, activity: [], websocket: false, seed: 3 });
    const dir = mkdtempSync(join(tmpdir(), "polycopy-rtds-"));
    dirs.push(dir);
    const store = await openStore({ dataDir: dir });
    try {
      const rng = new Rng(9);
      const ad = adapterFor(standin, 4);
      // The stand-in has no websocket: every connect fails, so fills can only come from polling.
      const src = createCombinedSource({
        url: `${standin.url.replace("http", "ws")}/ws`,
        adapter: ad,
        wallets: [A],
        backfillDays: 1,
        backoffMinMs: 20,
        backoffMaxMs: 100,
        fallbackPollMs: 50,
      });
      const run = consume(src, store, ad);
      const rs: Record<string, unknown>[] = [];
      for (let i = 0; i < 10; i++) {
        const r = trade(rng, A, Math.floor(Date.now() / 1000));
        rs.push(r);
        standin.publish(r);
        await sleep(20);
      }
      const ok = await waitFor(async () => (await store.countLeaderEvents()) === rs.length, 10_000);
      await run.stop();
      assert.ok(ok, "polling delivered every fill while the socket was down");
      assert.ok(src.stats.connectFailures > 0);
      assert.equal(src.stats.fromSocket, 0);
      assert.deepEqual((await store.listLeaderEvents()).map((e) => e.key).sort(), rs.map(keyOf).sort());
    } finally {
      await store.close();
      await standin.close();
    }
  });

  it("counts and skips every kind of bad message without crashing, and filters other wallets", async () => {
    // A Data API stand-in for markets and the backfill, and a hand-rolled socket server for the messages.
    const standin = await startStandin({ markets, activity: [], seed: 1 });
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise((r) => wss.once("listening", r));
    const port = (wss.address() as { port: number }).port;
    const rng = new Rng(1);
    const nowSec = Math.floor(Date.now() / 1000);
    const good = trade(rng, A, nowSec);
    const msg = (payload: unknown, topic = "activity", type = "trades") =>
      JSON.stringify({ topic, type, timestamp: 1, payload });
    const frames = [
      "{not json",
      JSON.stringify({ topic: "activity" }), // no type/payload
      msg({ ...trade(rng, A, nowSec), price: 1.5 }), // followed wallet, price outside (0,1)
      msg({ ...trade(rng, A, nowSec), side: "HOLD" }), // followed wallet, bad side
      msg({ ...trade(rng, A, nowSec), proxyWallet: undefined }), // no wallet
      msg(trade(rng, C, nowSec)), // firehose: someone else
      msg(trade(rng, A, nowSec), "crypto_prices", "update"), // other topic
      "PONG",
      msg(good),
      msg(good), // duplicate
    ];
    let subscribed: unknown = null;
    wss.on("connection", (ws) => {
      ws.on("message", (d) => {
        const t = d.toString();
        if (t === "PING") return;
        subscribed = JSON.parse(t);
        for (const f of frames) ws.send(f);
      });
    });
    const ac = new AbortController();
    const src = new RtdsSource({
      url: `ws://127.0.0.1:${port}`,
      adapter: adapterFor(standin, 2),
      wallets: [A],
      backfillDays: 1,
      reconcileMs: 0,
    });
    const got: string[] = [];
    try {
      for await (const b of src.stream(undefined, ac.signal)) {
        got.push(...b.events.map((e) => e.key));
        if (got.length > 0) {
          await sleep(100);
          ac.abort();
        }
      }
      assert.deepEqual(subscribed, {
        action: "subscribe",
        subscriptions: [{ topic: "activity", type: "trades" }],
      });
      assert.deepEqual(got, [keyOf(good)]);
      assert.equal(src.stats.malformed, 5);
      assert.equal(src.stats.filtered, 1);
      assert.equal(src.stats.ignored, 2);
      assert.equal(src.stats.duplicates, 1);
      assert.equal(src.stats.fromSocket, 1);
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
      await standin.close();
    }
  });

  it("backoff grows, is capped, and is jittered within [d/2, d]", () => {
    let x = 0;
    const s = new RtdsSource({
      url: "ws://127.0.0.1:1/ws",
      adapter: new PolymarketAdapter({
        urls: { gammaUrl: "http://x", dataUrl: "http://x", clobUrl: "http://x" },
      }),
      wallets: [A],
      backfillDays: 1,
      backoffMinMs: 100,
      backoffMaxMs: 1000,
      random: () => x,
    });
    x = 0;
    assert.deepEqual(
      [0, 1, 2, 3, 4, 10].map((n) => s.backoffMs(n)),
      [50, 100, 200, 400, 500, 500],
    );
    x = 1;
    assert.deepEqual(
      [0, 1, 2, 3, 4, 10].map((n) => s.backoffMs(n)),
      [100, 200, 400, 800, 1000, 1000],
    );
  });

  it("rejects a bad url and an empty wallet list with user-facing errors", () => {
    const adapter = new PolymarketAdapter({
      urls: { gammaUrl: "http://x", dataUrl: "http://x", clobUrl: "http://x" },
    });
    assert.throws(
      () => new RtdsSource({ url: "http://x", adapter, wallets: [A], backfillDays: 1 }),
      /ws:\/\/ or wss:\/\//,
    );
    assert.throws(
      () => new RtdsSource({ url: "ws://x", adapter, wallets: [], backfillDays: 1 }),
      /at least one wallet/,
    );
  });
});
