import type { Command } from "commander";
import { listOption } from "../options.ts";

const FORMATS = ["json", "csv", "md", "html"] as const;

/** `polycopy classify`: market maker / directional / uncertain, P(MM) with an interval, score, recommendation. */
export function register(program: Command): void {
  program
    .command("classify")
    .description("classify and score wallets from a Data API JSONL file or a CSV of normalized fills")
    .requiredOption(
      "-i, --input <file>",
      "JSON Lines of Data API /activity or /trades records, or a fills CSV",
    )
    .option(
      "-w, --wallets <list>",
      "comma-separated wallets to report (default: every wallet in the file)",
      listOption,
    )
    .option("-f, --format <fmt>", `output format: ${FORMATS.join("|")}`, "json")
    .option("-o, --out <file>", "write to a file instead of stdout")
    .action(async (o: { input: string; wallets?: string[]; format: string; out?: string }) => {
      const { PolycopyError } = await import("../../domain/errors.ts");
      if (!(FORMATS as readonly string[]).includes(o.format)) {
        throw new PolycopyError(
          "CLI_INVALID",
          `--format must be one of ${FORMATS.join(", ")}, got "${o.format}"`,
          {
            userFacing: true,
          },
        );
      }
      const { checkInputFile, checkOutputFile } = await import("../paths.ts");
      checkInputFile(o.input, "--input");
      if (o.out) checkOutputFile(o.out, "--out");
      const { analyzeFile } = await import("./analyze-file.ts");
      const { renderReport } = await import("../../analytics/report.ts");
      const r = await analyzeFile(o.input, o.wallets);
      const text = renderReport(r.verdicts, o.format as (typeof FORMATS)[number], {
        title: "polycopy wallet classification",
        generatedTs: Date.now(),
        accs: r.accs,
        wallets_screened: r.accs.size,
      });
      if (o.out) {
        const { writeFileSync } = await import("node:fs");
        writeFileSync(o.out, text);
        process.stderr.write(`wrote ${r.verdicts.length} wallets to ${o.out}\n`);
      } else process.stdout.write(text);
    });
}
