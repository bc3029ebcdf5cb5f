/**
 * Folders import only downward (CONTRIBUTING.md): domain at the bottom, cli and server at the top.
 * Scans every non-test source file for relative imports and fails on any upward or sideways import
 * between different folders.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, it } from "node:test";

const RANK: Record<string, number> = {
  domain: 0,
  "log.ts": 0.5, // above domain: it uses the redaction helper
  store: 1,
  polymarket: 1,
  sim: 1,
  analytics: 1,
  sources: 2,
  strategy: 4,
  risk: 3,
  venues: 4,
  engine: 5,
  backtest: 6,
  flags: 6,
  standin: 6,
  config: 7,
  server: 8,
  cli: 9,
};

const SRC = resolve(import.meta.dirname);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && !e.name.endsWith(".contract.ts"))
      out.push(p);
  }
  return out;
}

function topFolder(file: string): string {
  return relative(SRC, file).split(/[\\/]/)[0]!;
}

const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;

describe("architecture", () => {
  it("every top-level folder under src has a layer", () => {
    const tops = readdirSync(SRC).filter((n) => !n.endsWith(".test.ts"));
    const unknown = tops.filter((t) => RANK[t] === undefined);
    assert.deepEqual(
      unknown,
      [],
      `give these folders a layer in src/architecture.test.ts: ${unknown.join(", ")}`,
    );
  });

  it("imports run downward only", () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const from = topFolder(file);
      if (from === "architecture.test.ts") continue;
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(IMPORT_RE)) {
        const spec = m[1] ?? m[2]!;
        const target = resolve(file, "..", spec);
        if (!target.startsWith(SRC)) continue;
        const to = topFolder(target);
        if (to === from) continue;
        const rf = RANK[from];
        const rt = RANK[to];
        if (rf === undefined || rt === undefined || rt >= rf) {
          violations.push(`${relative(SRC, file)} imports ${spec} (${from} → ${to})`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });
});
