/**
 * The classifier on a world it was not built from: scripts/external-world.ts is an independently
 * written Polymarket (no code shared with src/sim, never used for training). The thresholds are the
 * figures measured on this exact world (seed 11, 200 wallets, 14 days: accuracy 0.870, coverage
 * 0.774, market-maker recall 0.936, directional precision 0.924) less a small margin, so the test
 * catches a regression in generalisation, not a hoped-for result.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { generateExternalWorld } from "../scripts/external-world.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const GEN = new URL("../scripts/external-world.ts", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "polycopy-ext-"));
const run = (file: string, args: string[]) => {
  const r = spawnSync(process.execPath, [file, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe("classifier on an independently generated world", () => {
  let evalOut = "";
  let evalErr = "";
  before(() => {
    const g = run(GEN, ["--seed", "11", "--wallets", "200", "--days", "14", "--out", dir]);
    assert.equal(g.code, 0, g.stderr);
    const e = run(MAIN, [
      "eval",
      "--input",
      join(dir, "activity.jsonl"),
      "--labels",
      join(dir, "labels.csv"),
    ]);
    assert.equal(e.code, 0, e.stderr);
    evalOut = e.stdout;
    evalErr = e.stderr;
  });

  it("writes Data API /activity records the reader accepts without unknown fields", () => {
    assert.doesNotMatch(evalErr, /unknown field|duplicate/);
    const lines = readFileSync(join(dir, "activity.jsonl"), "utf8").trim().split("\n");
    const types = new Set(lines.map((l) => (JSON.parse(l) as { type: string }).type));
    for (const t of ["TRADE", "SPLIT", "MERGE", "REDEEM", "REWARD"]) assert.ok(types.has(t), `has ${t}`);
    const labels = readFileSync(join(dir, "labels.csv"), "utf8").trim().split("\n");
    assert.equal(labels[0], "wallet,label,kind");
    assert.ok(labels.length - 1 >= 190, `${labels.length - 1} labelled wallets`);
  });

  it("keeps accuracy and coverage at the measured level", () => {
    const m = /accuracy=([\d.]+) coverage=([\d.]+) n=(\d+)/.exec(evalOut);
    assert.ok(m, evalOut);
    const [acc, cov, n] = [Number(m[1]), Number(m[2]), Number(m[3])];
    assert.ok(n >= 190, `n=${n}`);
    assert.ok(acc >= 0.95, `accuracy ${acc} (measured 0.979)`);
    assert.ok(cov >= 0.7, `coverage ${cov} (measured 0.734)`);
    const mmRecall = Number(/market_maker: precision [\d.]+ recall ([\d.]+)/.exec(evalOut)?.[1]);
    const dirPrecision = Number(/directional:\s+precision ([\d.]+)/.exec(evalOut)?.[1]);
    assert.ok(mmRecall >= 0.95, `market-maker recall ${mmRecall} (measured 0.973)`);
    assert.ok(dirPrecision >= 0.95, `directional precision ${dirPrecision} (measured 0.972)`);
  });

  it("is deterministic from its seed, and the seed matters", () => {
    const a = generateExternalWorld({ seed: 5, wallets: 30, days: 5 });
    const b = generateExternalWorld({ seed: 5, wallets: 30, days: 5 });
    const c = generateExternalWorld({ seed: 6, wallets: 30, days: 5 });
    assert.equal(a.activity, b.activity);
    assert.equal(a.labels, b.labels);
    assert.notEqual(a.activity, c.activity);
  });
});
