/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process, one after another (so figures are
 * not disturbed by each other), and passes their output through. Each figure is one line:
 *   BENCH <name> <value> <unit>
 * Pass names to run only some: `npm run bench -- pipeline analytics`.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

let failed = 0;
for (const f of files) {
  process.stdout.write(`# ${f}\n`);
  const r = spawnSync(process.execPath, ["--expose-gc", join(dir, f)], {
    stdio: "inherit",
    env: { ...process.env, POLYCOPY_LOG_LEVEL: "silent" },
  });
  if (r.status !== 0) failed++;
}
if (failed > 0) {
  process.stderr.write(`${failed} benchmark file(s) failed\n`);
  process.exit(1);
}
