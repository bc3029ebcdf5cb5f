import type { Command } from "commander";
import { intOption, listOption } from "../options.ts";

export interface RunOptions {
  config?: string;
  seed: number;
  days: number;
  walletsPerStyle: number;
  warmupDays: number;
  leaders: number;
  serve: boolean;
  exit: boolean;
  live?: boolean;
  stepDelayMs?: number;
  source: string;
  url?: string;
  wallets?: string[];
  interval: number;
}

/**
 * `polycopy run` (paper by default) and `polycopy demo` (the README quick start): simulated
 * history into the store, leaders classified on a warm-up window, then the paper bot replays the
 * rest against the simulated venue, side by side with plain copying; the dashboard stays up until
 * Ctrl-C.
 */
export function register(program: Command): void {
  for (const name of ["run", "demo"] as const) {
    program
      .command(name)
      .description(
        name === "demo"
          ? "run the paper bot end to end on simulated data (no account, no network) with the dashboard on 127.0.0.1"
          : "run the copy bot (paper) on the simulator stream or a live leader feed (--source standin|polymarket) until stopped; --live places real orders (live feeds only)",
      )
      .option("-c, --config <file>", "config file (default: polycopy.config.json if present)")
      .option("--seed <n>", "simulator seed", intOption("--seed"), 7)
      .option("--days <n>", "days of simulated history", intOption("--days"), 60)
      .option("--wallets-per-style <n>", "simulated wallets per style", intOption("--wallets-per-style"), 6)
      .option(
        "--warmup-days <n>",
        "days used to classify leaders before copying starts",
        intOption("--warmup-days"),
        20,
      )
      .option(
        "--leaders <n>",
        "follow the top-N wallets by warm-up volume when the config lists none",
        intOption("--leaders"),
        25,
      )
      .option("--no-serve", "do not start the dashboard")
      .option("--exit", "exit after the replay instead of keeping the dashboard up")
      .option(
        "--live",
        "place real orders through the Polymarket venue (live sources only; needs POLYCOPY_PRIVATE_KEY or polymarket.keyFile)",
      )
      .option(
        "--source <name>",
        "leader feed: sim (simulator stream) | standin (local stand-in, --url) | polymarket",
        "sim",
      )
      .option("--url <url>", "stand-in base URL for --source standin")
      .option(
        "--wallets <list>",
        "wallets to follow with a live source (default: the config's wallets)",
        listOption,
      )
      .option("--interval <ms>", "poll interval of a live source", intOption("--interval"), 5000)
      .option(
        "--step-delay-ms <n>",
        "pause after each step that traded (to watch the dashboard live)",
        intOption("--step-delay-ms"),
      )
      .action(async (o: RunOptions) => {
        if (!["sim", "standin", "polymarket"].includes(o.source)) {
          const { PolycopyError } = await import("../../domain/errors.ts");
          throw new PolycopyError(
            "CLI_INVALID",
            `--source must be sim, standin or polymarket, got "${o.source}"`,
            { userFacing: true },
          );
        }
        if (o.source !== "sim") {
          const { runLiveBot } = await import("./run-live.ts");
          await runLiveBot(o);
          return;
        }
        const { runBot } = await import("./run-bot.ts");
        await runBot(o, name);
      });
  }
}
