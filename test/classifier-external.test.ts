/**
 * The classifier on a world it was not built from: scripts/external-world.ts is an independently
 * written Polymarket (no code shared with src/sim, never used for training), with the styles that
 * fool a markout-led model (news snipers, patient accumulators, picked-off makers, switchers, thin
 * wallets) and the real API's record quirks, read raw by the one parser. The thresholds are the
 * figures measured on this exact world (seed 11, 200 wallets, 14 days: accuracy 0.995, coverage
 * 0.950, market-maker recall 1.000, directional precision 1.000; snipers, scalpers, switchers,
 * accumulators and picked-off makers all right, accumulators decided 11 of 11; the model with maker
 * share, which is unknown here: 0.940 and 9 of 11 before it) less a margin, so
 * the test catches a regression in generalisation, not a hoped-for result.
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

  it("writes real-shaped /activity records the one parser reads raw", () => {
    assert.doesNotMatch(evalErr, /unknown field/);
    const lines = readFileSync(join(dir, "activity.jsonl"), "utf8").trim().split("\n");
    type Rec = {
      type: string;
      proxyWallet: string;
      timestamp: number;
      conditionId: string;
      price: number;
      size: number;
      usdcSize: number;
      outcomeIndex: number;
      side: string;
    };
    const recs = lines.map((l) => JSON.parse(l) as Rec);
    const types = new Set(recs.map((r) => r.type));
    for (const t of ["TRADE", "SPLIT", "MERGE", "REDEEM", "REWARD", "MAKER_REBATE", "TAKER_REBATE", "YIELD"])
      assert.ok(types.has(t), `has ${t}`);
    // Takers that walked the book: one row at the average price, ≈ usdcSize / size, off the tick grid.
    const trades = recs.filter((r) => r.type === "TRADE");
    const off = trades.filter((r) => Math.abs(r.price * 1000 - Math.round(r.price * 1000)) > 1e-6);
    assert.ok(off.length > 100, `${off.length} off-grid prices`);
    for (const r of off.slice(0, 50)) assert.ok(Math.abs(r.usdcSize / r.size - r.price) < 1e-4);
    const pay = recs.filter((r) => ["REWARD", "MAKER_REBATE", "TAKER_REBATE", "YIELD"].includes(r.type));
    assert.ok(
      pay.every(
        (r) =>
          r.conditionId === "" &&
          r.outcomeIndex === 999 &&
          r.price === 0 &&
          r.side === "" &&
          r.size === r.usdcSize,
      ),
    );
    assert.ok(
      recs.some((r) => r.type === "REDEEM" && r.size === 0),
      "zero-size REDEEM of losing tokens",
    );
    assert.ok(new Set(lines).size < lines.length, "exact duplicate rows");
    assert.match(evalErr, /duplicate/, "collapsed by the parser");
    for (let i = 1; i < recs.length; i++) {
      if (recs[i]!.proxyWallet === recs[i - 1]!.proxyWallet)
        assert.ok(recs[i]!.timestamp <= recs[i - 1]!.timestamp, "each wallet's records newest first");
    }
    const labels = readFileSync(join(dir, "labels.csv"), "utf8").trim().split("\n");
    assert.equal(labels[0], "wallet,label,kind");
    assert.ok(labels.length - 1 >= 190, `${labels.length - 1} labelled wallets`);
    for (const k of ["dir_sniper", "acc_patient", "mm_adverse", "dir_switcher", "dir_thin", "mm_thin"])
      assert.ok(
        labels.some((l) => l.endsWith(`,${k}`)),
        `has ${k}`,
      );
  });

  it("keeps accuracy and coverage at the measured level", () => {
    const m = /^accuracy=([\d.]+) coverage=([\d.]+) n=(\d+)$/m.exec(evalOut);
    assert.ok(m, evalOut);
    const [acc, cov, n] = [Number(m[1]), Number(m[2]), Number(m[3])];
    assert.ok(n >= 190, `n=${n}`);
    assert.ok(acc >= 0.97, `accuracy ${acc} (measured 0.995)`);
    assert.ok(cov >= 0.92, `coverage ${cov} (measured 0.950)`);
    const mmRecall = Number(/market_maker: precision [\d.]+ recall ([\d.]+)/.exec(evalOut)?.[1]);
    const dirPrecision = Number(/directional:\s+precision ([\d.]+)/.exec(evalOut)?.[1]);
    assert.ok(mmRecall >= 0.95, `market-maker recall ${mmRecall} (measured 1.000)`);
    assert.ok(dirPrecision >= 0.95, `directional precision ${dirPrecision} (measured 1.000)`);
  });

  it("prints per-style figures; the styles that fooled the markout are classified right", () => {
    const style = (name: string) => {
      const m = new RegExp(`style \\w+\\s+${name}\\s+accuracy=([\\d.]+) coverage=([\\d.]+) n=(\\d+)`).exec(
        evalOut,
      );
      assert.ok(m, `no line for ${name}:\n${evalOut}`);
      return { acc: Number(m[1]), cov: Number(m[2]), n: Number(m[3]) };
    };
    for (const name of ["dir_sniper", "acc_patient", "mm_adverse", "dir_scalper", "dir_switcher"]) {
      const s = style(name);
      assert.ok(s.n >= 5, `${name} n=${s.n}`);
      assert.ok(s.acc >= 0.9, `${name} accuracy ${s.acc} (measured 1.000)`);
      // Accumulators rest one-sided bids (maker fills): some stay in the abstain band.
      const minCov = name === "acc_patient" ? 0.7 : 0.9;
      assert.ok(
        s.cov >= minCov,
        `${name} coverage ${s.cov} (measured ${name === "acc_patient" ? "0.909" : "1.000"})`,
      );
    }
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
