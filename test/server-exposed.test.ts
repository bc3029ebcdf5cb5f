/**
 * A dashboard bound off loopback (issue 9, item 7): every read needs the token, the start says so,
 * and the CLI refuses to serve there without a token the user chose. Real HTTP clients throughout.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startServer } from "../src/server/server.ts";
import type { RunningServer } from "../src/server/types.ts";
import { type FakeEngine, fakeEngine, TOKEN } from "./dashboard.fixture.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const READS = ["api/snapshot", "api/audit?limit=5", "metrics", "api/events"];

/** GET with an optional bearer token; the body of an event stream is not waited for. */
async function get(base: string, path: string, token?: string): Promise<number> {
  const ctl = new AbortController();
  const res = await fetch(new URL(path, base), {
    signal: ctl.signal,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  ctl.abort();
  await res.body?.cancel().catch(() => {});
  return res.status;
}

describe("dashboard bound to 0.0.0.0", () => {
  let eng: FakeEngine;
  let srv: RunningServer;
  let base: string;
  before(async () => {
    eng = await fakeEngine();
    srv = await startServer({ ...eng.deps(), host: "0.0.0.0" });
    // Reached through the loopback interface, as any other machine would reach 0.0.0.0.
    base = `http://127.0.0.1:${new URL(srv.url).port}/`;
  });
  after(async () => {
    await srv.close();
    await eng.store.close();
  });

  it("refuses every read without the token (snapshot, audit log, metrics, event stream)", async () => {
    for (const p of READS) assert.equal(await get(base, p), 401, p);
    for (const p of READS) assert.equal(await get(base, p, "wrong-token-0123456789"), 401, p);
  });
  it("serves every read with the token (header; the event stream also as ?token=)", async () => {
    for (const p of READS) assert.equal(await get(base, p, TOKEN), 200, p);
    assert.equal(await get(base, `api/events?token=${encodeURIComponent(TOKEN)}`), 200);
    assert.equal(await get(base, "api/events?token=nope-nope-nope-nope"), 401);
  });
  it("still serves the page itself and /healthz (they carry no data)", async () => {
    assert.equal(await get(base, ""), 200);
    assert.equal(await get(base, "healthz"), 200);
  });
});

describe("dashboard bound to 127.0.0.1", () => {
  it("serves reads without a token, as before", async () => {
    const eng = await fakeEngine();
    const srv = await startServer(eng.deps());
    try {
      for (const p of READS) assert.equal(await get(srv.url, p), 200, p);
    } finally {
      await srv.close();
      await eng.store.close();
    }
  });
});

describe("polycopy demo with server.host 0.0.0.0", () => {
  const dir = mkdtempSync(join(tmpdir(), "polycopy-exposed-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      writeFileSync(
        join(dir, "polycopy.config.json"),
        JSON.stringify({ server: { host: "0.0.0.0", port: 0 } }),
      );
      const child = spawn(
        process.execPath,
        [MAIN, "demo", "--days", "3", "--warmup-days", "1", "--wallets-per-style", "1", "--exit"],
        {
          cwd: dir,
          env: {
            ...process.env,
            POLYCOPY_LOG_LEVEL: "silent",
            DATABASE_URL: "",
            POLYCOPY_DATA_DIR: join(dir, "data"),
            ...env,
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      child.once("exit", (code) => resolve({ code, out, err }));
    });

  it("refuses to start without POLYCOPY_API_TOKEN, before writing anything", async () => {
    const r = await run({ POLYCOPY_API_TOKEN: "" });
    assert.equal(r.code, 2, r.err);
    assert.equal(
      r.err.trim(),
      "error: server.host 0.0.0.0 is not a loopback address: set POLYCOPY_API_TOKEN (off loopback every read needs it), or bind 127.0.0.1",
    );
    assert.equal(r.out, "");
  });
  it("starts with a token and prints one warning line, without the token", async () => {
    const token = "exposed-token-0123456789";
    const r = await run({ POLYCOPY_API_TOKEN: token });
    assert.equal(r.code, 0, r.err);
    const warnings = r.err.split("\n").filter((l) => l.startsWith("warning:"));
    assert.deepEqual(warnings, [
      "warning: the dashboard on 0.0.0.0 is reachable from the network; every API read (snapshot, audit log, events, metrics) needs the token",
    ]);
    assert.doesNotMatch(r.out + r.err, new RegExp(token));
  });
});
