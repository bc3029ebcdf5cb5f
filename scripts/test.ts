/**
 * `npm test`: runs every *.test.ts under src/ and test/ with node's test runner.
 * Extra arguments are passed to `node --test` (e.g. `npm test -- --test-name-pattern=store`).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const globs = ["src/**/*.test.ts"];
if (existsSync("test")) globs.push("test/**/*.test.ts");

const env = {
  ...process.env,
  NODE_ENV: "test",
  POLYCOPY_LOG_LEVEL: process.env.POLYCOPY_LOG_LEVEL ?? "silent",
};
const r = spawnSync(
  process.execPath,
  ["--test", "--test-concurrency=2", ...process.argv.slice(2), ...globs],
  {
    stdio: "inherit",
    env,
  },
);
process.exit(r.status ?? 1);
