/**
 * Collects what one engine step changed (orders, fills, positions, audit entries, breaker scopes)
 * from the engine's bus, so the caller can commit the step atomically (Store.commitStep).
 */
import type { Decision, EngineEvent } from "../domain/events.ts";
import type { Order, OurFill } from "../domain/order.ts";
import type { Position } from "../domain/position.ts";
import type { AuditEntry, BreakerRecord, EngineStep } from "../store/store.ts";
import type { EventBus } from "./bus.ts";

export function auditOf(e: EngineEvent): AuditEntry | null {
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

export class StepRecorder {
  #orders = new Map<string, Order>();
  #fills: OurFill[] = [];
  #positions = new Map<string, Position>();
  #audit: AuditEntry[] = [];
  #kv: Record<string, string> = {};
  #breakers = new Set<string>();
  /** When false, events are recorded but not forwarded (replaying history). */
  forwarding = true;

  constructor(inner: EventBus, forward?: EventBus, onOrder?: (o: Order) => void) {
    inner.onAny((e) => {
      if (this.forwarding) forward?.emit(e);
      switch (e.type) {
        case "order":
          this.#orders.set(e.order.key, e.order);
          onOrder?.(e.order);
          break;
        case "fill":
          this.#fills.push(e.fill);
          break;
        case "position":
          this.#positions.set(e.position.tokenId, e.position);
          break;
        case "breaker":
          this.#breakers.add(e.scope);
          break;
        default:
          break;
      }
      const a = auditOf(e);
      if (a) this.#audit.push(a);
    });
  }

  /** Attaches a venue error to an order recorded in this step (rejections keep their reason). */
  noteOrderError(key: string, error: string): void {
    const o = this.#orders.get(key);
    if (o) this.#orders.set(key, { ...o, error });
  }

  /** Amends an order recorded in this step (the venue id written ahead, a corrected filled quantity). */
  noteOrder(key: string, patch: Partial<Pick<Order, "venueOrderId" | "filledQty" | "error">>): void {
    const o = this.#orders.get(key);
    if (o) this.#orders.set(key, { ...o, ...patch });
  }

  /** Adds an audit entry that no engine event carries (startup reconciliation). */
  /** A key-value write that belongs to this step (committed with it, atomically). */
  noteKv(key: string, value: string): void {
    this.#kv[key] = value;
  }

  noteAudit(entry: AuditEntry): void {
    this.#audit.push(entry);
  }

  get changed(): boolean {
    return (
      this.#orders.size +
        this.#fills.length +
        this.#positions.size +
        this.#audit.length +
        this.#breakers.size >
      0
    );
  }

  get fillCount(): number {
    return this.#fills.length;
  }

  orderKeys(): string[] {
    return [...this.#orders.keys()];
  }

  fillKeys(): string[] {
    return this.#fills.map((f) => f.key);
  }

  /** The step to commit (breakers resolved to their current records), and a reset. */
  take(
    cursor: EngineStep["cursor"],
    breakers: ReadonlyMap<string, BreakerRecord>,
    kv?: Record<string, string>,
  ): EngineStep {
    const allKv = { ...this.#kv, ...kv };
    const step: EngineStep = {
      cursor,
      orders: [...this.#orders.values()],
      fills: this.#fills,
      positions: [...this.#positions.values()],
      audit: this.#audit,
      breakers: [...this.#breakers].map((s) => breakers.get(s)).filter((b): b is BreakerRecord => !!b),
      ...(Object.keys(allKv).length > 0 ? { kv: allKv } : {}),
    };
    this.reset();
    return step;
  }

  reset(): void {
    this.#orders = new Map();
    this.#fills = [];
    this.#positions = new Map();
    this.#audit = [];
    this.#kv = {};
    this.#breakers = new Set();
  }
}
