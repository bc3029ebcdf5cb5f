/**
 * What the bot knows about its upstreams (leader feeds, order books, market data) during a run:
 * each source's health (resilient-source.ts), an alert on the bus when one goes stale or comes
 * back (dashboard, metrics and the webhook take alerts from there), and the engine's entry pause
 * while the leader feed or prices are stale (exits keep working). The snapshot shows the outage.
 */
import type { SourceHealth } from "../sources/resilient-source.ts";
import type { EventBus } from "./bus.ts";

/** feed: leader fills; prices: order books and market data the entry decisions depend on. */
export type UpstreamKind = "feed" | "prices";

export interface UpstreamSnapshot {
  /** True while any source is stale. */
  stale: boolean;
  /** Why entries are paused (null when they are not). */
  entriesPaused: string | null;
  sources: (SourceHealth & { kind: UpstreamKind })[];
}

/** The engine's side: entries blocked while a named source is stale (CopyEngine.setStale). */
export interface StaleSink {
  setStale(source: string, reason: string | null): void;
}

export class UpstreamHealth {
  readonly #bus: EventBus | undefined;
  readonly #now: () => number;
  readonly #sources = new Map<string, SourceHealth & { kind: UpstreamKind }>();
  #sink: StaleSink | null = null;

  readonly #onChange: ((message: string) => void) | undefined;

  /** `onChange` also gets each stale/back message (e.g. printed by `run`). */
  constructor(o: { bus?: EventBus; now?: () => number; onChange?: (message: string) => void } = {}) {
    this.#bus = o.bus;
    this.#now = o.now ?? Date.now;
    this.#onChange = o.onChange;
  }

  #alert(level: "info" | "warn", message: string, ts: number): void {
    this.#bus?.emit({ type: "alert", level, message, ts });
    this.#onChange?.(message);
  }

  /** Connects the engine once it exists; stale sources already known pause its entries at once. */
  attach(sink: StaleSink): void {
    this.#sink = sink;
    for (const h of this.#sources.values()) sink.setStale(h.source, h.stale ? this.#reason(h) : null);
  }

  /** A source's health changed (a resilientSource's onHealth, or a fetch that failed or worked). */
  report(h: SourceHealth, kind: UpstreamKind): void {
    const before = this.#sources.get(h.source);
    this.#sources.set(h.source, { ...h, kind });
    const ts = this.#now();
    if (h.stale && !before?.stale) {
      this.#alert(
        "warn",
        `${kind === "feed" ? "leader feed" : "prices"} ${h.source} is stale (${h.error ?? "no answer"}): entries paused, exits still run; retrying`,
        ts,
      );
    } else if (!h.stale && before?.stale) {
      const secs = before.since === null ? 0 : Math.round((ts - before.since) / 1000);
      this.#alert(
        "info",
        `${kind === "feed" ? "leader feed" : "prices"} ${h.source} is back after ${secs} s${kind === "feed" ? ": resumed from the stored cursor (backfill)" : ""}`,
        ts,
      );
    }
    this.#sink?.setStale(h.source, h.stale ? this.#reason({ ...h, kind }) : null);
  }

  /** For fetches outside a source (order books, market lookups): one success or failure. */
  fetched(source: string, kind: UpstreamKind, error: string | null): void {
    const prev = this.#sources.get(source);
    const now = this.#now();
    if (error === null) {
      if (prev && !prev.stale) {
        prev.lastOk = now;
        return;
      }
      this.report(
        {
          source,
          stale: false,
          since: null,
          lastOk: now,
          error: prev?.error ?? null,
          failures: 0,
          retryInMs: null,
        },
        kind,
      );
      return;
    }
    this.report(
      {
        source,
        stale: true,
        since: prev?.stale ? prev.since : now,
        lastOk: prev?.lastOk ?? null,
        error,
        failures: (prev?.stale ? prev.failures : 0) + 1,
        retryInMs: null,
      },
      kind,
    );
  }

  isStale(source: string): boolean {
    return this.#sources.get(source)?.stale === true;
  }

  snapshot(): UpstreamSnapshot {
    const sources = [...this.#sources.values()].map((h) => ({ ...h }));
    const stale = sources.filter((h) => h.stale);
    return {
      stale: stale.length > 0,
      entriesPaused: stale.length > 0 ? stale.map((h) => this.#reason(h)).join("; ") : null,
      sources,
    };
  }

  #reason(h: SourceHealth & { kind: UpstreamKind }): string {
    return `${h.kind === "feed" ? "leader feed" : "prices"} ${h.source} stale since ${new Date(h.since ?? this.#now()).toISOString()} (${h.error ?? "no answer"})`;
  }
}
