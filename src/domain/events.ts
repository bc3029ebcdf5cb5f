import type { LeaderFill } from "./fill.ts";
import type { Order, OurFill } from "./order.ts";
import type { Position } from "./position.ts";
import type { WalletClass } from "./wallet.ts";

/** Breaker states: halts block entries; exits keep working. */
export type BreakerState = "NORMAL" | "REDUCED" | "HALTED";

/** Outcome of one leader fill through the pipeline, recorded in the audit log and emitted. */
export interface Decision {
  leaderFillKey: string;
  wallet: string;
  walletClass: WalletClass;
  action: "copied" | "skipped" | "resized" | "blocked";
  /** Machine-readable rule name, e.g. "filter.rebalancing", "risk.max_position", "breaker.global". */
  rule: string | null;
  reason: string;
  orderKey: string | null;
  ts: number;
}

/** Everything the engine tells the outside world (dashboard, metrics, alerts, reports). */
export type EngineEvent =
  | { type: "leader_fill"; fill: LeaderFill }
  | { type: "decision"; decision: Decision }
  | { type: "order"; order: Order }
  | { type: "fill"; fill: OurFill }
  | { type: "position"; position: Position }
  | {
      type: "breaker";
      scope: string;
      from: BreakerState;
      to: BreakerState;
      reason: string;
      ts: number;
    }
  | { type: "pnl"; equity: number; realized: number; unrealized: number; ts: number }
  | { type: "alert"; level: "info" | "warn" | "error"; message: string; ts: number }
  | {
      type: "status";
      mode: "backtest" | "paper" | "live";
      state: "starting" | "running" | "stopping" | "stopped";
      ts: number;
    };

export type EngineEventType = EngineEvent["type"];
