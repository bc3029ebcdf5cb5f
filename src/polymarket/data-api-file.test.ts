import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { PolycopyError } from "../domain/errors.ts";
import { isOnTick } from "../domain/market.ts";
import { hasControlChars } from "../domain/printable.ts";
import { describeRead, readDataApiFile } from "./data-api-file.ts";

const FIX = new URL("../../test/fixtures/data-api/", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "polycopy-dafile-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const read = (name: string, o: { skipBad?: boolean } = {}) =>
  readDataApiFile(join(FIX, name), { source: "file", ...o });

async function rejects(p: Promise<unknown>, re: RegExp): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PolycopyError && e.userFacing, `user-facing: ${e}`);
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /\n/, "one line");
    assert.ok(!hasControlChars(e.message), "no control bytes echoed");
    return e.message;
  }
  assert.fail(`expected an error matching ${re}`);
}

describe("readDataApiFile", () => {
  it("reads the real /activity capture (a JSON array, newest first) whole, oldest first, prices kept", async () => {
    const r = await read("real-activity-directional-whale-2026-04.json");
    assert.equal(r.format, "json-array");
    assert.equal(r.records, 10);
    assert.equal(r.events.length, 10);
    const ts = r.events.map((e) => e.ts);
    assert.deepEqual(
      ts,
      [...ts].sort((a, b) => a - b),
      "oldest first",
    );
    const raw = JSON.parse(
      readFileSync(join(FIX, "real-activity-directional-whale-2026-04.json"), "utf8"),
    ) as {
      price: number;
    }[];
    const prices = r.events.map((e) => (e.type === "TRADE" ? e.price : -1)).sort();
    assert.deepEqual(prices, raw.map((x) => x.price).sort(), "every price exactly as sent");
    assert.ok(prices.includes(0.7671607282693813));
    assert.equal(prices.filter((p) => !isOnTick(p, 0.001)).length, 5, "5 of 10 are off the 0.001 grid");
    assert.equal(
      r.sha256,
      createHash("sha256")
        .update(readFileSync(join(FIX, "real-activity-directional-whale-2026-04.json")))
        .digest("hex"),
    );
  });

  it("reads a market maker's /activity pages: every type, duplicates collapsed, unknown type skipped", async () => {
    const r = await read("mm-activity-pages.json");
    assert.equal(r.records, 15);
    assert.equal(r.duplicates, 1, "the row repeated at the page boundary");
    assert.deepEqual([...r.skippedTypes], [['"STAKE_BONUS"', 1]]);
    const types = r.events.map((e) => e.type);
    for (const t of [
      "TRADE",
      "SPLIT",
      "MERGE",
      "CONVERSION",
      "REWARD",
      "MAKER_REBATE",
      "TAKER_REBATE",
      "YIELD",
      "REDEEM",
    ]) {
      assert.ok(types.includes(t as (typeof types)[number]), t);
    }
    assert.equal(r.events.length, 13);
    const ts = r.events.map((e) => e.ts);
    assert.deepEqual(
      ts,
      [...ts].sort((a, b) => a - b),
      "oldest first",
    );
    const lose = r.events.find((e) => e.type === "REDEEM" && e.size === 0);
    assert.ok(lose, "the zero-size REDEEM is kept");
    for (const e of r.events.filter((x) =>
      ["REWARD", "MAKER_REBATE", "TAKER_REBATE", "YIELD"].includes(x.type),
    )) {
      assert.equal(e.marketId, "");
    }
    assert.deepEqual(describeRead(r), [
      "collapsed 1 duplicate record(s) (same idempotency key)",
      'skipped 1 record(s) of unknown activity type "STAKE_BONUS"',
    ]);
  });

  it("reads JSON Lines and a JSON array of the same records to the same events", async () => {
    const a = await read("mm-activity-pages.json");
    const b = await read("mm-activity-pages.jsonl");
    assert.equal(b.format, "jsonl");
    assert.equal(b.lines, 15);
    assert.deepEqual(b.events, a.events);
    const t = await read("trades-response.json");
    const tl = await read("trades-response.jsonl");
    assert.deepEqual(tl.events, t.events);
    assert.equal(t.events.length, 4);
    assert.equal(t.duplicates, 1);
    assert.ok(
      t.events.every((e) => e.type === "TRADE"),
      "/trades rows (no type) are trades",
    );
    const keys = new Set(a.events.map((e) => e.key));
    assert.ok(
      t.events.every((e) => keys.has(e.key)),
      "a /trades row keys like its /activity row",
    );
  });

  it("detects the format by the first non-space byte and reads an empty file as no records", async () => {
    const p = join(dir, "spaced.json");
    writeFileSync(p, `\n  \t${readFileSync(join(FIX, "trades-response.json"), "utf8")}`);
    const r = await readDataApiFile(p, { source: "file" });
    assert.equal(r.format, "json-array");
    assert.equal(r.events.length, 4);
    writeFileSync(join(dir, "empty.jsonl"), "");
    const e = await readDataApiFile(join(dir, "empty.jsonl"), { source: "file" });
    assert.equal(e.format, "empty");
    assert.equal(e.events.length, 0);
  });

  it("fails on a malformed record with one line naming the line (or index) and the field", async () => {
    const cases: [string, RegExp][] = [
      ["bad-nan.jsonl", /^bad-nan\.jsonl line 2: price: /],
      ["bad-negative-size.jsonl", /^bad-negative-size\.jsonl line 2: size: must not be negative/],
      ["bad-price-1.2.jsonl", /line 2: price: must be strictly between 0 and 1/],
      ["bad-size-1e300.jsonl", /line 2: size: must be at most 1e\+9 shares/],
      ["bad-missing-wallet.jsonl", /line 2: proxyWallet: /],
      ["bad-escape-in-field.jsonl", /line 2: side: must be BUY or SELL for a trade, got "BUYA{57}…"$/],
      ["bad-escape-raw.jsonl", /^bad-escape-raw\.jsonl line 2: not valid JSON$/],
      ["bad-array-index.json", /^bad-array-index\.json\[2\]: usdcSize: must not be negative/],
    ];
    for (const [name, re] of cases) {
      const msg = await rejects(read(name), re);
      assert.ok(msg.length < 200, `${name}: capped (${msg.length})`);
    }
    writeFileSync(join(dir, "broken.json"), '[{"a":1},\u001b[31m');
    await rejects(
      readDataApiFile(join(dir, "broken.json"), { source: "file" }),
      /^broken\.json: not a valid JSON array/,
    );
  });

  it("skips malformed records under skipBad, counting them and keeping the first error", async () => {
    const r = await read("bad-size-1e300.jsonl", { skipBad: true });
    assert.equal(r.events.length, 1);
    assert.equal(r.bad, 1);
    assert.match(r.firstBad ?? "", /line 2: size/);
    assert.match(describeRead(r).join("\n"), /skipped 1 malformed record\(s\)/);
  });

  it("from a byte offset parses only the rest, numbering lines on, and hashes the whole file", async () => {
    const p = join(dir, "grow.jsonl");
    const lines = readFileSync(join(FIX, "mm-activity-pages.jsonl"), "utf8").split("\n");
    const head = `${lines.slice(0, 5).join("\n")}\n`;
    writeFileSync(p, head);
    const a = await readDataApiFile(p, { source: "file" });
    writeFileSync(p, `${head}${lines.slice(5, 7).join("\n")}\n{"broken":\n`);
    await rejects(
      readDataApiFile(p, { source: "file", fromByte: a.bytes, fromLine: a.lines }),
      /grow\.jsonl line 8: not valid JSON/,
    );
    writeFileSync(p, `${head}${lines.slice(5, 7).join("\n")}\n`);
    const b = await readDataApiFile(p, { source: "file", fromByte: a.bytes, fromLine: a.lines });
    assert.equal(b.records, 2);
    assert.equal(b.lines, 7);
    assert.equal(b.sha256, createHash("sha256").update(readFileSync(p)).digest("hex"));
  });
});
