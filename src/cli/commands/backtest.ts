import type { Command } from "commander";
import { intOption, listOption } from "../options.ts";

/** `polycopy backtest`: wallet-type-aware vs plain copying on several simulated seeds, side by side. */
export function register(program: Command): void {
  program
    .command("backtest")
    .description("compare wallet-type-aware copying with plain proportional copying on simulated seeds")
    .option(
      "-c, --config <file>",
      "config file whose risk section to use (default: polycopy.config.json if present)",
    )
    .option("--seeds <list>", "comma-separated simulator seeds", listOption, ["7", "8", "9", "11", "12"])
    .option("--days <n>", "days per simulation", intOption("--days"), 60)
    .option("--wallets-per-style <n>", "simulated wallets per style", intOption("--wallets-per-style"), 6)
    .option("--warmup-days <n>", "days used to classify leaders", intOption("--warmup-days"), 20)
    .option("--leaders <n>", "follow the top-N wallets by warm-up volume", intOption("--leaders"), 25)
    .action(
      async (o: {
        seeds: string[];
        config?: string;
        days: number;
        walletsPerStyle: number;
        warmupDays: number;
        leaders: number;
      }) => {
        const { PolycopyError } = await import("../../domain/errors.ts");
        const seeds = o.seeds.map((s) => {
          if (!/^\d+$/.test(s))
            throw new PolycopyError("CLI_INVALID", `--seeds: "${s}" is not a non-negative integer`, {
              userFacing: true,
            });
          return Number(s);
        });
        if (o.warmupDays >= o.days)
          throw new PolycopyError(
            "CLI_INVALID",
            `--warmup-days (${o.warmupDays}) must be less than --days (${o.days})`,
            { userFacing: true },
          );
        const { simulate } = await import("../../sim/simulate.ts");
        const { runComparison } = await import("../../backtest/run.ts");
        const { loadConfig } = await import("../../config/config.ts");
        const risk = loadConfig(o.config === undefined ? {} : { file: o.config }).risk;
        const pct = (x: number) => `${(x * 100).toFixed(2)}%`.padStart(8);
        process.stdout.write(
          "seed  leaders(mm/dir/unc)  aware: return sharpe max_dd trades | plain: return sharpe max_dd trades\n",
        );
        let wins = 0;
        for (const seed of seeds) {
          const sim = simulate({ seed, days: o.days, walletsPerStyle: o.walletsPerStyle });
          const r = runComparison(sim, risk, { warmupDays: o.warmupDays, topN: o.leaders });
          const n = (c: string) => [...r.leaders.values()].filter((l) => l.class === c).length;
          const a = r.aware;
          const p = r.plain;
          if (a.sharpe > p.sharpe) wins++;
          process.stdout.write(
            `${String(seed).padEnd(5)} ${`${n("market_maker")}/${n("directional")}/${n("uncertain")}`.padEnd(20)} ${pct(a.return)} ${a.sharpe.toFixed(2).padStart(6)} ${pct(a.maxDrawdown)} ${String(a.trades).padStart(6)} | ${pct(p.return)} ${p.sharpe.toFixed(2).padStart(6)} ${pct(p.maxDrawdown)} ${String(p.trades).padStart(6)}\n`,
          );
        }
        process.stdout.write(`wallet-type-aware had the higher Sharpe on ${wins} of ${seeds.length} seeds\n`);
      },
    );
}
