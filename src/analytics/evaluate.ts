/**
 * Holdout evaluation of the classifier against labels: accuracy on decided wallets, coverage,
 * per-class precision and recall, the confusion matrix and a Wilson 95% interval on accuracy.
 * Wallets labelled other than market_maker/directional (arbitrageur, wash) are not scored.
 */
import type { WalletClass } from "../domain/wallet.ts";
import { wilson } from "./stats.ts";

export interface Evaluation {
  n: number;
  decided: number;
  correct: number;
  accuracy: number;
  coverage: number;
  wilsonLow: number;
  wilsonHigh: number;
  /** confusion[label][predicted]. */
  confusion: Record<"market_maker" | "directional", Record<WalletClass, number>>;
  precision: Record<"market_maker" | "directional", number>;
  recall: Record<"market_maker" | "directional", number>;
  missing: number;
  /** Expected calibration error of P(MM) over labelled wallets (10 equal-width bins). */
  ece: number;
  /** Reliability bins: [mean predicted P(MM), observed market-maker share, wallets]. */
  reliability: [number, number, number][];
  /** Per style (when the labels name one): labelled wallets, decided, correct. */
  byStyle: { style: string; label: string; n: number; decided: number; correct: number }[];
}

export function evaluate(
  verdicts: readonly { wallet: string; class: WalletClass; p_mm?: number }[],
  labels: ReadonlyMap<string, string>,
  styles?: ReadonlyMap<string, string>,
): Evaluation {
  const perStyle = new Map<
    string,
    { style: string; label: string; n: number; decided: number; correct: number }
  >();
  const byWallet = new Map(verdicts.map((v) => [v.wallet, v.class]));
  const pOf = new Map(verdicts.map((v) => [v.wallet, v.p_mm]));
  const bins = Array.from({ length: 10 }, () => ({ p: 0, mm: 0, n: 0 }));
  const row = () => ({ market_maker: 0, directional: 0, uncertain: 0 });
  const confusion = { market_maker: row(), directional: row() };
  let n = 0;
  let missing = 0;
  for (const [wallet, label] of labels) {
    if (label !== "market_maker" && label !== "directional") continue;
    const c = byWallet.get(wallet);
    n++;
    const st = styles?.get(wallet);
    if (st !== undefined) {
      let s = perStyle.get(st);
      if (!s) {
        s = { style: st, label, n: 0, decided: 0, correct: 0 };
        perStyle.set(st, s);
      }
      s.n++;
      if (c === "market_maker" || c === "directional") {
        s.decided++;
        if (c === label) s.correct++;
      }
    }
    if (c === undefined) {
      // A labelled wallet absent from the input counts as undecided: it lowers coverage.
      missing++;
      confusion[label].uncertain++;
      continue;
    }
    confusion[label][c]++;
    const p = pOf.get(wallet);
    if (p !== undefined && Number.isFinite(p)) {
      const b = bins[Math.min(9, Math.floor(p * 10))]!;
      b.p += p;
      b.mm += label === "market_maker" ? 1 : 0;
      b.n++;
    }
  }
  const calibrated = bins.reduce((t, b) => t + b.n, 0);
  const ece =
    calibrated > 0
      ? bins.reduce((t, b) => t + (b.n > 0 ? Math.abs(b.p / b.n - b.mm / b.n) * b.n : 0), 0) / calibrated
      : 0;
  const reliability = bins
    .filter((b) => b.n > 0)
    .map((b) => [b.p / b.n, b.mm / b.n, b.n] as [number, number, number]);
  const correct = confusion.market_maker.market_maker + confusion.directional.directional;
  const decided = correct + confusion.market_maker.directional + confusion.directional.market_maker;
  const w = wilson(correct, decided);
  const prec = (k: "market_maker" | "directional") => {
    const predicted = confusion.market_maker[k] + confusion.directional[k];
    return predicted > 0 ? confusion[k][k] / predicted : 0;
  };
  const rec = (k: "market_maker" | "directional") => {
    const d = confusion[k].market_maker + confusion[k].directional;
    return d > 0 ? confusion[k][k] / d : 0;
  };
  return {
    n,
    decided,
    correct,
    accuracy: decided > 0 ? correct / decided : 0,
    coverage: n > 0 ? decided / n : 0,
    wilsonLow: w.low,
    wilsonHigh: w.high,
    confusion,
    precision: { market_maker: prec("market_maker"), directional: prec("directional") },
    recall: { market_maker: rec("market_maker"), directional: rec("directional") },
    missing,
    ece,
    reliability,
    byStyle: [...perStyle.values()].sort((a, b) =>
      a.label < b.label ? -1 : a.label > b.label ? 1 : a.style < b.style ? -1 : 1,
    ),
  };
}

export function formatEvaluation(e: Evaluation): string {
  const f = (x: number) => x.toFixed(3);
  const c = e.confusion;
  return [
    `labelled wallets (market_maker|directional): ${e.n}${e.missing ? ` (${e.missing} not in the input)` : ""}`,
    `decided: ${e.decided}  correct: ${e.correct}`,
    `accuracy on decided: ${f(e.accuracy)}  Wilson 95%: [${f(e.wilsonLow)}, ${f(e.wilsonHigh)}]`,
    `coverage: ${f(e.coverage)}`,
    `market_maker: precision ${f(e.precision.market_maker)} recall ${f(e.recall.market_maker)}`,
    `directional:  precision ${f(e.precision.directional)} recall ${f(e.recall.directional)}`,
    `calibration of P(MM): ECE ${f(e.ece)}; reliability (mean P, observed MM share, n): ${e.reliability.map(([p, o, n]) => `${p.toFixed(2)}/${o.toFixed(2)}/${n}`).join("  ")}`,
    "confusion (rows = label, columns = predicted):",
    "                 market_maker  directional  uncertain",
    `  market_maker   ${String(c.market_maker.market_maker).padStart(12)}  ${String(c.market_maker.directional).padStart(11)}  ${String(c.market_maker.uncertain).padStart(9)}`,
    `  directional    ${String(c.directional.market_maker).padStart(12)}  ${String(c.directional.directional).padStart(11)}  ${String(c.directional.uncertain).padStart(9)}`,
    ...(e.byStyle.length > 0
      ? [
          "per style (label, style: accuracy on decided, coverage, n):",
          ...e.byStyle.map(
            (s) =>
              `  style ${s.label.padEnd(12)} ${s.style.padEnd(22)} accuracy=${s.decided > 0 ? f(s.correct / s.decided) : "-    "} coverage=${f(s.decided / s.n)} n=${s.n}`,
          ),
        ]
      : []),
    `accuracy=${f(e.accuracy)} coverage=${f(e.coverage)} n=${e.n}`,
  ].join("\n");
}
