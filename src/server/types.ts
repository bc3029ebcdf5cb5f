import type { Decision } from "../domain/events.ts";
import type { Position } from "../domain/position.ts";
import type { Micros } from "../domain/units.ts";
import type { Recommendation, WalletClass } from "../domain/wallet.ts";
import type { EventBus } from "../engine/bus.ts";
import type { UpstreamSnapshot } from "../engine/health.ts";
import type { BreakerRecord, Store } from "../store/store.ts";

/** One followed or screened wallet as the dashboard shows it. */
export interface DashboardWallet {
  wallet: string;
  alias?: string | null;
  class: WalletClass;
  /** P(market maker) in [0, 1]. */
  pMm: number;
  /** Optional bootstrap interval of pMm. */
  pMmLow?: number;
  pMmHigh?: number;
  score: number;
  scoreLow: number;
  scoreHigh: number;
  recommendation: Recommendation;
  /** Leader fills copied / skipped since start. */
  copied: number;
  skipped: number;
}

/** One row of a strategy/backtest comparison. */
export interface DashboardComparisonRow {
  name: string;
  /** Total return as a fraction (0.12 = +12 %). */
  return: number;
  sharpe: number;
  /** Maximum drawdown as a positive fraction (0.08 = 8 %). */
  maxDrawdown: number;
  trades: number;
}

/**
 * Everything the dashboard page and `GET /api/snapshot` show. Money is integer micro-USD like the
 * ledger (`Micros`); the page formats it.
 */
export interface DashboardSnapshot {
  mode: "backtest" | "paper" | "live";
  /** ms epoch the engine started. */
  startedTs: number;
  equity: Micros;
  cash: Micros;
  realized: Micros;
  unrealized: Micros;
  killSwitch: boolean;
  wallets: DashboardWallet[];
  positions: Position[];
  breakers: BreakerRecord[];
  /** Newest first. */
  recentDecisions: Decision[];
  /** Free-form engine counters, e.g. { leaderFills: 1200, ordersSent: 31 }. */
  counters: Record<string, number>;
  comparison?: DashboardComparisonRow[];
  /** Live feeds: each upstream's health; `stale` while any is down (entries are paused then). */
  upstream?: UpstreamSnapshot;
}

/** State changes the dashboard may request; the engine implements them (and audits them). */
export interface DashboardControl {
  setKillSwitch(on: boolean, reason: string): Promise<void>;
  /**
   * Resets one breaker scope ("global", "class:market_maker", "wallet:0x…"). Throw a PolycopyError
   * with code NOT_FOUND for an unknown scope (served as 404), or a userFacing one for a refusal (400).
   */
  resetBreaker(scope: string): Promise<void>;
}

/** What `startServer` needs from the engine. */
export interface DashboardDeps {
  bus: EventBus;
  store: Store;
  snapshot(): Promise<DashboardSnapshot>;
  control: DashboardControl;
  /**
   * Bearer token required by every state-changing request (POLYCOPY_API_TOKEN); ≥ 12 characters.
   * On a non-loopback bind every read (snapshot, audit, events, metrics) needs it too.
   */
  token: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a random free port). */
  port?: number;
  /** Tuning of the live event stream; defaults suit a browser on a laptop. */
  stream?: Partial<StreamOptions>;
}

export interface StreamOptions {
  /** How often queued events are flushed to clients, ms. */
  flushMs: number;
  /** Minimum interval between two `pnl` events sent to a client, ms (pnl is coalesced to the latest). */
  pnlIntervalMs: number;
  /**
   * Bytes of event data per second sent to each client (a token bucket holding at most one second's
   * worth). Decisions, orders, fills, breakers, alerts and status wait for budget (in order, up to
   * `maxQueued`); leader fills that do not fit are dropped and reported as a `dropped` count.
   */
  maxBytesPerSec: number;
  /** Events kept waiting for budget before the oldest are dropped (bounds memory). */
  maxQueued: number;
  /** Interval of SSE keep-alive comments, ms. */
  heartbeatMs: number;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8787/ */
  url: string;
  close(): Promise<void>;
}
