/**
 * Shared by the `polycopy run --source standin` tests: a run folder with its config, and the CLI
 * started as a child process (a separate process, so kill -9 really kills it).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;

/** Loose filters so that the followed market makers' drifts are copied and orders really flow. */
export const LOOSE_RISK = {
  filters: {
    mmDriftThreshold: 0,
    mmMinFillsInMarket: 0,
    stalenessTolerance: 1,
    maxSpread: 1,
    minDepthMultiple: 0,
    minEdge: -1,
    maxFeeShare: 1,
    followRecommendations: false,
  },
  profiles: { market_maker: { copyRatio: 3, maxEntriesPerHour: 1000, maxClassEntriesPerHour: 1000 } },
  breakers: { noEntryBeforeEndHours: 0 },
  sizing: { targetVolPerHour: 1 },
};

/** A fresh folder holding `polycopy.config.json`; the run keeps its SQLite ledger there. */
export function runFolder(prefix: string, config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, "polycopy.config.json"), JSON.stringify(config));
  return dir;
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface RunChild {
  child: ChildProcess;
  exited: Promise<Exit>;
  /** Bounded: a run that never exits is killed and fails the test with what it printed. */
  exitedWithin(ms?: number): Promise<Exit>;
  out(): string;
  err(): string;
}

/** `polycopy run --source standin --url URL` (paper, or `--live`) in `dir`. */
export function startRun(
  dir: string,
  url: string,
  o: { live?: boolean; env?: Record<string, string> } = {},
): RunChild {
  const args = [MAIN, "run", "--source", "standin", "--url", url, "--no-serve", "--interval", "100"];
  if (o.live) args.push("--live");
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: { ...process.env, POLYCOPY_LOG_LEVEL: "silent", DATABASE_URL: "", ...o.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<Exit>((r) => child.once("exit", (code, signal) => r({ code, signal })));
  const exitedWithin = (ms = 60_000) =>
    Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => {
          child.kill("SIGKILL");
          reject(
            new Error(`run did not exit in time; stdout: ${out.slice(-2000)} stderr: ${err.slice(-4000)}`),
          );
        }, ms).unref(),
      ),
    ]);
  return { child, exited, exitedWithin, out: () => out, err: () => err };
}

/** Polls `cond` until it holds; fails with `what` after `ms`. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 60_000,
): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The `n` wallets with the most trades at or after `cut` (seconds) in Data API activity records. */
/**
 * Moves stand-in data `shiftSec` later so that simulated days happen now (a live run's clock is the
 * wall clock, and market end dates must lie in its future). `reopen`: the markets are still trading,
 * seen from now (the simulator resolved them later).
 */
export function shiftToNow(
  data: { markets: Record<string, unknown>[]; activity: Record<string, unknown>[] },
  shiftSec: number,
  opts: { reopen?: boolean } = {},
): void {
  for (const m of data.markets) {
    if (opts.reopen) Object.assign(m, { closed: false, acceptingOrders: true, umaResolutionStatus: null });
    for (const k of ["startDate", "endDate"])
      if (typeof m[k] === "string")
        m[k] = new Date(Date.parse(m[k] as string) + shiftSec * 1000).toISOString();
  }
  for (const r of data.activity) r.timestamp = Number(r.timestamp) + shiftSec;
}

export function busiestAfter(activity: readonly Record<string, unknown>[], cut: number, n: number): string[] {
  const counts = new Map<string, number>();
  for (const r of activity)
    if (Number(r.timestamp) >= cut && r.type === "TRADE")
      counts.set(String(r.proxyWallet), (counts.get(String(r.proxyWallet)) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([w]) => w);
}
