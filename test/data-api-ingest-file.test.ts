/**
 * Entry point 2 of the Data API parser: `ingest --from file` (FileSource into the store), on SQLite
 * and PostgreSQL. Every quirk of the fixture corpus is stored as read; a malformed record aborts the
 * file with nothing committed; the cursor knows the file's content (#9 item 3).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pg from "pg";
import { PolycopyError } from "../src/domain/errors.ts";
import { hasControlChars } from "../src/domain/printable.ts";
import { readDataApiFile } from "../src/polymarket/data-api-file.ts";
import { FileSource, type FileSourceOptions } from "../src/sources/file-source.ts";
import { openStore } from "../src/store/open.ts";
import type { Store } from "../src/store/store.ts";
import { FIXTURES, MALFORMED, MM, REAL, TRADES } from "./data-api.fixture.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "polycopy-dafile-ingest-"));
const schemas: string[] = [];
const pgUrl = process.env.TEST_DATABASE_URL;
after(async () => {
  rmSync(tmp, { recursive: true, force: true });
  if (pgUrl && schemas.length > 0) {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await c.end();
  }
});

let seq = 0;
type Open = () => Promise<Store>;
const backends: [string, Open][] = [["SQLite", () => openStore({ dataDir: tmp, filename: `s${++seq}.db` })]];
if (pgUrl) {
  backends.push([
    "PostgreSQL",
    () => {
      const s = `t_${randomBytes(6).toString("hex")}`;
      schemas.push(s);
      return openStore({ databaseUrl: pgUrl, pgSchema: s });
    },
  ]);
} else {
  describe("ingest --from file: PostgreSQL", () => {
    it("needs TEST_DATABASE_URL (run the suite with `npm test`, which starts PostgreSQL)", () => {
      assert.fail("TEST_DATABASE_URL is not set: PostgreSQL tests cannot run");
    });
  });
}

/** What `polycopy ingest --from file` does: each batch stored with the cursor, atomically. */
async function ingest(store: Store, file: string, o: Partial<FileSourceOptions> = {}) {
  const src = new FileSource({ file, ...o });
  let inserted = 0;
  for await (const b of src.stream(await store.getCursor(src.name), new AbortController().signal)) {
    inserted += await store.ingestBatch(src.name, b.events, b.cursor);
  }
  return { inserted, report: src.report!, name: src.name };
}

const lines = (name: string) => readFileSync(join(FIXTURES, name), "utf8").trimEnd().split("\n");

for (const [backend, open] of backends) {
  describe(`ingest --from file reads real Data API records (${backend})`, () => {
    it("stores every fixture exactly as read: averaged prices whole, payments with no market, zero REDEEM", async () => {
      for (const name of [
        REAL,
        MM,
        MM.replace(".json", ".jsonl"),
        TRADES,
        TRADES.replace(".json", ".jsonl"),
      ]) {
        const store = await open();
        try {
          const want = await readDataApiFile(join(FIXTURES, name), { source: "file" });
          const r = await ingest(store, join(FIXTURES, name));
          assert.equal(r.inserted, want.events.length, name);
          const got = await store.listLeaderEvents();
          assert.deepEqual(
            got
              .map((e) => [e.key, e.type, e.marketId, e.size, e.type === "TRADE" ? e.price : e.usdcSize])
              .sort(),
            want.events
              .map((e) => [e.key, e.type, e.marketId, e.size, e.type === "TRADE" ? e.price : e.usdcSize])
              .sort(),
            `${name}: the store returns the records as read`,
          );
          if (name.startsWith("mm-activity")) {
            assert.ok(
              got.some((e) => e.type === "REDEEM" && e.size === 0),
              "zero-size REDEEM stored",
            );
            assert.equal(got.filter((e) => e.marketId === "").length, 4, "REWARD, both rebates and YIELD");
            assert.ok(r.report.notes.some((n) => /unknown activity type "STAKE_BONUS"/.test(n)));
            assert.ok(r.report.notes.some((n) => /collapsed 1 duplicate/.test(n)));
          }
          if (name === REAL) {
            assert.ok(
              got.some((e) => e.type === "TRADE" && e.price === 0.7671607282693813),
              "full precision",
            );
          }
        } finally {
          await store.close();
        }
      }
    });

    it("a malformed record aborts the whole file: error names line and field, nothing committed", async () => {
      for (const [name, re] of MALFORMED) {
        const store = await open();
        try {
          await assert.rejects(ingest(store, join(FIXTURES, name), { batchSize: 1 }), (e: unknown) => {
            assert.ok(e instanceof PolycopyError && e.userFacing);
            assert.match(e.message, re);
            return true;
          });
          assert.equal(await store.countLeaderEvents(), 0, `${name}: nothing committed`);
        } finally {
          await store.close();
        }
      }
    });

    it("a bad line mid-file after good batches commits nothing; --skip-bad stores the rest and counts it", async () => {
      const p = join(tmp, `mid-${backend}.jsonl`);
      const mm = lines(MM.replace(".json", ".jsonl"));
      writeFileSync(
        p,
        `${[...mm.slice(0, 8), '{"proxyWallet":"0x12","size":1e300}', ...mm.slice(8)].join("\n")}\n`,
      );
      const store = await open();
      try {
        await assert.rejects(ingest(store, p, { batchSize: 2 }), /mid-\w+\.jsonl line 9: proxyWallet/);
        assert.equal(await store.countLeaderEvents(), 0, "the good batches before line 9 were not committed");
        assert.equal(await store.getCursor(new FileSource({ file: p }).name), undefined, "no cursor");
        const r = await ingest(store, p, { batchSize: 2, skipBad: true });
        assert.equal(r.inserted, 13);
        assert.ok(
          r.report.notes.some((n) =>
            /skipped 1 malformed record\(s\) \(--skip-bad\); first: .*line 9/.test(n),
          ),
        );
      } finally {
        await store.close();
      }
    });

    it("an appended file is read from where the cursor stopped; an unchanged one not at all", async () => {
      const p = join(tmp, `grow-${backend}.jsonl`);
      const mm = lines(MM.replace(".json", ".jsonl"));
      writeFileSync(p, `${mm.slice(0, 5).join("\n")}\n`);
      const store = await open();
      try {
        const a = await ingest(store, p);
        assert.equal(a.report.mode, "start");
        assert.equal(a.inserted, 4, "5 lines, one of an unknown type");
        appendFileSync(p, `${mm.slice(5, 10).join("\n")}\n`);
        const b = await ingest(store, p);
        assert.equal(b.report.mode, "appended");
        assert.equal(b.inserted, 4, "5 lines, one repeating the line before (a page boundary)");
        const cur = JSON.parse((await store.getCursor(b.name))!) as { lines: number; bytes: number };
        assert.equal(cur.lines, 10);
        assert.equal(cur.bytes, readFileSync(p).length);
        // A bad appended line: the error keeps the file's true line number; nothing of it is stored.
        appendFileSync(p, `${mm[10]}\n{"bad":\n`);
        await assert.rejects(ingest(store, p), /grow-\w+\.jsonl line 12: not valid JSON/);
        assert.equal(await store.countLeaderEvents(), 8);
        assert.equal(JSON.parse((await store.getCursor(b.name))!).lines, 10, "cursor unchanged");
        writeFileSync(p, `${mm.slice(0, 10).join("\n")}\n`);
        const c = await ingest(store, p);
        assert.equal(c.report.mode, "unchanged");
        assert.equal(c.inserted, 0);
      } finally {
        await store.close();
      }
    });

    it("a replaced file at the same path is read again whole and de-duplicated by key", async () => {
      const p = join(tmp, `replaced-${backend}.jsonl`);
      const store = await open();
      try {
        copyFileSync(join(FIXTURES, TRADES.replace(".json", ".jsonl")), p);
        const a = await ingest(store, p);
        assert.equal(a.inserted, 4);
        // New content, more lines than before: a line-count cursor would skip its first 5 lines.
        copyFileSync(join(FIXTURES, MM.replace(".json", ".jsonl")), p);
        const b = await ingest(store, p);
        assert.equal(b.report.mode, "changed");
        assert.match(b.report.notes[0]!, /the file changed since the last ingest: read again whole/);
        assert.equal(b.inserted, 13 - 4, "the 4 trades already stored are kept once");
        assert.equal(await store.countLeaderEvents(), 13);
        // A cursor of the old kind (a line count) re-reads the file and stores nothing twice.
        await store.ingestBatch(b.name, [], "12");
        const c = await ingest(store, p);
        assert.equal(c.report.mode, "start");
        assert.equal(c.inserted, 0);
      } finally {
        await store.close();
      }
    });
  });
}

describe("polycopy ingest --from file (CLI)", () => {
  const env = (dataDir: string) => ({
    ...process.env,
    POLYCOPY_DATA_DIR: dataDir,
    POLYCOPY_LOG_LEVEL: "silent",
    DATABASE_URL: "",
  });
  const run = (dir: string, args: string[]) =>
    spawnSync(process.execPath, [MAIN, "ingest", "--from", "file", ...args], {
      cwd: dir,
      env: env(dir),
      encoding: "utf8",
      timeout: 60_000,
    });

  it("ingests the real capture; a malformed file is one line, exit 2, nothing stored; --skip-bad goes on", async () => {
    const dir = mkdtempSync(join(tmp, "cli-"));
    const r = run(dir, ["--file", join(FIXTURES, REAL)]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ingested 10 new events/);
    const mm = run(dir, ["--file", join(FIXTURES, MM)]);
    assert.equal(mm.status, 0, mm.stderr);
    assert.match(mm.stdout, /ingested 13 new events/);
    assert.match(mm.stderr, /warning: skipped 1 record\(s\) of unknown activity type "STAKE_BONUS"/);
    const bad = run(dir, ["--file", join(FIXTURES, "bad-escape-in-field.jsonl")]);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /^error: bad-escape-in-field\.jsonl line 2: side: must be BUY or SELL/);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
    assert.ok(!hasControlChars(bad.stderr.trimEnd()), "no terminal escapes echoed");
    const store = await openStore({ dataDir: dir });
    try {
      assert.equal(await store.countLeaderEvents(), 23, "nothing of the bad file");
    } finally {
      await store.close();
    }
    const skip = run(dir, ["--file", join(FIXTURES, "bad-size-1e300.jsonl"), "--skip-bad"]);
    assert.equal(skip.status, 0, skip.stderr);
    assert.match(
      skip.stderr,
      /warning: skipped 1 malformed record\(s\) \(--skip-bad\); first: bad-size-1e300\.jsonl line 2: size/,
    );
    const wrong = run(dir, ["--file", join(FIXTURES, REAL), "--skip-bad", "--from", "standin"]);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /--skip-bad applies to --from file only/);
  });
});
