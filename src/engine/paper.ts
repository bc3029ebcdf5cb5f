/**
 * Crash-safe paper trading on the ledger. Each leader event is one step: the engine decides, the
 * simulated venue fills, and everything the step changed (orders, fills, positions, audit,
 * breakers) is committed in one transaction together with the engine's cursor. A kill -9 at any
 * point therefore leaves the ledger at a step boundary. On restart the engine is rebuilt by
 * replaying the history up to the cursor (engine and paper venue are deterministic), the rebuilt
 * state is reconciled against the ledger, and trading resumes only if they agree; otherwise it
 * refuses, naming the difference.
 */

import type { OrderBook } from "../domain/book.ts";
import { ManualClock } from "../domain/clock.ts";
import { PolycopyError } from "../domain/errors.ts";
import type { Decision, EngineEvent } from "../domain/events.ts";
import type { LeaderEvent } from "../domain/fill.ts";
import type { Market } from "../domain/market.ts";
import type { Order, OurFill } from "../domain/order.ts";
import type { Position } from "../domain/position.ts";
import type { RiskConfig } from "../risk/config.ts";
import type { AuditEntry, BreakerRecord, Store } from "../store/store.ts";
import { SimulatedVenue } from "../venues/simulated.ts";
import { EventBus } from "./bus.ts";
import { CopyEngine, type LeaderProfile } from "./engine.ts";

export interface PaperHistory {
  markets: readonly Market[];
  events: readonly LeaderEvent[];
  resolutions: ReadonlyMap<string, { winnerIndex: number; ts: number }>;
  bookAt(tokenId: string, ts: number): OrderBook;
}

export interface PaperRunOptions {
  store: Store;
  /** Identifies this run's ledger (config + data); a different run in the same store is refused. */
  runId: string;
  history: PaperHistory;
  leaders: ReadonlyMap<string, LeaderProfile>;
  risk: RiskConfig;
  /** Copying starts at this time (earlier events only move prices). */
  fromTs: number;
  /** Receives engine events of new (not replayed) steps: dashboard, metrics. */
  bus?: EventBus;
  signal?: AbortSignal;
  /** Pause after each step that traded (demos, crash tests). */
  stepDelayMs?: number;
  /** Test hook: SIGKILL this process right after the venue filled the N-th new order, before the commit. */
  crashAfterOrder?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PaperRunResult {
  engine: CopyEngine;
  /** Steps already in the ledger when this run started (0 on a fresh ledger). */
  resumedAt: number;
  total: number;
  /** Steps committed by this run. */
  committed: number;
  stopped: boolean;
}

interface StepEffects {
  orders: Map<string, Order>;
  fills: OurFill[];
  positions: Map<string, Position>;
  audit: AuditEntry[];
  breakers: Set<string>;
}

const cursorSource = (runId: string) => `paper:${runId}`;

function newEffects(): StepEffects {
  return { orders: new Map(), fills: [], positions: new Map(), audit: [], breakers: new Set() };
}

function auditOf(e: EngineEvent): AuditEntry | null {
  switch (e.type) {
    case "decision": {
      const d: Decision = e.decision;
      return {
        ts: d.ts,
        kind: "decision",
        subject: d.wallet,
        message: `${d.action}${d.rule ? ` [${d.rule}]` : ""}: ${d.reason}`,
        data: { ...d },
      };
    }
    case "breaker":
      return {
        ts: e.ts,
        kind: "breaker",
        subject: e.scope,
        message: `${e.from} → ${e.to}: ${e.reason}`,
        data: null,
      };
    case "alert":
      return { ts: e.ts, kind: "alert", subject: null, message: e.message, data: { level: e.level } };
    default:
      return null;
  }
}

export async function runPaper(o: PaperRunOptions): Promise<PaperRunResult> {
  const { store, history: h } = o;
  const source = cursorSource(o.runId);
  const owner = await store.getKv("paper:run");
  if (owner !== undefined && owner !== o.runId) {
    throw new PolycopyError(
      "CONFLICT",
      `the ledger in this store belongs to paper run "${owner}", not "${o.runId}": use another data directory (POLYCOPY_DATA_DIR) or database`,
      { userFacing: true },
    );
  }
  await store.setKv("paper:run", o.runId);
  const cursorRaw = await store.getCursor(source);
  const resumeAt = cursorRaw === undefined ? 0 : Number(cursorRaw);

  // Internal bus: captures each step's effects; forwards to the caller's bus once past the replay.
  const inner = new EventBus();
  let replaying = true;
  let fx = newEffects();
  let newOrders = 0;
  inner.onAny((e) => {
    if (!replaying) o.bus?.emit(e);
    switch (e.type) {
      case "order":
        fx.orders.set(e.order.key, e.order);
        if (!replaying && o.crashAfterOrder !== undefined && ++newOrders >= o.crashAfterOrder) {
          process.kill(process.pid, "SIGKILL");
        }
        break;
      case "fill":
        fx.fills.push(e.fill);
        break;
      case "position":
        fx.positions.set(e.position.tokenId, e.position);
        break;
      case "breaker":
        fx.breakers.add(e.scope);
        break;
      default:
        break;
    }
    const a = auditOf(e);
    if (a) fx.audit.push(a);
  });

  const clock = new ManualClock(o.fromTs);
  const venue = new SimulatedVenue({
    clock,
    book: h.bookAt,
    latencyMs: o.risk.filters.latencyMs,
    startingCash: Math.round(o.risk.startingCashUsd * 1e6),
  });
  const engine = new CopyEngine({
    mode: "paper",
    strategy: "aware",
    risk: o.risk,
    clock,
    venue,
    markets: new Map(h.markets.map((m) => [m.id, m])),
    leaders: o.leaders,
    bus: inner,
  });
  const res = [...h.resolutions.entries()]
    .filter(([, r]) => r.ts >= o.fromTs)
    .sort((a, b) => a[1].ts - b[1].ts);
  let ri = 0;
  const total = h.events.length;
  const replayed = { orders: new Set<string>(), fills: new Set<string>() };

  const step = (i: number) => {
    const e = h.events[i]!;
    while (ri < res.length && res[ri]![1].ts <= e.ts) {
      const [id, r] = res[ri++]!;
      engine.resolve(id, r.winnerIndex, r.ts);
    }
    if (e.ts < o.fromTs) engine.prices.observe(e);
    else engine.handle(e);
  };

  // Markets resolving after the last event settle in a final step (cursor total + 1).
  const settleRest = () => {
    while (ri < res.length) {
      const [id, r] = res[ri++]!;
      engine.resolve(id, r.winnerIndex, r.ts);
    }
  };

  // 1. Rebuild by deterministic replay up to the cursor.
  for (let i = 0; i < Math.min(resumeAt, total); i++) {
    step(i);
    for (const k of fx.orders.keys()) replayed.orders.add(k);
    for (const f of fx.fills) replayed.fills.add(f.key);
    fx = newEffects();
  }
  if (resumeAt > total) settleRest();
  fx = newEffects();
  replaying = false;

  // 2. Reconcile the rebuilt state with the ledger; refuse to trade on any disagreement.
  if (resumeAt > 0) await reconcile(store, engine, replayed);

  // 3. Trade from the cursor on, one committed step per event that changed anything.
  let committed = 0;
  let sinceCursor = 0;
  let stopped = false;
  for (let i = resumeAt; i < total; i++) {
    if (o.signal?.aborted) {
      stopped = true;
      break;
    }
    step(i);
    const changed =
      fx.orders.size + fx.fills.length + fx.positions.size + fx.audit.length + fx.breakers.size > 0;
    sinceCursor++;
    if (changed || sinceCursor >= 5_000 || i === total - 1) {
      await store.commitStep({
        cursor: { source, value: String(i + 1) },
        orders: [...fx.orders.values()],
        fills: fx.fills,
        positions: [...fx.positions.values()],
        audit: fx.audit,
        breakers: [...fx.breakers].map((s) => engine.breakers.get(s)).filter((b): b is BreakerRecord => !!b),
      });
      committed++;
      sinceCursor = 0;
      if (changed && fx.fills.length > 0 && o.stepDelayMs)
        await new Promise((r) => setTimeout(r, o.stepDelayMs));
    }
    fx = newEffects();
    if (o.onProgress && i % 5_000 === 0) o.onProgress(i, total);
  }
  if (!stopped) {
    if (resumeAt <= total) {
      settleRest();
      await store.commitStep({
        cursor: { source, value: String(total + 1) },
        orders: [],
        fills: [],
        positions: [...fx.positions.values()],
        audit: fx.audit,
        breakers: [],
      });
      fx = newEffects();
    }
    engine.finish();
  }
  o.onProgress?.(total, total);
  return { engine, resumedAt: resumeAt, total, committed, stopped };
}

/** Compares the rebuilt engine (venue view) with the ledger; throws RECONCILE_FAILED on any difference. */
export async function reconcile(
  store: Store,
  engine: CopyEngine,
  replayed: { orders: ReadonlySet<string>; fills: ReadonlySet<string> },
  toleranceMicros = 0,
): Promise<void> {
  const problems: string[] = [];
  const ledgerOrders = await store.listOrders();
  const ledgerKeys = new Set(ledgerOrders.map((x) => x.key));
  for (const k of ledgerKeys)
    if (!replayed.orders.has(k)) problems.push(`order ${k} is in the ledger but not on the venue`);
  for (const k of replayed.orders)
    if (!ledgerKeys.has(k)) problems.push(`order ${k} is on the venue but not in the ledger`);
  const ledgerFills = await store.listFills();
  if (ledgerFills.length !== replayed.fills.size)
    problems.push(`ledger has ${ledgerFills.length} fills, venue ${replayed.fills.size}`);
  const ledgerPos = new Map((await store.listPositions()).map((p) => [p.tokenId, p]));
  for (const [token, p] of engine.positions) {
    const l = ledgerPos.get(token);
    const diff = Math.abs((l?.qty ?? 0) - p.qty);
    if (diff > toleranceMicros)
      problems.push(`position ${token}: ledger ${(l?.qty ?? 0) / 1e6} shares, venue ${p.qty / 1e6}`);
  }
  for (const [token, l] of ledgerPos) {
    if (!engine.positions.has(token) && l.qty > toleranceMicros)
      problems.push(`position ${token}: ledger ${l.qty / 1e6} shares, venue 0`);
  }
  if (problems.length > 0) {
    throw new PolycopyError(
      "RECONCILE_FAILED",
      `startup reconciliation failed, refusing to trade: ${problems.slice(0, 3).join("; ")}${problems.length > 3 ? ` (+${problems.length - 3} more)` : ""}`,
      { userFacing: true },
    );
  }
}
