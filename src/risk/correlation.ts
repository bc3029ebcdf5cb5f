/**
 * Correlation of our exposure across leaders (quant-notes §3.4, §5 "Correlation/concentration").
 * Each leader we copy owns a share of our positions; its exposure vector is the signed
 * YES-equivalent dollar exposure by market (+cost for outcome 0, −cost for outcome 1). When several
 * leaders push us into the same bets, copying them is one bet counted several times.
 *
 * - Exposure similarity ρ_ij = e_i·e_j / (|e_i||e_j|) (cosine).
 * - Effective number of independent leaders N_eff = (Σλ)²/Σλ² over the similarity matrix C, which
 *   equals N² / Σ_ij C_ij² because tr C = N (no eigen-decomposition needed). Negative similarity
 *   (one leader long YES, another long NO) hedges, so it is clipped to 0 before counting.
 * - Crowding = (N − N_eff)/(N − 1): 0 when the leaders' books are disjoint, 1 when identical.
 * Pure: the engine gathers the attributed holdings, these functions only measure them.
 */

export interface AttributedHolding {
  wallet: string;
  marketId: string;
  outcomeIndex: number;
  /** Cost basis attributed to this wallet, USD. */
  usd: number;
}

/** Signed YES-equivalent exposure by market, per leader. */
export type ExposureVectors = Map<string, Map<string, number>>;

export function leaderExposures(holdings: Iterable<AttributedHolding>): ExposureVectors {
  const out: ExposureVectors = new Map();
  for (const h of holdings) {
    if (!(h.usd > 0)) continue;
    let v = out.get(h.wallet);
    if (!v) {
      v = new Map();
      out.set(h.wallet, v);
    }
    const signed = h.outcomeIndex === 0 ? h.usd : -h.usd;
    v.set(h.marketId, (v.get(h.marketId) ?? 0) + signed);
  }
  return out;
}

function norm(v: ReadonlyMap<string, number>): number {
  let s = 0;
  for (const x of v.values()) s += x * x;
  return Math.sqrt(s);
}

/** Cosine similarity of two sparse vectors; 0 when either is empty. */
export function cosine(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [k, x] of small) {
    const y = large.get(k);
    if (y !== undefined) dot += x * y;
  }
  const n = norm(a) * norm(b);
  return n > 0 ? dot / n : 0;
}

export interface Crowding {
  /** Leaders with non-zero exposure. */
  leaders: number;
  /** Effective number of independent leaders (participation ratio). */
  nEff: number;
  /** (N − N_eff)/(N − 1), in [0, 1]; 0 with fewer than two leaders. */
  crowding: number;
}

export function crowdingOf(vectors: ExposureVectors): Crowding {
  const vs = [...vectors.values()].filter((v) => norm(v) > 0);
  const n = vs.length;
  if (n < 2) return { leaders: n, nEff: n, crowding: 0 };
  let sumSq = n; // the diagonal: C_ii = 1
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const c = Math.max(0, cosine(vs[i]!, vs[j]!));
      sumSq += 2 * c * c;
    }
  }
  const nEff = (n * n) / sumSq;
  return { leaders: n, nEff, crowding: Math.min(1, Math.max(0, (n - nEff) / (n - 1))) };
}

/**
 * How much a proposed entry (for `wallet`, in `marketId`, signed YES-equivalent `usd`) lines up
 * with the exposure we already hold through the other leaders: the cosine between the wallet's
 * vector after the entry and the sum of everyone else's. Near 1: the entry piles onto the crowd.
 */
export function similarityToOthers(
  vectors: ExposureVectors,
  wallet: string,
  entry: { marketId: string; usd: number },
): number {
  const mine = new Map(vectors.get(wallet) ?? []);
  mine.set(entry.marketId, (mine.get(entry.marketId) ?? 0) + entry.usd);
  const rest = new Map<string, number>();
  for (const [w, v] of vectors) {
    if (w === wallet) continue;
    for (const [m, x] of v) rest.set(m, (rest.get(m) ?? 0) + x);
  }
  return cosine(mine, rest);
}
