/**
 * Sends engine alerts (breaker transitions, kill switch, reclassifications) to a webhook as JSON,
 * at most one per distinct message per interval so a flapping breaker cannot flood the channel.
 * Delivery failures are logged and dropped: alerting never stops trading.
 */
import type { EngineEvent } from "../domain/events.ts";
import { childLogger } from "../log.ts";
import type { EventBus } from "./bus.ts";

const log = childLogger("alerts");

export interface WebhookAlertsOptions {
  url: string;
  minIntervalSec: number;
  /** Lowest level sent (default "info"). */
  minLevel?: "info" | "warn" | "error";
  timeoutMs?: number;
  now?: () => number;
}

const RANK = { info: 0, warn: 1, error: 2 } as const;

export class WebhookAlerts {
  readonly #o: WebhookAlertsOptions;
  readonly #last = new Map<string, number>();
  readonly #pending = new Set<Promise<void>>();
  readonly #off: () => void;
  sent = 0;
  suppressed = 0;
  failed = 0;

  constructor(bus: EventBus, o: WebhookAlertsOptions) {
    this.#o = o;
    this.#off = bus.on("alert", (e) => this.#onAlert(e));
  }

  #onAlert(e: Extract<EngineEvent, { type: "alert" }>): void {
    if (RANK[e.level] < RANK[this.#o.minLevel ?? "info"]) return;
    const now = (this.#o.now ?? Date.now)();
    // Digits vary (drawdown 0.051, 0.052…): the same alert with other numbers is the same alert.
    const key = `${e.level}:${e.message.replace(/[\d.]+/g, "#")}`;
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.#o.minIntervalSec * 1000) {
      this.suppressed++;
      return;
    }
    this.#last.set(key, now);
    const p = this.#post({
      source: "polycopy",
      level: e.level,
      message: e.message,
      ts: new Date(e.ts).toISOString(),
    });
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  async #post(body: Record<string, unknown>): Promise<void> {
    try {
      const res = await fetch(this.#o.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 5000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.sent++;
    } catch (err) {
      this.failed++;
      log.warn({ err: (err as Error).message }, "alert webhook delivery failed");
    }
  }

  /** Waits for deliveries in flight (shutdown, tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  close(): void {
    this.#off();
  }
}
