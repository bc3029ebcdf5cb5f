import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;

function polycopy(args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, POLYCOPY_LOG_LEVEL: "silent" },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("polycopy CLI", () => {
  it("prints help and exits 0", () => {
    const r = polycopy(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: polycopy/);
  });
  it("runs through the npm bin link (`npx polycopy` calls it by another name) with the exit code", () => {
    // npm links bin/polycopy.js as node_modules/.bin/polycopy: the launcher must not depend on its name.
    const dir = mkdtempSync(join(tmpdir(), "polycopy-bin-"));
    const link = join(dir, "polycopy");
    symlinkSync(new URL("../bin/polycopy.js", import.meta.url).pathname, link);
    const help = spawnSync(process.execPath, [link, "--help"], { encoding: "utf8", timeout: 30_000 });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: polycopy/);
    const bad = spawnSync(process.execPath, [link, "no-such-command"], { encoding: "utf8", timeout: 30_000 });
    assert.equal(bad.status, 2);
    rmSync(dir, { recursive: true, force: true });
  });
  it("rejects an unknown command with a short error and exit code 2, no stack trace", () => {
    const r = polycopy(["no-such-command"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
  it("rejects an unknown option the same way", () => {
    const r = polycopy(["--bogus"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option/);
  });
});

describe("polycopy config", () => {
  it("prints the effective config and hides database credentials", () => {
    const r = spawnSync(process.execPath, [MAIN, "config"], {
      encoding: "utf8",
      cwd: "/tmp",
      env: { ...process.env, DATABASE_URL: "postgres://user:secret@127.0.0.1/db" },
    });
    assert.equal(r.status, 0, r.stderr);
    const cfg = JSON.parse(r.stdout);
    assert.equal(cfg.server.host, "127.0.0.1");
    assert.equal(cfg.databaseUrl, "postgres://***@127.0.0.1/db");
    assert.doesNotMatch(r.stdout, /secret/);
  });
  it("reports a missing config file in one line", () => {
    const r = polycopy(["config", "--config", "/nonexistent/x.json"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), "error: config file not found: /nonexistent/x.json");
  });
});
