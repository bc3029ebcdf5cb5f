/**
 * Worst-case loss of our positions in one event, multi-outcome aware. In a neg-risk event (one
 * binary market per outcome, exactly one resolves YES) holding YES on one outcome and NO on another
 * hedges; in independent binary markets each market's worst case adds up. Loss = cost − the
 * smallest payout over every way the event can resolve.
 */
import type { Market } from "../domain/market.ts";

export interface Holding {
  marketId: string;
  outcomeIndex: number;
  /** Shares held. */
  qty: number;
  /** Cost basis, USD. */
  cost: number;
}

export function worstCaseLoss(holdings: readonly Holding[], markets: ReadonlyMap<string, Market>): number {
  const byMarket = new Map<string, { yes: number; no: number; cost: number }>();
  for (const h of holdings) {
    if (h.qty <= 0) continue;
    const m = byMarket.get(h.marketId) ?? { yes: 0, no: 0, cost: 0 };
    if (h.outcomeIndex === 0) m.yes += h.qty;
    else m.no += h.qty;
    m.cost += h.cost;
    byMarket.set(h.marketId, m);
  }
  let cost = 0;
  for (const m of byMarket.values()) cost += m.cost;
  const negRisk = [...byMarket.keys()].some((id) => markets.get(id)?.negRisk);
  if (!negRisk) {
    // Independent markets: each resolves on its own; the worst case takes the smaller side of each.
    let minPay = 0;
    for (const m of byMarket.values()) minPay += Math.min(m.yes, m.no);
    return Math.max(0, cost - minPay);
  }
  // Neg-risk: outcome k wins ⇒ YES_k pays and every other market's NO pays. Markets of the event we
  // hold nothing in are outcomes too (then every NO we hold pays).
  const eventId = markets.get([...byMarket.keys()][0]!)?.eventId ?? null;
  const outcomes =
    eventId === null
      ? [...byMarket.keys()]
      : [...markets.values()].filter((m) => m.eventId === eventId).map((m) => m.id);
  let totalNo = 0;
  for (const m of byMarket.values()) totalNo += m.no;
  let minPay = Number.POSITIVE_INFINITY;
  for (const k of outcomes) {
    const m = byMarket.get(k);
    const pay = (m?.yes ?? 0) + totalNo - (m?.no ?? 0);
    if (pay < minPay) minPay = pay;
  }
  return Math.max(0, cost - (Number.isFinite(minPay) ? minPay : 0));
}
