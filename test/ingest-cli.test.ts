import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { apiFillKey, type LeaderEvent } from "../src/domain/fill.ts";
import { activityKey } from "../src/polymarket/convert.ts";
import { type SimResult, simulate, writeSimFiles } from "../src/sim/index.ts";
import { standinDataFromSim } from "../src/standin/from-sim.ts";
import { ALL_FAULTS, type Standin, startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;

function expectedKey(e: LeaderEvent): string {
  if (e.type === "TRADE") {
    return apiFillKey({
      txHash: e.txHash!,
      wallet: e.wallet,
      tokenId: e.tokenId,
      side: e.side,
      size: e.size,
      price: e.price,
    });
  }
  return activityKey({
    txHash: e.txHash!,
    wallet: e.wallet,
    type: e.type,
    marketId: e.marketId,
    size: e.size,
    usdcSize: e.usdcSize,
  });
}

function env(dataDir: string): NodeJS.ProcessEnv {
  return { ...process.env, POLYCOPY_DATA_DIR: dataDir, POLYCOPY_LOG_LEVEL: "silent", DATABASE_URL: "" };
}

async function storedKeys(dataDir: string): Promise<string[]> {
  const store = await openStore({ dataDir });
  try {
    return (await store.listLeaderEvents()).map((e) => e.key);
  } finally {
    await store.close();
  }
}

/** Runs the CLI without blocking this process, which serves the stand-in the child talks to. */
function runAsync(
  args: string[],
  dataDir: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, {
    cwd: dataDir,
    env: env(dataDir),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  return waitExit(child).then(({ code }) => {
    clearTimeout(timer);
    return { status: code, stdout, stderr };
  });
}

function waitExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

describe("polycopy ingest", () => {
  let sim: SimResult;
  let expected: Set<string>;
  let wallets: string;

  before(() => {
    sim = simulate({ seed: 21, days: 10, walletsPerStyle: 1, markets: 10 });
    expected = new Set(sim.events.map(expectedKey));
    assert.equal(expected.size, sim.events.length);
    wallets = sim.labels.map((l) => l.wallet).join(",");
  });

  describe("from the stand-in, killed with SIGKILL mid-ingest and restarted", () => {
    let standin: Standin;
    before(async () => {
      standin = await startStandin({
        ...standinDataFromSim(sim),
        faults: ALL_FAULTS,
        seed: 17,
        latencyMs: 15,
      });
    });
    after(async () => {
      await standin.close();
    });

    it("ends with exactly the server's events, each once", async () => {
      const dir = mkdtempSync(join(tmpdir(), "polycopy-ingest-"));
      const args = [
        MAIN,
        "ingest",
        "--from",
        "standin",
        "--url",
        standin.url,
        "--wallets",
        wallets,
        "--days",
        "3650",
        "--page-size",
        "10",
      ];
      const first = spawn(process.execPath, args, {
        cwd: dir,
        env: env(dir),
        stdio: ["ignore", "pipe", "pipe"],
      });
      const exited = waitExit(first);
      // Kill once a good part of the history has been requested, well before the end.
      const killAt = 40;
      for (let i = 0; i < 600 && (standin.stats.byPath["/activity"] ?? 0) < killAt; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.ok((standin.stats.byPath["/activity"] ?? 0) >= killAt, "the first run got going");
      first.kill("SIGKILL");
      const r1 = await exited;
      assert.equal(r1.signal, "SIGKILL", "the first run was killed, not finished");

      const partial = await storedKeys(dir);
      assert.ok(
        partial.length > 0 && partial.length < expected.size,
        `mid-ingest: ${partial.length}/${expected.size} stored`,
      );

      const second = await runAsync(args, dir);
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stdout, /ingested \d+ new events/);

      const keys = await storedKeys(dir);
      assert.equal(new Set(keys).size, keys.length, "no key stored twice");
      assert.equal(keys.length, expected.size, "nothing lost, nothing doubled");
      assert.deepEqual([...keys].sort(), [...expected].sort());

      // A third run changes nothing.
      const third = await runAsync(args, dir);
      assert.equal(third.status, 0, third.stderr);
      assert.match(third.stdout, /ingested 0 new events/);
      assert.equal((await storedKeys(dir)).length, expected.size);
    });
  });

  it("ingests a simulator activity file and resumes from its cursor", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-ingest-file-"));
    const files = writeSimFiles(sim, join(dir, "sim"));
    const args = [MAIN, "ingest", "--from", "file", "--file", files.activity];
    const r = spawnSync(process.execPath, args, {
      cwd: dir,
      env: env(dir),
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`ingested ${expected.size} new events`));
    const keys = await storedKeys(dir);
    assert.deepEqual([...keys].sort(), [...expected].sort());
    const again = spawnSync(process.execPath, args, {
      cwd: dir,
      env: env(dir),
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /ingested 0 new events/);
    const store = await openStore({ dataDir: dir });
    try {
      assert.equal((await store.listMarkets()).length, sim.markets.length);
    } finally {
      await store.close();
    }
  });

  it("rejects bad input with one-line errors naming the field", () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-ingest-bad-"));
    const run = (args: string[]) =>
      spawnSync(process.execPath, [MAIN, "ingest", ...args], {
        cwd: dir,
        env: env(dir),
        encoding: "utf8",
        timeout: 30_000,
      });
    const cases: [string[], RegExp][] = [
      [["--from", "nowhere"], /--from must be standin, polymarket or file/],
      [["--from", "standin"], /--from standin needs --url/],
      [
        ["--from", "standin", "--url", "http://127.0.0.1:9", "--wallets", "0x12"],
        /--wallets: "0x12" is not a 0x-prefixed/,
      ],
      [["--from", "standin", "--url", "http://127.0.0.1:9"], /no wallets to ingest/],
      [["--from", "file"], /--from file needs --file/],
      [["--from", "file", "--file", join(dir, "missing.jsonl")], /--file: no such file/],
      [["--from", "file", "--file", "x", "--days", "abc"], /--days must be an integer/],
    ];
    const badLine = join(dir, "bad.jsonl");
    const rec = {
      proxyWallet: `0x${"a".repeat(40)}`,
      timestamp: 1767225600,
      conditionId: `0x${"1".repeat(64)}`,
      type: "TRADE",
      size: 10,
      usdcSize: 5,
      transactionHash: `0x${"2".repeat(64)}`,
      price: 0.5,
      asset: "123",
      side: "BUY",
      outcomeIndex: 0,
      outcome: "Yes",
    };
    writeFileSync(badLine, `${JSON.stringify(rec)}\n${JSON.stringify({ ...rec, price: -0.2 })}\n`);
    cases.push([
      ["--from", "file", "--file", badLine],
      /bad\.jsonl line 2: price: must be strictly between 0 and 1/,
    ]);
    const garbled = join(dir, "garbled.jsonl");
    writeFileSync(garbled, `${JSON.stringify(rec)}\n{"proxyWallet":\n`);
    cases.push([["--from", "file", "--file", garbled], /garbled\.jsonl line 2: not valid JSON/]);
    for (const [args, re] of cases) {
      const r = run(args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, re);
      // One line of error (commander may add its "(run with --help for usage)" hint).
      const lines = r.stderr.trim().split("\n");
      assert.match(lines[0]!, /^error: /);
      assert.ok(
        lines.length === 1 || (lines.length === 2 && /--help/.test(lines[1]!)),
        `one line: ${r.stderr}`,
      );
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});

describe("polycopy wallets", () => {
  it("lists ingested wallets with their fill and event counts", async () => {
    const sim = simulate({ seed: 5, days: 3, walletsPerStyle: 1, markets: 6 });
    const dir = mkdtempSync(join(tmpdir(), "polycopy-wallets-"));
    const files = writeSimFiles(sim, join(dir, "sim"));
    const ing = spawnSync(process.execPath, [MAIN, "ingest", "--from", "file", "--file", files.activity], {
      cwd: dir,
      env: env(dir),
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(ing.status, 0, ing.stderr);
    const r = spawnSync(process.execPath, [MAIN, "wallets", "--json"], {
      cwd: dir,
      env: env(dir),
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { address: string; fills: number; events: number }[];
    const want = new Map<string, { fills: number; events: number }>();
    for (const e of sim.events) {
      const w = want.get(e.wallet) ?? { fills: 0, events: 0 };
      w.events++;
      if (e.type === "TRADE") w.fills++;
      want.set(e.wallet, w);
    }
    assert.equal(rows.length, want.size);
    for (const row of rows) assert.deepEqual({ fills: row.fills, events: row.events }, want.get(row.address));
    const table = spawnSync(process.execPath, [MAIN, "wallets"], {
      cwd: dir,
      env: env(dir),
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^address\s+alias\s+class\s+followed\s+fills\s+events/);
    assert.equal(table.stdout.trim().split("\n").length, want.size + 1);
  });
});
