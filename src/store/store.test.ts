import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pg from "pg";
import { isPolycopyError } from "../domain/errors.ts";
import { openStore } from "./open.ts";
import { storeContract } from "./store.contract.ts";

const dir = mkdtempSync(join(tmpdir(), "polycopy-store-"));
storeContract(
  "SQLite",
  () => openStore({ dataDir: dir, filename: "contract.db" }),
  () => openStore({ dataDir: dir, filename: "contract.db" }),
);

// PostgreSQL runs for real: scripts/test.ts (npm test) starts a local server and sets TEST_DATABASE_URL.
const pgUrl = process.env.TEST_DATABASE_URL;
const schema = `t_${randomBytes(6).toString("hex")}`;
if (pgUrl) {
  storeContract(
    "PostgreSQL",
    () => openStore({ databaseUrl: pgUrl, pgSchema: schema }),
    () => openStore({ databaseUrl: pgUrl, pgSchema: schema }),
  );
  after(async () => {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });
} else {
  describe("Store contract: PostgreSQL", () => {
    it("needs TEST_DATABASE_URL (run the suite with `npm test`, which starts PostgreSQL)", () => {
      assert.fail("TEST_DATABASE_URL is not set: PostgreSQL tests cannot run");
    });
  });
}

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
