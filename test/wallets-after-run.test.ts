/**
 * `polycopy wallets` after a run (issue 9, item 8): it lists the wallets the run followed with the
 * classes the run copies by, for the simulator demo and for a run on a live feed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { simulate } from "../src/sim/simulate.ts";
import { standinDataFromSim } from "../src/standin/from-sim.ts";
import { type Standin, startStandin } from "../src/standin/server.ts";
import { busiestAfter, runFolder, startRun, waitFor } from "./live-run.fixture.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const CLASSES = ["market_maker", "directional", "uncertain"];

function polycopy(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      POLYCOPY_LOG_LEVEL: "silent",
      DATABASE_URL: "",
      POLYCOPY_DATA_DIR: join(cwd, "data"),
    },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Row = { address: string; alias: string | null; class: string | null; followed: boolean };

describe("polycopy wallets after a run", () => {
  it("after demo: the followed leaders with their classes, one per leader", () => {
    const dir = runFolder("polycopy-wallets-demo-", {});
    const run = polycopy(
      [
        "demo",
        "--days",
        "6",
        "--warmup-days",
        "3",
        "--wallets-per-style",
        "1",
        "--leaders",
        "5",
        "--no-serve",
      ],
      dir,
    );
    assert.equal(run.code, 0, run.stderr);
    const r = polycopy(["wallets", "--json"], dir);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Row[];
    const followed = rows.filter((w) => w.followed);
    assert.equal(followed.length, 5, r.stdout);
    for (const w of followed) assert.ok(CLASSES.includes(w.class ?? "-"), `${w.address}: ${w.class}`);
    // The demo's leader table names the same wallets (first 12 characters) and classes.
    for (const w of followed) assert.match(run.stdout, new RegExp(`${w.address.slice(0, 12)}\\s+${w.class}`));
    const table = polycopy(["wallets"], dir);
    assert.doesNotMatch(
      table.stdout.split("\n").slice(1).join("\n"),
      /\s-\s+yes/,
      "no followed wallet without a class",
    );
  });

  describe("after run --source standin", () => {
    let standin: Standin;
    after(async () => standin?.close());
    it("the configured wallets, followed, with classes and aliases", async () => {
      const sim = simulate({ seed: 5, days: 12, walletsPerStyle: 1, markets: 12 });
      const data = standinDataFromSim(sim);
      const followed = busiestAfter(data.activity, 0, 3);
      standin = await startStandin({
        markets: data.markets,
        activity: data.activity,
        book: data.book,
        seed: 3,
      });
      const dir = runFolder("polycopy-wallets-live-", {
        polymarket: { backfillDays: 3650 },
        wallets: followed.map((address, i) => ({ address, alias: `leader-${i}` })),
      });
      const run = startRun(dir, standin.url);
      await waitFor(() => run.out().includes("following 3 wallets"), "the run to follow");
      run.child.kill("SIGINT");
      const ex = await run.exitedWithin();
      assert.equal(ex.code, 0, run.err());
      const r = polycopy(["wallets", "--json"], dir);
      assert.equal(r.code, 0, r.stderr);
      const rows = JSON.parse(r.stdout) as Row[];
      assert.deepEqual(
        rows
          .filter((w) => w.followed)
          .map((w) => w.address)
          .sort(),
        [...followed].sort(),
      );
      for (const w of rows) {
        assert.ok(CLASSES.includes(w.class ?? "-"), `${w.address}: ${w.class}`);
        assert.match(w.alias ?? "", /^leader-\d$/);
      }
    });
  });
});
