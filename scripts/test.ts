/**
 * `npm test`: runs every *.test.ts under src/ and test/ with node's test runner, against real
 * parts: a local PostgreSQL (scripts/pg-ensure.sh starts one, installing it if needed, unless
 * TEST_DATABASE_URL is set) and Debian's chromium for browser tests (scripts/chromium-ensure.sh,
 * exported as CHROMIUM_PATH). Extra arguments go to `node --test`; test files named run alone.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: "test",
  POLYCOPY_LOG_LEVEL: process.env.POLYCOPY_LOG_LEVEL ?? "silent",
};

if (!env.TEST_DATABASE_URL) {
  const pg = spawnSync("bash", ["scripts/pg-ensure.sh"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = pg.stdout.trim();
  if (pg.status === 0 && url) {
    env.TEST_DATABASE_URL = url;
  } else {
    // The PostgreSQL suite then fails loudly (it never skips) and says how to fix it.
    process.stderr.write(
      "test: could not start PostgreSQL; set TEST_DATABASE_URL to a database the tests may use\n",
    );
  }
}

// Browser tests drive Debian's chromium (scripts/chromium-ensure.sh installs it when root and missing).
if (!env.CHROMIUM_PATH) {
  const ch = spawnSync("bash", ["scripts/chromium-ensure.sh"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const path = ch.stdout.trim();
  // On failure the browser tests fail loudly (they never skip) and say what is missing.
  if (ch.status === 0 && path) env.CHROMIUM_PATH = path;
}

// Test files named on the command line run alone; other arguments (e.g. --test-name-pattern) pass through.
const args = process.argv.slice(2);
const files = args.filter((a) => a.endsWith(".ts") && !a.startsWith("-"));
const globs = files.length > 0 ? [] : ["src/**/*.test.ts"];
if (files.length === 0 && existsSync("test")) globs.push("test/**/*.test.ts");

const r = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...args, ...globs], {
  stdio: "inherit",
  env,
});
process.exit(r.status ?? 1);
