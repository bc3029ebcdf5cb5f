/**
 * Fits the market-maker classifier on simulator seeds reserved for training (1001–1004, both
 * regimes, several noise levels, every style including the ones that fool a markout-led model, with
 * real-shaped records) and writes src/analytics/model.json. Evaluation uses other seeds and the
 * independent world (see README: `polycopy eval`), never these.
 *
 * Maker/taker roles are hidden (set to null, as in a Data API file) for every other wallet of each
 * seed, so the model learns both with the maker share known and without it: the other weights must
 * carry a wallet whose roles are unknown, the usual case.
 *
 * Run: node scripts/train-classifier.ts [--out FILE] [--without income]
 * `--without income` leaves out the reward and rebate features (the ablation in the README).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { accumulate, DEFAULT_ANALYZE_OPTIONS } from "../src/analytics/analyze.ts";
import { featuresOf, INCOME_FEATURES, MODEL_FEATURES, type ModelFeature } from "../src/analytics/features.ts";
import { fitSignConstrained } from "../src/analytics/model.ts";
import { simulate } from "../src/sim/simulate.ts";

const TRAIN = [
  { seed: 1001, noise: 0.3, regime: "base" },
  { seed: 1002, noise: 0.6, regime: "base" },
  { seed: 1003, noise: 0.8, regime: "base" },
  { seed: 1004, noise: 0.5, regime: "shifted" },
] as const;

const { values } = parseArgs({
  options: {
    out: { type: "string", default: new URL("../src/analytics/model.json", import.meta.url).pathname },
    without: { type: "string" },
  },
});
if (values.without !== undefined && values.without !== "income") {
  process.stderr.write("usage: node scripts/train-classifier.ts [--out FILE] [--without income]\n");
  process.exit(2);
}
const exclude = values.without === "income" ? INCOME_FEATURES : [];

const rows: Record<ModelFeature, number>[] = [];
const y: number[] = [];
for (const t of TRAIN) {
  const r = simulate({
    seed: t.seed,
    noise: t.noise,
    regime: t.regime,
    days: 60,
    walletsPerStyle: 12,
    markets: 120,
    real: true,
  });
  // Every other labelled wallet (labels come style by style, so half of each style) loses its roles.
  const hidden = new Set(r.labels.filter((_, i) => i % 2 === 1).map((l) => l.wallet));
  const events = r.events.map((e) =>
    e.type === "TRADE" && e.role !== null && hidden.has(e.wallet) ? { ...e, role: null } : e,
  );
  const { accs } = accumulate(events);
  for (const l of r.labels) {
    if (l.label !== "market_maker" && l.label !== "directional") continue;
    const acc = accs.get(l.wallet);
    if (!acc) continue;
    const aggs = [...acc.markets.values()].filter((a) => a.fills > 0);
    if (acc.fills < DEFAULT_ANALYZE_OPTIONS.minFills || aggs.length < DEFAULT_ANALYZE_OPTIONS.minMarkets)
      continue;
    rows.push(featuresOf(acc, aggs).x);
    y.push(l.label === "market_maker" ? 1 : 0);
  }
  process.stderr.write(`train: seed ${t.seed} -> ${rows.length} wallets so far\n`);
}
const model = fitSignConstrained(
  rows,
  y,
  2,
  `simulator seeds ${TRAIN.map((t) => t.seed).join(",")} (real-shaped, all styles; roles hidden for half the wallets); n=${rows.length}${exclude.length ? `; without ${exclude.join(", ")}` : ""}`,
  // Inputs clipped at ±3 SD: a wallet outside the training range must not dominate by one feature.
  3,
  exclude,
);
writeFileSync(values.out, `${JSON.stringify(model, null, 1)}\n`);
for (const [i, f] of MODEL_FEATURES.entries())
  process.stdout.write(`${f.padEnd(28)} ${model.coef[i]!.toFixed(3)}\n`);
process.stdout.write(`intercept ${model.intercept.toFixed(3)}; trained on ${model.trainedOn}\n`);
