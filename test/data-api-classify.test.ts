/**
 * Entry point 1 of the Data API parser: classify / eval / report file input (readWalletHistory and
 * the CLI). Every quirk of the fixture corpus is read; every malformed file fails with one line.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { PolycopyError } from "../src/domain/errors.ts";
import { isOnTick } from "../src/domain/market.ts";
import { hasControlChars } from "../src/domain/printable.ts";
import { readWalletHistory } from "../src/sources/history-file.ts";
import { FIXTURES, fixture, MALFORMED, MM, MM_WALLET, REAL, TRADES, WHALE } from "./data-api.fixture.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const run = (args: string[]) =>
  spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 60_000 });

describe("classify file input reads real Data API records", () => {
  it("the real /activity capture (JSON array, newest first, averaged prices)", async () => {
    const r = await readWalletHistory(join(FIXTURES, REAL));
    assert.equal(r.events.length, 10);
    const sent = fixture(REAL).map((x) => x.price as number);
    const got = r.events.map((e) => (e.type === "TRADE" ? e.price : Number.NaN));
    assert.deepEqual([...got].sort(), [...sent].sort(), "prices exactly as sent");
    assert.ok(got.filter((p) => !isOnTick(p, 0.001)).length === 5);
    const byTime = [...fixture(REAL)].sort((a, b) => (a.timestamp as number) - (b.timestamp as number));
    assert.deepEqual(
      got,
      byTime.map((x) => x.price),
      "newest-first rows come out oldest first (stable)",
    );
  });

  it("a market maker's /activity (every type, zero REDEEM, duplicates, unknown type) as JSON and JSONL", async () => {
    for (const name of [MM, MM.replace(".json", ".jsonl")]) {
      const r = await readWalletHistory(join(FIXTURES, name));
      assert.equal(r.events.length, 13, name);
      const types = new Set(r.events.map((e) => e.type));
      assert.equal(types.size, 9, `${name}: all nine types`);
      assert.ok(
        r.events.some((e) => e.type === "REDEEM" && e.size === 0),
        "zero-size REDEEM",
      );
      assert.ok(r.warnings.includes("collapsed 1 duplicate record(s) (same idempotency key)"), name);
      assert.ok(r.warnings.includes('skipped 1 record(s) of unknown activity type "STAKE_BONUS"'), name);
    }
  });

  it("a /trades response (no type) as JSON and JSONL", async () => {
    for (const name of [TRADES, TRADES.replace(".json", ".jsonl")]) {
      const r = await readWalletHistory(join(FIXTURES, name));
      assert.equal(r.events.length, 4, name);
      assert.ok(r.events.every((e) => e.type === "TRADE" && e.wallet === MM_WALLET));
    }
  });

  it("malformed files fail with one error naming line (or index) and field, no raw bytes", async () => {
    for (const [name, re] of MALFORMED) {
      await assert.rejects(readWalletHistory(join(FIXTURES, name)), (e: unknown) => {
        assert.ok(e instanceof PolycopyError && e.userFacing, name);
        assert.match(e.message, re);
        assert.ok(!hasControlChars(e.message), `${name}: no control bytes`);
        assert.ok(e.message.length < 300, `${name}: capped`);
        return true;
      });
    }
  });

  it("CLI: classify reads the real capture and the MM pages; a bad file is one line, exit 2", () => {
    const real = run(["classify", "--input", join(FIXTURES, REAL), "--format", "json"]);
    assert.equal(real.status, 0, real.stderr);
    const [v] = JSON.parse(real.stdout) as { wallet: string; fills: number }[];
    assert.equal(v!.wallet, WHALE);
    assert.equal(v!.fills, 10);
    const mm = run(["classify", "--input", join(FIXTURES, MM), "--format", "json"]);
    assert.equal(mm.status, 0, mm.stderr);
    assert.match(mm.stderr, /warning: skipped 1 record\(s\) of unknown activity type "STAKE_BONUS"/);
    assert.match(mm.stderr, /warning: collapsed 1 duplicate record/);
    const [w] = JSON.parse(mm.stdout) as { wallet: string; fills: number }[];
    assert.equal(w!.wallet, MM_WALLET);
    assert.equal(w!.fills, 4);
    for (const name of ["bad-escape-in-field.jsonl", "bad-size-1e300.jsonl"]) {
      const bad = run(["classify", "--input", join(FIXTURES, name)]);
      assert.equal(bad.status, 2, bad.stderr);
      assert.equal(bad.stderr.trim().split("\n").length, 1, "one line");
      assert.match(bad.stderr, /^error: .* line 2: (side|size): /);
      assert.ok(!hasControlChars(bad.stderr.trimEnd()), "no terminal escapes echoed");
    }
  });
});
