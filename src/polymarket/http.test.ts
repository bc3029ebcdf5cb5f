import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPolycopyError } from "../domain/errors.ts";
import { backoffMs, HttpClient, parseRetryAfter, SlidingWindowLimiter } from "./http.ts";

/** A fake clock whose sleep advances time and records each wait. */
function fakeClock(start = 1_000_000) {
  let t = start;
  const waits: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
    waits,
  };
}

function response(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers });
}

/** A fetch that plays back a script of responses (or thrown errors) and counts calls. */
function scripted(script: (Response | Error)[]) {
  let i = 0;
  const f = (async () => {
    const r = script[Math.min(i, script.length - 1)]!;
    i++;
    if (r instanceof Error) throw r;
    return r.clone();
  }) as unknown as typeof fetch;
  return { fetch: f, calls: () => i };
}

describe("SlidingWindowLimiter", () => {
  it("allows `limit` calls per window and then waits for the oldest to leave it", async () => {
    const c = fakeClock();
    const l = new SlidingWindowLimiter({ limit: 3, windowMs: 10_000 }, c.now, c.sleep);
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      await l.acquire();
      times.push(c.now() - 1_000_000);
    }
    assert.deepEqual(times, [0, 0, 0, 10_000, 10_000, 10_000, 20_000]);
    // Never more than 3 in any 10 s window.
    for (const t of times) assert.ok(times.filter((u) => u > t - 10_000 && u <= t).length <= 3);
  });
});

describe("retry helpers", () => {
  it("parses Retry-After as seconds or an HTTP date", () => {
    assert.equal(parseRetryAfter("3"), 3000);
    assert.equal(parseRetryAfter("0"), 0);
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now), 5000);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter("soon"), undefined);
  });
  it("backs off exponentially with full jitter, capped", () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(
      backoffMs(0, p, () => 0.999),
      99,
    );
    assert.equal(
      backoffMs(3, p, () => 0.5),
      400,
    );
    assert.equal(
      backoffMs(10, p, () => 0.5),
      500,
    );
    assert.equal(
      backoffMs(2, p, () => 0),
      0,
    );
  });
});

describe("HttpClient", () => {
  const limiter = () => new SlidingWindowLimiter({ limit: 1000, windowMs: 10_000 });

  it("honours Retry-After on 429, retries 5xx, dropped sockets and garbled bodies, then returns the JSON", async () => {
    const c = fakeClock();
    const s = scripted([
      response(429, "{}", { "retry-after": "2" }),
      response(503, "busy"),
      new TypeError("fetch failed", { cause: { code: "ECONNRESET" } }),
      response(200, '[{"a":'),
      response(200, '[{"a":1}]'),
    ]);
    const retries: string[] = [];
    const h = new HttpClient({
      fetch: s.fetch,
      now: c.now,
      sleep: c.sleep,
      random: () => 0,
      retry: { baseDelayMs: 100 },
      onRetry: (r) => retries.push(r.reason),
    });
    assert.deepEqual(await h.getJson("http://x/activity", [limiter()]), [{ a: 1 }]);
    assert.equal(s.calls(), 5);
    assert.equal(c.waits[0], 2000, "waited exactly Retry-After (jitter 0)");
    assert.deepEqual(retries, [
      "429 rate limited",
      "HTTP 503",
      "ECONNRESET",
      "unparseable JSON body (6 bytes)",
    ]);
    assert.deepEqual(
      { ...h.stats },
      { requests: 5, retries: 4, rateLimited: 1, serverErrors: 1, networkErrors: 1, badBodies: 1 },
    );
  });

  it("does not retry other 4xx, and gives up after maxAttempts", async () => {
    const c = fakeClock();
    const s400 = scripted([response(400, '{"error":"offset too large"}')]);
    const h = new HttpClient({ fetch: s400.fetch, now: c.now, sleep: c.sleep });
    await assert.rejects(
      h.getJson("http://x/a", []),
      (e: unknown) => isPolycopyError(e, "UPSTREAM_ERROR") && /400/.test(e.message),
    );
    assert.equal(s400.calls(), 1);

    const s500 = scripted([response(500, "")]);
    const h2 = new HttpClient({ fetch: s500.fetch, now: c.now, sleep: c.sleep, retry: { maxAttempts: 4 } });
    await assert.rejects(
      h2.getJson("http://x/a", []),
      (e: unknown) => isPolycopyError(e, "UPSTREAM_ERROR") && /after 4 attempts/.test(e.message),
    );
    assert.equal(s500.calls(), 4);
  });

  it("refuses an absurd Retry-After instead of hanging", async () => {
    const c = fakeClock();
    const s = scripted([response(429, "", { "retry-after": "3600" })]);
    const h = new HttpClient({ fetch: s.fetch, now: c.now, sleep: c.sleep });
    await assert.rejects(h.getJson("http://x/a", []), (e: unknown) => isPolycopyError(e, "RATE_LIMITED"));
  });

  it("times out a hung request and retries it", async () => {
    let n = 0;
    const f = ((_url: string, init: RequestInit) => {
      n++;
      if (n === 1) {
        return new Promise((_, reject) =>
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
        );
      }
      return Promise.resolve(response(200, "[]"));
    }) as unknown as typeof fetch;
    const h = new HttpClient({ fetch: f, retry: { timeoutMs: 50, baseDelayMs: 1 } });
    assert.deepEqual(await h.getJson("http://x/a", []), []);
    assert.equal(n, 2);
    assert.equal(h.stats.networkErrors, 1);
  });
});
