import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { isPolycopyError } from "../domain/errors.ts";
import { checkedPrice, toLeaderEvent, toMarket, toMarketState, toOrderBook, tradeToFill } from "./convert.ts";

const REAL = new URL("../../../shared/data/gamma-markets-btc-5m-2026-07-24.jsonl.gz", import.meta.url);

function realMarkets(): {
  raw: Record<string, unknown>;
  condition_id: string;
  token_ids: string[];
  resolved: boolean;
  outcome_prices: string[];
}[] {
  return gunzipSync(readFileSync(REAL))
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

/** Asserts a one-line user-facing PAYLOAD/PRICE error whose message matches `re`. */
function rejects(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isPolycopyError(e), `PolycopyError, got ${String(e)}`);
    assert.equal(e.userFacing, true);
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
}

const WALLET = `0x${"ab".repeat(20)}`;
const CID = `0x${"11".repeat(32)}`;
const TX = `0x${"22".repeat(32)}`;
const trade = {
  proxyWallet: WALLET,
  timestamp: 1_767_225_600,
  conditionId: CID,
  type: "TRADE",
  size: 12.5,
  usdcSize: 5.25,
  transactionHash: TX,
  price: 0.42,
  asset: "12345678901234567890",
  side: "BUY",
  outcomeIndex: 0,
  outcome: "Yes",
};

describe("Gamma markets", () => {
  it("accepts every real Gamma object in ../shared/data and reads its fields", () => {
    const rows = realMarkets();
    assert.equal(rows.length, 292);
    for (const r of rows) {
      const m = toMarket(r.raw);
      assert.equal(m.id, r.condition_id.toLowerCase());
      assert.deepEqual(
        m.outcomes.map((o) => o.tokenId),
        r.token_ids,
      );
      assert.deepEqual(
        m.outcomes.map((o) => o.name),
        ["Up", "Down"],
      );
      assert.equal(m.tickSize, r.raw.orderPriceMinTickSize);
      assert.equal(m.minOrderSize, 5);
      assert.equal(m.negRisk, false);
      assert.deepEqual(m.fee, { rate: 0.07, exponent: 1, takerOnly: true });
      assert.equal(m.closed, true);
      const winner = r.resolved ? r.outcome_prices.indexOf("1") : null;
      assert.equal(m.winnerIndex, winner);
      assert.equal(m.endTs, Date.parse(String(r.raw.endDate)));
    }
  });

  it("names the bad field", () => {
    const raw = realMarkets()[0]!.raw;
    rejects(
      () => toMarket({ ...raw, conditionId: "0x12" }),
      /conditionId: must be a 0x-prefixed 32-byte hex id/,
    );
    rejects(() => toMarket({ ...raw, clobTokenIds: "[not json" }), /clobTokenIds: must be a JSON array/);
    rejects(() => toMarket({ ...raw, clobTokenIds: '["1"]' }), /clobTokenIds: has 1 ids for 2 outcomes/);
    rejects(() => toMarket({ ...raw, orderPriceMinTickSize: -0.01 }), /orderPriceMinTickSize: must be > 0/);
    rejects(() => toMarket({ ...raw, orderMinSize: "lots" }), /orderMinSize/);
    const { feeSchedule: _f, ...noFee } = raw;
    rejects(() => toMarket(noFee), /feeSchedule: required when feesEnabled is true/);
    rejects(() => toMarket({ ...raw, endDate: "soon" }), /endDate: not a date/);
    rejects(
      () => toMarket({ ...raw, outcomes: undefined }, "gamma /markets[7]"),
      /^gamma \/markets\[7\]: outcomes:/,
    );
  });
});

describe("Gamma market resolution state", () => {
  const real = realMarkets();
  const base = real[0]!.raw;

  it("reads every real resolved market as resolved, with the winner its prices say", () => {
    for (const r of real) {
      const st = toMarketState(r.raw, r.condition_id);
      assert.equal(st.kind, "resolved");
      assert.equal(st.kind === "resolved" && st.winnerIndex, r.outcome_prices.indexOf("1"));
    }
  });

  it("an open market, and a closed one still in its UMA process, are not resolved", () => {
    assert.equal(
      toMarketState({ ...base, closed: false, umaResolutionStatus: null, outcomePrices: '["0.62", "0.38"]' })
        .kind,
      "open",
    );
    for (const uma of ["proposed", "disputed"]) {
      const st = toMarketState({ ...base, umaResolutionStatus: uma });
      assert.equal(st.kind, "closed", uma);
    }
    // Closed, no UMA status yet and prices not final: wait.
    assert.equal(
      toMarketState({ ...base, umaResolutionStatus: null, outcomePrices: '["0.995", "0.005"]' }).kind,
      "closed",
    );
  });

  it("rejects malformed or inconsistent outcomePrices with the field named, never a winner", () => {
    rejects(
      () => toMarketState({ ...base, outcomePrices: '["1"]' }),
      /outcomePrices: has 1 prices for 2 outcomes/,
    );
    rejects(
      () => toMarketState({ ...base, outcomePrices: '["1", "0", "0"]' }),
      /outcomePrices: has 3 prices/,
    );
    rejects(
      () => toMarketState({ ...base, outcomePrices: '["1.5", "-0.5"]' }),
      /outcomePrices\[0\]: must be a price in \[0, 1\]/,
    );
    rejects(() => toMarketState({ ...base, outcomePrices: "yes please" }), /outcomePrices/);
    rejects(() => toMarketState({ ...base, outcomePrices: '["abc", "0"]' }), /outcomePrices/);
    rejects(
      () => toMarketState({ ...base, outcomePrices: '["1", "1"]' }),
      /a resolved market must price one outcome at 1/,
    );
    rejects(() => toMarketState({ ...base, outcomePrices: '["0.5", "0.5"]' }), /split resolutions/);
    rejects(() => toMarketState({ ...base, outcomePrices: null }), /outcomePrices: a resolved market/);
  });
});

describe("Data API records (wrappers over data-api-record.ts)", () => {
  it("toLeaderEvent converts a trade with a stable key and second→ms timestamps", () => {
    const e = toLeaderEvent(trade, "activity[0]");
    assert.ok(e && e.type === "TRADE");
    assert.equal(e.key, `${TX}:${WALLET}:12345678901234567890:BUY:12.5:0.42`);
    assert.equal(e.ts, 1_767_225_600_000);
    assert.equal(e.source, "poll");
    // The same record as a string-typed payload gives the same key.
    const e2 = toLeaderEvent(
      { ...trade, price: "0.42", size: "12.5", proxyWallet: WALLET.toUpperCase().replace("0X", "0x") },
      "a",
    );
    assert.equal(e2?.key, e.key);
    assert.equal(toLeaderEvent({ ...trade, type: "SOMETHING_NEW" }, "a"), null, "unknown type: skipped");
  });

  it("tradeToFill reads /trades records and refuses a non-trade row", () => {
    const { type: _t, usdcSize: _u, ...rec } = trade;
    const f = tradeToFill({ ...rec, side: "SELL", price: 0.7671607282693813 }, "trades[0]", {
      source: "rtds",
    });
    assert.equal(f.side, "SELL");
    assert.equal(f.price, 0.7671607282693813, "an averaged price is kept whole");
    assert.equal(f.source, "rtds");
    rejects(() => tradeToFill({ ...rec, side: "HOLD" }, "trades[0]"), /trades\[0\]: side/);
    rejects(() => tradeToFill({ ...trade, type: "REWARD" }, "trades[0]"), /trades\[0\]\.type/);
  });

  it("checkedPrice (our orders and books) accepts the finer 0.001 grid near the extremes", () => {
    assert.equal(checkedPrice(0.975, 0.01, "p"), 0.975);
    assert.equal(checkedPrice(0.021, 0.01, "p"), 0.021);
    rejects(() => checkedPrice(0.505, 0.01, "p"), /p 0\.505 is not on the tick grid 0\.01/);
    assert.equal(checkedPrice(0.1 + 0.2, 0.01, "p"), 0.3, "float noise removed");
  });
});

describe("CLOB books", () => {
  const book = {
    market: CID,
    asset_id: "123",
    timestamp: "1767225600123",
    hash: "abc",
    bids: [
      { price: "0.40", size: "100" },
      { price: "0.41", size: "50" },
    ],
    asks: [
      { price: "0.45", size: "70" },
      { price: "0.43", size: "20" },
    ],
    min_order_size: "5",
    tick_size: "0.01",
    neg_risk: false,
    last_trade_price: "0.42",
  };
  it("sorts levels best first and parses decimal strings", () => {
    const b = toOrderBook(book);
    assert.deepEqual(
      b.bids.map((l) => l.price),
      [0.41, 0.4],
    );
    assert.deepEqual(
      b.asks.map((l) => l.price),
      [0.43, 0.45],
    );
    assert.equal(b.ts, 1767225600123);
    assert.equal(b.tickSize, 0.01);
  });
  it("rejects off-tick and malformed levels naming the level", () => {
    rejects(
      () => toOrderBook({ ...book, asks: [{ price: "0.435", size: "1" }] }, "book"),
      /book\.asks\[0\]\.price 0\.435 is not on the tick grid/,
    );
    rejects(
      () => toOrderBook({ ...book, bids: [{ price: "x", size: "1" }] }, "book"),
      /book: bids\.0\.price/,
    );
    rejects(() => toOrderBook({ ...book, tick_size: undefined }, "book"), /book: tick_size/);
  });
});
