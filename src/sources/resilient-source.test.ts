import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PolycopyError } from "../domain/errors.ts";
import { isFatalUpstreamError, resilientSource, type SourceHealth } from "./resilient-source.ts";
import type { LeaderBatch, LeaderSource } from "./source.ts";

/** A source that yields `ok` batches on its first start and once the errors run out; fails with each error of `errors` in turn. */
function flaky(errors: unknown[], ok = 1): LeaderSource & { starts: (string | undefined)[] } {
  const starts: (string | undefined)[] = [];
  return {
    name: "flaky",
    starts,
    async *stream(cursor: string | undefined): AsyncIterable<LeaderBatch> {
      starts.push(cursor);
      if (starts.length === 1 || errors.length === 0)
        for (let i = 0; i < ok; i++) yield { events: [], cursor: `${cursor ?? "c"}+` };
      const e = errors.shift();
      if (e !== undefined) throw e;
    },
  };
}

const outage = (n: number) =>
  Array.from(
    { length: n },
    () => new PolycopyError("UPSTREAM_ERROR", "http://x/activity: failed after 6 attempts (ECONNREFUSED)"),
  );

describe("resilientSource", () => {
  it("retries an outage for ever with capped, growing, jittered backoff, from the persisted cursor, and reports stale then back", async () => {
    const src = flaky(outage(12));
    const health: SourceHealth[] = [];
    const delays: number[] = [];
    let persisted = "p0";
    const r = resilientSource({
      source: src,
      persistedCursor: async () => persisted,
      onHealth: (h) => health.push(h),
      baseMs: 100,
      maxMs: 1600,
      random: () => 0.5,
      sleep: async (ms) => {
        delays.push(ms);
        persisted = `p${delays.length}`;
      },
    });
    const got: string[] = [];
    for await (const b of r.stream("start", new AbortController().signal)) got.push(b.cursor);
    assert.equal(src.starts.length, 13, "started once, then once per failure");
    assert.deepEqual(
      src.starts.slice(0, 3),
      ["start", "p1", "p2"],
      "each restart resumes from the persisted cursor",
    );
    // cap = min(1600, 100·2^n); delay = cap/2 + jitter/2 with jitter = 0.5·cap.
    assert.deepEqual(delays.slice(0, 6), [75, 150, 300, 600, 1200, 1200]);
    assert.ok(delays.every((d) => d <= 1600));
    const first = health[0]!;
    assert.equal(first.stale, true);
    assert.match(first.error ?? "", /ECONNREFUSED/);
    assert.equal(health.filter((h) => h.stale).length, 12, "each failed attempt is reported");
    assert.equal(health.at(-1)!.stale, false, "back once a batch arrives");
    assert.equal(got.length, 2, "the first start's batch, then the recovered one");
  });

  it("ends the run on configuration and authentication errors, not on outages", async () => {
    assert.equal(
      isFatalUpstreamError(new PolycopyError("UPSTREAM_ERROR", "x: HTTP 401", { details: { status: 401 } })),
      true,
    );
    assert.equal(
      isFatalUpstreamError(new PolycopyError("UPSTREAM_ERROR", "x: HTTP 403", { details: { status: 403 } })),
      true,
    );
    assert.equal(isFatalUpstreamError(new PolycopyError("CONFIG_INVALID", "bad")), true);
    assert.equal(isFatalUpstreamError(new PolycopyError("FENCED", "fenced")), true);
    assert.equal(isFatalUpstreamError(new PolycopyError("UPSTREAM_ERROR", "x: HTTP 502")), false);
    assert.equal(isFatalUpstreamError(new PolycopyError("RATE_LIMITED", "x")), false);
    assert.equal(isFatalUpstreamError(new PolycopyError("PAYLOAD_INVALID", "x")), false);
    assert.equal(isFatalUpstreamError(new Error("socket hang up")), false);
    const auth = new PolycopyError("UPSTREAM_ERROR", "x: HTTP 401", { details: { status: 401 } });
    const r = resilientSource({
      source: flaky([outage(1)[0], auth]),
      persistedCursor: async () => undefined,
      sleep: async () => {},
    });
    await assert.rejects(
      (async () => {
        for await (const _ of r.stream(undefined, new AbortController().signal));
      })(),
      (e) => e === auth,
    );
  });

  it("stops quietly when the signal aborts during the backoff", async () => {
    const ac = new AbortController();
    const r = resilientSource({
      source: flaky(outage(100)),
      persistedCursor: async () => undefined,
      sleep: async () => {
        ac.abort();
        throw new Error("aborted");
      },
    });
    let n = 0;
    for await (const _ of r.stream(undefined, ac.signal)) n++;
    assert.equal(n, 1);
  });
});
