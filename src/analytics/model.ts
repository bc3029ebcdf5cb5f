/**
 * The market-maker classifier: L2-regularized logistic regression on standardized features
 * (quant-notes §1.4). Coefficients are fitted by `scripts/train-classifier.ts` on simulator seeds
 * that are never used for evaluation, and committed in model.json so a verdict is reproducible and
 * every coefficient's sign can be checked against the feature table.
 */
import { MODEL_FEATURES, type ModelFeature } from "./features.ts";
import modelJson from "./model.json" with { type: "json" };

export interface LogisticModel {
  features: readonly ModelFeature[];
  mean: number[];
  sd: number[];
  coef: number[];
  intercept: number;
  trainedOn: string;
  /**
   * Standardized inputs are clipped to ±clip: a wallet far outside the training range (say, a
   * scalper closing every lot within the hour) must not push the log-odds without bound.
   */
  clip?: number;
}

export const MODEL: LogisticModel = modelJson as LogisticModel;

export function standardize(
  m: LogisticModel,
  x: Record<ModelFeature, number>,
  out: Float64Array,
): Float64Array {
  for (let i = 0; i < m.features.length; i++) {
    const v = x[m.features[i]!];
    const z = (Number.isFinite(v) ? v - m.mean[i]! : 0) / (m.sd[i]! || 1);
    const c = m.clip ?? 6;
    out[i] = Math.max(-c, Math.min(c, z));
  }
  return out;
}

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

export function predict(m: LogisticModel, z: Float64Array): number {
  let t = m.intercept;
  for (let i = 0; i < m.coef.length; i++) t += m.coef[i]! * z[i]!;
  return sigmoid(t);
}

/** Per-feature contributions to the log-odds, largest magnitude first. */
export function explain(
  m: LogisticModel,
  z: Float64Array,
  top = 3,
): { feature: ModelFeature; contribution: number }[] {
  return m.features
    .map((f, i) => ({ feature: f, contribution: m.coef[i]! * z[i]! }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, top);
}

/** Fits the model with Newton/IRLS (small problem: ~10 features). */
/**
 * The sign each coefficient must have (quant-notes §1.3 table: + means "more market-maker-like").
 * Fitting drops any feature whose fitted sign disagrees (a collinearity artifact of the training
 * data, not a property of real wallets) and refits, so the model stays interpretable.
 */
export const EXPECTED_SIGN: Record<ModelFeature, 1 | -1> = {
  log_fills_per_active_hour: 1,
  two_sidedness: 1,
  both_outcome_buying: 1,
  balanced_market_share: 1,
  reducing_fill_share: 1,
  inventory_ratio: -1,
  log_mean_hold_hours: -1,
  share_closed_under_1h: 1,
  share_held_to_resolution: -1,
  merge_split_ratio: 1,
  log_markets: 1,
  // Makers earn the spread; informed traders gain from the move after their fills, which
  // adversely selected makers lose (quant-notes §1.3 markouts).
  effective_spread: 1,
  move_1h: -1,
  log_reward_per_day: 1,
  rebate_share: 1,
  // Makers earn by resting: the share of notional filled as maker (when the roles are known).
  maker_share: 1,
};

export function fitSignConstrained(
  rows: readonly Record<ModelFeature, number>[],
  y: readonly number[],
  l2: number,
  trainedOn: string,
  clip = 6,
  /** Features left out from the start (an ablation). */
  exclude: readonly ModelFeature[] = [],
): LogisticModel {
  const active = new Set<ModelFeature>(MODEL_FEATURES.filter((f) => !exclude.includes(f)));
  for (;;) {
    const m = fitLogistic(rows, y, l2, trainedOn, active, clip);
    const wrong = MODEL_FEATURES.filter(
      (f, i) => active.has(f) && Math.sign(m.coef[i]!) === -EXPECTED_SIGN[f],
    );
    if (wrong.length === 0) return m;
    // Drop the most wrongly signed feature, then refit.
    const worst = wrong.sort(
      (a, b) => Math.abs(m.coef[MODEL_FEATURES.indexOf(b)]!) - Math.abs(m.coef[MODEL_FEATURES.indexOf(a)]!),
    )[0]!;
    active.delete(worst);
  }
}

export function fitLogistic(
  rows: readonly Record<ModelFeature, number>[],
  y: readonly number[],
  l2 = 1,
  trainedOn = "",
  active: ReadonlySet<ModelFeature> = new Set(MODEL_FEATURES),
  clip = 6,
): LogisticModel {
  const k = MODEL_FEATURES.length;
  const n = rows.length;
  const mean = new Array<number>(k).fill(0);
  const sd = new Array<number>(k).fill(0);
  // Moments over the known values only: an unknown (NaN) input standardizes to 0, the neutral value.
  const known = new Array<number>(k).fill(0);
  for (const r of rows)
    for (const [i, f] of MODEL_FEATURES.entries())
      if (Number.isFinite(r[f])) {
        mean[i]! += r[f];
        known[i]!++;
      }
  for (let i = 0; i < k; i++) mean[i] = known[i]! > 0 ? mean[i]! / known[i]! : 0;
  for (const r of rows)
    for (const [i, f] of MODEL_FEATURES.entries())
      if (Number.isFinite(r[f])) sd[i]! += (r[f] - mean[i]!) ** 2 / known[i]!;
  for (let i = 0; i < k; i++) sd[i] = Math.sqrt(sd[i]!) || 1;
  const m: LogisticModel = {
    features: MODEL_FEATURES,
    mean,
    sd,
    coef: new Array(k).fill(0),
    intercept: 0,
    trainedOn,
    clip,
  };
  const Z = rows.map((r) => standardize(m, r, new Float64Array(k)));
  // Inactive features are zeroed so their coefficients stay 0.
  MODEL_FEATURES.forEach((f, i) => {
    if (!active.has(f)) for (const z of Z) z[i] = 0;
  });
  const w = new Float64Array(k + 1); // [intercept, coef...]
  for (let iter = 0; iter < 50; iter++) {
    const g = new Float64Array(k + 1);
    const H = Array.from({ length: k + 1 }, () => new Float64Array(k + 1));
    for (let j = 0; j < n; j++) {
      const z = Z[j]!;
      let t = w[0]!;
      for (let i = 0; i < k; i++) t += w[i + 1]! * z[i]!;
      const p = sigmoid(t);
      const r = p - y[j]!;
      const s = p * (1 - p);
      const xv = [1, ...z];
      for (let a = 0; a <= k; a++) {
        g[a]! += r * xv[a]!;
        for (let b = 0; b <= k; b++) H[a]![b]! += s * xv[a]! * xv[b]!;
      }
    }
    for (let a = 1; a <= k; a++) {
      g[a]! += l2 * w[a]!;
      H[a]![a]! += l2;
    }
    const step = solve(H, g);
    let max = 0;
    for (let a = 0; a <= k; a++) {
      w[a]! -= step[a]!;
      max = Math.max(max, Math.abs(step[a]!));
    }
    if (max < 1e-8) break;
  }
  m.intercept = w[0]!;
  m.coef = Array.from(w.slice(1));
  return m;
}

function solve(A: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    const d = M[c]![c]! || 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / d;
      if (f === 0) continue;
      for (let j = c; j <= n; j++) M[r]![j]! -= f * M[c]![j]!;
    }
  }
  return Float64Array.from(M.map((row, i) => row[n]! / (row[i] || 1e-12)));
}
