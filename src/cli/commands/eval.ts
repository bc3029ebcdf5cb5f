import type { Command } from "commander";

/** `polycopy eval`: the classifier against labels; ends with `accuracy=… coverage=… n=…`. */
export function register(program: Command): void {
  program
    .command("eval")
    .description("evaluate the classifier against a labels CSV (wallet,label with market_maker|directional)")
    .requiredOption("-i, --input <file>", "JSON Lines of Data API records, or a fills CSV")
    .requiredOption(
      "-l, --labels <file>",
      "CSV with columns wallet,label[,style|kind] (other labels, e.g. arbitrageur, are ignored; a style column adds per-style figures)",
    )
    .action(async (o: { input: string; labels: string }) => {
      const { checkInputFile } = await import("../paths.ts");
      checkInputFile(o.input, "--input");
      checkInputFile(o.labels, "--labels");
      const { readLabels } = await import("../../analytics/input.ts");
      const { evaluate, formatEvaluation } = await import("../../analytics/evaluate.ts");
      const { analyzeFile } = await import("./analyze-file.ts");
      const styles = new Map<string, string>();
      const labels = await readLabels(o.labels, styles);
      const r = await analyzeFile(o.input);
      process.stdout.write(`${formatEvaluation(evaluate(r.verdicts, labels, styles))}\n`);
    });
}
