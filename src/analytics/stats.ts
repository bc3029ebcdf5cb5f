/**
 * Small statistics used by the analytics (quant-notes §1.4, §2). Distribution functions come from
 * simple-statistics; the formulas specific to trading-skill evaluation (PSR, DSR, MinTRL, Wilson,
 * Mann–Kendall) are written out here because no maintained library ships them.
 */
import { cumulativeStdNormalProbability, probit } from "simple-statistics";

export const normCdf = (z: number): number => (z > 8 ? 1 : z < -8 ? 0 : cumulativeStdNormalProbability(z));
export const normInv = (p: number): number => probit(Math.min(1 - 1e-12, Math.max(1e-12, p)));

/** Wilson score interval for k successes in n trials; [0,1] when n = 0. */
export function wilson(k: number, n: number, z = 1.96): { p: number; low: number; high: number } {
  if (n <= 0) return { p: 0, low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const den = 1 + z2 / n;
  const centre = p + z2 / (2 * n);
  const half = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { p, low: Math.max(0, (centre - half) / den), high: Math.min(1, (centre + half) / den) };
}

const LOG_FACT_CACHE: number[] = [0];
function logFactorial(n: number): number {
  for (let i = LOG_FACT_CACHE.length; i <= n; i++) LOG_FACT_CACHE[i] = LOG_FACT_CACHE[i - 1]! + Math.log(i);
  return LOG_FACT_CACHE[n]!;
}

/** Two-sided binomial test p-value of k successes in n trials under p = 0.5 (exact to n = 2000). */
export function binomialTwoSidedP(k: number, n: number): number {
  if (n <= 0) return 1;
  const lo = Math.min(k, n - k);
  if (n > 2000) {
    const z = (Math.abs(k - n / 2) - 0.5) / Math.sqrt(n / 4);
    return Math.min(1, 2 * (1 - normCdf(z)));
  }
  let tail = 0;
  const lf = logFactorial(n);
  for (let i = 0; i <= lo; i++) tail += Math.exp(lf - logFactorial(i) - logFactorial(n - i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

export interface Moments {
  n: number;
  mean: number;
  sd: number;
  /** Sample skewness γ3. */
  skew: number;
  /** Non-excess kurtosis γ4 (3 for a normal). */
  kurt: number;
}

export function moments(xs: ArrayLike<number>): Moments {
  const n = xs.length;
  const m = mean(xs);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  if (n < 2 || m2 === 0) return { n, mean: m, sd: 0, skew: 0, kurt: 3 };
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { n, mean: m, sd: Math.sqrt((m2 * n) / (n - 1)), skew: m3 / m2 ** 1.5, kurt: m4 / (m2 * m2) };
}

/** Per-period Sharpe ratio (mean / sd); 0 when undefined. */
export function sharpe(m: Moments): number {
  return m.sd > 0 ? m.mean / m.sd : 0;
}

/** Sortino with MAR 0: mean / downside deviation over all periods. */
export function sortino(xs: ArrayLike<number>): number {
  if (xs.length === 0) return 0;
  let dd = 0;
  for (let i = 0; i < xs.length; i++) {
    const v = Math.min(0, xs[i]!);
    dd += v * v;
  }
  dd = Math.sqrt(dd / xs.length);
  return dd > 0 ? mean(xs) / dd : 0;
}

/** Max drawdown of a cumulative PnL path built from per-period PnL, in the same units. */
export function maxDrawdown(pnl: ArrayLike<number>): number {
  let eq = 0;
  let peak = 0;
  let mdd = 0;
  for (let i = 0; i < pnl.length; i++) {
    eq += pnl[i]!;
    if (eq > peak) peak = eq;
    if (peak - eq > mdd) mdd = peak - eq;
  }
  return mdd;
}

/** Probabilistic Sharpe Ratio (Bailey & López de Prado 2012) with non-excess kurtosis. */
export function psr(m: Moments, srStar = 0): number {
  if (m.n < 2 || m.sd === 0) return 0.5;
  const sr = m.mean / m.sd;
  const den = 1 - m.skew * sr + ((m.kurt - 1) / 4) * sr * sr;
  if (!(den > 0)) return 0.5;
  return normCdf(((sr - srStar) * Math.sqrt(m.n - 1)) / Math.sqrt(den));
}

/** Expected maximum Sharpe among N independent zero-skill trials (the DSR threshold SR0). */
export function dsrThreshold(srVariance: number, nTrials: number): number {
  if (nTrials < 2 || !(srVariance > 0)) return 0;
  const g = 0.5772156649;
  return (
    Math.sqrt(srVariance) * ((1 - g) * normInv(1 - 1 / nTrials) + g * normInv(1 - 1 / (nTrials * Math.E)))
  );
}

/** Minimum track record length (periods) for SR̂ to beat srStar at confidence 1−alpha; Infinity if SR̂ ≤ srStar. */
export function minTrackRecord(m: Moments, srStar = 0, alpha = 0.05): number {
  if (m.sd === 0) return Number.POSITIVE_INFINITY;
  const sr = m.mean / m.sd;
  if (sr <= srStar) return Number.POSITIVE_INFINITY;
  const z = normInv(1 - alpha);
  return 1 + (1 - m.skew * sr + ((m.kurt - 1) / 4) * sr * sr) * (z / (sr - srStar)) ** 2;
}

/** Mann–Kendall trend test: S, Z and two-sided p; Sen's slope. */
export function mannKendall(xs: ArrayLike<number>): { s: number; z: number; p: number; slope: number } {
  const n = xs.length;
  if (n < 3) return { s: 0, z: 0, p: 1, slope: 0 };
  let s = 0;
  const slopes: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = xs[j]! - xs[i]!;
      s += Math.sign(d);
      slopes.push(d / (j - i));
    }
  }
  const v = (n * (n - 1) * (2 * n + 5)) / 18;
  const z = s > 0 ? (s - 1) / Math.sqrt(v) : s < 0 ? (s + 1) / Math.sqrt(v) : 0;
  slopes.sort((a, b) => a - b);
  return { s, z, p: 2 * (1 - normCdf(Math.abs(z))), slope: quantileSorted(slopes, 0.5) };
}

export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function ranks(xs: readonly number[]): number[] {
  const idx = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && xs[idx[j + 1]!] === xs[idx[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]!] = avg;
    i = j + 1;
  }
  return r;
}

/** Spearman rank correlation (average ranks for ties); 0 when undefined. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length < 3) return 0;
  const ra = ranks(a);
  const rb = ranks(b);
  const ma = mean(ra);
  const mb = mean(rb);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - ma) * (rb[i]! - mb);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}

/** Jensen–Shannon divergence (base 2, in [0,1]) between two histograms. */
export function jsDivergence(p: readonly number[], q: readonly number[]): number {
  const sp = p.reduce((s, x) => s + x, 0);
  const sq = q.reduce((s, x) => s + x, 0);
  if (sp === 0 || sq === 0) return 0;
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]! / sp;
    const b = (q[i] ?? 0) / sq;
    const m = (a + b) / 2;
    if (a > 0) js += 0.5 * a * Math.log2(a / m);
    if (b > 0) js += 0.5 * b * Math.log2(b / m);
  }
  return Math.min(1, Math.max(0, js));
}

/** Shannon entropy (bits) of a histogram. */
export function entropyBits(h: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < h.length; i++) s += h[i]!;
  if (s === 0) return 0;
  let e = 0;
  for (let i = 0; i < h.length; i++) {
    const p = h[i]! / s;
    if (p > 0) e -= p * Math.log2(p);
  }
  return e;
}
