import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PolycopyError } from "../domain/errors.ts";
import { hasControlChars } from "../domain/printable.ts";
import { DATA_API_TYPES, parseDataApiRecord, RECORD_BOUNDS } from "./data-api-record.ts";

const WALLET = `0x${"ab".repeat(20)}`;
const CID = `0x${"11".repeat(32)}`;
const TX = `0x${"22".repeat(32)}`;
const trade = {
  proxyWallet: WALLET,
  timestamp: 1_777_091_978,
  conditionId: CID,
  type: "TRADE",
  size: 714.285713,
  usdcSize: 614.285714,
  transactionHash: TX,
  price: 0.860000001148,
  asset: "31580298928034717121287201018973507946553544207612680382558768593005033869136",
  side: "BUY",
  outcomeIndex: 1,
  outcome: "Ducks",
};
/** A wallet payment as the Data API sends it. */
const payment = (type: string, usd: number) => ({
  proxyWallet: WALLET,
  timestamp: 1_777_075_200,
  conditionId: "",
  type,
  size: usd,
  usdcSize: usd,
  transactionHash: TX,
  price: 0,
  asset: "",
  side: "",
  outcomeIndex: 999,
  outcome: "",
});
const parse = (raw: unknown, what = "rec") => parseDataApiRecord(raw, what, { source: "file" });

function rejects(fn: () => unknown, re: RegExp): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof PolycopyError && e.userFacing, `user-facing PolycopyError: ${e}`);
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /\n/, "one line");
    return e.message;
  }
  assert.fail(`expected an error matching ${re}`);
}

describe("parseDataApiRecord", () => {
  it("keeps an averaged trade price off the tick grid at full precision", () => {
    for (const price of [0.7671607282693813, 0.860000001148, 0.6542489661, 0.79]) {
      const e = parse({ ...trade, price }).event;
      assert.ok(e && e.type === "TRADE");
      assert.equal(e.price, price);
      assert.ok(e.key.endsWith(`:${price}`), "the key carries the whole price");
    }
  });

  it("reads a /trades record (no type, no usdcSize) as a trade with the same key", () => {
    const { type: _t, usdcSize: _u, ...rec } = trade;
    const a = parse(rec).event;
    const b = parse(trade).event;
    assert.ok(a && a.type === "TRADE");
    assert.equal(a.key, b?.key);
  });

  it('accepts every documented activity type, wallet payments with conditionId ""', () => {
    for (const type of ["REWARD", "MAKER_REBATE", "TAKER_REBATE", "YIELD"] as const) {
      const e = parse(payment(type, 12.482113)).event;
      assert.ok(e && e.type === type, type);
      assert.equal(e.marketId, "");
      assert.equal(e.usdcSize, 12.482113);
      assert.equal(e.size, 12.482113);
    }
    for (const type of ["SPLIT", "MERGE", "CONVERSION", "REDEEM"] as const) {
      const e = parse({ ...payment(type, 50), conditionId: CID.toUpperCase().replace("0X", "0x") }).event;
      assert.ok(e && e.type === type, type);
      assert.equal(e.marketId, CID);
    }
    assert.deepEqual([...DATA_API_TYPES].sort(), [
      "CONVERSION",
      "MAKER_REBATE",
      "MERGE",
      "REDEEM",
      "REWARD",
      "SPLIT",
      "TAKER_REBATE",
      "TRADE",
      "YIELD",
    ]);
  });

  it("accepts a zero-size REDEEM (losing tokens) and a payment without a transaction hash", () => {
    const e = parse({ ...payment("REDEEM", 0), conditionId: CID }).event;
    assert.ok(e && e.type === "REDEEM");
    assert.equal(e.size, 0);
    const r = parse({ ...payment("REWARD", 1), transactionHash: "" }).event;
    assert.ok(r && r.type === "REWARD");
    assert.equal(r.txHash, null);
  });

  it("skips an unknown future type (reported by name), cleaned of control bytes", () => {
    const r = parse({ ...payment("STAKE_BONUS", 3) });
    assert.equal(r.event, null);
    assert.equal(r.skippedType, '"STAKE_BONUS"');
    assert.equal(parse({ ...payment("\u001b[31mX", 3) }).skippedType, '"X"');
  });

  it("rejects malformed records with one line naming the record and the field", () => {
    rejects(() => parse({ ...trade, price: "NaN" }, "f line 2"), /^f line 2: price: /);
    rejects(
      () => parse({ ...trade, price: 1.2 }, "f line 2"),
      /^f line 2: price: must be strictly between 0 and 1/,
    );
    rejects(() => parse({ ...trade, price: 0 }, "f line 2"), /price: must be strictly between 0 and 1/);
    rejects(() => parse({ ...trade, price: 1 }, "f line 2"), /price: must be strictly between 0 and 1/);
    rejects(() => parse({ ...trade, size: -5 }, "f line 2"), /^f line 2: size: must not be negative/);
    rejects(() => parse({ ...trade, size: 0 }, "f line 2"), /size: must be positive for a trade/);
    rejects(() => parse({ ...trade, usdcSize: -1 }, "f[2]"), /^f\[2\]: usdcSize: must not be negative/);
    rejects(() => parse({ ...trade, proxyWallet: undefined }, "f line 2"), /^f line 2: proxyWallet/);
    rejects(() => parse({ ...trade, side: "" }), /side: must be BUY or SELL/);
    rejects(() => parse({ ...trade, conditionId: "" }), /conditionId: must be a 0x-prefixed/);
    rejects(() => parse({ ...trade, transactionHash: "" }), /transactionHash: must be a 0x-prefixed/);
    rejects(() => parse({ ...trade, asset: "abc" }), /asset: must be a decimal token id/);
    rejects(() => parse({ ...trade, outcomeIndex: 999 }), /outcomeIndex: must be 0\.\.100 for a trade/);
    rejects(() => parse({ ...trade, timestamp: 1.5 }), /timestamp: must be an integer/);
    rejects(
      () => parse({ ...payment("MERGE", 5), conditionId: "0x12" }),
      /conditionId: must be a 0x-prefixed/,
    );
    rejects(() => parse("nope", "f[0]"), /^f\[0\]: expected a JSON object/);
    rejects(() => parse([trade]), /expected a JSON object/);
  });

  it("enforces the documented bounds: size, usdcSize, timestamps", () => {
    rejects(() => parse({ ...trade, size: 1e300 }), /size: must be at most 1e\+9 shares/);
    rejects(() => parse({ ...trade, size: RECORD_BOUNDS.maxShares * 1.01 }), /size: must be at most/);
    assert.ok(parse({ ...trade, size: RECORD_BOUNDS.maxShares }).event, "the bound itself is accepted");
    rejects(() => parse({ ...payment("REWARD", 1e11) }), /size: must be at most 1e\+9 shares/);
    rejects(() => parse({ ...payment("REWARD", 5), usdcSize: 1e11 }), /usdcSize: must be at most 1e\+10 USD/);
    rejects(() => parse({ ...trade, size: "1e400" }), /size: must be a finite number/);
    rejects(
      () => parse({ ...trade, timestamp: 1_777_091_978_000 }),
      /timestamp: must be unix seconds before 2100/,
    );
    rejects(() => parse({ ...trade, timestamp: 1000 }), /timestamp: must be unix seconds on or after 2020/);
  });

  it("never echoes raw bytes: terminal escapes and control characters stripped, length capped", () => {
    const evil = `\u001b[2J\u001b[31mBUY\u001b]0;pwned\u0007\r\n\u202e${"A".repeat(500)}`;
    for (const field of ["side", "asset", "conditionId", "transactionHash"]) {
      const msg = rejects(() => parse({ ...trade, [field]: evil }), new RegExp(`${field}: `));
      assert.ok(!hasControlChars(msg), `${field}: no control bytes`);
      assert.ok(msg.length < 200, `${field}: capped (${msg.length} chars)`);
    }
  });
});
