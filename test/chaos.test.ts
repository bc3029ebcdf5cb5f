/**
 * The short chaos suite (issue #9): scripts/chaos.ts's seconds-long scenarios, side by side, against
 * the stand-in: run and ingest --follow through a 15 s outage and a 5 % fault rate with kill -9s,
 * and two instances on one ledger (SQLite, PostgreSQL). `npx node scripts/chaos.ts` runs the
 * full-length suite (outages of 15 s, 2 min, 10 min; faults 0.2 for 10 min; 20 kill -9s).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import pg from "pg";
import { formatResult, pgSchemaUrl, runScenario, shortSuite } from "../scripts/chaos.ts";

const pgBase = process.env.TEST_DATABASE_URL;
const pgUrl = pgBase ? pgSchemaUrl(pgBase) : undefined;

describe("chaos suite, short version (scripts/chaos.ts --short)", () => {
  it("every scenario: the process stays up, entries pause while down, fills equal a fault-free run's, 0 lost, 0 doubled, one instance trades", async () => {
    assert.ok(pgUrl, "TEST_DATABASE_URL is not set: the PostgreSQL scenario cannot run (use npm test)");
    const specs = shortSuite(pgUrl);
    const results = await Promise.all(specs.map((s) => runScenario(s)));
    const report = results.map(formatResult).join("\n");
    for (const r of results) assert.ok(r.ok, report);
    assert.equal(
      results.reduce((s, r) => s + r.kills, 0),
      3,
      "the kill -9s happened",
    );
    const outages = results.filter((r) => r.name.includes("outage"));
    assert.ok(
      outages.every((r) => r.staleReported),
      report,
    );
  });

  after(async () => {
    if (!pgBase || !pgUrl) return;
    const c = new pg.Client({ connectionString: pgBase });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${/schema=(\w+)/.exec(pgUrl)![1]} CASCADE`);
    await c.end();
  });
});
