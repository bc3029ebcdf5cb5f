import type { BreakerState } from "../domain/events.ts";
import type { LeaderEvent } from "../domain/fill.ts";
import type { Market } from "../domain/market.ts";
import type { Order, OrderStatus, OurFill } from "../domain/order.ts";
import type { Position } from "../domain/position.ts";
import type { WalletClass, WalletRecord } from "../domain/wallet.ts";
import type { InstanceLease } from "./instance-lock.ts";

export interface AuditEntry {
  id?: number;
  ts: number;
  /** e.g. "decision", "order", "breaker", "rotation", "config", "reconcile", "kill_switch". */
  kind: string;
  /** What it concerns: a wallet address, order key, breaker scope... */
  subject: string | null;
  message: string;
  data: Record<string, unknown> | null;
}

export interface BreakerRecord {
  /** "global", "class:market_maker", "wallet:0x…", "market:0x…". */
  scope: string;
  state: BreakerState;
  reason: string;
  /** ms epoch when the current state was entered. */
  since: number;
  /** ms epoch before which the state may not step down (cooldown). */
  cooldownUntil: number;
  data: Record<string, unknown> | null;
}

/** One classification/score of a wallet at a point in time (history for stability and trend). */
export interface WalletScoreRecord {
  wallet: string;
  ts: number;
  class: WalletClass;
  pMm: number;
  pMmLow: number;
  pMmHigh: number;
  score: number;
  scoreLow: number;
  scoreHigh: number;
  data: Record<string, unknown> | null;
}

/**
 * Everything one engine step (one leader event) changed, committed in one transaction together
 * with the engine's cursor: after a crash the ledger holds either all of a step or none of it.
 */
export interface EngineStep {
  cursor: { source: string; value: string };
  /** Orders in their latest state (inserted, or updated when the key exists). */
  orders: readonly Order[];
  /** Our fills; keys already stored are ignored. */
  fills: readonly OurFill[];
  positions: readonly Position[];
  audit: readonly AuditEntry[];
  breakers: readonly BreakerRecord[];
  /** Engine state kept as key-value (e.g. paper cash), written in the same transaction. */
  kv?: Readonly<Record<string, string>>;
}

export interface WalletScoreQuery {
  wallet?: string;
  limit?: number;
}

export interface LeaderEventQuery {
  wallet?: string;
  marketId?: string;
  sinceTs?: number;
  untilTs?: number;
  limit?: number;
}

/**
 * The ledger and memory of the bot. One interface; SQLite (embedded default) and PostgreSQL
 * implementations run the same shared test suite. Every write that must survive a crash is
 * transactional; inserts keyed by idempotency key ignore duplicates and say how many were new.
 */
export interface Store {
  readonly dialect: "sqlite" | "postgres";

  upsertMarkets(markets: readonly Market[]): Promise<void>;
  getMarket(id: string): Promise<Market | undefined>;
  listMarkets(): Promise<Market[]>;

  upsertWallet(w: WalletRecord): Promise<void>;
  getWallet(address: string): Promise<WalletRecord | undefined>;
  listWallets(): Promise<WalletRecord[]>;

  /** Inserts leader fills/activities, ignoring keys already stored. Returns the number newly inserted. */
  insertLeaderEvents(events: readonly LeaderEvent[]): Promise<number>;
  /**
   * Atomically inserts events and advances a source's cursor, so a crash between the two can
   * neither drop a fill (cursor ahead of data) nor double one (keys are unique).
   */
  ingestBatch(source: string, events: readonly LeaderEvent[], cursor: string): Promise<number>;
  listLeaderEvents(q?: LeaderEventQuery): Promise<LeaderEvent[]>;
  countLeaderEvents(q?: LeaderEventQuery): Promise<number>;
  getCursor(source: string): Promise<string | undefined>;
  setCursor(source: string, cursor: string): Promise<void>;

  /** Inserts an order keyed by `order.key`; returns false (and changes nothing) when the key exists. */
  insertOrder(order: Order): Promise<boolean>;
  updateOrder(
    key: string,
    patch: Partial<Pick<Order, "status" | "venueOrderId" | "filledQty" | "updatedTs" | "error">>,
  ): Promise<void>;
  getOrder(key: string): Promise<Order | undefined>;
  listOrders(q?: { status?: readonly OrderStatus[]; limit?: number }): Promise<Order[]>;

  /**
   * Records one of our fills and the position it produces in one transaction; ignores a fill whose
   * key exists (returns false) so replaying venue fills after a crash is safe.
   */
  recordFill(fill: OurFill, position: Position): Promise<boolean>;
  listFills(q?: { orderKey?: string; limit?: number }): Promise<OurFill[]>;
  upsertPosition(p: Position): Promise<void>;
  listPositions(): Promise<Position[]>;

  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(q?: { kind?: string; subject?: string; limit?: number; sinceTs?: number }): Promise<AuditEntry[]>;

  saveBreaker(b: BreakerRecord): Promise<void>;
  listBreakers(): Promise<BreakerRecord[]>;

  /** Commits one engine step atomically (see EngineStep). */
  commitStep(step: EngineStep): Promise<void>;

  /** Small key-value space for engine state that must survive restarts (kill switch, equity marks...). */
  getKv(key: string): Promise<string | undefined>;
  setKv(key: string, value: string): Promise<void>;

  appendWalletScore(s: WalletScoreRecord): Promise<void>;
  /** Oldest first. */
  listWalletScores(q?: WalletScoreQuery): Promise<WalletScoreRecord[]>;

  /**
   * Takes the ledger's trading lock for the life of the process and a new fencing epoch
   * (instance-lock.ts). Throws LOCKED (user-facing, naming the holder) when a live instance holds
   * it. Once taken, every order write (insertOrder, updateOrder, recordFill, commitStep) checks the
   * epoch and throws FENCED if a newer holder took over.
   */
  acquireInstanceLock(): Promise<InstanceLease>;

  close(): Promise<void>;
}
