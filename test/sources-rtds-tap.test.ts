/**
 * The websocket firehose carries every wallet's trades. Followed wallets' fills become leader
 * fills; other wallets' trades in the tokens a live run scores or holds go to the tap (prices for
 * markouts, baselines and exit marks), validated, never stored; all others are dropped.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WebSocketServer } from "ws";
import { PolymarketAdapter } from "../src/polymarket/adapter.ts";
import { RtdsSource } from "../src/sources/rtds-source.ts";
import { TradeTap } from "../src/sources/trade-tap.ts";
import { startStandin } from "../src/standin/server.ts";

const A = `0x${"a1".repeat(20)}`; // followed
const C = `0x${"c3".repeat(20)}`; // someone else
const CID = `0x${"11".repeat(32)}`;
const market = {
  id: "1",
  slug: "m",
  question: "Q?",
  conditionId: CID,
  outcomes: '["Yes","No"]',
  outcomePrices: '["0.5","0.5"]',
  clobTokenIds: '["100","101"]',
  closed: false,
  negRisk: false,
  orderPriceMinTickSize: 0.01,
  orderMinSize: 5,
  feesEnabled: false,
  endDate: "2027-12-31T00:00:00Z",
};

let seq = 0;
function trade(wallet: string, asset: string, price: number): Record<string, unknown> {
  return {
    proxyWallet: wallet,
    timestamp: Math.floor(Date.now() / 1000),
    conditionId: CID,
    size: 10,
    transactionHash: `0x${(++seq).toString(16).padStart(64, "0")}`,
    price,
    asset,
    side: "BUY",
    outcomeIndex: asset === "100" ? 0 : 1,
    outcome: asset === "100" ? "Yes" : "No",
  };
}

describe("rtds source: the firehose tap", () => {
  it("hands other wallets' trades in wanted tokens to the tap, drops the rest", async () => {
    const standin = await startStandin({ markets: [market], activity: [] });
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise((r) => wss.once("listening", r));
    const port = (wss.address() as { port: number }).port;
    const wanted = trade(C, "100", 0.43);
    const own = trade(A, "100", 0.42);
    const msg = (payload: unknown) =>
      JSON.stringify({ topic: "activity", type: "trades", timestamp: 1, payload });
    const frames = [
      msg(wanted),
      msg(trade(C, "101", 0.58)), // a token nobody asked for
      msg({ ...trade(C, "100", 0.5), side: "HOLD" }), // wanted token, malformed
      msg(own),
    ];
    wss.on("connection", (ws) => {
      ws.on("message", (d) => {
        if (d.toString() === "PING") return;
        for (const f of frames) ws.send(f);
      });
    });
    const tap = new TradeTap();
    tap.want(new Set(["100"]));
    const ac = new AbortController();
    const src = new RtdsSource({
      url: `ws://127.0.0.1:${port}`,
      adapter: new PolymarketAdapter({
        urls: { gammaUrl: standin.url, dataUrl: standin.url, clobUrl: standin.url },
      }),
      wallets: [A],
      backfillDays: 1,
      reconcileMs: 0,
      tap,
    });
    const leaderFills: string[] = [];
    try {
      for await (const b of src.stream(undefined, ac.signal)) {
        leaderFills.push(...b.events.map((e) => e.wallet));
        if (leaderFills.length > 0) ac.abort();
      }
      assert.deepEqual(leaderFills, [A], "only the followed wallet's fill is a leader fill");
      const tapped = tap.drain();
      assert.equal(tapped.length, 1);
      assert.equal(tapped[0]!.wallet, C);
      assert.equal(tapped[0]!.tokenId, "100");
      assert.equal(tapped[0]!.price, 0.43);
      assert.equal(src.stats.tapped, 1);
      assert.equal(src.stats.filtered, 3);
      assert.equal(src.stats.malformed, 1);
      assert.deepEqual(tap.drain(), [], "drained once");
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
      await standin.close();
    }
  });

  it("keeps the newest trades when the consumer falls behind", () => {
    const tap = new TradeTap(3);
    const f = (i: number) => ({ key: String(i) }) as unknown as Parameters<TradeTap["push"]>[0];
    for (let i = 0; i < 5; i++) tap.push(f(i));
    assert.deepEqual(
      tap.drain().map((x) => x.key),
      ["2", "3", "4"],
    );
    assert.equal(tap.dropped, 2);
  });
});
