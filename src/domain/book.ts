/** A price level: price in USD per share, size in shares. */
export interface Level {
  price: number;
  size: number;
}

/** Order book of one token. Bids sorted best (highest) first, asks best (lowest) first. */
export interface OrderBook {
  tokenId: string;
  bids: Level[];
  asks: Level[];
  /** ms epoch of the snapshot. */
  ts: number;
  tickSize: number;
}

export function bestBid(b: OrderBook): number | null {
  return b.bids[0]?.price ?? null;
}
export function bestAsk(b: OrderBook): number | null {
  return b.asks[0]?.price ?? null;
}
export function midPrice(b: OrderBook): number | null {
  const bid = bestBid(b);
  const ask = bestAsk(b);
  if (bid === null || ask === null) return bid ?? ask;
  return (bid + ask) / 2;
}
