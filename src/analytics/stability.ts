/** Score stability: Spearman rank correlation of wallet scores between two halves of the window (quant-notes §2.6). */
import type { LeaderEvent } from "../domain/fill.ts";
import { accumulate, analyzeWallets, DEFAULT_ANALYZE_OPTIONS } from "./analyze.ts";
import { spearman } from "./stats.ts";

export function scoreStability(events: readonly LeaderEvent[]): { rho: number; wallets: number } | null {
  if (events.length < 2) return null;
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const e of events) {
    if (e.ts < lo) lo = e.ts;
    if (e.ts > hi) hi = e.ts;
  }
  const mid = lo + (hi - lo) / 2;
  const opts = { ...DEFAULT_ANALYZE_OPTIONS, bootstrap: 0 };
  const score = (evs: LeaderEvent[]) => {
    const { accs, prices } = accumulate(evs);
    return new Map(analyzeWallets(accs, prices, opts).map((v) => [v.wallet, v.score]));
  };
  const a = score(events.filter((e) => e.ts < mid));
  const b = score(events.filter((e) => e.ts >= mid));
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [w, s] of a) {
    const t = b.get(w);
    if (t !== undefined) {
      xs.push(s);
      ys.push(t);
    }
  }
  return xs.length >= 3 ? { rho: spearman(xs, ys), wallets: xs.length } : null;
}
