import type { Command } from "commander";
import { register as registerBacktest } from "./backtest.ts";
import { register as registerClassify } from "./classify.ts";
import { register as registerConfig } from "./config.ts";
import { register as registerEval } from "./eval.ts";
import { register as registerIngest } from "./ingest.ts";
import { register as registerReport } from "./report.ts";
import { register as registerRun } from "./run.ts";
import { register as registerSimulate } from "./simulate.ts";
import { register as registerStandin } from "./standin.ts";
import { register as registerWallets } from "./wallets.ts";

/**
 * Each command lives in its own file in this folder and exports `register(program)`, which declares
 * its options and help (cheap) and dynamic-imports its implementation inside `.action()` so that
 * `polycopy --help` stays fast. Add one line per command here.
 */
export function registerCommands(program: Command): void {
  registerConfig(program);
  registerIngest(program);
  registerBacktest(program);
  registerClassify(program);
  registerEval(program);
  registerReport(program);
  registerRun(program);
  registerSimulate(program);
  registerStandin(program);
  registerWallets(program);
}
