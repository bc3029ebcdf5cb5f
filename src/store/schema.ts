import type { Generated } from "kysely";

/**
 * The one schema both databases share. Integer money/quantity columns are bigint in PostgreSQL
 * and INTEGER in SQLite; both come back as JS numbers (values stay below 2^53). JSON is text.
 */
export interface Database {
  markets: {
    id: string;
    slug: string;
    event_id: string | null;
    end_ts: number | null;
    closed: number;
    winner_index: number | null;
    data: string;
  };
  wallets: {
    address: string;
    alias: string | null;
    class: string | null;
    p_mm: number | null;
    score: number | null;
    followed: number;
    updated_ts: number;
  };
  leader_events: {
    key: string;
    type: string;
    wallet: string;
    market_id: string;
    token_id: string | null;
    outcome_index: number | null;
    side: string | null;
    price: number | null;
    size: number;
    usdc_size: number | null;
    ts: number;
    role: string | null;
    tx_hash: string | null;
    source: string;
  };
  source_cursors: { source: string; cursor: string; updated_ts: number };
  orders: {
    key: string;
    market_id: string;
    token_id: string;
    outcome_index: number;
    side: string;
    price: number;
    qty: number;
    tif: string;
    purpose: string;
    leader: string | null;
    leader_fill_key: string | null;
    reason: string;
    status: string;
    venue_order_id: string | null;
    filled_qty: number;
    created_ts: number;
    updated_ts: number;
    error: string | null;
  };
  fills: {
    key: string;
    order_key: string;
    market_id: string;
    token_id: string;
    outcome_index: number;
    side: string;
    price: number;
    qty: number;
    fee: number;
    ts: number;
    role: string;
  };
  positions: {
    market_id: string;
    token_id: string;
    outcome_index: number;
    qty: number;
    cost: number;
    realized: number;
    opened_ts: number | null;
    updated_ts: number;
  };
  audit_log: {
    id: Generated<number>;
    ts: number;
    kind: string;
    subject: string | null;
    message: string;
    data: string | null;
  };
  breakers: {
    scope: string;
    state: string;
    reason: string;
    since: number;
    cooldown_until: number;
    data: string | null;
  };
  kv: { key: string; value: string };
  /** The trading lock's holder and fencing epoch (one row per lock name; instance-lock.ts). */
  instance_lock: { name: string; epoch: number; pid: number; host: string; since: number };
  wallet_scores: {
    id: Generated<number>;
    wallet: string;
    ts: number;
    class: string;
    p_mm: number;
    p_mm_low: number;
    p_mm_high: number;
    score: number;
    score_low: number;
    score_high: number;
    data: string | null;
  };
}
