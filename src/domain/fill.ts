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
  /** USD per share, on the market's tick grid, strictly inside (0,1). */
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
export type NonTradeType = "SPLIT" | "MERGE" | "REDEEM" | "REWARD" | "CONVERSION" | "MAKER_REBATE";

export interface LeaderActivity {
  type: NonTradeType;
  key: string;
  wallet: string;
  marketId: string;
  /** Shares for SPLIT/MERGE/REDEEM/CONVERSION; 0 when not applicable. */
  size: number;
  /** USD value (usdcSize on the Data API). */
  usdcSize: number;
  ts: number;
  txHash: string | null;
  source: SourceKind;
}

export type LeaderEvent = LeaderFill | LeaderActivity;

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
