import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { PolycopyError } from "../domain/errors.ts";
import { Rng } from "../sim/index.ts";
import { CLOB_PATHS, createStandinClob, type StandinClob, type StandinClobOptions } from "./clob.ts";

/**
 * A local stand-in for Polymarket's public read APIs, for tests and offline demos. It speaks the
 * documented shapes: Gamma `GET /markets` (and `/markets/:id`), Data API `GET /activity` and
 * `GET /trades`, CLOB `GET /book?token_id=`, and a real-time data service websocket on `/ws`
 * pushing `{topic:"activity", type:"trades", payload}` messages. It is fed with Gamma market objects
 * and Data API activity records (exactly what the simulator writes), and can inject faults with a
 * seeded rng: 429 + Retry-After, 500/502/503, sockets destroyed mid-response, malformed JSON,
 * duplicate records and out-of-order records. One base URL serves all three REST services.
 */

export interface StandinFaults {
  /** Per-request probability of a 429 with Retry-After. */
  rateLimit?: number;
  /** Retry-After seconds sent with a 429 (0 is valid and keeps tests fast). */
  retryAfterSec?: number;
  /** Per-request probability of a 500/502/503. */
  serverError?: number;
  /** Per-request probability of destroying the socket half-way through the body. */
  drop?: number;
  /** Per-request probability of a 200 with a truncated/garbled JSON body. */
  malformed?: number;
  /** Per-page probability of repeating some records of the page (and of the page before). */
  duplicate?: number;
  /** Per-page probability of shuffling the page's records. */
  shuffle?: number;
  /** Per-POST /order probability of processing the order, then destroying the socket (the response is lost). */
  dropAfterProcess?: number;
  /** CLOB paths that answer 503 to every request (an outage of those endpoints), e.g. "/data/orders". */
  unavailable?: readonly string[];
}

export const ALL_FAULTS: Required<StandinFaults> = {
  rateLimit: 0.08,
  retryAfterSec: 0,
  serverError: 0.08,
  drop: 0.06,
  malformed: 0.06,
  duplicate: 0.3,
  shuffle: 0.3,
  dropAfterProcess: 0.1,
  unavailable: [],
};

export interface StandinOptions {
  /** Gamma market objects (raw, as the API returns them). */
  markets: readonly Record<string, unknown>[];
  /** Data API /activity records. */
  activity: readonly Record<string, unknown>[];
  /** CLOB /book payload for a token; default: a synthetic book around the market's outcome price. */
  book?: (tokenId: string) => Record<string, unknown> | undefined;
  faults?: StandinFaults;
  seed?: number;
  host?: string;
  /** 0 = a random free port. */
  port?: number;
  /** Largest `limit` the Data API accepts. */
  maxLimit?: number;
  /** Largest `offset` the Data API accepts (v1 offsets are capped). */
  maxOffset?: number;
  /** Delay before each REST response (to make ingest slow enough to interrupt in tests). */
  latencyMs?: number;
  /** Serve the websocket on /ws. */
  websocket?: boolean;
  /**
   * Data API pages repeat a row across page boundaries, as the real API does: page k is served as
   * if one new row had arrived before each page request, so it starts with the last row of page
   * k-1. Clients must de-duplicate by key; nothing is lost. Off by default: `test/sources-cli.test.ts`
   * "--from ws … until interrupted" (SIGINT after 4 s) failed with it on in full-suite runs.
   */
  pageRepeat?: boolean;
  /** Accounts and behaviour of the authenticated CLOB endpoints (clob.ts). */
  clob?: StandinClobOptions;
  /**
   * Markets that resolve over time: from `ts` (ms, on `now`) Gamma serves the market closed, with
   * the winner priced at 1 and `umaResolutionStatus` "resolved", and the CLOB has no book for it.
   */
  resolutions?: readonly StandinResolution[];
  /** The stand-in's clock for `resolutions` (default: the wall clock). */
  now?: () => number;
}

export interface StandinResolution {
  conditionId: string;
  winnerIndex: number;
  /** ms epoch on the stand-in's clock. */
  ts: number;
}

export interface StandinStats {
  requests: number;
  byPath: Record<string, number>;
  faults: Record<string, number>;
  wsMessages: number;
}

export interface Standin {
  /** Base URL, e.g. http://127.0.0.1:41234 (Gamma, Data API and CLOB all live under it). */
  readonly url: string;
  /** ws://127.0.0.1:port/ws when the websocket is enabled. */
  readonly wsUrl: string | null;
  readonly stats: StandinStats;
  /** The faults in force; tests may change them while the stand-in runs. */
  readonly faults: StandinFaults;
  /** Appends an activity record to the REST data and pushes it to websocket subscribers. */
  publish(record: Record<string, unknown>): void;
  /** Websocket clients subscribed to the activity topic now (tests wait for a follower to subscribe). */
  subscriberCount(): number;
  /** The CLOB order endpoints' state (orders, trades, accounts). */
  readonly clob: StandinClob;
  /** Resolves a market now, as Gamma shows it once UMA has settled (see StandinOptions.resolutions). */
  resolve(conditionId: string, winnerIndex: number): void;
  /** Overwrites fields of a served Gamma market object (tests: malformed or odd payloads). */
  patchMarket(conditionId: string, patch: Record<string, unknown>): void;
  /** The next `times` requests to `path` (e.g. "/markets") answer `status` (429 or 5xx). */
  failNext(path: string, status: number, times: number): void;
  close(): Promise<void>;
}

interface Indexed {
  r: Record<string, unknown>;
  i: number;
  ts: number;
  user: string;
}

export async function startStandin(opts: StandinOptions): Promise<Standin> {
  const faults: StandinFaults = { ...opts.faults };
  const rng = new Rng(opts.seed ?? 1);
  const maxLimit = opts.maxLimit ?? 500;
  const maxOffset = opts.maxOffset ?? 3000;
  const pageRepeat = opts.pageRepeat ?? false;
  const stats: StandinStats = { requests: 0, byPath: {}, faults: {}, wsMessages: 0 };
  const fault = (k: string) => {
    stats.faults[k] = (stats.faults[k] ?? 0) + 1;
  };

  const markets = [...opts.markets];
  const now = opts.now ?? Date.now;
  const scheduled = [...(opts.resolutions ?? [])].sort((a, b) => a.ts - b.ts);
  const failures = new Map<string, { status: number; times: number }>();
  /** Answers with a failure set by failNext for this path, if one is left. */
  const answerForced = (path: string, res: ServerResponse): boolean => {
    const forced = failures.get(path);
    if (!forced || forced.times <= 0) return false;
    forced.times--;
    fault(`forced-${forced.status}`);
    if (forced.status === 429) {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "0" });
      res.end(JSON.stringify({ error: "Too Many Requests" }));
    } else sendJson(res, forced.status, { error: "upstream error" });
    return true;
  };
  /** Markets resolved while serving (their books are gone; a custom book fn may not know that). */
  const resolvedHere = new Set<string>();
  const marketByCid = (conditionId: string) => {
    const m = markets.find((x) => String(x.conditionId).toLowerCase() === conditionId.toLowerCase());
    if (!m) throw new PolycopyError("NOT_FOUND", `stand-in has no market ${conditionId}`);
    return m;
  };
  /** Gamma's view of a resolved market: closed, the winner at 1, UMA status resolved. */
  const resolveMarket = (conditionId: string, winnerIndex: number) => {
    const m = marketByCid(conditionId);
    const n = parseArr(m.outcomes).length;
    if (!(Number.isInteger(winnerIndex) && winnerIndex >= 0 && winnerIndex < n))
      throw new PolycopyError(
        "INPUT_INVALID",
        `winnerIndex ${winnerIndex} is not an outcome of ${conditionId}`,
      );
    resolvedHere.add(conditionId.toLowerCase());
    Object.assign(m, {
      closed: true,
      acceptingOrders: false,
      outcomePrices: JSON.stringify(Array.from({ length: n }, (_, i) => (i === winnerIndex ? "1" : "0"))),
      umaResolutionStatus: "resolved",
      closedTime: new Date(now()).toISOString(),
    });
  };
  const applyDue = () => {
    while (scheduled.length > 0 && scheduled[0]!.ts <= now()) {
      const r = scheduled.shift()!;
      resolveMarket(r.conditionId, r.winnerIndex);
    }
  };
  const activity: Indexed[] = [];
  const byUser = new Map<string, Indexed[]>();
  const add = (r: Record<string, unknown>) => {
    const user = String(r.proxyWallet ?? "").toLowerCase();
    const x: Indexed = { r, i: activity.length, ts: Number(r.timestamp ?? 0), user };
    activity.push(x);
    let l = byUser.get(user);
    if (!l) {
      l = [];
      byUser.set(user, l);
    }
    l.push(x);
  };
  for (const r of opts.activity) add(r);

  const tokenMarket = new Map<string, { m: Record<string, unknown>; i: number }>();
  for (const m of markets) {
    for (const [i, t] of parseArr(m.clobTokenIds).entries()) tokenMarket.set(String(t), { m, i });
  }

  const server: Server = createServer((req, res) => {
    stats.requests++;
    const url = new URL(req.url ?? "/", "http://standin");
    stats.byPath[url.pathname] = (stats.byPath[url.pathname] ?? 0) + 1;
    const go = () => {
      try {
        route(req, res, url);
      } catch (e) {
        sendJson(res, 500, { error: (e as Error).message });
      }
    };
    if (CLOB_PATHS.has(url.pathname)) {
      let body = "";
      req.on("data", (d: Buffer) => {
        body += d.toString();
      });
      req.on("end", () => {
        const run = () => {
          if (answerForced(url.pathname, res)) return;
          routeClob(req, res, url, body).catch((e) => sendJson(res, 500, { error: (e as Error).message }));
        };
        if (opts.latencyMs) setTimeout(run, opts.latencyMs);
        else void run();
      });
      return;
    }
    if (opts.latencyMs) setTimeout(go, opts.latencyMs);
    else go();
  });

  const clob = createStandinClob(opts.clob ?? {}, {
    bookPayload: (tokenId) => {
      const custom = opts.book?.(tokenId);
      if (custom) return custom;
      const tm = tokenMarket.get(tokenId);
      return tm && tm.m.closed !== true ? syntheticBook(tm.m, tm.i, tokenId) : undefined;
    },
    tokenMarket: (tokenId) => tokenMarket.get(tokenId),
  });

  async function routeClob(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
    if (faults.unavailable?.includes(url.pathname)) {
      fault("unavailable");
      sendJson(res, 503, { error: "service unavailable" });
      return;
    }
    if (injectTransportFault(res)) return;
    if (req.method === "POST" && url.pathname === "/order" && rng.chance(faults.dropAfterProcess ?? 0)) {
      // The order takes effect but its response never arrives: the client cannot know whether it was placed.
      fault("drop-after-process");
      res.writeHead = (() => res) as typeof res.writeHead;
      res.end = (() => {
        res.socket?.destroy();
        return res;
      }) as typeof res.end;
    }
    await clob.handle(req, res, url, body);
  }

  function route(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== "GET") {
      sendJson(res, 405, { error: "method not allowed" });
      return;
    }
    const p = url.pathname;
    const known =
      p === "/markets" || p.startsWith("/markets/") || p === "/activity" || p === "/trades" || p === "/book";
    if (!known) {
      sendJson(res, 404, { error: "not found" });
      return;
    }
    if (answerForced(p, res)) return;
    if (injectTransportFault(res)) return;
    applyDue();
    if (p === "/markets") {
      serveMarkets(res, url);
      return;
    }
    if (p.startsWith("/markets/")) {
      const id = decodeURIComponent(p.slice("/markets/".length));
      const m = markets.find((x) => String(x.id) === id);
      if (m) sendBody(res, 200, JSON.stringify(m));
      else sendJson(res, 404, { error: "market not found" });
      return;
    }
    if (p === "/activity") {
      serveActivity(res, url, false);
      return;
    }
    if (p === "/trades") {
      serveActivity(res, url, true);
      return;
    }
    serveBook(res, url);
  }

  /** 429, 5xx, dropped socket or malformed body; true when the response was taken over. */
  function injectTransportFault(res: ServerResponse): boolean {
    const x = rng.next();
    let acc = faults.rateLimit ?? 0;
    if (x < acc) {
      fault("429");
      res.writeHead(429, {
        "content-type": "application/json",
        "retry-after": String(faults.retryAfterSec ?? 1),
      });
      res.end(JSON.stringify({ error: "Too Many Requests" }));
      return true;
    }
    acc += faults.serverError ?? 0;
    if (x < acc) {
      const code = rng.pick([500, 502, 503]);
      fault(String(code));
      sendJson(res, code, { error: "upstream error" });
      return true;
    }
    acc += faults.drop ?? 0;
    if (x < acc) {
      fault("drop");
      const body = JSON.stringify([{ proxyWallet: "0x", filler: "x".repeat(4096) }]);
      res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) });
      res.write(body.slice(0, body.length >> 1), () => res.socket?.destroy());
      return true;
    }
    acc += faults.malformed ?? 0;
    if (x < acc) {
      fault("malformed");
      const variants = ['[{"proxyWallet":"0xab', "<html>502 Bad Gateway</html>", '{"data": [1,2,', ""];
      sendBody(res, 200, rng.pick(variants));
      return true;
    }
    return false;
  }

  function serveMarkets(res: ServerResponse, url: URL): void {
    const q = url.searchParams;
    let list = markets;
    const ids = q
      .getAll("condition_ids")
      .flatMap((s) => s.split(","))
      .map((s) => s.toLowerCase());
    if (ids.length > 0) {
      const want = new Set(ids);
      list = list.filter((m) => want.has(String(m.conditionId).toLowerCase()));
    }
    const closed = q.get("closed");
    if (closed === "true" || closed === "false")
      list = list.filter((m) => Boolean(m.closed) === (closed === "true"));
    const limit = intParam(q.get("limit"), 500);
    const offset = intParam(q.get("offset"), 0);
    if (limit === null || offset === null) {
      sendJson(res, 400, { error: "limit and offset must be non-negative integers" });
      return;
    }
    sendBody(res, 200, JSON.stringify(list.slice(offset, offset + limit)));
  }

  function serveActivity(res: ServerResponse, url: URL, tradesOnly: boolean): void {
    const q = url.searchParams;
    const limit = intParam(q.get("limit"), 100);
    const offset = intParam(q.get("offset"), 0);
    if (limit === null || offset === null) {
      sendJson(res, 400, { error: "limit and offset must be non-negative integers" });
      return;
    }
    if (limit > maxLimit) {
      sendJson(res, 400, { error: `limit must be <= ${maxLimit}` });
      return;
    }
    if (offset > maxOffset) {
      sendJson(res, 400, { error: `offset must be <= ${maxOffset}` });
      return;
    }
    const user = q.get("user")?.toLowerCase();
    if (!tradesOnly && !user) {
      sendJson(res, 400, { error: "user is required" });
      return;
    }
    let list = user ? (byUser.get(user) ?? []) : activity;
    const start = q.get("start");
    const end = q.get("end");
    if (start !== null) list = list.filter((x) => x.ts >= Number(start));
    if (end !== null) list = list.filter((x) => x.ts <= Number(end));
    const market = q.get("market");
    if (market) {
      const want = new Set(market.split(",").map((s) => s.toLowerCase()));
      list = list.filter((x) => want.has(String(x.r.conditionId).toLowerCase()));
    }
    const types = tradesOnly ? ["TRADE"] : q.get("type")?.split(",");
    if (types) list = list.filter((x) => types.includes(String(x.r.type)));
    const asc = !tradesOnly && q.get("sortDirection") === "ASC";
    // Default order of the Data API: newest first. Ties keep insertion order for a stable paging.
    list = [...list].sort((a, b) => (asc ? a.ts - b.ts || a.i - b.i : b.ts - a.ts || b.i - a.i));
    // Page k starts one row earlier per page before it (see `pageRepeat`).
    const from = pageRepeat && limit > 1 ? offset - Math.min(Math.floor(offset / limit), offset) : offset;
    let page = list.slice(from, from + limit).map((x) => (tradesOnly ? asTrade(x.r) : x.r));
    if (page.length > 0 && rng.chance(faults.duplicate ?? 0)) {
      fault("duplicate");
      const extra = [];
      const n = rng.int(1, 3);
      for (let k = 0; k < n; k++) extra.push(rng.pick(page));
      const prev = list[offset - 1];
      if (prev) extra.push(tradesOnly ? asTrade(prev.r) : prev.r);
      page = [...page, ...extra];
    }
    if (page.length > 1 && rng.chance(faults.shuffle ?? 0)) {
      fault("shuffle");
      page = shuffle(page, rng);
    }
    sendBody(res, 200, JSON.stringify(page));
  }

  function serveBook(res: ServerResponse, url: URL): void {
    const tokenId = url.searchParams.get("token_id") ?? "";
    const tm0 = tokenMarket.get(tokenId);
    if (tm0 && resolvedHere.has(String(tm0.m.conditionId).toLowerCase())) {
      // A resolved market has no order book any more.
      sendJson(res, 404, { error: "No orderbook exists for the requested token id" });
      return;
    }
    const live = clob.liveBook(tokenId);
    if (live) {
      sendBody(res, 200, JSON.stringify(live));
      return;
    }
    const custom = opts.book?.(tokenId);
    if (custom) {
      sendBody(res, 200, JSON.stringify(custom));
      return;
    }
    const tm = tokenMarket.get(tokenId);
    if (!tm || tm.m.closed === true) {
      sendJson(res, 404, { error: "No orderbook exists for the requested token id" });
      return;
    }
    sendBody(res, 200, JSON.stringify(syntheticBook(tm.m, tm.i, tokenId)));
  }

  // --- websocket (real-time data service shape) ---
  const subscribers = new Set<WebSocket>();
  let wss: WebSocketServer | null = null;
  let held: string | null = null;
  if (opts.websocket) {
    wss = new WebSocketServer({ server, path: "/ws" });
    wss.on("connection", (ws) => {
      ws.on("message", (data) => {
        const text = data.toString();
        if (text === "PING" || text === "ping") return ws.send("PONG");
        try {
          const msg = JSON.parse(text) as { action?: string; subscriptions?: { topic?: string }[] };
          if (msg.action === "subscribe" && msg.subscriptions?.some((s) => s.topic === "activity"))
            subscribers.add(ws);
          if (msg.action === "unsubscribe") subscribers.delete(ws);
        } catch {
          // The real service ignores junk from clients; so do we.
        }
      });
      ws.on("close", () => subscribers.delete(ws));
    });
  }

  function push(record: Record<string, unknown>): void {
    const msg = JSON.stringify({
      topic: "activity",
      type: "trades",
      timestamp: Date.now(),
      payload: asTrade(record),
    });
    for (const ws of subscribers) {
      const x = rng.next();
      let acc = faults.drop ?? 0;
      if (x < acc) {
        fault("ws-drop");
        subscribers.delete(ws);
        ws.terminate();
        continue;
      }
      acc += faults.malformed ?? 0;
      if (x < acc) {
        fault("ws-malformed");
        ws.send(msg.slice(0, msg.length >> 1));
      }
      const out: string[] = [];
      if (held !== null) {
        // Out of order: the held message goes after the current one.
        out.push(msg, held);
        held = null;
      } else if (rng.chance(faults.shuffle ?? 0)) {
        fault("ws-shuffle");
        held = msg;
      } else {
        out.push(msg);
      }
      if (out.length > 0 && rng.chance(faults.duplicate ?? 0)) {
        fault("ws-duplicate");
        out.push(out[0]!);
      }
      for (const m of out) {
        stats.wsMessages++;
        ws.send(m);
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) =>
      reject(
        new PolycopyError("NETWORK_ERROR", `stand-in cannot listen: ${e.message}`, { userFacing: true }),
      ),
    );
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const base = `http://${host}:${addr.port}`;

  return {
    url: base,
    wsUrl: opts.websocket ? `ws://${host}:${addr.port}/ws` : null,
    stats,
    faults,
    clob,
    resolve: resolveMarket,
    patchMarket(conditionId, patch) {
      Object.assign(marketByCid(conditionId), patch);
    },
    failNext(path, status, times) {
      failures.set(path, { status, times });
    },
    subscriberCount: () => subscribers.size,
    publish(record) {
      add(record);
      if (String(record.type ?? "TRADE") === "TRADE") push(record);
    },
    async close() {
      clob.close();
      for (const ws of wss?.clients ?? []) ws.terminate();
      await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A Data API `/trades` record: the trade fields of an activity record, without `type`/`usdcSize`. */
function asTrade(r: Record<string, unknown>): Record<string, unknown> {
  const { type: _t, usdcSize: _u, ...rest } = r;
  return rest;
}

function parseArr(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === "string") {
    try {
      const x: unknown = JSON.parse(v);
      return Array.isArray(x) ? x : [];
    } catch {
      return [];
    }
  }
  return [];
}

function syntheticBook(m: Record<string, unknown>, i: number, tokenId: string): Record<string, unknown> {
  const tick = Number(m.orderPriceMinTickSize ?? 0.01);
  const prices = parseArr(m.outcomePrices).map(Number);
  const dec = Math.max(0, Math.ceil(-Math.log10(tick) - 1e-9));
  const snap = (p: number) => Number((Math.round(p / tick) * tick).toFixed(dec));
  const mid = Math.min(1 - 2 * tick, Math.max(2 * tick, Number.isFinite(prices[i]) ? prices[i]! : 0.5));
  const bid = snap(mid - tick);
  const ask = snap(mid + tick);
  const bids = [];
  const asks = [];
  // CLOB lists bids ascending and asks descending (best level last).
  for (let l = 4; l >= 0; l--) {
    const bp = snap(bid - l * tick);
    const ap = snap(ask + l * tick);
    if (bp > 0) bids.push({ price: String(bp), size: String(100 * (l + 1)) });
    if (ap < 1) asks.push({ price: String(ap), size: String(100 * (l + 1)) });
  }
  return {
    market: m.conditionId,
    asset_id: tokenId,
    timestamp: String(Date.now()),
    hash: "0".repeat(40),
    bids,
    asks,
    min_order_size: String(m.orderMinSize ?? 5),
    tick_size: String(tick),
    neg_risk: Boolean(m.negRisk),
    last_trade_price: String(snap(mid)),
  };
}

function shuffle<T>(xs: readonly T[], rng: Rng): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function intParam(v: string | null, dflt: number): number | null {
  if (v === null || v === "") return dflt;
  return /^\d+$/.test(v) ? Number(v) : null;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendBody(res, status, JSON.stringify(body));
}

function sendBody(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}
