import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "polycopy-an-"));
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const oneLine = (s: string) => assert.doesNotMatch(s, /\n\s+at /, "no stack trace");
const W = "0x1111111111111111111111111111111111111111";
const rec = (o: Record<string, unknown> = {}) =>
  JSON.stringify({
    proxyWallet: W,
    side: "BUY",
    asset: "123",
    conditionId: `0x${"ab".repeat(32)}`,
    size: 10,
    price: 0.45,
    timestamp: 1767225600,
    outcome: "Yes",
    outcomeIndex: 0,
    transactionHash: `0x${"de".repeat(32)}`,
    type: "TRADE",
    ...o,
  });

describe("classify / eval / report commands", () => {
  before(() => {
    const r = run([
      "simulate",
      "--seed",
      "31",
      "--days",
      "20",
      "--wallets-per-style",
      "2",
      "--markets",
      "30",
      "--out",
      dir,
    ]);
    assert.equal(r.code, 0, r.stderr);
  });

  it("classify --format json prints one object per wallet with the documented fields", () => {
    const r = run(["classify", "--input", join(dir, "activity.jsonl"), "--format", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.equal(out.length, 28);
    for (const k of [
      "wallet",
      "class",
      "p_mm",
      "p_mm_low",
      "p_mm_high",
      "score",
      "score_low",
      "score_high",
      "recommendation",
      "reasons",
    ]) {
      assert.ok(k in out[0]!, `missing ${k}`);
    }
    for (const v of out) {
      assert.ok(["market_maker", "directional", "uncertain"].includes(v.class as string));
      assert.ok((v.p_mm_low as number) <= (v.p_mm as number) + 1e-9 || v.p_mm === v.p_mm_low);
    }
    assert.doesNotMatch(r.stdout, /NaN|null,\s*"p_mm/);
  });

  it("classify --wallets limits the output; csv and md formats work; bad format is one line", () => {
    const labels = readFileSync(join(dir, "labels.csv"), "utf8").trim().split("\n").slice(1);
    const w = labels[0]!.split(",")[0]!;
    const csv = run(["classify", "-i", join(dir, "activity.jsonl"), "-w", w, "-f", "csv"]);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout.trim().split("\n").length, 2);
    assert.match(csv.stdout, new RegExp(w));
    const bad = run(["classify", "-i", join(dir, "activity.jsonl"), "-f", "xml"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format must be one of/);
  });

  it("eval ends with the accuracy/coverage/n line", () => {
    const r = run(["eval", "-i", join(dir, "activity.jsonl"), "-l", join(dir, "labels.csv")]);
    assert.equal(r.code, 0, r.stderr);
    const last = r.stdout.trim().split("\n").at(-1)!;
    assert.match(last, /^accuracy=\d\.\d{3} coverage=\d\.\d{3} n=24$/);
    assert.match(r.stdout, /confusion/);
  });

  it("report writes md, html (self-contained, with charts), csv and json", () => {
    const out = join(dir, "rep");
    const r = run(["report", "-i", join(dir, "activity.jsonl"), "-o", out]);
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(join(out, "report.html"), "utf8");
    assert.match(html, /<canvas id="scatter">/);
    assert.match(html, /Chart\.js|new Chart/);
    assert.doesNotMatch(html, /<script src=/, "no external scripts");
    assert.match(readFileSync(join(out, "report.md"), "utf8"), /\| wallet \| class \|/);
  });

  it("bad input: empty file, missing field, wrong type, bad JSON, bad price give one-line errors", () => {
    const cases: [string, string, RegExp][] = [
      ["empty.jsonl", "", /file is empty/],
      ["missing.jsonl", `${rec({ proxyWallet: undefined })}\n`, /line 1: proxyWallet/],
      ["type.jsonl", `${rec({ size: "lots" })}\n`, /line 1: size/],
      ["json.jsonl", `${rec()}\n{not json\n`, /line 2: not valid JSON/],
      ["range.jsonl", `${rec({ price: 1.2 })}\n`, /line 1: price: must be strictly between 0 and 1/],
      ["nan.jsonl", `${rec({ price: "NaN" })}\n`, /line 1: price/],
      ["neg.jsonl", `${rec({ price: -0.2 })}\n`, /price: must be strictly between 0 and 1/],
      ["header.csv", "wallet,side\n", /CSV header lacks column/],
    ];
    for (const [name, body, re] of cases) {
      writeFileSync(join(dir, name), body);
      const r = run(["classify", "-i", join(dir, name)]);
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, re, name);
      assert.equal(r.stderr.trim().split("\n").length, 1, `${name}: one line`);
      oneLine(r.stderr);
    }
  });

  it("unknown fields are reported, a one-fill wallet is uncertain, and a missing file is one line", () => {
    writeFileSync(join(dir, "one.jsonl"), `${rec({ extra: 1 })}\n`);
    const r = run(["classify", "-i", join(dir, "one.jsonl")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /ignored unknown field "extra"/);
    const [v] = JSON.parse(r.stdout) as { class: string; reasons: string[] }[];
    assert.equal(v!.class, "uncertain");
    assert.match(v!.reasons[0]!, /insufficient evidence/);
    const m = run(["classify", "-i", join(dir, "nope.jsonl")]);
    assert.equal(m.code, 2);
    assert.match(m.stderr, /input file not found/);
  });

  it("reads a CSV of normalized fills", () => {
    const lines = ["wallet,market_id,token_id,outcome_index,side,price,size,ts"];
    for (let i = 0; i < 30; i++)
      lines.push(`${W},m${i % 3},t${i % 3},0,${i % 2 ? "SELL" : "BUY"},0.5,10,${1767225600 + i * 60}`);
    writeFileSync(join(dir, "fills.csv"), `${lines.join("\n")}\n`);
    const r = run(["classify", "-i", join(dir, "fills.csv")]);
    assert.equal(r.code, 0, r.stderr);
    const [v] = JSON.parse(r.stdout) as { fills: number }[];
    assert.equal(v!.fills, 30);
  });
});
