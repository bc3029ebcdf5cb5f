import WebSocket from "ws";
import { PolycopyError } from "../domain/errors.ts";
import type { LeaderEvent, LeaderFill } from "../domain/fill.ts";
import { printable } from "../domain/printable.ts";
import { parseWith } from "../domain/validation.ts";
import type { PolymarketAdapter } from "../polymarket/adapter.ts";
import { tradeToFill } from "../polymarket/convert.ts";
import { rtdsMessageSchema } from "../polymarket/schemas.ts";
import { type PollCursor, PollSource, parsePollCursor } from "./poll-source.ts";
import type { LeaderBatch, LeaderSource } from "./source.ts";

/**
 * Real-time leader fills from Polymarket's real-time data service (RTDS): topic `activity`, type
 * `trades`. The topic is a global firehose carrying `proxyWallet` (server-side filters are ignored),
 * so messages are filtered by followed wallet here, before the (costlier) validation. Each message
 * is validated with zod; a malformed one is counted, logged and skipped, never fatal.
 *
 * Gaps: the socket has no sequence numbers, so nothing on the wire says what was lost while it was
 * down. After every (re)connect — and at start, which covers a restart — the source first
 * subscribes (messages buffer) and then runs a Data API backfill (PollSource, one pass) from the
 * persisted cursor minus `overlapSec`; then it drains the buffer. It also re-runs that backfill
 * every `reconcileMs` while connected, because the Data API indexes fills 10–15 s late: a fill the
 * socket lost just before a reconnect may not be visible to the reconnect's backfill yet.
 * With `fallbackPollMs` (the combined source), the backfill also runs on that interval while the
 * socket cannot be (re)opened, so a long outage degrades to polling instead of waiting.
 *
 * Cursor: the poll cursor's JSON (`{"v":1,"wallets":{"0x…": lastTsSec}}`), advanced by both the
 * socket and the backfill, so a restart (new instance, persisted cursor) resumes with a backfill
 * from where the store is. Repeats (socket duplicates, backfill overlap) are dropped by key.
 */
export interface RtdsSourceOptions {
  /** wss://ws-live-data.polymarket.com or a stand-in's ws://…/ws. */
  url: string;
  /** For market ticks and the Data API backfill. */
  adapter: PolymarketAdapter;
  wallets: readonly string[];
  /** Backfill depth for wallets without a cursor. */
  backfillDays: number;
  /** Seconds re-read before each wallet's cursor by every backfill (default 120). */
  overlapSec?: number;
  /** Backfill period while connected (default 30 s); 0 disables it. */
  reconcileMs?: number;
  /** While the socket is down, poll at this interval (combined source); default: only back off. */
  fallbackPollMs?: number;
  /** Reconnect backoff: first delay and cap (ms), full jitter on [d/2, d]. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Text PING interval (the service closes idle sockets) and idle timeout that forces a reconnect. */
  pingMs?: number;
  idleTimeoutMs?: number;
  /** Handshake timeout. */
  connectTimeoutMs?: number;
  /** Cursor / store key (default "rtds"). */
  name?: string;
  /** Jitter source (tests). */
  random?: () => number;
  log?: (level: "info" | "warn", msg: string, data?: Record<string, unknown>) => void;
  /** Called when the socket opens or closes. */
  onStatus?: (connected: boolean) => void;
  recentKeys?: number;
}

export interface RtdsStats {
  connects: number;
  disconnects: number;
  connectFailures: number;
  messages: number;
  malformed: number;
  /** Trades of wallets not followed (firehose). */
  filtered: number;
  /** Other topics/types, PONGs. */
  ignored: number;
  duplicates: number;
  fromSocket: number;
  backfills: number;
  backfillErrors: number;
  fromBackfill: number;
}

type InboxItem = { kind: "msg"; conn: number; data: string } | { kind: "close"; conn: number };

/** A queue the socket callbacks fill and the generator drains. */
class Inbox {
  readonly items: InboxItem[] = [];
  #wake: (() => void) | null = null;

  push(x: InboxItem): void {
    this.items.push(x);
    this.#wake?.();
    this.#wake = null;
  }

  /** Resolves when an item arrives, after `ms`, or on abort. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.items.length > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        this.#wake = null;
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      signal.addEventListener("abort", done, { once: true });
      this.#wake = done;
    });
  }
}

export class RtdsSource implements LeaderSource {
  readonly name: string;
  readonly stats: RtdsStats = {
    connects: 0,
    disconnects: 0,
    connectFailures: 0,
    messages: 0,
    malformed: 0,
    filtered: 0,
    ignored: 0,
    duplicates: 0,
    fromSocket: 0,
    backfills: 0,
    backfillErrors: 0,
    fromBackfill: 0,
  };
  readonly #o: Required<Omit<RtdsSourceOptions, "fallbackPollMs" | "onStatus" | "name">> &
    Pick<RtdsSourceOptions, "fallbackPollMs" | "onStatus">;
  readonly #wallets: ReadonlySet<string>;
  #connected = false;
  /** Set when a followed fill could not be taken from the socket: forces a backfill. */
  #retry = false;

  constructor(o: RtdsSourceOptions) {
    if (o.wallets.length === 0) {
      throw new PolycopyError("INPUT_INVALID", "rtds source needs at least one wallet", { userFacing: true });
    }
    if (!/^wss?:\/\/\S+$/.test(o.url)) {
      throw new PolycopyError("INPUT_INVALID", `rtds url must be ws:// or wss://, got "${o.url}"`, {
        userFacing: true,
      });
    }
    this.name = o.name ?? "rtds";
    this.#wallets = new Set(o.wallets.map((w) => w.toLowerCase()));
    this.#o = {
      url: o.url,
      adapter: o.adapter,
      wallets: [...this.#wallets],
      backfillDays: o.backfillDays,
      overlapSec: o.overlapSec ?? 120,
      reconcileMs: o.reconcileMs ?? 30_000,
      fallbackPollMs: o.fallbackPollMs,
      backoffMinMs: o.backoffMinMs ?? 500,
      backoffMaxMs: o.backoffMaxMs ?? 30_000,
      pingMs: o.pingMs ?? 5_000,
      idleTimeoutMs: o.idleTimeoutMs ?? 20_000,
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      random: o.random ?? Math.random,
      log: o.log ?? (() => {}),
      onStatus: o.onStatus,
      recentKeys: o.recentKeys ?? 200_000,
    };
  }

  /** Whether the socket is open right now. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Delay before reconnect attempt `n` (0-based): exponential, capped, jittered on [d/2, d]. */
  backoffMs(n: number): number {
    const d = Math.min(this.#o.backoffMaxMs, this.#o.backoffMinMs * 2 ** Math.min(n, 30));
    return Math.round(d / 2 + (this.#o.random() * d) / 2);
  }

  async *stream(cursor: string | undefined, signal: AbortSignal): AsyncIterable<LeaderBatch> {
    const o = this.#o;
    const state = parsePollCursor(cursor);
    const recent = new Set<string>();
    const fresh = (k: string): boolean => {
      if (recent.has(k)) return false;
      recent.add(k);
      if (recent.size > o.recentKeys) recent.delete(recent.values().next().value as string);
      return true;
    };
    const inbox = new Inbox();
    let connId = 0;
    let ws: WebSocket | null = null;
    let ping: ReturnType<typeof setInterval> | null = null;
    let lastHeard = Date.now();
    const setConnected = (c: boolean) => {
      if (this.#connected !== c) {
        this.#connected = c;
        o.onStatus?.(c);
      }
    };
    const teardown = () => {
      if (ping) clearInterval(ping);
      ping = null;
      if (ws) {
        ws.removeAllListeners();
        ws.on("error", () => {});
        ws.terminate();
      }
      ws = null;
      setConnected(false);
    };

    const self = this;
    /** One Data API pass from the cursor; yields batches with the merged cursor. */
    async function* backfill(): AsyncGenerator<LeaderBatch> {
      self.stats.backfills++;
      const poll = new PollSource({
        adapter: o.adapter,
        wallets: o.wallets,
        backfillDays: o.backfillDays,
        overlapSec: o.overlapSec,
        follow: false,
      });
      try {
        for await (const b of poll.stream(JSON.stringify(state), signal)) {
          mergeCursor(state, parsePollCursor(b.cursor));
          const events = b.events.filter((e) => {
            if (!fresh(e.key)) {
              self.stats.duplicates++;
              return false;
            }
            return true;
          });
          self.stats.fromBackfill += events.length;
          yield { events, cursor: JSON.stringify(state) };
        }
      } catch (e) {
        if (signal.aborted) return;
        self.stats.backfillErrors++;
        o.log("warn", "rtds backfill failed; will retry", { error: (e as Error).message });
        throw new BackfillFailed();
      }
    }

    /** Converts the buffered messages of the current connection; returns whether it closed. */
    const drain = async (out: LeaderEvent[]): Promise<boolean> => {
      let closed = false;
      while (inbox.items.length > 0) {
        const it = inbox.items.shift()!;
        if (it.conn !== connId) continue; // left over from a previous socket
        if (it.kind === "close") {
          closed = true;
          continue;
        }
        lastHeard = Date.now();
        const f = await this.#message(it.data, signal);
        if (f === null) continue;
        if (!fresh(f.key)) {
          this.stats.duplicates++;
          continue;
        }
        this.stats.fromSocket++;
        const tsSec = Math.floor(f.ts / 1000);
        if (tsSec > (state.wallets[f.wallet] ?? -1)) state.wallets[f.wallet] = tsSec;
        out.push(f);
      }
      return closed;
    };

    let failures = 0;
    try {
      while (!signal.aborted) {
        // --- connect (messages buffer from the moment we subscribe) ---
        const id = ++connId;
        try {
          ws = await this.#connect(id, inbox, signal);
        } catch (e) {
          if (signal.aborted) return;
          this.stats.connectFailures++;
          o.log("warn", "rtds connect failed", { error: (e as Error).message, attempt: failures });
          const wait = this.backoffMs(failures++);
          if (o.fallbackPollMs !== undefined) {
            // Combined mode: keep the store current by polling while the socket is down.
            try {
              yield* backfill();
            } catch (err) {
              if (!(err instanceof BackfillFailed)) throw err;
            }
            await sleepQuiet(Math.min(wait, o.fallbackPollMs), signal);
          } else {
            await sleepQuiet(wait, signal);
          }
          continue;
        }
        this.stats.connects++;
        const connectedAt = Date.now();
        setConnected(true);
        lastHeard = Date.now();
        ping = setInterval(() => {
          try {
            ws?.send("PING");
          } catch {
            // a dead socket shows up as close
          }
          if (Date.now() - lastHeard > o.idleTimeoutMs) {
            o.log("warn", "rtds socket idle; reconnecting", { idleMs: Date.now() - lastHeard });
            ws?.terminate();
          }
        }, o.pingMs);

        // --- gap backfill after every (re)connect and at start (covers a restart) ---
        let needBackfill = true;
        let lastBackfill = 0;
        let closed = false;
        while (!signal.aborted && !closed) {
          if (needBackfill || (o.reconcileMs > 0 && Date.now() - lastBackfill >= o.reconcileMs)) {
            try {
              yield* backfill();
              needBackfill = false;
            } catch (e) {
              if (!(e instanceof BackfillFailed)) throw e;
              needBackfill = true;
            }
            lastBackfill = Date.now();
          }
          const events: LeaderEvent[] = [];
          closed = await drain(events);
          if (this.#retry) {
            this.#retry = false;
            needBackfill = true;
          }
          if (events.length > 0) yield { events, cursor: JSON.stringify(state) };
          if (closed) break;
          const untilBackfill = needBackfill
            ? this.backoffMs(0)
            : o.reconcileMs > 0
              ? lastBackfill + o.reconcileMs - Date.now()
              : 60_000;
          await inbox.wait(Math.max(1, untilBackfill), signal);
        }
        teardown();
        if (signal.aborted) return;
        this.stats.disconnects++;
        o.log("info", "rtds socket closed; reconnecting", { connects: this.stats.connects });
        // A connection that lived a while resets the backoff; a flapping one keeps growing it.
        if (Date.now() - connectedAt > o.backoffMaxMs) failures = 0;
        await sleepQuiet(this.backoffMs(failures++), signal);
      }
    } finally {
      teardown();
    }
  }

  /** Opens a socket, subscribes to activity/trades, and routes its traffic into the inbox. */
  #connect(id: number, inbox: Inbox, signal: AbortSignal): Promise<WebSocket> {
    const o = this.#o;
    return new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(o.url, { handshakeTimeout: o.connectTimeoutMs });
      let open = false;
      const onAbort = () => {
        ws.terminate();
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      ws.on("error", (e) => {
        if (!open) {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        }
      });
      ws.on("close", () => {
        if (!open) {
          signal.removeEventListener("abort", onAbort);
          reject(new Error("closed before open"));
          return;
        }
        inbox.push({ kind: "close", conn: id });
      });
      ws.on("message", (d: WebSocket.RawData) => {
        inbox.push({ kind: "msg", conn: id, data: d.toString() });
      });
      ws.on("open", () => {
        open = true;
        signal.removeEventListener("abort", onAbort);
        ws.send(
          JSON.stringify({ action: "subscribe", subscriptions: [{ topic: "activity", type: "trades" }] }),
        );
        resolve(ws);
      });
    });
  }

  /** One socket message → a followed wallet's fill, or null (counted and, if malformed, logged). */
  async #message(text: string, signal: AbortSignal): Promise<LeaderFill | null> {
    this.stats.messages++;
    if (text === "PONG" || text === "pong" || text === "") {
      this.stats.ignored++;
      return null;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.#malformed(`not JSON: ${printable(text, 60)}`);
    }
    let msg: { topic: string; type: string; payload: unknown };
    try {
      msg = parseWith(rtdsMessageSchema, raw, "rtds message");
    } catch (e) {
      return this.#malformed((e as Error).message);
    }
    if (msg.topic !== "activity" || msg.type !== "trades") {
      this.stats.ignored++;
      return null;
    }
    // Firehose: filter by wallet before doing anything costly.
    const w = (msg.payload as { proxyWallet?: unknown } | null)?.proxyWallet;
    if (typeof w !== "string") return this.#malformed("rtds message.payload.proxyWallet: missing");
    if (!this.#wallets.has(w.toLowerCase())) {
      this.stats.filtered++;
      return null;
    }
    const cid = (msg.payload as { conditionId?: unknown }).conditionId;
    if (typeof cid === "string" && /^0x[0-9a-fA-F]{64}$/.test(cid)) {
      try {
        await this.#o.adapter.ensureMarkets([cid], signal);
      } catch (e) {
        if (signal.aborted) return null;
        // The store needs the market before the fill: leave the fill to the next backfill (which
        // fetches markets first and re-reads this window).
        this.#o.log("warn", "rtds: market lookup failed; fill left to the backfill", {
          conditionId: cid,
          error: (e as Error).message,
        });
        this.#retry = true;
        return null;
      }
    }
    try {
      return tradeToFill(msg.payload, "rtds message.payload", { source: "rtds" });
    } catch (e) {
      return this.#malformed((e as Error).message);
    }
  }

  #malformed(why: string): null {
    this.stats.malformed++;
    this.#o.log("warn", "rtds: malformed message skipped", { why });
    return null;
  }
}

class BackfillFailed extends Error {}

function mergeCursor(into: PollCursor, from: PollCursor): void {
  for (const [w, t] of Object.entries(from.wallets)) {
    if (t > (into.wallets[w] ?? -1)) into.wallets[w] = t;
  }
}

async function sleepQuiet(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
