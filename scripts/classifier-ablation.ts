/**
 * What a group of features adds: classifies one labelled file (read by the one Data API parser, as
 * `polycopy eval` does) with several fitted models and prints accuracy and coverage for each.
 * Make the models with scripts/train-classifier.ts (e.g. `--without income --out /tmp/no-income.json`);
 * the committed model is `src/analytics/model.json`.
 *
 * Run: node scripts/classifier-ablation.ts --input FILE --labels LABELS.csv --model A.json --model B.json
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { accumulate, analyzeWallets, DEFAULT_ANALYZE_OPTIONS } from "../src/analytics/analyze.ts";
import { evaluate, formatEvaluation } from "../src/analytics/evaluate.ts";
import { readLabels } from "../src/analytics/input.ts";
import type { LogisticModel } from "../src/analytics/model.ts";
import { readWalletHistory } from "../src/sources/history-file.ts";

const { values } = parseArgs({
  options: {
    input: { type: "string" },
    labels: { type: "string" },
    model: { type: "string", multiple: true },
  },
});
if (!values.input || !values.labels || !values.model?.length) {
  process.stderr.write(
    "usage: node scripts/classifier-ablation.ts --input FILE --labels CSV --model M.json...\n",
  );
  process.exit(2);
}
const styles = new Map<string, string>();
const labels = await readLabels(values.labels, styles);
const { events } = await readWalletHistory(values.input);
const { accs, prices } = accumulate(events);
for (const path of values.model) {
  const model = JSON.parse(readFileSync(path, "utf8")) as LogisticModel;
  // Classes depend on P(MM) only, so the bootstrap intervals are skipped.
  const v = analyzeWallets(accs, prices, { ...DEFAULT_ANALYZE_OPTIONS, bootstrap: 0, model });
  const e = evaluate(v, labels, styles);
  // The same report as `polycopy eval` (whose bootstrap intervals do not change a class or P(MM)).
  process.stdout.write(`== ${path} (${model.trainedOn})\n${formatEvaluation(e)}\n`);
}
