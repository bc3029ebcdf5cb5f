/**
 * The shared Store test suite: every implementation (SQLite, PostgreSQL) runs exactly these tests.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LeaderActivity, LeaderFill } from "../domain/fill.ts";
import type { Market } from "../domain/market.ts";
import type { Order } from "../domain/order.ts";
import { applyFill, emptyPosition } from "../domain/position.ts";
import type { Store } from "./store.ts";

export function fill(i: number, over: Partial<LeaderFill> = {}): LeaderFill {
  return {
    type: "TRADE",
    key: `0xtx${i}:${i % 7}`,
    wallet: i % 2 === 0 ? "0xaaa" : "0xbbb",
    marketId: "0xm1",
    tokenId: "111",
    outcomeIndex: 0,
    side: i % 3 === 0 ? "SELL" : "BUY",
    price: 0.37,
    size: 12.5,
    ts: 1_700_000_000_000 + i * 1000,
    role: i % 2 === 0 ? "maker" : null,
    txHash: `0xtx${i}`,
    source: "sim",
    ...over,
  };
}

const market: Market = {
  id: "0xm1",
  slug: "will-it",
  question: "Will it?",
  eventId: "e1",
  category: "crypto",
  outcomes: [
    { tokenId: "111", name: "Yes" },
    { tokenId: "222", name: "No" },
  ],
  tickSize: 0.01,
  minOrderSize: 5,
  negRisk: false,
  fee: { rate: 0.07, exponent: 1, takerOnly: true },
  endTs: 1_800_000_000_000,
  closed: false,
  winnerIndex: null,
};

export function order(key: string, over: Partial<Order> = {}): Order {
  return {
    key,
    marketId: "0xm1",
    tokenId: "111",
    outcomeIndex: 0,
    side: "BUY",
    price: 0.4,
    qty: 10_000_000,
    tif: "FAK",
    purpose: "entry",
    leader: "0xaaa",
    leaderFillKey: "0xtx1:1",
    reason: "copy",
    status: "pending",
    venueOrderId: null,
    filledQty: 0,
    createdTs: 1000,
    updatedTs: 1000,
    error: null,
    ...over,
  };
}

export function storeContract(name: string, open: () => Promise<Store>, reopen?: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    it("upserts and reads markets", async () => {
      await store.upsertMarkets([market]);
      await store.upsertMarkets([{ ...market, closed: true, winnerIndex: 1 }]);
      const m = await store.getMarket("0xm1");
      assert.equal(m?.closed, true);
      assert.equal(m?.winnerIndex, 1);
      assert.deepEqual(m?.outcomes, market.outcomes);
      assert.equal((await store.listMarkets()).length, 1);
      assert.equal(await store.getMarket("nope"), undefined);
    });

    it("upserts wallets", async () => {
      await store.upsertWallet({
        address: "0xaaa",
        alias: "a",
        class: null,
        pMm: null,
        score: null,
        followed: true,
        updatedTs: 1,
      });
      await store.upsertWallet({
        address: "0xaaa",
        alias: "a",
        class: "market_maker",
        pMm: 0.91,
        score: 0.2,
        followed: false,
        updatedTs: 2,
      });
      const w = await store.getWallet("0xaaa");
      assert.equal(w?.class, "market_maker");
      assert.equal(w?.pMm, 0.91);
      assert.equal(w?.followed, false);
      assert.equal((await store.listWallets()).length, 1);
    });

    it("inserts leader events once per key and counts only new ones", async () => {
      const events = Array.from({ length: 2500 }, (_, i) => fill(i));
      assert.equal(await store.insertLeaderEvents(events), 2500);
      assert.equal(await store.insertLeaderEvents(events.slice(1000, 2600)), 0);
      const dupInBatch = [fill(9000), fill(9000)];
      assert.equal(await store.insertLeaderEvents(dupInBatch), 1);
      assert.equal(await store.countLeaderEvents(), 2501);
      assert.equal(await store.countLeaderEvents({ wallet: "0xaaa" }), 1251);
      const got = await store.listLeaderEvents({ wallet: "0xbbb", limit: 3 });
      assert.deepEqual(got[0], fill(1));
      assert.equal(got.length, 3);
      const activity: LeaderActivity = {
        type: "MERGE",
        key: "0xmerge:1",
        wallet: "0xaaa",
        marketId: "0xm1",
        size: 50,
        usdcSize: 50,
        ts: 1_600_000_000_000,
        txHash: "0xmerge",
        source: "poll",
      };
      await store.insertLeaderEvents([activity]);
      assert.deepEqual((await store.listLeaderEvents({ wallet: "0xaaa", limit: 1 }))[0], activity);
      const window = await store.listLeaderEvents({ sinceTs: fill(10).ts, untilTs: fill(20).ts });
      assert.equal(window.length, 10);
    });

    it("ingests a batch and its cursor atomically", async () => {
      assert.equal(await store.getCursor("poll:x"), undefined);
      const n = await store.ingestBatch("poll:x", [fill(20_000), fill(20_001)], "c1");
      assert.equal(n, 2);
      assert.equal(await store.getCursor("poll:x"), "c1");
      // A batch that fails half-way (NaN violates NOT NULL on size? no: an impossible row) changes nothing.
      const bad = { ...fill(20_002), wallet: null as unknown as string };
      await assert.rejects(store.ingestBatch("poll:x", [fill(20_003), bad], "c2"));
      assert.equal(await store.getCursor("poll:x"), "c1");
      assert.equal(
        await store.countLeaderEvents({ sinceTs: fill(20_003).ts, untilTs: fill(20_003).ts + 1 }),
        0,
      );
      await store.setCursor("poll:x", "c3");
      assert.equal(await store.getCursor("poll:x"), "c3");
    });

    it("inserts an order once per key, updates and lists it by status", async () => {
      assert.equal(await store.insertOrder(order("o1")), true);
      assert.equal(await store.insertOrder(order("o1", { qty: 1 })), false);
      assert.equal((await store.getOrder("o1"))?.qty, 10_000_000);
      await store.insertOrder(order("o2", { createdTs: 2000 }));
      await store.updateOrder("o1", {
        status: "filled",
        filledQty: 10_000_000,
        venueOrderId: "v1",
        updatedTs: 5,
      });
      const o1 = await store.getOrder("o1");
      assert.equal(o1?.status, "filled");
      assert.equal(o1?.venueOrderId, "v1");
      assert.deepEqual(
        (await store.listOrders({ status: ["pending"] })).map((o) => o.key),
        ["o2"],
      );
      assert.equal((await store.listOrders()).length, 2);
      assert.deepEqual(await store.listOrders({ status: [] }), []);
      await assert.rejects(store.updateOrder("missing", { status: "filled" }), /does not exist/);
    });

    it("records a fill and its position atomically and idempotently", async () => {
      const p0 = emptyPosition("0xm1", "111", 0);
      const f = {
        key: "f1",
        orderKey: "o1",
        marketId: "0xm1",
        tokenId: "111",
        outcomeIndex: 0,
        side: "BUY" as const,
        price: 0.4,
        qty: 10_000_000,
        fee: 16_800,
        ts: 10,
        role: "taker" as const,
      };
      const p1 = applyFill(p0, f);
      assert.equal(await store.recordFill(f, p1), true);
      // Replaying the same venue fill after a crash changes nothing (the position is not applied twice).
      const p2 = applyFill(p1, f);
      assert.equal(await store.recordFill(f, p2), false);
      const positions = await store.listPositions();
      assert.equal(positions.length, 1);
      assert.deepEqual(positions[0], p1);
      assert.deepEqual(await store.listFills({ orderKey: "o1" }), [f]);
      await store.upsertPosition({ ...p1, qty: 0, cost: 0, openedTs: null, updatedTs: 11 });
      assert.equal((await store.listPositions())[0]?.qty, 0);
    });

    it("appends and lists the audit log newest first", async () => {
      await store.appendAudit({
        ts: 1,
        kind: "decision",
        subject: "0xaaa",
        message: "copied",
        data: { q: 1 },
      });
      await store.appendAudit({ ts: 2, kind: "decision", subject: "0xbbb", message: "skipped", data: null });
      await store.appendAudit({ ts: 3, kind: "breaker", subject: "global", message: "halt", data: null });
      const d = await store.listAudit({ kind: "decision" });
      assert.deepEqual(
        d.map((e) => e.message),
        ["skipped", "copied"],
      );
      assert.deepEqual(d[1]?.data, { q: 1 });
      assert.equal((await store.listAudit({ subject: "global" })).length, 1);
      assert.equal((await store.listAudit({ limit: 1 }))[0]?.kind, "breaker");
    });

    it("saves breakers, kv and wallet scores", async () => {
      await store.saveBreaker({
        scope: "global",
        state: "REDUCED",
        reason: "dd",
        since: 1,
        cooldownUntil: 9,
        data: null,
      });
      await store.saveBreaker({
        scope: "global",
        state: "HALTED",
        reason: "dd2",
        since: 2,
        cooldownUntil: 10,
        data: { dd: 0.2 },
      });
      assert.deepEqual(await store.listBreakers(), [
        { scope: "global", state: "HALTED", reason: "dd2", since: 2, cooldownUntil: 10, data: { dd: 0.2 } },
      ]);
      await store.setKv("k", "v1");
      await store.setKv("k", "v2");
      assert.equal(await store.getKv("k"), "v2");
      assert.equal(await store.getKv("none"), undefined);
      const s = {
        wallet: "0xaaa",
        ts: 5,
        class: "directional" as const,
        pMm: 0.1,
        pMmLow: 0.05,
        pMmHigh: 0.2,
        score: 0.4,
        scoreLow: 0.3,
        scoreHigh: 0.5,
        data: null,
      };
      await store.appendWalletScore(s);
      await store.appendWalletScore({ ...s, ts: 6 });
      assert.deepEqual(
        (await store.listWalletScores({ wallet: "0xaaa" })).map((x) => x.ts),
        [5, 6],
      );
    });

    it("commits an engine step (orders, fills, positions, audit, breakers, cursor) in one transaction", async () => {
      const f = {
        key: "step-f1",
        orderKey: "step-o1",
        marketId: "0xm9",
        tokenId: "999",
        outcomeIndex: 0,
        side: "BUY" as const,
        price: 0.5,
        qty: 2_000_000,
        fee: 0,
        ts: 20,
        role: "taker" as const,
      };
      const pos = applyFill(emptyPosition("0xm9", "999", 0), f);
      const step = {
        cursor: { source: "engine:test", value: "7" },
        orders: [order("step-o1", { status: "filled" as const, filledQty: 2_000_000 })],
        fills: [f],
        positions: [pos],
        audit: [{ ts: 20, kind: "decision", subject: "0xw", message: "copied", data: { n: 1 } }],
        breakers: [
          {
            scope: "wallet:0xw",
            state: "REDUCED" as const,
            reason: "r",
            since: 20,
            cooldownUntil: 30,
            data: null,
          },
        ],
        kv: { "paper:cash": "123" },
      };
      await store.commitStep(step);
      // Replaying the same step after a crash is harmless: fills by key, orders and positions upserted.
      await store.commitStep({ ...step, audit: [] });
      assert.equal(await store.getCursor("engine:test"), "7");
      assert.equal(await store.getKv("paper:cash"), "123");
      assert.equal((await store.getOrder("step-o1"))?.status, "filled");
      assert.deepEqual(await store.listFills({ orderKey: "step-o1" }), [f]);
      assert.deepEqual(
        (await store.listPositions()).find((p) => p.tokenId === "999"),
        pos,
      );
      assert.equal((await store.listBreakers()).find((b) => b.scope === "wallet:0xw")?.state, "REDUCED");
      // A step that fails midway leaves nothing behind, not even its cursor.
      const bad = {
        ...step,
        cursor: { source: "engine:test", value: "8" },
        orders: [order("step-o2"), { ...order("step-o3"), qty: Number.NaN }],
      };
      await assert.rejects(store.commitStep(bad));
      assert.equal(await store.getCursor("engine:test"), "7");
      assert.equal(await store.getOrder("step-o2"), undefined);
    });

    if (reopen) {
      it("keeps everything after close and reopen (migrations are idempotent)", async () => {
        const before = await store.countLeaderEvents();
        await store.close();
        store = await reopen();
        assert.equal(await store.countLeaderEvents(), before);
        assert.equal(await store.getCursor("poll:x"), "c3");
      });
    }
  });
}
