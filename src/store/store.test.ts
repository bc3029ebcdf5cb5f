import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pg from "pg";
import { isPolycopyError } from "../domain/errors.ts";
import { instanceLockContract } from "./instance-lock.contract.ts";
import { openStore } from "./open.ts";
import { order, storeContract } from "./store.contract.ts";

const dir = mkdtempSync(join(tmpdir(), "polycopy-store-"));
storeContract(
  "SQLite",
  () => openStore({ dataDir: dir, filename: "contract.db" }),
  () => openStore({ dataDir: dir, filename: "contract.db" }),
);

instanceLockContract("SQLite", () => openStore({ dataDir: dir, filename: "lock.db" }), {
  dataDir: dir,
  filename: "lock.db",
});

// PostgreSQL runs for real: scripts/test.ts (npm test) starts a local server and sets TEST_DATABASE_URL.
const pgUrl = process.env.TEST_DATABASE_URL;
const schema = `t_${randomBytes(6).toString("hex")}`;
if (pgUrl) {
  storeContract(
    "PostgreSQL",
    () => openStore({ databaseUrl: pgUrl, pgSchema: schema }),
    () => openStore({ databaseUrl: pgUrl, pgSchema: schema }),
  );
  instanceLockContract("PostgreSQL", () => openStore({ databaseUrl: pgUrl, pgSchema: `${schema}_lock` }), {
    databaseUrl: pgUrl,
    pgSchema: `${schema}_lock`,
  });
  describe("instance lock: PostgreSQL session loss", () => {
    it("a holder whose lock session is terminated reports the loss, is fenced, and the lock is free", async () => {
      const a = await openStore({ databaseUrl: pgUrl, pgSchema: `${schema}_lock` });
      const b = await openStore({ databaseUrl: pgUrl, pgSchema: `${schema}_lock` });
      try {
        const la = await a.acquireInstanceLock();
        const c = new pg.Client({ connectionString: pgUrl });
        await c.connect();
        await c.query(
          "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND objid = (hashtext($1 || ':polycopy:trading')::bigint & 4294967295)",
          [`${schema}_lock`],
        );
        await c.end();
        for (let i = 0; i < 50 && la.lost() === null; i++) await new Promise((r) => setTimeout(r, 100));
        assert.match(la.lost() ?? "", /lock session/);
        await assert.rejects(la.check(), (e: unknown) => isPolycopyError(e, "FENCED"));
        await assert.rejects(a.insertOrder(order("lost-o1")), (e: unknown) => isPolycopyError(e, "FENCED"));
        const lb = await b.acquireInstanceLock();
        assert.equal(lb.holder.epoch, la.holder.epoch + 1);
        await lb.release();
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
  after(async () => {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.query(`DROP SCHEMA IF EXISTS ${schema}_lock CASCADE`);
    await c.end();
  });
} else {
  describe("Store contract: PostgreSQL", () => {
    it("needs TEST_DATABASE_URL (run the suite with `npm test`, which starts PostgreSQL)", () => {
      assert.fail("TEST_DATABASE_URL is not set: PostgreSQL tests cannot run");
    });
  });
}

describe("openStore on a new SQLite ledger", () => {
  it("several opening it at once (two `run`s started together) all succeed", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "polycopy-race-"));
    const opened = await Promise.allSettled([1, 2, 3].map(() => openStore({ dataDir: fresh })));
    for (const r of opened) if (r.status === "fulfilled") await r.value.close();
    assert.deepEqual(
      opened.map((r) => (r.status === "rejected" ? String(r.reason) : "ok")),
      ["ok", "ok", "ok"],
    );
  });
});

describe("openStore errors", () => {
  it("rejects a database URL that is neither PostgreSQL nor empty", async () => {
    await assert.rejects(
      openStore({ databaseUrl: "mysql://x" }),
      (e: unknown) => isPolycopyError(e, "STORE_ERROR") && e.userFacing,
    );
  });
  it("reports an unreachable PostgreSQL server in one line without the password", async () => {
    await assert.rejects(
      openStore({ databaseUrl: "postgres://u:hunter2@127.0.0.1:1/db" }),
      (e: unknown) =>
        isPolycopyError(e, "STORE_ERROR") && !e.message.includes("hunter2") && !e.message.includes("\n"),
    );
  });
});
