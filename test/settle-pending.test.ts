/**
 * Settling pending orders with the Polymarket venue against the stand-in, in process: an order
 * prepared (hash known) but never posted, and one posted that still rests on the book.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ManualClock } from "../src/domain/clock.ts";
import { EventBus } from "../src/engine/bus.ts";
import { CopyEngine } from "../src/engine/engine.ts";
import { LiveBridge, reconcileLive } from "../src/engine/live.ts";
import { resolutionKey } from "../src/engine/resolutions.ts";
import { settlePendingOrders } from "../src/engine/settle-pending.ts";
import { StepRecorder } from "../src/engine/step-recorder.ts";
import { DEFAULT_RISK_CONFIG } from "../src/risk/config.ts";
import { openStore } from "../src/store/open.ts";
import { contractOrder } from "../src/venues/venue.contract.ts";
import { MARKET, NO, type Rig, startRig, YES } from "./venue.fixture.ts";

/** A live-mode engine with nothing open, and the recorder that commits its steps. */
function liveEngine() {
  const bus = new EventBus();
  const rec = new StepRecorder(bus);
  const engine = new CopyEngine({
    mode: "live",
    strategy: "aware",
    risk: DEFAULT_RISK_CONFIG,
    clock: new ManualClock(Date.now()),
    venue: new LiveBridge(new Map()),
    markets: new Map([[MARKET.id, MARKET]]),
    leaders: new Map(),
    bus,
  });
  return { engine, rec };
}

describe("settlePendingOrders (Polymarket venue, stand-in CLOB)", () => {
  const rigs: Rig[] = [];
  after(async () => {
    for (const r of rigs) await r.close();
  });

  it("cancels a never-posted order, takes resting ones off the book and books a part-fill once, auditing each", async () => {
    // FAK orders answer `live` and would fill a minute later: the posted one rests during the test.
    const rig = await startRig({ clob: { cash: 1000, fakLiveMs: 60_000 } });
    rigs.push(rig);
    const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), "polycopy-settle-")) });
    try {
      const unsent = contractOrder(MARKET, "BUY", 0.53, 20, "FAK", "copy:unsent");
      const resting = contractOrder(MARKET, "BUY", 0.53, 30, "FAK", "copy:resting");
      const a = await rig.venue.prepareOrder(unsent, MARKET);
      const b = await rig.venue.prepareOrder(resting, MARKET);
      await store.insertOrder({ ...unsent, venueOrderId: a.venueOrderId });
      await store.insertOrder({ ...resting, venueOrderId: b.venueOrderId });
      const placed = await rig.venue.placeOrder(resting, MARKET);
      assert.equal(placed.status, "open");
      // A limit order that took the 100 shares at 0.52 and rests for the other 50.
      const part = contractOrder(MARKET, "BUY", 0.52, 150, "GTC", "copy:part");
      const c = await rig.venue.prepareOrder(part, MARKET);
      await store.insertOrder({ ...part, venueOrderId: c.venueOrderId });
      assert.equal((await rig.venue.placeOrder(part, MARKET)).status, "partially_filled");
      assert.equal(rig.standin.clob.orders.get(b.venueOrderId)?.status, "LIVE");

      const { engine, rec } = liveEngine();
      const cashBefore = engine.cash;
      const settled = await settlePendingOrders({
        store,
        venue: rig.venue,
        engine,
        rec,
        markets: new Map([[MARKET.id, MARKET]]),
        commit: () => store.commitStep(rec.take({ source: "test", value: "1" }, engine.breakers)),
      });
      assert.deepEqual(settled.map((s) => [s.order.key, s.resolution.status]).sort(), [
        ["copy:part", "partially_filled"],
        ["copy:resting", "cancelled"],
        ["copy:unsent", "cancelled"],
      ]);
      assert.equal(rig.standin.clob.orders.get(b.venueOrderId)?.status, "CANCELED", "taken off the book");
      assert.ok(!rig.standin.clob.orders.has(a.venueOrderId), "the unsent order was never posted");
      assert.equal(rig.standin.clob.orders.get(c.venueOrderId)?.status, "CANCELED");
      // The part-filled order's trades are booked once, with fees, through the engine.
      const trades = rig.standin.clob.trades.filter((t) => t.orderId === c.venueOrderId);
      assert.equal(rig.standin.clob.trades.length, trades.length);
      const fills = await store.listFills();
      assert.deepEqual(fills.map((f) => f.key).sort(), trades.map((t) => t.id).sort());
      assert.ok(fills.every((f) => f.orderKey === "copy:part" && f.fee > 0));
      assert.equal(engine.positions.get(part.tokenId)?.qty, 100_000_000);
      const paid = fills.reduce((s, f) => s + Math.round(f.price * f.qty) + f.fee, 0);
      assert.equal(cashBefore - engine.cash, paid);
      const orders = new Map((await store.listOrders()).map((o) => [o.key, o]));
      assert.equal(orders.get("copy:unsent")?.status, "cancelled");
      assert.equal(orders.get("copy:resting")?.status, "cancelled");
      assert.equal(orders.get("copy:part")?.status, "partially_filled");
      assert.equal(orders.get("copy:part")?.filledQty, 100_000_000);
      const audit = await store.listAudit({ kind: "reconcile" });
      const msg = (k: string) => audit.find((x) => x.subject === k)?.message ?? "";
      assert.match(msg("copy:resting"), /was resting on the venue, cancelled there at startup; 0 fill\(s\)/);
      assert.match(
        msg("copy:part"),
        new RegExp(
          `cancelled there at startup; ${trades.length} fill\\(s\\), 100 shares; ${trades.length} booked now`,
        ),
      );
      assert.match(msg("copy:unsent"), /no trace of 0x[0-9a-f]{64}: it never reached the CLOB/);
      // Settled once: a second pass finds nothing pending and changes nothing.
      assert.deepEqual(
        await settlePendingOrders({
          store,
          venue: rig.venue,
          engine,
          rec,
          markets: new Map(),
          commit: async () => assert.fail("nothing to commit"),
        }),
        [],
      );
    } finally {
      await store.close();
    }
  });

  it("while running, a placement with no answer settles only its own order; the step's other orders stay to be sent", async () => {
    const rig = await startRig({ clob: { cash: 1000 } });
    rigs.push(rig);
    const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), "polycopy-settle-")) });
    try {
      const sent = contractOrder(MARKET, "BUY", 0.53, 20, "FAK", "copy:sent");
      const next = contractOrder(MARKET, "BUY", 0.53, 10, "FAK", "copy:next");
      const a = await rig.venue.prepareOrder(sent, MARKET);
      const b = await rig.venue.prepareOrder(next, MARKET);
      await store.insertOrder({ ...sent, venueOrderId: a.venueOrderId });
      await store.insertOrder({ ...next, venueOrderId: b.venueOrderId });
      assert.equal((await rig.venue.placeOrder(sent, MARKET)).status, "filled");
      const { engine, rec } = liveEngine();
      const settled = await settlePendingOrders({
        store,
        venue: rig.venue,
        engine,
        rec,
        markets: new Map([[MARKET.id, MARKET]]),
        keys: new Set(["copy:sent"]),
        commit: () => store.commitStep(rec.take({ source: "test", value: "1" }, engine.breakers)),
      });
      assert.deepEqual(
        settled.map((x) => [x.order.key, x.resolution.status]),
        [["copy:sent", "filled"]],
      );
      const orders = new Map((await store.listOrders()).map((o) => [o.key, o]));
      assert.equal(orders.get("copy:sent")?.status, "filled");
      assert.equal(orders.get("copy:next")?.status, "pending", "not looked up, not cancelled");
      assert.equal(engine.positions.get(sent.tokenId)?.qty, 20_000_000);
    } finally {
      await store.close();
    }
  });
});

describe("reconcileLive: a resolved market the user redeemed while the bot was stopped", () => {
  const rigs: Rig[] = [];
  after(async () => {
    for (const r of rigs) await r.close();
  });

  it("books the payout and closes the positions when the venue no longer holds the tokens; leaves them while it does", async () => {
    const rig = await startRig({ clob: { cash: 1000 } });
    rigs.push(rig);
    const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), "polycopy-redeem-")) });
    try {
      const { engine, rec } = liveEngine();
      const held = (tokenId: string, outcomeIndex: number, qty: number, cost: number) => ({
        marketId: MARKET.id,
        tokenId,
        outcomeIndex,
        qty,
        cost,
        realized: 0,
        openedTs: 1,
        updatedTs: 1,
      });
      // 20 YES (cost 9 USD) and 5 NO (cost 3 USD); YES won; the wallet holds neither any more.
      const positions = [held(YES, 0, 20_000_000, 9_000_000), held(NO, 1, 5_000_000, 3_000_000)];
      engine.restore({
        positions,
        cash: 100_000_000,
        origins: [],
        breakers: [],
        killSwitch: false,
        decidedKeys: [],
      });
      const marker = { winnerIndex: 0, payoutMicros: 20_000_000, status: "awaiting_redeem", ts: 1 };
      await store.setKv(resolutionKey(MARKET.id), JSON.stringify(marker));
      const opts = {
        store,
        venue: rig.venue,
        engine,
        rec,
        markets: new Map([[MARKET.id, MARKET]]),
        commit: () => store.commitStep(rec.take({ source: "test", value: "1" }, engine.breakers)),
      };
      await reconcileLive(opts);
      assert.equal(engine.cash, 120_000_000, "20 winning shares paid 1 USD each");
      assert.equal(engine.positions.get(YES)?.qty, 0);
      assert.equal(engine.positions.get(NO)?.qty, 0);
      assert.equal(engine.positions.get(YES)?.realized, 11_000_000);
      assert.equal(engine.positions.get(NO)?.realized, -3_000_000);
      assert.equal(JSON.parse((await store.getKv(resolutionKey(MARKET.id)))!).status, "settled");
      const audit = await store.listAudit({ kind: "resolution" });
      assert.equal(audit.length, 1);
      assert.match(audit[0]!.message, /redeemed on the venue while the bot was stopped: booked \$20\.00/);
      assert.deepEqual(
        (await store.listPositions()).filter((p) => p.qty > 0),
        [],
        "the ledger's positions are closed too",
      );
      // Run again: nothing more to book.
      await reconcileLive(opts);
      assert.equal(engine.cash, 120_000_000);
      assert.equal((await store.listAudit({ kind: "resolution" })).length, 1);

      // Not redeemed yet: the wallet still holds the tokens, so nothing is booked and the check passes.
      const bought = await rig.venue.placeOrder(contractOrder(MARKET, "BUY", 0.53, 10, "FAK", "buy"), MARKET);
      const qty = bought.fills.reduce((t, f) => t + f.qty, 0);
      assert.ok(qty > 0);
      const fresh = liveEngine();
      fresh.engine.restore({
        positions: [held(YES, 0, qty, 5_000_000)],
        cash: 50_000_000,
        origins: [],
        breakers: [],
        killSwitch: false,
        decidedKeys: [],
      });
      await store.setKv(resolutionKey(MARKET.id), JSON.stringify(marker));
      await reconcileLive({ ...opts, engine: fresh.engine, rec: fresh.rec });
      assert.equal(fresh.engine.cash, 50_000_000);
      assert.equal(fresh.engine.positions.get(YES)?.qty, qty);
    } finally {
      await store.close();
    }
  });
});
