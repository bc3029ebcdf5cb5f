import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isOnTick } from "../domain/market.ts";
import { ALL_STYLES, EXTENDED_STYLES, labelOf } from "./agents.ts";
import { writeSimFiles } from "./files.ts";
import { simulate } from "./simulate.ts";

const SMALL = { seed: 11, days: 6, walletsPerStyle: 2, markets: 12 } as const;

function hashDir(dir: string): string {
  const h = createHash("sha256");
  for (const f of ["markets.jsonl", "fills.jsonl", "activity.jsonl", "labels.csv", "meta.json"]) {
    h.update(readFileSync(join(dir, f)));
  }
  return h.digest("hex");
}

describe("simulate", () => {
  it("writes identical bytes for the same seed and different bytes for another seed", () => {
    const a = mkdtempSync(join(tmpdir(), "sim-a-"));
    const b = mkdtempSync(join(tmpdir(), "sim-b-"));
    const c = mkdtempSync(join(tmpdir(), "sim-c-"));
    writeSimFiles(simulate(SMALL), a);
    writeSimFiles(simulate(SMALL), b);
    writeSimFiles(simulate({ ...SMALL, seed: 12 }), c);
    assert.equal(hashDir(a), hashDir(b));
    assert.notEqual(hashDir(a), hashDir(c));
  });

  it("labels every style and every wallet trades", () => {
    const r = simulate({ ...SMALL, days: 30, markets: 30 });
    assert.equal(r.labels.length, ALL_STYLES.length * SMALL.walletsPerStyle);
    const traders = new Set(r.events.filter((e) => e.type === "TRADE").map((e) => e.wallet));
    for (const l of r.labels) assert.ok(traders.has(l.wallet), `${l.style} wallet ${l.wallet} never traded`);
    const labels = new Set(r.labels.map((l) => l.label));
    for (const want of ["market_maker", "directional", "arbitrageur", "wash"])
      assert.ok(labels.has(want as never));
  });

  it("emits trades with on-tick prices strictly inside (0,1), positive sizes, sorted by time, unique keys", () => {
    const r = simulate(SMALL);
    const byId = new Map(r.markets.map((m) => [m.id, m]));
    const keys = new Set<string>();
    let last = 0;
    for (const e of r.events) {
      assert.ok(e.ts >= last, "events sorted by ts");
      last = e.ts;
      assert.ok(!keys.has(e.key), `duplicate key ${e.key}`);
      keys.add(e.key);
      if (e.type !== "TRADE") continue;
      const m = byId.get(e.marketId);
      assert.ok(m, "trade references a known market");
      assert.ok(e.price > 0 && e.price < 1, `price ${e.price}`);
      assert.ok(isOnTick(e.price, m.tickSize), `price ${e.price} off tick ${m.tickSize}`);
      assert.ok(e.size > 0 && Number.isFinite(e.size));
      assert.equal(m.outcomes[e.outcomeIndex]?.tokenId, e.tokenId);
    }
  });

  it("resolves markets that end within the horizon and serves books with a spread", () => {
    const r = simulate({ ...SMALL, days: 30 });
    assert.ok(r.resolutions.size > 0, "some markets resolve");
    const m = r.markets[0]!;
    const book = r.bookAt(m.outcomes[0]!.tokenId, r.params.startTs + 3_600_000);
    assert.ok(book.bids.length > 0 && book.asks.length > 0);
    assert.ok(book.bids[0]!.price < book.asks[0]!.price, "best bid below best ask");
  });

  it("rejects bad parameters with a user-facing message", () => {
    assert.throws(() => simulate({ days: 0 }), /--days must be/);
    assert.throws(() => simulate({ noise: Number.NaN }), /--noise must be/);
    assert.throws(() => simulate({ regime: "odd" as never }), /--regime must be/);
  });

  it("CLI: bad arguments give one line and exit 2", () => {
    const main = new URL("../cli/main.ts", import.meta.url).pathname;
    const r = spawnSync(process.execPath, [main, "simulate", "--days", "abc"], { encoding: "utf8" });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--days/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it("real-shaped: every new style trades; average prices off the grid, payments with no market, zero-size redeems", () => {
    const r = simulate({ seed: 21, days: 30, walletsPerStyle: 3, markets: 40, real: true });
    assert.equal(r.labels.length, EXTENDED_STYLES.length * 3);
    const traders = new Map<string, number>();
    for (const e of r.events) if (e.type === "TRADE") traders.set(e.wallet, (traders.get(e.wallet) ?? 0) + 1);
    for (const l of r.labels) {
      assert.ok(traders.has(l.wallet), `${l.style} wallet never traded`);
      assert.equal(l.label, labelOf(l.style));
    }
    for (const l of r.labels.filter((x) => x.style.startsWith("thin_")))
      assert.ok(traders.get(l.wallet)! <= 40, `${l.style}: ${traders.get(l.wallet)} fills`);
    const byId = new Map(r.markets.map((m) => [m.id, m]));
    const trades = r.events.filter((e) => e.type === "TRADE");
    const off = trades.filter((e) => !isOnTick(e.price, byId.get(e.marketId)!.tickSize));
    assert.ok(
      off.length > 0 && off.every((e) => e.price > 0 && e.price < 1),
      "takers walking levels: average prices",
    );
    for (const t of ["REWARD", "MAKER_REBATE", "TAKER_REBATE", "YIELD"]) {
      const rows = r.events.filter((e) => e.type === t);
      assert.ok(rows.length > 0, `has ${t}`);
      assert.ok(rows.every((e) => e.marketId === "" && e.type !== "TRADE" && e.size === e.usdcSize));
    }
    assert.ok(
      r.events.some((e) => e.type === "REDEEM" && e.size === 0),
      "a redemption of losing tokens has size 0",
    );
  });
});
