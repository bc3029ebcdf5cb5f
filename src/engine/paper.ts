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
import type { LeaderEvent } from "../domain/fill.ts";
import type { Market } from "../domain/market.ts";
import { sleep } from "../polymarket/http.ts";
import type { RiskConfig } from "../risk/config.ts";
import type { Store } from "../store/store.ts";
import { SimulatedVenue } from "../venues/simulated.ts";
import { EventBus } from "./bus.ts";
import { CopyEngine, type LeaderProfile } from "./engine.ts";
import { StepRecorder } from "./step-recorder.ts";

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

const cursorSource = (runId: string) => `paper:${runId}`;

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
  let newOrders = 0;
  const rec = new StepRecorder(inner, o.bus, () => {
    if (rec.forwarding && o.crashAfterOrder !== undefined && ++newOrders >= o.crashAfterOrder) {
      process.kill(process.pid, "SIGKILL");
    }
  });
  rec.forwarding = false;

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
    for (const k of rec.orderKeys()) replayed.orders.add(k);
    for (const k of rec.fillKeys()) replayed.fills.add(k);
    rec.reset();
  }
  if (resumeAt > total) settleRest();
  rec.reset();
  rec.forwarding = true;

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
    const changed = rec.changed;
    const traded = rec.fillCount > 0;
    sinceCursor++;
    if (changed || sinceCursor >= 5_000 || i === total - 1) {
      await store.commitStep(rec.take({ source, value: String(i + 1) }, engine.breakers));
      committed++;
      sinceCursor = 0;
      if (traded && o.stepDelayMs) await sleep(o.stepDelayMs);
    }
    rec.reset();
    if (o.onProgress && i % 5_000 === 0) o.onProgress(i, total);
  }
  if (!stopped) {
    if (resumeAt <= total) {
      settleRest();
      await store.commitStep(rec.take({ source, value: String(total + 1) }, engine.breakers));
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
