import { monitorEventLoopDelay } from "node:perf_hooks";
import { Counter, Gauge, Registry } from "prom-client";
import type { BreakerState, EngineEvent } from "../domain/events.ts";
import { MICROS_PER_UNIT } from "../domain/units.ts";
import type { EventBus } from "../engine/bus.ts";
import type { BreakerRecord } from "../store/store.ts";
import type { DashboardSnapshot } from "./types.ts";

/** Breaker state as a number for a gauge: 0 NORMAL, 1 REDUCED, 2 HALTED. */
export const BREAKER_LEVEL: Record<BreakerState, number> = { NORMAL: 0, REDUCED: 1, HALTED: 2 };

export interface DashboardMetrics {
  readonly registry: Registry;
  /** Sets the gauges that only a snapshot knows (kill switch, open positions, equity before any pnl event). */
  observeSnapshot(s: DashboardSnapshot): void;
  observeBreakers(breakers: readonly BreakerRecord[]): void;
  setKillSwitch(on: boolean): void;
  setSseClients(n: number): void;
  addSseDropped(n: number): void;
  snapshotFailed(): void;
  /** Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
  close(): void;
}

/**
 * Prometheus metrics fed by the bus. Each server owns its registry (no global state), so several
 * servers in one process (tests) do not collide. Money gauges are in USD, Prometheus' base unit.
 */
export function createMetrics(bus: EventBus): DashboardMetrics {
  const registry = new Registry();
  const r = [registry];

  const leaderFills = new Counter({
    name: "polycopy_leader_fills_total",
    help: "Leader fills seen by the engine.",
    labelNames: ["source"] as const,
    registers: r,
  });
  const decisions = new Counter({
    name: "polycopy_decisions_total",
    help: "Decisions on leader fills, by action and rule.",
    labelNames: ["action", "rule"] as const,
    registers: r,
  });
  const orders = new Counter({
    name: "polycopy_orders_total",
    help: "Order events (one per status change), by status, side and purpose.",
    labelNames: ["status", "side", "purpose"] as const,
    registers: r,
  });
  const fills = new Counter({
    name: "polycopy_fills_total",
    help: "Our fills, by side and liquidity role.",
    labelNames: ["side", "role"] as const,
    registers: r,
  });
  const filledNotional = new Counter({
    name: "polycopy_fill_notional_usd_total",
    help: "Notional of our fills in USD.",
    labelNames: ["side"] as const,
    registers: r,
  });
  const fees = new Counter({
    name: "polycopy_fees_usd_total",
    help: "Fees paid on our fills in USD.",
    registers: r,
  });
  const breakerState = new Gauge({
    name: "polycopy_breaker_state",
    help: "Circuit-breaker state per scope: 0 NORMAL, 1 REDUCED, 2 HALTED.",
    labelNames: ["scope"] as const,
    registers: r,
  });
  const breakerTransitions = new Counter({
    name: "polycopy_breaker_transitions_total",
    help: "Circuit-breaker transitions, by scope and target state.",
    labelNames: ["scope", "to"] as const,
    registers: r,
  });
  const equity = new Gauge({ name: "polycopy_equity_usd", help: "Account equity in USD.", registers: r });
  const realized = new Gauge({
    name: "polycopy_realized_pnl_usd",
    help: "Realized PnL in USD.",
    registers: r,
  });
  const unrealized = new Gauge({
    name: "polycopy_unrealized_pnl_usd",
    help: "Unrealized PnL in USD.",
    registers: r,
  });
  const openPositions = new Gauge({
    name: "polycopy_open_positions",
    help: "Positions with a non-zero quantity (as of the last snapshot).",
    registers: r,
  });
  const upstreamStale = new Gauge({
    name: "polycopy_upstream_stale",
    help: "1 while an upstream (leader feed, order books) is stale and entries are paused.",
    labelNames: ["source"],
    registers: r,
  });
  const killSwitch = new Gauge({
    name: "polycopy_kill_switch",
    help: "1 when the kill switch blocks new entries.",
    registers: r,
  });
  const alerts = new Counter({
    name: "polycopy_alerts_total",
    help: "Alerts emitted, by level.",
    labelNames: ["level"] as const,
    registers: r,
  });
  const sseClients = new Gauge({
    name: "polycopy_sse_clients",
    help: "Connected live-event (SSE) clients.",
    registers: r,
  });
  const sseDropped = new Counter({
    name: "polycopy_sse_dropped_events_total",
    help: "Events not sent to SSE clients because the stream's rate budget was exhausted.",
    registers: r,
  });
  const engineCounters = new Gauge({
    name: "polycopy_engine_counter",
    help: "The engine's own counters from its snapshot (cover events from before the server started).",
    labelNames: ["name"] as const,
    registers: r,
  });
  const snapshotErrors = new Counter({
    name: "polycopy_snapshot_errors_total",
    help: "Failures of the engine's snapshot function.",
    registers: r,
  });

  // Event-loop lag from node's own histogram; reset at each scrape so a gauge shows the recent interval.
  // The histogram records the whole timer interval, so the sampling resolution is subtracted.
  const resolutionMs = 10;
  const lagHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  lagHistogram.enable();
  new Gauge({
    name: "polycopy_event_loop_lag_seconds",
    help: "Event-loop delay since the previous scrape, by statistic (mean, p99, max).",
    labelNames: ["stat"] as const,
    registers: r,
    collect() {
      const seconds = (ns: number): number =>
        Number.isFinite(ns) && ns > 0 ? Math.max(0, ns / 1e9 - resolutionMs / 1000) : 0;
      this.set({ stat: "mean" }, seconds(lagHistogram.mean));
      this.set({ stat: "p99" }, seconds(lagHistogram.percentile(99)));
      this.set({ stat: "max" }, seconds(lagHistogram.max));
      lagHistogram.reset();
    },
  });

  const usd = (m: number): number => m / MICROS_PER_UNIT;

  const onEvent = (e: EngineEvent): void => {
    switch (e.type) {
      case "leader_fill":
        leaderFills.inc({ source: e.fill.source });
        break;
      case "decision":
        decisions.inc({ action: e.decision.action, rule: e.decision.rule ?? "none" });
        break;
      case "order":
        orders.inc({ status: e.order.status, side: e.order.side, purpose: e.order.purpose });
        break;
      case "fill":
        fills.inc({ side: e.fill.side, role: e.fill.role });
        filledNotional.inc({ side: e.fill.side }, (e.fill.price * e.fill.qty) / MICROS_PER_UNIT);
        if (e.fill.fee > 0) fees.inc(usd(e.fill.fee));
        break;
      case "breaker":
        breakerState.set({ scope: e.scope }, BREAKER_LEVEL[e.to]);
        breakerTransitions.inc({ scope: e.scope, to: e.to });
        break;
      case "pnl":
        equity.set(usd(e.equity));
        realized.set(usd(e.realized));
        unrealized.set(usd(e.unrealized));
        break;
      case "alert":
        alerts.inc({ level: e.level });
        break;
      case "position":
      case "status":
        break;
    }
  };
  const off = bus.onAny(onEvent);
  let sawPnl = false;
  const offPnl = bus.on("pnl", () => {
    sawPnl = true;
  });

  return {
    registry,
    contentType: registry.contentType,
    observeSnapshot(s) {
      killSwitch.set(s.killSwitch ? 1 : 0);
      for (const u of s.upstream?.sources ?? []) upstreamStale.set({ source: u.source }, u.stale ? 1 : 0);
      openPositions.set(s.positions.filter((p) => p.qty !== 0).length);
      for (const [name, v] of Object.entries(s.counters)) {
        if (Number.isFinite(v)) engineCounters.set({ name }, v);
      }
      // pnl events are fresher than a snapshot taken concurrently; the snapshot only seeds the gauges.
      if (!sawPnl) {
        equity.set(usd(s.equity));
        realized.set(usd(s.realized));
        unrealized.set(usd(s.unrealized));
      }
    },
    observeBreakers(list) {
      for (const b of list) breakerState.set({ scope: b.scope }, BREAKER_LEVEL[b.state]);
    },
    setKillSwitch(on) {
      killSwitch.set(on ? 1 : 0);
    },
    setSseClients(n) {
      sseClients.set(n);
    },
    addSseDropped(n) {
      if (n > 0) sseDropped.inc(n);
    },
    snapshotFailed() {
      snapshotErrors.inc();
    },
    render: () => registry.metrics(),
    close() {
      off();
      offPnl();
      lagHistogram.disable();
      registry.clear();
    },
  };
}
