/**
 * The simulator's real-shaped files (`simulate --real-shaped`) as the one Data API parser reads them:
 * newest first, rows on page boundaries twice, collapsed back to exactly the simulated events.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { writeSimFiles } from "../src/sim/files.ts";
import { simulate } from "../src/sim/simulate.ts";
import { readWalletHistory } from "../src/sources/history-file.ts";

const SMALL = { seed: 11, days: 6, walletsPerStyle: 2, markets: 12 } as const;

describe("simulator, real-shaped files", () => {
  it("real-shaped files are newest first with duplicated rows, and the one parser reads them back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-real-"));
    const r = simulate({ ...SMALL, real: true });
    writeSimFiles(r, dir);
    const lines = readFileSync(join(dir, "activity.jsonl"), "utf8").trim().split("\n");
    const ts = lines.map((l) => (JSON.parse(l) as { timestamp: number }).timestamp);
    assert.ok(
      ts.every((t, i) => i === 0 || t <= ts[i - 1]!),
      "newest first",
    );
    assert.ok(new Set(lines).size < lines.length, "some rows twice");
    const read = await readWalletHistory(join(dir, "activity.jsonl"));
    assert.equal(read.events.length, r.events.length, "duplicates collapsed, nothing else lost");
  });
});
