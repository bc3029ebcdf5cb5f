/**
 * Every user mistake is one line and exit 2 (issue 9, item 4): the CLI as a child process, one
 * test per class of mistake. Running as root here, permission-denied cannot be produced for real;
 * a path under a regular file fails the same code path (src/cli/system-error.test.ts maps EACCES).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { simulate, writeSimFiles } from "../src/sim/index.ts";
import { standinDataFromSim } from "../src/standin/from-sim.ts";
import { type Standin, startStandin } from "../src/standin/server.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), "polycopy-mistakes-"));
after(() => rmSync(root, { recursive: true, force: true }));

function polycopy(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, POLYCOPY_LOG_LEVEL: "silent", DATABASE_URL: "", ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 2 and exactly one stderr line, `error: …` matching `re`; nothing that looks like a stack. */
function assertOneLine(r: { code: number | null; stderr: string }, re: RegExp): void {
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(r.code, 2, r.stderr);
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, re);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at |ENOTDIR:|EISDIR:|ENOENT:/);
}

const activity = join(root, "sim", "activity.jsonl");
const labels = join(root, "sim", "labels.csv");
const aFile = join(root, "a-file");

before(() => {
  writeSimFiles(simulate({ seed: 5, days: 3, walletsPerStyle: 1, markets: 5 }), join(root, "sim"));
  writeFileSync(aFile, "not a directory\n");
  mkdirSync(join(root, "a-dir"));
});

describe("user mistakes: one line, exit 2", () => {
  it("an output file in a directory that does not exist (classify --out)", () => {
    const r = polycopy(["classify", "--input", activity, "--out", join(root, "missing", "x.json")]);
    assertOneLine(r, /--out: directory .*missing does not exist/);
  });
  it("an output path under a regular file (classify, report and simulate --out)", () => {
    assertOneLine(
      polycopy(["classify", "--input", activity, "--out", join(aFile, "x.json")]),
      /--out: .*a-file is not a directory/,
    );
    assertOneLine(
      polycopy(["report", "--input", activity, "--out", join(aFile, "report")]),
      /--out: cannot create directory .*a-file\/report: a part of the path is a file/,
    );
    assertOneLine(
      polycopy(["simulate", "--days", "2", "--wallets-per-style", "1", "--markets", "3", "--out", aFile]),
      /--out: .*a-file is a file, not a directory/,
    );
  });
  it("an output file that is a directory (classify --out DIR)", () => {
    assertOneLine(
      polycopy(["classify", "--input", activity, "--out", join(root, "a-dir")]),
      /--out: .*a-dir is a directory, not a file/,
    );
  });
  it("a data directory that cannot be created (under a file), from the env and from the config", () => {
    assertOneLine(
      polycopy(["wallets"], { POLYCOPY_DATA_DIR: join(aFile, "data") }),
      /data directory .*a-file\/data: cannot create the database there \(a part of the path is a file/,
    );
    const cfg = join(root, "datadir.json");
    writeFileSync(cfg, JSON.stringify({ dataDir: join(aFile, "d") }));
    assertOneLine(polycopy(["report", "--config", cfg]), /data directory .*a-file\/d: cannot create/);
  });
  it("--input (or --labels, --file) naming a directory", () => {
    const dir = join(root, "sim");
    assertOneLine(polycopy(["classify", "--input", dir]), /--input: .*sim is a directory, not a file/);
    assertOneLine(polycopy(["eval", "--input", dir, "--labels", labels]), /--input: .*is a directory/);
    assertOneLine(polycopy(["eval", "--input", activity, "--labels", dir]), /--labels: .*is a directory/);
    assertOneLine(polycopy(["report", "--input", dir]), /--input: .*is a directory/);
    assertOneLine(polycopy(["ingest", "--from", "file", "--file", dir]), /--file: .*is a directory/);
  });
  it("a missing input file", () => {
    assertOneLine(polycopy(["classify", "--input", join(root, "nope.jsonl")]), /input file not found/);
    assertOneLine(
      polycopy(["eval", "--input", activity, "--labels", join(root, "nope.csv")]),
      /labels file not found/,
    );
    assertOneLine(
      polycopy(["ingest", "--from", "file", "--file", join(root, "nope.jsonl")]),
      /--file: no such file/,
    );
  });
});

describe("config and environment are checked before anything is written", () => {
  it("a short POLYCOPY_API_TOKEN stops demo before it writes the ledger, without echoing it", () => {
    const dataDir = join(root, "demo-short-token");
    const r = polycopy(["demo", "--days", "3", "--warmup-days", "1", "--wallets-per-style", "1", "--exit"], {
      POLYCOPY_DATA_DIR: dataDir,
      POLYCOPY_API_TOKEN: "tiny-s3cret",
    });
    assertOneLine(r, /POLYCOPY_API_TOKEN must be at least 12 characters/);
    assert.doesNotMatch(r.stderr, /tiny-s3cret/);
    assert.equal(existsSync(join(dataDir, "polycopy.db")), false, "no ledger was written");
    assert.equal(r.stdout, "");
  });
  it("startingCashUsd 1e308 is refused, not run as 'cash Infinity USD'", () => {
    const cfg = join(root, "huge-cash.json");
    writeFileSync(cfg, JSON.stringify({ risk: { startingCashUsd: 1e308 } }));
    const r = polycopy(["demo", "--config", cfg, "--days", "3", "--warmup-days", "1", "--no-serve"], {
      POLYCOPY_DATA_DIR: join(root, "huge-cash"),
    });
    assertOneLine(r, /risk\.startingCashUsd/);
    assert.doesNotMatch(r.stdout, /Infinity/);
  });
});

describe("Ctrl-C during ingest --follow while the upstream fails", () => {
  let standin: Standin;
  before(async () => {
    const sim = simulate({ seed: 5, days: 3, walletsPerStyle: 1, markets: 5 });
    // Every request fails: the ingest is inside a retry's back-off when the interrupt comes.
    standin = await startStandin({ ...standinDataFromSim(sim), faults: { serverError: 1 } });
  });
  after(() => standin.close());

  it("stops cleanly: exit 0, the summary line, no stack trace", async () => {
    const dataDir = join(root, "follow");
    const child = spawn(
      process.execPath,
      [
        MAIN,
        "ingest",
        "--from",
        "standin",
        "--url",
        standin.url,
        "--wallets",
        "0x1111111111111111111111111111111111111111",
        "--follow",
        "--interval",
        "200",
      ],
      {
        cwd: root,
        env: { ...process.env, POLYCOPY_LOG_LEVEL: "silent", DATABASE_URL: "", POLYCOPY_DATA_DIR: dataDir },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const t0 = Date.now();
    while (standin.stats.requests < 2 && Date.now() - t0 < 30_000)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(standin.stats.requests >= 2, "the ingest met the failing upstream");
    child.kill("SIGINT");
    const code = await exited;
    assert.equal(code, 0, `stdout: ${out}\nstderr: ${err}`);
    assert.match(out, /^ingested 0 new events/m);
    assert.doesNotMatch(err, /internal error|\n\s+at |interrupted/);
  });
});
