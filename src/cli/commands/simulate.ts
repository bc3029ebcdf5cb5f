import type { Command } from "commander";
import { intOption, numberOption } from "../options.ts";

interface SimulateOptions {
  seed: number;
  days: number;
  walletsPerStyle: number;
  markets: number;
  noise: number;
  regime: string;
  realShaped?: boolean;
  out: string;
}

/** `polycopy simulate`: a seeded, deterministic market with labelled wallets, written as files. */
export function register(program: Command): void {
  program
    .command("simulate")
    .description(
      "simulate markets and labelled wallets (market makers, directional traders, arbitrageurs, wash traders); same seed, same bytes",
    )
    .option("--seed <n>", "random seed", intOption("--seed"), 7)
    .option("--days <n>", "days to simulate", intOption("--days"), 90)
    .option("--wallets-per-style <n>", "wallets per style (14 styles)", intOption("--wallets-per-style"), 22)
    .option("--markets <n>", "number of markets", intOption("--markets"), 160)
    .option(
      "--noise <x>",
      "0..1: spread of wallet parameters (overlap between styles)",
      numberOption("--noise"),
      0.5,
    )
    .option("--regime <name>", "base | shifted (moved parameter ranges, for holdout evaluation)", "base")
    .option(
      "--real-shaped",
      "all styles incl. news snipers, accumulators, scalpers...; records as the Data API sends them (average prices off the tick grid, reward/rebate rows, duplicates, newest first)",
    )
    .option("--out <dir>", "output directory", "data/sim")
    .action(async (o: SimulateOptions) => {
      const { simulate, writeSimFiles } = await import("../../sim/index.ts");
      const { progressBar } = await import("../progress.ts");
      const { ensureOutputDir } = await import("../paths.ts");
      ensureOutputDir(o.out, "--out");
      const t0 = performance.now();
      const r = simulate({
        seed: o.seed,
        days: o.days,
        walletsPerStyle: o.walletsPerStyle,
        markets: o.markets,
        noise: o.noise,
        regime: o.regime as "base",
        real: o.realShaped === true,
      });
      const bar = progressBar("writing");
      const files = writeSimFiles(r, o.out, (d, t) => bar.update(d, t));
      bar.stop();
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      process.stdout.write(
        `simulated ${r.params.days} days: ${r.labels.length} labelled wallets, ${r.markets.length} markets, ` +
          `${r.events.length} events in ${secs}s -> ${files.dir}/{markets,fills,activity}.jsonl, labels.csv, meta.json\n`,
      );
    });
}
