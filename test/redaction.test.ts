/**
 * Secrets are never echoed (issue 9, item 6): `polycopy config`, errors and logs print URLs without
 * credentials, key material pasted into polymarket.keyFile or a bad POLYCOPY_PRIVATE_KEY is never
 * shown, and the ledger's files are owner-only.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openStore } from "../src/store/open.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const LOG = new URL("../src/log.ts", import.meta.url).href;
const root = mkdtempSync(join(tmpdir(), "polycopy-redact-"));
after(() => rmSync(root, { recursive: true, force: true }));

function polycopy(args: string[], env: Record<string, string> = {}, cwd = root) {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, POLYCOPY_LOG_LEVEL: "silent", DATABASE_URL: "", ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const KEY = `0x${"5a".repeat(32)}`;

describe("polycopy config hides credentials in every URL", () => {
  it("webhook user:password@ and token, RPC key, database password", () => {
    const cfg = join(root, "urls.json");
    writeFileSync(
      cfg,
      JSON.stringify({
        alerts: { webhookUrl: "https://alice:hunter2@hooks.example.com/notify?token=t0ps3cret&channel=ops" },
        polymarket: { rpcUrl: "https://polygon-mainnet.g.alchemy.com/v2/Ab12Cd34Ef56Gh78Ij90Kl12" },
      }),
    );
    const r = polycopy(["config", "--config", cfg], {
      DATABASE_URL: "postgres://bot:pgs3cret@db.internal/polycopy",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /hunter2|alice|t0ps3cret|Ab12Cd34Ef56Gh78Ij90Kl12|pgs3cret/);
    const shown = JSON.parse(r.stdout);
    assert.equal(shown.alerts.webhookUrl, "https://***@hooks.example.com/notify?token=***&channel=ops");
    assert.equal(shown.polymarket.rpcUrl, "https://polygon-mainnet.g.alchemy.com/v2/***");
    assert.equal(shown.databaseUrl, "postgres://***@db.internal/polycopy");
  });
  it("an error quoting a configured URL does not carry its password", () => {
    // Nothing listens on port 1: the connection error names the URL.
    const r = polycopy(["wallets"], { DATABASE_URL: "postgres://bot:pgs3cret@127.0.0.1:1/polycopy" });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^error: cannot connect to PostgreSQL at postgres:\/\/\*\*\*@127\.0\.0\.1:1\/polycopy/,
    );
    assert.doesNotMatch(r.stderr, /pgs3cret/);
  });
});

describe("key material is never printed", () => {
  it("a key pasted into polymarket.keyFile is refused without echoing it (config and run --live)", () => {
    const cfg = join(root, "pasted-key.json");
    writeFileSync(cfg, JSON.stringify({ polymarket: { keyFile: KEY } }));
    for (const args of [
      ["config", "--config", cfg],
      [
        "run",
        "--config",
        cfg,
        "--source",
        "standin",
        "--url",
        "http://127.0.0.1:1",
        "--live",
        "--no-serve",
        "--wallets",
        "0x1111111111111111111111111111111111111111",
      ],
    ]) {
      const r = polycopy(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^error: .*polymarket\.keyFile: looks like key material, not a file path/);
      assert.doesNotMatch(r.stderr + r.stdout, /5a5a5a5a/i);
    }
  });
  it("a malformed POLYCOPY_PRIVATE_KEY is named, not shown", () => {
    const bad = `${KEY.slice(0, 40)}zz-not-hex-${"7".repeat(20)}`;
    const r = polycopy(
      [
        "run",
        "--source",
        "standin",
        "--url",
        "http://127.0.0.1:1",
        "--live",
        "--no-serve",
        "--wallets",
        "0x1111111111111111111111111111111111111111",
      ],
      { POLYCOPY_PRIVATE_KEY: bad },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /POLYCOPY_PRIVATE_KEY: expected a 32-byte hex private key.*not shown/);
    assert.doesNotMatch(r.stderr + r.stdout, /5a5a5a5a|zz-not-hex|7777777/);
  });
});

describe("logs go through the redaction helper", () => {
  it("URLs with credentials in log objects and messages, secret fields, errors", () => {
    const script = `
      const { childLogger } = await import(${JSON.stringify(LOG)});
      const log = childLogger("t");
      log.warn({ url: "https://u:hunter2@h.example/x?apikey=k3y", tokenId: "42", token: "tok-s3cret" }, "retrying https://a:pw1@rpc.example/v2/Zz99Yy88Xx77Ww66Vv55Uu44");
      log.error({ err: new Error("connect postgres://bot:pgs3cret@db/x failed") }, "db");
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, POLYCOPY_LOG_LEVEL: "info" },
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 2, r.stderr);
    assert.doesNotMatch(r.stderr, /hunter2|k3y|tok-s3cret|pw1|Zz99Yy88|pgs3cret/);
    assert.equal(lines[0].url, "https://***@h.example/x?apikey=***");
    assert.equal(lines[0].tokenId, "42");
    assert.equal(lines[0].msg, "retrying https://***@rpc.example/v2/***");
    assert.match(JSON.stringify(lines[1].err), /postgres:\/\/\*\*\*@db\/x/);
  });
});

describe("data files are owner-only", () => {
  it("the SQLite directory is 0700, the database and its -wal/-shm 0600, even under a lax umask", async () => {
    const dataDir = join(root, "data");
    const old = process.umask(0o022);
    try {
      const store = await openStore({ dataDir });
      await store.setKv("k", "v");
      const db = join(dataDir, "polycopy.db");
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
      for (const f of [db, `${db}-wal`, `${db}-shm`]) {
        assert.ok(existsSync(f), f);
        assert.equal(statSync(f).mode & 0o777, 0o600, f);
      }
      await store.close();
    } finally {
      process.umask(old);
    }
  });
  it("tightens a database an older version left world-readable", async () => {
    const dataDir = join(root, "old");
    const s1 = await openStore({ dataDir });
    await s1.close();
    const db = join(dataDir, "polycopy.db");
    const { chmodSync } = await import("node:fs");
    chmodSync(db, 0o644);
    const s2 = await openStore({ dataDir });
    assert.equal(statSync(db).mode & 0o777, 0o600);
    await s2.close();
  });
});
