import type { OrderBook } from "../domain/book.ts";
import { type SimResult, toActivityRecord, toGammaMarket } from "../sim/index.ts";
import type { StandinResolution } from "./server.ts";

/** The payloads a stand-in serves for a simulation: Gamma markets, Data API activity, CLOB books. */
export interface StandinData {
  markets: Record<string, unknown>[];
  activity: Record<string, unknown>[];
  book: (tokenId: string) => Record<string, unknown> | undefined;
  /** When the simulated markets resolve (simulated ms; shift them with the activity). */
  resolutions: StandinResolution[];
}

export interface StandinDataOptions {
  /**
   * Serve markets as Gamma shows them at this simulated time (ms): those resolving later are still
   * open (prices at that time, no UMA status) and resolve over time through `resolutions`. Without
   * it every market is served in its final state (closed and resolved at the horizon).
   */
  openAt?: number;
  /** Simulated time (ms) of the books served for open markets (default: `openAt`, else the horizon). */
  bookTs?: () => number;
}

export function standinDataFromSim(r: SimResult, o: StandinDataOptions = {}): StandinData {
  const byId = new Map(r.markets.map((m) => [m.id, m]));
  const endTs = r.params.startTs + r.params.days * 86_400_000;
  const openAt = o.openAt;
  const resolvesAt = (id: string) => r.resolutions.get(id)?.ts ?? Number.POSITIVE_INFINITY;
  const isOpen = (id: string, ts: number) =>
    openAt === undefined ? !byId.get(id)?.closed : resolvesAt(id) > ts;
  const bookTs = o.bookTs ?? (() => openAt ?? endTs);
  const tokenMarket = new Map<string, string>();
  for (const m of r.markets) for (const t of m.outcomes) tokenMarket.set(t.tokenId, m.id);
  const markets = r.markets.map((m) => {
    if (openAt === undefined || !isOpen(m.id, openAt)) return toGammaMarket(m, r.params.startTs);
    const g = toGammaMarket({ ...m, closed: false, winnerIndex: null }, r.params.startTs);
    const dec = m.tickSize < 0.01 ? 3 : 2;
    g.outcomePrices = JSON.stringify(m.outcomes.map((t) => r.midAt(t.tokenId, openAt).toFixed(dec)));
    return g;
  });
  return {
    markets,
    activity: r.events.map((e) => toActivityRecord(e, byId.get(e.marketId))),
    book: (tokenId) => {
      const marketId = tokenMarket.get(tokenId);
      const ts = bookTs();
      if (marketId === undefined || !isOpen(marketId, ts)) return undefined;
      return toClobBook(r.bookAt(tokenId, ts), marketId, byId.get(marketId)?.negRisk ?? false);
    },
    resolutions: [...r.resolutions].map(([conditionId, x]) => ({
      conditionId,
      winnerIndex: x.winnerIndex,
      ts: x.ts,
    })),
  };
}

/** A domain book in the CLOB `/book` wire shape (decimal strings; bids ascending, asks descending). */
export function toClobBook(b: OrderBook, marketId: string, negRisk: boolean): Record<string, unknown> {
  const lv = (l: { price: number; size: number }) => ({ price: String(l.price), size: String(l.size) });
  return {
    market: marketId,
    asset_id: b.tokenId,
    timestamp: String(b.ts),
    hash: "0".repeat(40),
    bids: [...b.bids].reverse().map(lv),
    asks: [...b.asks].reverse().map(lv),
    min_order_size: "5",
    tick_size: String(b.tickSize),
    neg_risk: negRisk,
    last_trade_price: b.bids[0] ? String(b.bids[0].price) : null,
  };
}
