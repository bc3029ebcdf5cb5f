import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import { isPolycopyError } from "../src/domain/errors.ts";
import type { EngineEvent } from "../src/domain/events.ts";
import type { Order, OurFill } from "../src/domain/order.ts";
import { startServer } from "../src/server/server.ts";
import type { RunningServer } from "../src/server/types.ts";
import { decision, type FakeEngine, fakeEngine, TOKEN, WALLET } from "./dashboard.fixture.ts";

// biome-ignore lint/suspicious/noExplicitAny: test payloads are checked field by field below
type Json = any;
const json = async (res: Response | Promise<Response>): Promise<Json> => (await res).json();

/** Reads an SSE response incrementally and parses each `data:` message as JSON. */
function sseClient(url: string) {
  const ctl = new AbortController();
  const messages: Array<{ type: string } & Record<string, unknown>> = [];
  let waiters: Array<() => void> = [];
  let bytes = 0;
  const done = (async () => {
    const res = await fetch(url, { signal: ctl.signal, headers: { accept: "text/event-stream" } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      bytes += Buffer.byteLength(value);
      buf += value;
      let i = buf.indexOf("\n\n");
      while (i >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = block
          .split("\n")
          .filter((l) => l.startsWith("data: "))
          .map((l) => l.slice(6))
          .join("\n");
        if (data) messages.push(JSON.parse(data));
        i = buf.indexOf("\n\n");
      }
      for (const w of waiters) w();
      waiters = [];
    }
  })().catch((e: unknown) => {
    if ((e as Error).name !== "AbortError") throw e;
  });
  return {
    messages,
    get bytes() {
      return bytes;
    },
    async waitFor(pred: (m: { type: string } & Record<string, unknown>) => boolean, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = messages.find(pred);
        if (hit) return hit;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`SSE: no matching message within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    close() {
      ctl.abort();
      return done;
    },
  };
}

function rawGet(url: string, host: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: u.hostname, port: u.port, path: "/api/snapshot", headers: { host } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const order = (status: Order["status"]): Order => ({
  key: "o:1",
  marketId: "0xmarket1",
  tokenId: "111",
  outcomeIndex: 0,
  side: "BUY",
  price: 0.45,
  qty: 10_000_000,
  tif: "FAK",
  purpose: "entry",
  leader: WALLET,
  leaderFillKey: "lf:1",
  reason: "copy",
  status,
  venueOrderId: null,
  filledQty: 0,
  createdTs: 1,
  updatedTs: 1,
  error: null,
});

const ourFill: OurFill = {
  key: "o:1:1",
  orderKey: "o:1",
  marketId: "0xmarket1",
  tokenId: "111",
  outcomeIndex: 0,
  side: "BUY",
  price: 0.45,
  qty: 10_000_000,
  fee: 90_000,
  ts: 2,
  role: "taker",
};

function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const kv of (m[2] ?? "").replace(/^\{|\}$/g, "").matchAll(/(\w+)="([^"]*)"/g)) got[kv[1]!] = kv[2]!;
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe("dashboard server", () => {
  let eng: FakeEngine;
  let srv: RunningServer;
  before(async () => {
    eng = await fakeEngine();
    srv = await startServer(
      eng.deps({ stream: { flushMs: 50, pnlIntervalMs: 60_000, maxBytesPerSec: 4096 } }),
    );
  });
  after(async () => {
    await srv.close();
    await eng.store.close();
  });

  it("binds 127.0.0.1 on a random port by default and answers /healthz", async () => {
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.notEqual(new URL(srv.url).port, "0");
    const res = await fetch(new URL("healthz", srv.url));
    assert.equal(res.status, 200);
    assert.equal((await json(res)).ok, true);
  });

  it("serves the dashboard page and its script with a restrictive CSP, and nothing else from disk", async () => {
    const page = await fetch(srv.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    const html = await page.text();
    for (const id of ["equity", "kill-switch-state", "wallets-body", "feed-body", "token-input"]) {
      assert.match(html, new RegExp(`id="${id}"`), `page lacks #${id}`);
    }
    const js = await fetch(new URL("app.js", srv.url));
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /javascript/);
    assert.match(await js.text(), /EventSource\("\/api\/events"\)/);
    for (const p of ["package.json", "web/app.js", "..%2fpackage.json", "%2e%2e/package.json"]) {
      assert.equal((await fetch(new URL(p, srv.url))).status, 404, p);
    }
  });

  it("GET /api/snapshot returns the engine's snapshot and breakers from the store", async () => {
    await eng.store.saveBreaker({
      scope: "global",
      state: "HALTED",
      reason: "drawdown 12% > 10%",
      since: 1000,
      cooldownUntil: 2000,
      data: null,
    });
    const res = await fetch(new URL("api/snapshot", srv.url));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const snap = await json(res);
    assert.equal(snap.mode, "paper");
    assert.equal(snap.equity, eng.state.equity);
    assert.equal(snap.wallets[0].wallet, WALLET);
    assert.equal(snap.breakers[0].scope, "global");
    assert.equal(snap.breakers[0].state, "HALTED");
  });

  it("rejects requests whose Host header is not loopback (DNS rebinding)", async () => {
    const port = new URL(srv.url).port;
    assert.equal(await rawGet(srv.url, `127.0.0.1:${port}`), 200);
    assert.equal(await rawGet(srv.url, `localhost:${port}`), 200);
    assert.equal(await rawGet(srv.url, `evil.example:${port}`), 403);
  });

  it("POST /api/kill-switch needs the bearer token: 401 without or wrong, 200 with", async () => {
    const url = new URL("api/kill-switch", srv.url);
    const body = JSON.stringify({ on: true, reason: "test stop" });
    const headers = { "content-type": "application/json" };
    const none = await fetch(url, { method: "POST", headers, body });
    assert.equal(none.status, 401);
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
    const wrong = await fetch(url, {
      method: "POST",
      headers: { ...headers, authorization: `Bearer ${TOKEN}x` },
      body,
    });
    assert.equal(wrong.status, 401);
    const prefix = await fetch(url, {
      method: "POST",
      headers: { ...headers, authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      body,
    });
    assert.equal(prefix.status, 401);
    assert.deepEqual(eng.calls, [], "control must not run without a valid token");
    assert.equal(eng.state.killSwitch, false);

    const ok = await fetch(url, {
      method: "POST",
      headers: { ...headers, authorization: `Bearer ${TOKEN}` },
      body,
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(await json(ok), { ok: true, killSwitch: true });
    assert.deepEqual(eng.calls, ["kill:true:test stop"]);
    const snap = await json(fetch(new URL("api/snapshot", srv.url)));
    assert.equal(snap.killSwitch, true);

    // The request is in the audit trail, served by /api/audit.
    const audit = await json(fetch(new URL("api/audit?limit=5&kind=api", srv.url)));
    assert.equal(audit.entries[0].subject, "kill_switch");
    assert.match(audit.entries[0].message, /on: test stop/);
  });

  it("validates the kill-switch body and names the field", async () => {
    const url = new URL("api/kill-switch", srv.url);
    const headers = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };
    const bad = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ on: "yes", reason: "x" }),
    });
    assert.equal(bad.status, 400);
    assert.match((await json(bad)).error, /^kill-switch body: on: /);
    const noReason = await fetch(url, { method: "POST", headers, body: JSON.stringify({ on: false }) });
    assert.equal(noReason.status, 400);
    assert.match((await json(noReason)).error, /reason/);
    const notJson = await fetch(url, { method: "POST", headers, body: "{on:" });
    assert.equal(notJson.status, 400);
    const huge = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({ on: true, reason: "x".repeat(40_000) }),
    });
    assert.equal(huge.status, 413);
  });

  it("POST /api/breakers/:scope/reset needs the token, resets, and maps unknown scopes to 404", async () => {
    await eng.store.saveBreaker({
      scope: "wallet:0xabc",
      state: "HALTED",
      reason: "loss streak",
      since: 1,
      cooldownUntil: 2,
      data: null,
    });
    const url = new URL("api/breakers/wallet:0xabc/reset", srv.url);
    assert.equal((await fetch(url, { method: "POST" })).status, 401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const ok = await fetch(url, { method: "POST", headers: auth });
    assert.equal(ok.status, 200);
    assert.ok(eng.calls.includes("reset:wallet:0xabc"));
    const b = (await eng.store.listBreakers()).find((x) => x.scope === "wallet:0xabc");
    assert.equal(b?.state, "NORMAL");
    const missing = await fetch(new URL("api/breakers/wallet:0xdef/reset", srv.url), {
      method: "POST",
      headers: auth,
    });
    assert.equal(missing.status, 404);
    const invalid = await fetch(new URL("api/breakers/bad%20scope%3B/reset", srv.url), {
      method: "POST",
      headers: auth,
    });
    assert.equal(invalid.status, 400);
    assert.match((await json(invalid)).error, /^scope: /);
  });

  it("GET /api/audit validates limit and never serves secret-looking fields", async () => {
    await eng.store.appendAudit({
      ts: 5,
      kind: "config",
      subject: null,
      message: "config loaded",
      data: {
        databaseUrl: "postgres://user:hunter2@db/x",
        nested: { apiKey: "k-123", privateKey: "0xdead" },
      },
    });
    const res = await fetch(new URL("api/audit?limit=1&kind=config", srv.url));
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.doesNotMatch(text, /hunter2|k-123|0xdead/);
    const { entries } = JSON.parse(text);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].data.nested.apiKey, "[redacted]");
    assert.equal(entries[0].data.databaseUrl, "postgres://***@db/x");
    const bad = await fetch(new URL("api/audit?limit=abc", srv.url));
    assert.equal(bad.status, 400);
    assert.match((await json(bad)).error, /limit/);
    assert.equal((await fetch(new URL("api/audit?limit=5000", srv.url))).status, 400);
  });

  it("/metrics exposes decision, order, fill, breaker, equity and event-loop metrics after bus events", async () => {
    const bus = eng.bus;
    bus.emit({ type: "decision", decision: decision("m1") });
    bus.emit({ type: "decision", decision: decision("m2") });
    bus.emit({
      type: "decision",
      decision: decision("m3", { action: "skipped", rule: "filter.rebalancing", orderKey: null }),
    });
    bus.emit({ type: "order", order: order("pending") });
    bus.emit({ type: "order", order: order("filled") });
    bus.emit({ type: "fill", fill: ourFill });
    bus.emit({
      type: "breaker",
      scope: "class:market_maker",
      from: "NORMAL",
      to: "REDUCED",
      reason: "loss streak 3",
      ts: 3,
    });
    bus.emit({ type: "pnl", equity: 1_500_250_000, realized: 10_000_000, unrealized: 250_000, ts: 4 });
    bus.emit({ type: "alert", level: "warn", message: "slow feed", ts: 5 });

    const res = await fetch(new URL("metrics", srv.url));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/plain/);
    const text = await res.text();
    assert.equal(metricValue(text, "polycopy_decisions_total", { action: "copied", rule: "none" }), 2);
    assert.equal(
      metricValue(text, "polycopy_decisions_total", { action: "skipped", rule: "filter.rebalancing" }),
      1,
    );
    assert.equal(metricValue(text, "polycopy_orders_total", { status: "pending", side: "BUY" }), 1);
    assert.equal(metricValue(text, "polycopy_orders_total", { status: "filled", purpose: "entry" }), 1);
    assert.equal(metricValue(text, "polycopy_fills_total", { side: "BUY", role: "taker" }), 1);
    assert.equal(metricValue(text, "polycopy_fill_notional_usd_total", { side: "BUY" }), 4.5);
    assert.equal(metricValue(text, "polycopy_fees_usd_total"), 0.09);
    assert.equal(metricValue(text, "polycopy_breaker_state", { scope: "class:market_maker" }), 1);
    assert.equal(metricValue(text, "polycopy_breaker_transitions_total", { to: "REDUCED" }), 1);
    // The HALTED breaker saved in the store earlier is reported from the store at scrape time.
    assert.equal(metricValue(text, "polycopy_breaker_state", { scope: "global" }), 2);
    assert.equal(metricValue(text, "polycopy_equity_usd"), 1500.25);
    assert.equal(metricValue(text, "polycopy_realized_pnl_usd"), 10);
    assert.equal(metricValue(text, "polycopy_alerts_total", { level: "warn" }), 1);
    assert.equal(metricValue(text, "polycopy_kill_switch"), eng.state.killSwitch ? 1 : 0);
    assert.equal(metricValue(text, "polycopy_open_positions"), 1);
    assert.equal(metricValue(text, "polycopy_engine_counter", { name: "leaderFills" }), 52);
    const lag = metricValue(text, "polycopy_event_loop_lag_seconds", { stat: "p99" });
    assert.ok(lag !== undefined && lag >= 0 && lag < 5, `event loop lag p99 = ${lag}`);
    assert.doesNotMatch(text, new RegExp(TOKEN));
  });

  it("streams an emitted decision over SSE", async () => {
    const sse = sseClient(new URL("api/events", srv.url).href);
    try {
      await sse.waitFor((m) => m.type === "hello");
      eng.bus.emit({ type: "decision", decision: decision("sse-1", { reason: "seen live" }) });
      const m = await sse.waitFor((x) => x.type === "decision");
      const d = m.decision as { leaderFillKey: string; reason: string };
      assert.equal(d.leaderFillKey, "sse-1");
      assert.equal(d.reason, "seen live");
      const health = await json(fetch(new URL("healthz", srv.url)));
      assert.equal(health.sseClients, 1);
    } finally {
      await sse.close();
    }
  });

  it("coalesces pnl events, bounds a leader-fill firehose, and reports what it dropped", async () => {
    const sse = sseClient(new URL("api/events", srv.url).href);
    try {
      await sse.waitFor((m) => m.type === "hello");
      // pnlIntervalMs is 60 s here, but the first pnl after connecting is due at once: only the latest goes.
      for (let i = 1; i <= 1000; i++)
        eng.bus.emit({ type: "pnl", equity: i, realized: 0, unrealized: 0, ts: i });
      const fill = {
        type: "TRADE" as const,
        wallet: WALLET,
        marketId: "0xmarket1",
        tokenId: "111",
        outcomeIndex: 0,
        side: "BUY" as const,
        price: 0.5,
        size: 10,
        role: null,
        txHash: null,
        source: "sim" as const,
      };
      for (let i = 0; i < 500; i++) {
        eng.bus.emit({ type: "leader_fill", fill: { ...fill, key: `lf-${i}`, ts: i } });
      }
      eng.bus.emit({ type: "decision", decision: decision("after-burst") });
      const dropped = await sse.waitFor((m) => m.type === "dropped");
      await sse.waitFor(
        (m) =>
          m.type === "decision" && (m.decision as { leaderFillKey: string }).leaderFillKey === "after-burst",
      );
      const pnl = sse.messages.filter((m) => m.type === "pnl");
      assert.equal(pnl.length, 1);
      assert.equal(pnl[0]!.equity, 1000);
      const fills = sse.messages.filter((m) => m.type === "leader_fill").length;
      const droppedTotal = sse.messages
        .filter((m) => m.type === "dropped")
        .reduce((a, m) => a + (m.count as number), 0);
      assert.ok((dropped.count as number) > 0);
      assert.equal(fills + droppedTotal, 500);
      // A 4 KB/s budget holding one second: the whole burst costs little more than that.
      assert.ok(sse.bytes < 4096 * 2, `burst cost ${sse.bytes} bytes`);
      const metrics = await (await fetch(new URL("metrics", srv.url))).text();
      assert.ok((metricValue(metrics, "polycopy_sse_dropped_events_total") ?? 0) >= 480);
    } finally {
      await sse.close();
    }
  });

  it("unregisters a client that disconnects", async () => {
    const sse = sseClient(new URL("api/events", srv.url).href);
    await sse.waitFor((m) => m.type === "hello");
    await sse.close();
    const deadline = Date.now() + 3000;
    let n = -1;
    while (Date.now() < deadline) {
      n = (await json(fetch(new URL("healthz", srv.url)))).sseClients;
      if (n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(n, 0);
  });
});

describe("startServer lifecycle", () => {
  it("refuses a missing or short token with a user-facing error", async () => {
    const eng = await fakeEngine();
    try {
      for (const token of ["", "short"]) {
        await assert.rejects(
          startServer(eng.deps({ token })),
          (e: unknown) =>
            isPolycopyError(e, "SECRET_MISSING") && e.userFacing && /POLYCOPY_API_TOKEN/.test(e.message),
        );
      }
    } finally {
      await eng.store.close();
    }
  });

  it("reports a port in use in one line, and close() ends open event streams and frees the port", async () => {
    const eng = await fakeEngine();
    const a = await startServer(eng.deps());
    try {
      const port = Number(new URL(a.url).port);
      await assert.rejects(
        startServer(eng.deps({ port })),
        (e: unknown) => isPolycopyError(e, "CONFIG_INVALID") && e.userFacing && /EADDRINUSE/.test(e.message),
      );
      const sse = sseClient(new URL("api/events", a.url).href);
      await sse.waitFor((m) => m.type === "hello");
      await a.close(); // must not hang on the open stream
      await sse.close();
      const b = await startServer(eng.deps({ port }));
      assert.equal(new URL(b.url).port, String(port));
      await b.close();
      // The closed server no longer listens to the bus: emitting must not throw or leak.
      const events: EngineEvent[] = [];
      eng.bus.onAny((e) => events.push(e));
      eng.bus.emit({ type: "alert", level: "info", message: "after close", ts: 1 });
      assert.equal(events.length, 1);
    } finally {
      await a.close();
      await eng.store.close();
    }
  });
});
