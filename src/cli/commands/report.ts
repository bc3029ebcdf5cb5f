import type { Command } from "commander";
import { listOption } from "../options.ts";

/** `polycopy report`: Markdown + self-contained HTML classification report (and CSV/JSON) for the target wallets. */
export function register(program: Command): void {
  program
    .command("report")
    .description(
      "write the classification report (report.md, report.html, report.csv, report.json) for the configured wallets",
    )
    .option(
      "-c, --config <file>",
      "config file with the target wallets (default: polycopy.config.json if present)",
    )
    .option(
      "-i, --input <file>",
      "history file (Data API JSONL or fills CSV); default: leader fills in the store",
    )
    .option("-w, --wallets <list>", "override the configured wallets", listOption)
    .option("-o, --out <dir>", "output directory", "out/report")
    .action(async (o: { config?: string; input?: string; wallets?: string[]; out: string }) => {
      const { loadConfig } = await import("../../config/config.ts");
      const { PolycopyError } = await import("../../domain/errors.ts");
      const { mkdirSync, writeFileSync } = await import("node:fs");
      const { join } = await import("node:path");
      const { analyzeEvents, parseWallets } = await import("./analyze-file.ts");
      const { renderReport } = await import("../../analytics/report.ts");
      const { scoreStability } = await import("../../analytics/stability.ts");
      const cfg = loadConfig(o.config === undefined ? {} : { file: o.config });
      const aliases = new Map(cfg.wallets.map((w) => [w.address, w.alias ?? ""]));
      const targets = parseWallets(
        o.wallets ?? (cfg.wallets.length ? cfg.wallets.map((w) => w.address) : undefined),
      );
      let events: import("../../domain/fill.ts").LeaderEvent[];
      if (o.input) {
        const { readWalletHistory } = await import("../../sources/history-file.ts");
        const r = await readWalletHistory(o.input);
        for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
        events = r.events;
      } else {
        const { openStore } = await import("../../store/open.ts");
        const store = await openStore({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir });
        try {
          events = await store.listLeaderEvents();
        } finally {
          await store.close();
        }
        if (events.length === 0) {
          throw new PolycopyError(
            "INPUT_INVALID",
            "the store has no leader fills yet: run `npm start` (demo) or `polycopy ingest` first, or pass --input FILE",
            { userFacing: true },
          );
        }
      }
      // Every wallet in the history is screened (the Deflated Sharpe deflates for all of them);
      // the report shows the targets.
      const all = analyzeEvents(events);
      const verdicts = targets ? all.verdicts.filter((v) => targets.has(v.wallet)) : all.verdicts;
      const stability = scoreStability(events);
      mkdirSync(o.out, { recursive: true });
      const ctx = {
        title: "polycopy classification report",
        generatedTs: Date.now(),
        aliases,
        accs: all.accs,
        stability,
        wallets_screened: all.accs.size,
      };
      for (const f of ["md", "html", "csv", "json"] as const)
        writeFileSync(join(o.out, `report.${f}`), renderReport(verdicts, f, ctx));
      const count = (c: string) => verdicts.filter((v) => v.class === c).length;
      process.stdout.write(
        `report: ${verdicts.length} wallets (${count("market_maker")} market makers, ${count("directional")} directional, ${count("uncertain")} uncertain) -> ${o.out}/report.{md,html,csv,json}\n`,
      );
    });
}
