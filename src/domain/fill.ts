/**
 * Leader activity, normalized from any source (websocket, poller, chain logs, replay, simulator).
 * A fill's side is the leader's own order side (never the side printed on a trade message, which
 * YES/NO cross-matching can invert).
 */
export type Side = "BUY" | "SELL";
export type Role = "maker" | "taker";
export type SourceKind = "rtds" | "poll" | "chain" | "replay" | "sim" | "file";

export interface LeaderFill {
  type: "TRADE";
  /** Stable idempotency key: `${txHash}:${logIndex}` from chain, else `${txHash}:${tokenId}:${side}:${size}:${price}` or a trade id. */
  key: string;
  /** Lower-case 0x address of the leader (proxy wallet). */
  wallet: string;
  /** conditionId. */
  marketId: string;
  tokenId: string;
  /** 0 for the first (YES-equivalent) outcome. */
  outcomeIndex: number;
  side: Side;
  /**
   * USD per share, strictly inside (0,1), at full precision. A Data API price is the volume-weighted
   * average of the book levels the taker walked (e.g. 0.7671607282693813), so it need not lie on the
   * tick grid; only the prices of our own orders are tick-checked.
   */
  price: number;
  /** Shares (6-decimal precision). */
  size: number;
  /** ms epoch of the fill. */
  ts: number;
  /** Maker/taker role when known (on-chain OrderFilled), else null. */
  role: Role | null;
  txHash: string | null;
  source: SourceKind;
}

/** Non-trade wallet activity that still matters for analytics (Data API /activity types). */
export type NonTradeType =
  | "SPLIT"
  | "MERGE"
  | "REDEEM"
  | "REWARD"
  | "CONVERSION"
  | "MAKER_REBATE"
  | "TAKER_REBATE"
  | "YIELD";

/**
 * Payments to the wallet that belong to no market: daily liquidity rewards, maker and taker
 * rebates, yield. The Data API sends them with `conditionId ""`, `size` = `usdcSize` = USD paid.
 */
export const WALLET_PAYMENT_TYPES: readonly NonTradeType[] = [
  "REWARD",
  "MAKER_REBATE",
  "TAKER_REBATE",
  "YIELD",
];

export interface LeaderActivity {
  type: NonTradeType;
  key: string;
  wallet: string;
  /** conditionId; "" for a wallet payment (REWARD, rebates, YIELD), which belongs to no market. */
  marketId: string;
  /** Shares for SPLIT/MERGE/REDEEM/CONVERSION (0 for a REDEEM of losing tokens); USD paid for a wallet payment. */
  size: number;
  /** USD value (usdcSize on the Data API). */
  usdcSize: number;
  ts: number;
  txHash: string | null;
  source: SourceKind;
}

export type LeaderEvent = LeaderFill | LeaderActivity;

/**
 * Sane ranges for leader events read from outside (Data API records, fills CSVs), enforced at the
 * boundary so a corrupt or hostile record (`size: 1e300`) is rejected with a clear error instead of
 * stored and folded into other wallets' analytics. Generous: the largest real Polymarket fills are
 * around 1e7 shares.
 */
export const LEADER_EVENT_BOUNDS = {
  /** Shares in one record. */
  maxShares: 1e9,
  /** USD in one record. */
  maxUsd: 1e10,
  /** Earliest timestamp (unix seconds): 2020-01-01, before Polymarket's first market. */
  minTsSec: 1_577_836_800,
  /** Latest timestamp (unix seconds): 2100-01-01; later is a unit error (ms, µs) or garbage. */
  maxTsSec: 4_102_444_800,
  /** Largest outcome index of a trade (markets have a handful of outcomes; 999 marks "none"). */
  maxOutcomeIndex: 100,
} as const;

export function isFill(e: LeaderEvent): e is LeaderFill {
  return e.type === "TRADE";
}

/** Idempotency key for a chain log. */
export function chainFillKey(txHash: string, logIndex: number): string {
  return `${txHash.toLowerCase()}:${logIndex}`;
}

/**
 * Idempotency key when only Data API fields are available. The Data API has no log index, so the
 * key combines the fields that together identify one fill of one wallet in one transaction.
 */
export function apiFillKey(f: {
  txHash: string;
  wallet: string;
  tokenId: string;
  side: Side;
  size: number;
  price: number;
}): string {
  return `${f.txHash.toLowerCase()}:${f.wallet.toLowerCase()}:${f.tokenId}:${f.side}:${f.size}:${f.price}`;
}
