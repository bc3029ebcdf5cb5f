import { PolycopyError } from "../domain/errors.ts";

/**
 * A small HTTP client for Polymarket's public REST services with the documented per-endpoint rate
 * limits (sliding 10 s windows), Retry-After on 429, jittered exponential backoff on 5xx, dropped
 * sockets, timeouts and unparseable bodies.
 *
 * Why plain fetch and not @polymarket/client: the SDK (0.2.x) can be pointed at other base URLs
 * (forkEnvironmentConfig), but its transport throws a RateLimitError that drops the Retry-After
 * value, gives no per-endpoint rate budget, and parses every body through its own schemas before we
 * see it, so our boundary validation could not name the failing field of the raw payload. Its
 * `/activity` pager also hides `offset`, which we need to rebase windows at the Data API's offset
 * cap. The request shapes below are the same ones the SDK sends (`/activity?user&limit&offset...`,
 * `/book?token_id`, Gamma `/markets`).
 */

export interface RateLimit {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

/** Documented limits (docs.polymarket.com/api-reference/rate-limits, ../shared/reference/copy-bots.md §0). */
export const POLYMARKET_LIMITS = {
  dataOverall: { limit: 1000, windowMs: 10_000 },
  dataTrades: { limit: 200, windowMs: 10_000 },
  // Not separately documented; the general Data API budget applies. Kept as its own bucket so a
  // poller cannot starve the other Data API calls.
  dataActivity: { limit: 1000, windowMs: 10_000 },
  gammaOverall: { limit: 4000, windowMs: 10_000 },
  gammaMarkets: { limit: 300, windowMs: 10_000 },
  clobBook: { limit: 1500, windowMs: 10_000 },
} as const satisfies Record<string, RateLimit>;

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** Sliding-window limiter: at most `limit` acquisitions in any `windowMs`. */
export class SlidingWindowLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #sleep: Sleep;
  /** Timestamps of the acquisitions in the current window, oldest first. */
  readonly #stamps: number[] = [];

  constructor(rl: RateLimit, now: () => number = Date.now, sleepFn: Sleep = sleep) {
    if (!(rl.limit >= 1) || !(rl.windowMs > 0)) {
      throw new PolycopyError(
        "INPUT_INVALID",
        `rate limit must be ≥1 per positive window, got ${rl.limit}/${rl.windowMs}ms`,
      );
    }
    this.#limit = rl.limit;
    this.#windowMs = rl.windowMs;
    this.#now = now;
    this.#sleep = sleepFn;
  }

  /** How long a caller would wait right now (0 when a slot is free). */
  waitMs(): number {
    const now = this.#now();
    while (this.#stamps.length > 0 && this.#stamps[0]! <= now - this.#windowMs) this.#stamps.shift();
    if (this.#stamps.length < this.#limit) return 0;
    return this.#stamps[0]! + this.#windowMs - now;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const w = this.waitMs();
      if (w <= 0) {
        this.#stamps.push(this.#now());
        return;
      }
      await this.#sleep(w, signal);
    }
  }
}

export interface RetryPolicy {
  /** Attempts in total, including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Upper bound on a server's Retry-After we are willing to honour before giving up. */
  maxRetryAfterMs: number;
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 250,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 120_000,
  timeoutMs: 15_000,
};

/**
 * Client retries of a long-running follower (`run`, `ingest --follow`): a few quick attempts ride
 * out transient faults; a longer outage is retried for ever by the source (resilient-source.ts).
 */
export const FOLLOW_RETRY: Partial<RetryPolicy> = { maxAttempts: 6, maxDelayMs: 4_000 };

/** Full-jitter exponential backoff (AWS style): uniform in [0, min(cap, base·2^attempt)]. */
export function backoffMs(
  attempt: number,
  p: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">,
  rand: () => number,
): number {
  const ceiling = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** attempt);
  return Math.floor(rand() * ceiling);
}

/** Retry-After is either delta-seconds or an HTTP date; returns ms, or undefined when absent/invalid. */
export function parseRetryAfter(v: string | null, now: number = Date.now()): number | undefined {
  if (v === null || v.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

export interface HttpStats {
  requests: number;
  retries: number;
  rateLimited: number;
  serverErrors: number;
  networkErrors: number;
  badBodies: number;
}

export interface HttpClientOptions {
  retry?: Partial<RetryPolicy>;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: Sleep;
  /** Random source for jitter (tests pass a seeded one). */
  random?: () => number;
  onRetry?: (info: { url: string; attempt: number; delayMs: number; reason: string }) => void;
}

class Retryable extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

export class HttpClient {
  readonly stats: HttpStats = {
    requests: 0,
    retries: 0,
    rateLimited: 0,
    serverErrors: 0,
    networkErrors: 0,
    badBodies: 0,
  };
  readonly #retry: RetryPolicy;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #onRetry: HttpClientOptions["onRetry"];
  readonly #limiters = new Map<string, SlidingWindowLimiter>();

  constructor(opts: HttpClientOptions = {}) {
    this.#retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.#fetch = opts.fetch ?? fetch;
    this.#now = opts.now ?? Date.now;
    this.#sleep = opts.sleep ?? sleep;
    this.#random = opts.random ?? Math.random;
    this.#onRetry = opts.onRetry;
  }

  /** The limiter for a named bucket, created on first use. */
  limiter(name: string, rl: RateLimit): SlidingWindowLimiter {
    let l = this.#limiters.get(name);
    if (!l) {
      l = new SlidingWindowLimiter(rl, this.#now, this.#sleep);
      this.#limiters.set(name, l);
    }
    return l;
  }

  /**
   * GETs `url` and returns the parsed JSON body. Every attempt first acquires each limiter in
   * `buckets`. Retries 429 (after Retry-After), 5xx, network errors, timeouts and unparseable
   * bodies; other 4xx fail at once.
   */
  async getJson(
    url: string,
    buckets: readonly SlidingWindowLimiter[],
    signal?: AbortSignal,
  ): Promise<unknown> {
    const p = this.#retry;
    let lastReason = "";
    for (let attempt = 0; attempt < p.maxAttempts; attempt++) {
      if (signal?.aborted) throw signal.reason;
      for (const b of buckets) await b.acquire(signal);
      try {
        return await this.#once(url, signal);
      } catch (e) {
        if (!(e instanceof Retryable)) throw e;
        lastReason = e.message;
        if (attempt + 1 >= p.maxAttempts) break;
        let delay = backoffMs(attempt, p, this.#random);
        if (e.retryAfterMs !== undefined) {
          if (e.retryAfterMs > p.maxRetryAfterMs) {
            throw new PolycopyError(
              "RATE_LIMITED",
              `${redact(url)}: server asks to retry after ${e.retryAfterMs} ms; giving up`,
            );
          }
          // Honour the server's wait, plus a little jitter so parallel callers do not stampede.
          delay = e.retryAfterMs + Math.floor(this.#random() * p.baseDelayMs);
        }
        this.stats.retries++;
        this.#onRetry?.({ url: redact(url), attempt: attempt + 1, delayMs: delay, reason: e.message });
        await this.#sleep(delay, signal);
      }
    }
    throw new PolycopyError(
      "UPSTREAM_ERROR",
      `${redact(url)}: failed after ${p.maxAttempts} attempts (${lastReason})`,
    );
  }

  async #once(url: string, signal: AbortSignal | undefined): Promise<unknown> {
    this.stats.requests++;
    const timeout = AbortSignal.timeout(this.#retry.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(url, { signal: combined, headers: { accept: "application/json" } });
      text = await res.text();
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      this.stats.networkErrors++;
      const why = timeout.aborted ? `timeout after ${this.#retry.timeoutMs} ms` : describeNetworkError(e);
      throw new Retryable(why);
    }
    if (res.status === 429) {
      this.stats.rateLimited++;
      throw new Retryable("429 rate limited", parseRetryAfter(res.headers.get("retry-after"), this.#now()));
    }
    if (res.status >= 500) {
      this.stats.serverErrors++;
      throw new Retryable(`HTTP ${res.status}`);
    }
    if (res.status === 404) {
      throw new PolycopyError("NOT_FOUND", `${redact(url)}: 404 ${text.slice(0, 120)}`);
    }
    if (res.status >= 400) {
      // The status travels with the error: 401/403 (authentication) end a run, other 4xx do not.
      throw new PolycopyError("UPSTREAM_ERROR", `${redact(url)}: HTTP ${res.status} ${text.slice(0, 200)}`, {
        details: { status: res.status },
      });
    }
    try {
      return JSON.parse(text);
    } catch {
      // A truncated or garbled body is a transport fault (proxies and dropped sockets cause it), not a
      // schema error: retry it. Schema errors surface later, from the zod boundary.
      this.stats.badBodies++;
      throw new Retryable(`unparseable JSON body (${text.length} bytes)`);
    }
  }
}

function describeNetworkError(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

/** Query strings may carry wallet addresses, never secrets; still, keep logs short. */
function redact(url: string): string {
  return url.length > 200 ? `${url.slice(0, 200)}…` : url;
}
