import type { OrderBook } from "../domain/book.ts";
import { type SimResult, toActivityRecord, toGammaMarket } from "../sim/index.ts";

/** The payloads a stand-in serves for a simulation: Gamma markets, Data API activity, CLOB books. */
export interface StandinData {
  markets: Record<string, unknown>[];
  activity: Record<string, unknown>[];
  book: (tokenId: string) => Record<string, unknown> | undefined;
}

export function standinDataFromSim(r: SimResult): StandinData {
  const byId = new Map(r.markets.map((m) => [m.id, m]));
  const endTs = r.params.startTs + r.params.days * 86_400_000;
  const open = new Map<string, string>();
  for (const m of r.markets) if (!m.closed) for (const o of m.outcomes) open.set(o.tokenId, m.id);
  return {
    markets: r.markets.map((m) => toGammaMarket(m, r.params.startTs)),
    activity: r.events.map((e) => toActivityRecord(e, byId.get(e.marketId))),
    book: (tokenId) => {
      const marketId = open.get(tokenId);
      if (marketId === undefined) return undefined;
      return toClobBook(r.bookAt(tokenId, endTs), marketId, byId.get(marketId)?.negRisk ?? false);
    },
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
