import type { EngineEvent } from "../domain/events.ts";
import type { EventBus } from "../engine/bus.ts";
import type { StreamOptions } from "./types.ts";

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  flushMs: 250,
  pnlIntervalMs: 1000,
  maxBytesPerSec: 8 * 1024,
  maxQueued: 1000,
  heartbeatMs: 15_000,
};

/** Messages the stream adds to the bus events: a greeting on connect and a count of dropped events. */
export type StreamMessage =
  | EngineEvent
  | { type: "hello"; ts: number }
  | { type: "dropped"; count: number; ts: number };

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
}

export interface EventStreamHubEvents {
  onClients(n: number): void;
  onDropped(n: number): void;
}

/**
 * Fans bus events out to Server-Sent-Event clients within a byte budget. The bus can carry a replay's
 * firehose; a browser needs a few KB/s. Events are queued and flushed every `flushMs` while a token
 * bucket of `maxBytesPerSec` (holding at most one second's worth) allows: `pnl` is coalesced to the
 * latest value and sent at most every `pnlIntervalMs`, `position` to the latest per token;
 * decisions, orders, fills, breakers, alerts and status wait for budget in order (the oldest are
 * dropped beyond `maxQueued`); leader fills that do not fit the current flush are dropped. Drops are
 * reported to clients as one `dropped` message. Each flush is serialized once and written to every
 * client; a client whose buffer is full misses that chunk.
 */
export class EventStreamHub {
  readonly #opts: StreamOptions;
  readonly #hooks: EventStreamHubEvents;
  readonly #clients = new Set<Client>();
  readonly #encoder = new TextEncoder();
  #important: EngineEvent[] = [];
  #bulk: EngineEvent[] = [];
  #positions = new Map<string, EngineEvent>();
  #pnl: EngineEvent | null = null;
  #lastPnlSent = Number.NEGATIVE_INFINITY;
  #dropped = 0;
  #seq = 0;
  #budget: number;
  #lastRefill = Date.now();
  readonly #off: () => void;
  readonly #flushTimer: NodeJS.Timeout;
  readonly #heartbeatTimer: NodeJS.Timeout;

  constructor(bus: EventBus, opts: Partial<StreamOptions> = {}, hooks: Partial<EventStreamHubEvents> = {}) {
    this.#opts = { ...DEFAULT_STREAM_OPTIONS, ...opts };
    this.#budget = this.#opts.maxBytesPerSec;
    this.#hooks = { onClients: hooks.onClients ?? (() => {}), onDropped: hooks.onDropped ?? (() => {}) };
    this.#off = bus.onAny((e) => this.#enqueue(e));
    this.#flushTimer = setInterval(() => this.flush(), this.#opts.flushMs);
    this.#heartbeatTimer = setInterval(() => this.#broadcast(": keep-alive\n\n"), this.#opts.heartbeatMs);
    // The dashboard must never keep a finished backtest alive.
    this.#flushTimer.unref();
    this.#heartbeatTimer.unref();
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** A streaming Response for one client; it is registered until it disconnects or the hub closes. */
  response(): Response {
    let client: Client | undefined;
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          client = { controller };
          this.#clients.add(client);
          this.#hooks.onClients(this.#clients.size);
          controller.enqueue(
            this.#encoder.encode(`retry: 3000\n${this.#format({ type: "hello", ts: Date.now() })}`),
          );
        },
        cancel: () => {
          if (client) this.#remove(client);
        },
      },
      // ~256 KB of unsent text per client, then chunks are skipped for that client.
      { highWaterMark: 256 * 1024, size: (chunk) => chunk.byteLength },
    );
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      },
    });
  }

  /** Sends what the budget allows. Called by the timer; public for tests. */
  flush(now: number = Date.now()): void {
    const rate = this.#opts.maxBytesPerSec;
    this.#budget = Math.min(rate, this.#budget + (rate * Math.max(0, now - this.#lastRefill)) / 1000);
    this.#lastRefill = now;
    if (this.#clients.size === 0) {
      this.#clearQueues();
      return;
    }
    let text = "";
    /** Appends one message if it fits the budget; returns false (and sends nothing) if not. */
    const fits = (m: StreamMessage): boolean => {
      const json = JSON.stringify(m);
      const cost = Buffer.byteLength(json) + 16;
      if (cost > this.#budget) return false;
      this.#budget -= cost;
      this.#seq++;
      text += `id: ${this.#seq}\ndata: ${json}\n\n`;
      return true;
    };

    let i = 0;
    while (i < this.#important.length && fits(this.#important[i]!)) i++;
    this.#important = i === this.#important.length ? [] : this.#important.slice(i);
    for (const [token, e] of this.#positions) {
      if (!fits(e)) break;
      this.#positions.delete(token);
    }
    if (this.#pnl && now - this.#lastPnlSent >= this.#opts.pnlIntervalMs && fits(this.#pnl)) {
      this.#pnl = null;
      this.#lastPnlSent = now;
    }
    let j = 0;
    while (j < this.#bulk.length && fits(this.#bulk[j]!)) j++;
    this.#dropped += this.#bulk.length - j;
    this.#bulk = [];

    if (this.#dropped > 0) {
      // Outside the budget: a few bytes that tell the page its feed is incomplete.
      this.#hooks.onDropped(this.#dropped);
      text += this.#format({ type: "dropped", count: this.#dropped, ts: now });
      this.#dropped = 0;
    }
    if (text !== "") this.#broadcast(text);
  }

  /** Ends every client stream and stops listening to the bus. */
  close(): void {
    this.#off();
    clearInterval(this.#flushTimer);
    clearInterval(this.#heartbeatTimer);
    for (const c of [...this.#clients]) {
      try {
        c.controller.close();
      } catch {
        // already closed by the client
      }
      this.#remove(c);
    }
    this.#clearQueues();
  }

  #enqueue(e: EngineEvent): void {
    if (this.#clients.size === 0) return;
    const cap = this.#opts.maxQueued;
    switch (e.type) {
      case "pnl":
        this.#pnl = e;
        return;
      case "position":
        this.#positions.delete(e.position.tokenId); // re-insert: the map's order is the send order
        this.#positions.set(e.position.tokenId, e);
        if (this.#positions.size > cap) {
          const oldest = this.#positions.keys().next().value as string;
          this.#positions.delete(oldest);
          this.#dropped++;
        }
        return;
      case "leader_fill":
        if (this.#bulk.length < cap) this.#bulk.push(e);
        else this.#dropped++;
        return;
      default:
        this.#important.push(e);
        if (this.#important.length > cap) {
          this.#important.shift();
          this.#dropped++;
        }
    }
  }

  #format(m: StreamMessage): string {
    this.#seq++;
    return `id: ${this.#seq}\ndata: ${JSON.stringify(m)}\n\n`;
  }

  #broadcast(text: string): void {
    if (this.#clients.size === 0) return;
    const bytes = this.#encoder.encode(text);
    for (const c of [...this.#clients]) {
      const room = c.controller.desiredSize;
      if (room === null) {
        this.#remove(c);
        continue;
      }
      if (room < bytes.byteLength) continue; // slow client: skip this chunk rather than buffer without bound
      try {
        c.controller.enqueue(bytes);
      } catch {
        this.#remove(c);
      }
    }
  }

  #remove(c: Client): void {
    if (this.#clients.delete(c)) this.#hooks.onClients(this.#clients.size);
  }

  #clearQueues(): void {
    this.#important = [];
    this.#bulk = [];
    this.#positions.clear();
    this.#pnl = null;
    this.#dropped = 0;
  }
}
