import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;

describe("polycopy demo / run", () => {
  it("runs the paper bot end to end on the embedded default and prints decisions, positions, PnL and the comparison", () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-demo-"));
    const r = spawnSync(
      process.execPath,
      [MAIN, "demo", "--days", "30", "--warmup-days", "10", "--wallets-per-style", "3", "--no-serve"],
      {
        encoding: "utf8",
        cwd: dir,
        env: { ...process.env, POLYCOPY_LOG_LEVEL: "silent", DATABASE_URL: "" },
        timeout: 120_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /store \(sqlite\): \d+ new leader events/);
    assert.match(r.stdout, /decisions: \d+ leader fills from followed wallets -> \d+ copied/);
    assert.match(r.stdout, /positions: \d+ open; cash [\d.]+ USD; realized -?[\d.]+ USD; equity [\d.]+ USD/);
    assert.match(r.stdout, /wallet-type-aware\s+-?[\d.]+%/);
    assert.match(r.stdout, /plain proportional copy\s+-?[\d.]+%/);
    // Second run: the same leader events are already in the store and are not doubled.
    const again = spawnSync(
      process.execPath,
      [MAIN, "demo", "--days", "30", "--warmup-days", "10", "--wallets-per-style", "3", "--no-serve"],
      {
        encoding: "utf8",
        cwd: dir,
        env: { ...process.env, POLYCOPY_LOG_LEVEL: "silent", DATABASE_URL: "" },
        timeout: 120_000,
      },
    );
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /store \(sqlite\): 0 new leader events/);
  });

  it("backtest prints both strategies per seed and a summary; bad seeds are one line", () => {
    const r = spawnSync(
      process.execPath,
      [MAIN, "backtest", "--seeds", "7", "--days", "30", "--warmup-days", "10", "--wallets-per-style", "3"],
      {
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^7 +\d+\/\d+\/\d+ +-?[\d.]+% +-?[\d.]+ +[\d.]+% +\d+ \| +-?[\d.]+%/m);
    assert.match(r.stdout, /had the higher Sharpe on \d of 1 seeds/);
    const bad = spawnSync(process.execPath, [MAIN, "backtest", "--seeds", "7,x"], { encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--seeds: "x"/);
  });

  it("standin and run --source reject bad arguments in one line", () => {
    const cases: [string[], RegExp][] = [
      [["standin", "--days", "30", "--served-days", "40"], /--served-days must be less than --days/],
      [["standin", "--faults", "2"], /--faults must be between 0 and 0.5/],
      [["run", "--source", "bogus"], /--source must be sim, standin or polymarket/],
      [["run", "--source", "standin", "--wallets", "0x1"], /--source standin needs --url|--wallets/],
    ];
    for (const [args, re] of cases) {
      const r = spawnSync(process.execPath, [MAIN, ...args], {
        encoding: "utf8",
        env: { ...process.env, POLYCOPY_LOG_LEVEL: "silent" },
      });
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split("\n").length, 1);
    }
  });

  it("refuses --live with a one-line reason and rejects bad arguments", () => {
    const live = spawnSync(process.execPath, [MAIN, "run", "--live"], { encoding: "utf8" });
    assert.equal(live.status, 2);
    assert.match(live.stderr, /--live needs a live leader feed/);
    const bad = spawnSync(
      process.execPath,
      [MAIN, "run", "--warmup-days", "90", "--days", "30", "--no-serve"],
      { encoding: "utf8" },
    );
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--warmup-days/);
  });
});
