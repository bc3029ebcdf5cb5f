import { PolycopyError } from "../domain/errors.ts";
import { backoffMs, type Sleep, sleep } from "../polymarket/http.ts";
import type { LeaderBatch, LeaderSource } from "./source.ts";

/**
 * Keeps a leader source alive through upstream outages of any length. When the source fails with
 * anything but a configuration or authentication error, it is reported stale, waits a capped,
 * jittered exponential backoff, and starts again from the cursor the consumer last persisted: the
 * restart is the backfill (a poller re-reads from its cursor minus its overlap; the store ignores
 * repeats), so no leader fill is lost. For ever, until the signal aborts.
 */
export interface SourceHealth {
  source: string;
  stale: boolean;
  /** ms epoch the current outage began (null while healthy). */
  since: number | null;
  /** ms epoch of the last batch received. */
  lastOk: number | null;
  /** The last failure (one line), kept after recovery for the dashboard. */
  error: string | null;
  /** Consecutive failed attempts in the current outage. */
  failures: number;
  /** Delay before the next attempt, ms (null while healthy). */
  retryInMs: number | null;
}

export interface ResilientSourceOptions {
  source: LeaderSource;
  /** The cursor the consumer persisted (Store.getCursor): where a restart resumes. */
  persistedCursor: () => Promise<string | undefined>;
  onHealth?: (h: SourceHealth) => void;
  /** Backoff: uniform in [min·cap/2, cap], cap = min(maxMs, baseMs·2^failures). Defaults 1 s / 30 s. */
  baseMs?: number;
  maxMs?: number;
  now?: () => number;
  random?: () => number;
  sleep?: Sleep;
}

/** Error codes a retry cannot fix: bad configuration, arguments, secrets, the ledger, the lock. */
const FATAL_CODES = new Set([
  "CONFIG_INVALID",
  "CLI_INVALID",
  "SECRET_MISSING",
  "STORE_ERROR",
  "LOCKED",
  "FENCED",
  "RECONCILE_FAILED",
  "INTERNAL",
]);

/**
 * Whether an upstream failure must end the run: configuration and authentication errors (and
 * programming errors) do; outages, rate limits, bad gateways and garbled payloads do not.
 */
export function isFatalUpstreamError(e: unknown): boolean {
  if (e instanceof PolycopyError) {
    const status = Number(e.details?.status);
    if (status === 401 || status === 403) return true;
    if (FATAL_CODES.has(e.code)) return true;
    // A user-facing input error is the user's to fix (e.g. a malformed stored cursor).
    return e.code === "INPUT_INVALID" && e.userFacing;
  }
  return (
    e instanceof TypeError ||
    e instanceof RangeError ||
    e instanceof ReferenceError ||
    e instanceof SyntaxError
  );
}

export function describeError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0]!.slice(0, 300);
}

export function resilientSource(o: ResilientSourceOptions): LeaderSource {
  const now = o.now ?? Date.now;
  const rand = o.random ?? Math.random;
  const wait = o.sleep ?? sleep;
  const p = { baseDelayMs: o.baseMs ?? 1_000, maxDelayMs: o.maxMs ?? 30_000 };
  const h: SourceHealth = {
    source: o.source.name,
    stale: false,
    since: null,
    lastOk: null,
    error: null,
    failures: 0,
    retryInMs: null,
  };
  const report = () => o.onHealth?.({ ...h });
  return {
    name: o.source.name,
    async *stream(cursor: string | undefined, signal: AbortSignal): AsyncIterable<LeaderBatch> {
      let from = cursor;
      for (;;) {
        try {
          for await (const batch of o.source.stream(from, signal)) {
            h.lastOk = now();
            if (h.stale) {
              h.stale = false;
              h.since = null;
              h.failures = 0;
              h.retryInMs = null;
              report();
            }
            yield batch;
          }
          // A one-pass source finished: it answered to the end, so it is not stale any more.
          if (h.stale) {
            h.stale = false;
            h.since = null;
            h.failures = 0;
            h.retryInMs = null;
            h.lastOk = now();
            report();
          }
          return;
        } catch (e) {
          if (signal.aborted) return;
          if (isFatalUpstreamError(e)) throw e;
          // Full jitter keeps instances from stampeding a recovering server; half the cap as a
          // floor keeps a long outage from being hammered by near-zero draws.
          const cap = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** Math.min(h.failures, 30));
          const delay = Math.round(cap / 2 + backoffMs(h.failures, p, rand) / 2);
          h.failures++;
          h.error = describeError(e);
          h.retryInMs = delay;
          if (!h.stale) {
            h.stale = true;
            h.since = now();
          }
          report();
          try {
            await wait(delay, signal);
          } catch {
            return;
          }
          from = await o.persistedCursor();
        }
      }
    },
  };
}
