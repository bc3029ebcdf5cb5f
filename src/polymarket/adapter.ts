import { z } from "zod";
import type { OrderBook } from "../domain/book.ts";
import { PolycopyError } from "../domain/errors.ts";
import type { LeaderEvent, LeaderFill } from "../domain/fill.ts";
import type { Market } from "../domain/market.ts";
import { parseWith } from "../domain/validation.ts";
import {
  type MarketState,
  toLeaderEvent,
  toMarket,
  toMarketState,
  toOrderBook,
  tradeToFill,
} from "./convert.ts";
import { HttpClient, type HttpClientOptions, POLYMARKET_LIMITS, type SlidingWindowLimiter } from "./http.ts";

export interface PolymarketUrls {
  gammaUrl: string;
  dataUrl: string;
  clobUrl: string;
}

export interface PolymarketAdapterOptions {
  urls: PolymarketUrls;
  http?: HttpClient | HttpClientOptions;
  /** Records per Data API page (the API allows up to 500). */
  pageSize?: number;
  /**
   * Highest `offset` the Data API accepts (v1 offsets are capped; reports range from 3,000 to
   * 10,000). At the cap the walk restarts from the last timestamp seen with offset 0.
   */
  maxOffset?: number;
  /** Markets per Gamma page. */
  marketsPageSize?: number;
}

export interface ActivityWindow {
  /** ms epoch, inclusive. */
  sinceTs?: number;
  /** ms epoch, exclusive. */
  untilTs?: number;
}

export interface ActivityPage {
  /** New events of this page (keys already yielded by this walk are left out). */
  events: LeaderEvent[];
  /** Records the server sent, duplicates included. */
  received: number;
  /** Highest record timestamp seen so far in this walk (unix seconds), or null when none. */
  maxTsSec: number | null;
  /** Activity types skipped because polycopy does not model them. */
  skipped: number;
}

/** A market's resolution state, or why it could not be read. */
export type MarketStateAnswer = MarketState | { kind: "invalid"; error: string } | { kind: "missing" };

const arrayBody = z.array(z.unknown());

function parseConditionId(c: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(c))
    throw new PolycopyError("INPUT_INVALID", `conditionId must be 0x and 64 hex digits, got "${c}"`, {
      userFacing: true,
    });
  return c.toLowerCase();
}

const MARKET_BATCH = 50;

/**
 * Read access to Polymarket: Gamma markets, Data API wallet activity and trades, CLOB books. Every
 * payload is validated (schemas.ts) and converted to domain types (convert.ts); prices of fills are
 * checked against their market's tick, which the adapter looks up and caches as it goes.
 */
export class PolymarketAdapter {
  readonly http: HttpClient;
  readonly #urls: PolymarketUrls;
  readonly #pageSize: number;
  readonly #maxOffset: number;
  readonly #marketsPageSize: number;
  readonly #markets = new Map<string, Market>();
  readonly #b: Record<
    "data" | "activity" | "trades" | "gamma" | "gammaMarkets" | "book",
    SlidingWindowLimiter
  >;

  constructor(opts: PolymarketAdapterOptions) {
    this.#urls = {
      gammaUrl: trimSlash(opts.urls.gammaUrl),
      dataUrl: trimSlash(opts.urls.dataUrl),
      clobUrl: trimSlash(opts.urls.clobUrl),
    };
    this.http = opts.http instanceof HttpClient ? opts.http : new HttpClient(opts.http);
    this.#pageSize = opts.pageSize ?? 500;
    this.#maxOffset = opts.maxOffset ?? 3000;
    this.#marketsPageSize = opts.marketsPageSize ?? 500;
    if (this.#pageSize < 1 || this.#maxOffset < this.#pageSize) {
      throw new PolycopyError(
        "INPUT_INVALID",
        `pageSize ${this.#pageSize} must be ≥1 and ≤ maxOffset ${this.#maxOffset}`,
      );
    }
    const L = POLYMARKET_LIMITS;
    this.#b = {
      data: this.http.limiter("data", L.dataOverall),
      activity: this.http.limiter("data:/activity", L.dataActivity),
      trades: this.http.limiter("data:/trades", L.dataTrades),
      gamma: this.http.limiter("gamma", L.gammaOverall),
      gammaMarkets: this.http.limiter("gamma:/markets", L.gammaMarkets),
      book: this.http.limiter("clob:/book", L.clobBook),
    };
  }

  /** Markets fetched so far (by conditionId). */
  knownMarkets(): Market[] {
    return [...this.#markets.values()];
  }

  cachedMarket(conditionId: string): Market | undefined {
    return this.#markets.get(conditionId.toLowerCase());
  }

  /**
   * Gamma markets, all pages (limit/offset). With `conditionIds`, only those (batched). Without a
   * filter this walks every market the server has: on the real Gamma API pass `closed` or `max`.
   */
  async markets(
    q: { conditionIds?: readonly string[]; closed?: boolean; max?: number } = {},
    signal?: AbortSignal,
  ): Promise<Market[]> {
    if (q.conditionIds !== undefined) {
      const out: Market[] = [];
      const ids = [...new Set(q.conditionIds.map((c) => c.toLowerCase()))];
      for (let i = 0; i < ids.length; i += MARKET_BATCH) {
        const chunk = ids.slice(i, i + MARKET_BATCH);
        const params = new URLSearchParams({ limit: String(chunk.length) });
        for (const c of chunk) params.append("condition_ids", c);
        out.push(...(await this.#marketsPage(params, signal)));
      }
      return out;
    }
    const out: Market[] = [];
    const max = q.max ?? Number.POSITIVE_INFINITY;
    for (let offset = 0; out.length < max; offset += this.#marketsPageSize) {
      const params = new URLSearchParams({ limit: String(this.#marketsPageSize), offset: String(offset) });
      if (q.closed !== undefined) params.set("closed", String(q.closed));
      const page = await this.#marketsPage(params, signal);
      out.push(...page);
      if (page.length < this.#marketsPageSize) break;
    }
    return out.slice(0, max);
  }

  async #marketsPage(params: URLSearchParams, signal?: AbortSignal): Promise<Market[]> {
    const url = `${this.#urls.gammaUrl}/markets?${params}`;
    const body = parseWith(
      arrayBody,
      await this.http.getJson(url, [this.#b.gamma, this.#b.gammaMarkets], signal),
      "gamma /markets",
    );
    const markets = body.map((m, i) => toMarket(m, `gamma /markets[${i}]`));
    for (const m of markets) this.#markets.set(m.id, m);
    return markets;
  }

  /** One market by conditionId (0x…) or Gamma id; throws NOT_FOUND when the server has none. */
  async market(id: string, signal?: AbortSignal): Promise<Market> {
    if (id.startsWith("0x")) {
      const [m] = await this.markets({ conditionIds: [id] }, signal);
      if (!m) throw new PolycopyError("NOT_FOUND", `market ${id} not found on Gamma`, { userFacing: true });
      return m;
    }
    const url = `${this.#urls.gammaUrl}/markets/${encodeURIComponent(id)}`;
    const m = toMarket(await this.http.getJson(url, [this.#b.gamma], signal), `gamma /markets/${id}`);
    this.#markets.set(m.id, m);
    return m;
  }

  /**
   * Resolution state of each market (by conditionId), fresh from Gamma (batched, rate-limited).
   * Each market object is validated on its own: a malformed one is answered `invalid` with the
   * error and does not hide the others. A transport failure (5xx, 429 beyond the retries, dropped
   * socket, unparseable body) throws: the caller tries again later and settles nothing.
   */
  async marketStates(
    conditionIds: Iterable<string>,
    signal?: AbortSignal,
  ): Promise<Map<string, MarketStateAnswer>> {
    const ids = [...new Set([...conditionIds].map((c) => c.toLowerCase()))];
    const out = new Map<string, MarketStateAnswer>();
    const ask = async (list: string[], closed: boolean) => {
      for (let i = 0; i < list.length; i += MARKET_BATCH) {
        const chunk = list.slice(i, i + MARKET_BATCH);
        const params = new URLSearchParams({ limit: String(chunk.length) });
        for (const c of chunk) params.append("condition_ids", c);
        if (closed) params.set("closed", "true");
        const what = "gamma /markets";
        const body = parseWith(
          arrayBody,
          await this.http.getJson(
            `${this.#urls.gammaUrl}/markets?${params}`,
            [this.#b.gamma, this.#b.gammaMarkets],
            signal,
          ),
          what,
        );
        const want = new Set(chunk);
        for (const [k, raw] of body.entries()) {
          const cid = (raw as { conditionId?: unknown } | null)?.conditionId;
          const id = typeof cid === "string" ? cid.toLowerCase() : null;
          if (id === null || !want.has(id)) continue;
          try {
            const st = toMarketState(raw, `${what}[${k}] (${id})`);
            this.#markets.set(st.market.id, st.market);
            out.set(id, st);
          } catch (err) {
            if (!(err instanceof PolycopyError)) throw err;
            out.set(id, { kind: "invalid", error: err.message });
          }
        }
      }
    };
    await ask(ids, false);
    // Gamma's default for `closed` has been reported to differ from its docs (closed markets left
    // out unless asked for): ask for the missing ones again with closed=true.
    const missing = ids.filter((c) => !out.has(c));
    if (missing.length > 0) await ask(missing, true);
    for (const c of ids) if (!out.has(c)) out.set(c, { kind: "missing" });
    return out;
  }

  /** Fetches the markets among `conditionIds` that are not cached yet (for tick checks). */
  async ensureMarkets(conditionIds: Iterable<string>, signal?: AbortSignal): Promise<Market[]> {
    const missing = [...new Set([...conditionIds].map((c) => c.toLowerCase()))].filter(
      (c) => !this.#markets.has(c),
    );
    if (missing.length === 0) return [];
    return this.markets({ conditionIds: missing }, signal);
  }

  /**
   * A wallet's `/activity` in ascending time order, page by page (offset/limit, rebasing `start` at
   * the offset cap). Records repeated by the server (or by a rebase overlap) are yielded once.
   */
  async *activityPages(
    wallet: string,
    w: ActivityWindow = {},
    signal?: AbortSignal,
  ): AsyncGenerator<ActivityPage> {
    const user = wallet.toLowerCase();
    let start = w.sinceTs === undefined ? undefined : Math.floor(w.sinceTs / 1000);
    const end = w.untilTs === undefined ? undefined : Math.ceil(w.untilTs / 1000) - 1;
    let offset = 0;
    let maxTsSec: number | null = null;
    /** key → ts (s) of what this walk yielded; pruned at each rebase to what the new window can repeat. */
    let seen = new Map<string, number>();
    for (;;) {
      if (offset + this.#pageSize > this.#maxOffset) {
        if (maxTsSec === null || (start !== undefined && maxTsSec <= start)) {
          throw new PolycopyError(
            "UPSTREAM_ERROR",
            `activity of ${user}: more than ${this.#maxOffset} records at timestamp ${start}; cannot page past the offset cap`,
          );
        }
        start = maxTsSec;
        offset = 0;
        const keep = new Map<string, number>();
        for (const [k, t] of seen) if (t >= start) keep.set(k, t);
        seen = keep;
      }
      const params = new URLSearchParams({
        user,
        limit: String(this.#pageSize),
        offset: String(offset),
        sortBy: "TIMESTAMP",
        sortDirection: "ASC",
      });
      if (start !== undefined) params.set("start", String(start));
      if (end !== undefined) params.set("end", String(end));
      const url = `${this.#urls.dataUrl}/activity?${params}`;
      const what = `data /activity (user ${user}, offset ${offset})`;
      const body = parseWith(
        arrayBody,
        await this.http.getJson(url, [this.#b.data, this.#b.activity], signal),
        what,
      );
      // Markets first: the store needs a fill's market before the fill.
      const cids = new Set<string>();
      for (const r of body) {
        const c = (r as { conditionId?: unknown; type?: unknown } | null)?.conditionId;
        if (typeof c === "string" && /^0x[0-9a-fA-F]{64}$/.test(c)) cids.add(c);
      }
      await this.ensureMarkets(cids, signal);
      const events: LeaderEvent[] = [];
      let skipped = 0;
      for (const [i, r] of body.entries()) {
        const e = toLeaderEvent(r, `${what}[${i}]`, { source: "poll" });
        if (e === null) {
          skipped++;
          continue;
        }
        const tsSec = Math.floor(e.ts / 1000);
        if (maxTsSec === null || tsSec > maxTsSec) maxTsSec = tsSec;
        if (seen.has(e.key)) continue;
        seen.set(e.key, tsSec);
        events.push(e);
      }
      yield { events, received: body.length, maxTsSec, skipped };
      if (body.length < this.#pageSize) return;
      offset += this.#pageSize;
    }
  }

  /** A wallet's whole `/activity` in a window, fully paginated, each event once. */
  async walletActivity(wallet: string, w: ActivityWindow = {}, signal?: AbortSignal): Promise<LeaderEvent[]> {
    const out: LeaderEvent[] = [];
    for await (const p of this.activityPages(wallet, w, signal)) out.push(...p.events);
    return out;
  }

  /**
   * A wallet's `/trades` (maker and taker: `takerOnly=false`, since the default hides maker fills),
   * newest first as the API serves them, each fill once.
   */
  async walletTrades(
    wallet: string,
    opts: { max?: number } = {},
    signal?: AbortSignal,
  ): Promise<LeaderFill[]> {
    const out: LeaderFill[] = [];
    const seen = new Set<string>();
    const max = opts.max ?? this.#maxOffset;
    for (
      let offset = 0;
      offset + this.#pageSize <= this.#maxOffset && out.length < max;
      offset += this.#pageSize
    ) {
      const params = new URLSearchParams({
        user: wallet.toLowerCase(),
        limit: String(this.#pageSize),
        offset: String(offset),
        takerOnly: "false",
      });
      const url = `${this.#urls.dataUrl}/trades?${params}`;
      const what = `data /trades (user ${wallet}, offset ${offset})`;
      const body = parseWith(
        arrayBody,
        await this.http.getJson(url, [this.#b.data, this.#b.trades], signal),
        what,
      );
      const cids = new Set<string>();
      for (const r of body) {
        const c = (r as { conditionId?: unknown } | null)?.conditionId;
        if (typeof c === "string" && /^0x[0-9a-fA-F]{64}$/.test(c)) cids.add(c);
      }
      await this.ensureMarkets(cids, signal);
      for (const [i, r] of body.entries()) {
        const f = tradeToFill(r, `${what}[${i}]`, { source: "poll" });
        if (seen.has(f.key)) continue;
        seen.add(f.key);
        out.push(f);
      }
      if (body.length < this.#pageSize) break;
    }
    return out.slice(0, max);
  }

  /**
   * Every wallet's fills in one market, maker and taker rows (`/trades?market=<conditionId>` with
   * `takerOnly=false`): the market-wide tape that markouts and price baselines are computed from.
   * The API serves newest first and caps `offset`; at the cap the walk narrows `end` to the oldest
   * second seen and restarts at offset 0 (records of that second come again and are yielded once).
   * Returned in ascending time order.
   */
  async marketTrades(
    conditionId: string,
    w: ActivityWindow = {},
    signal?: AbortSignal,
  ): Promise<LeaderFill[]> {
    const market = parseConditionId(conditionId);
    const start = w.sinceTs === undefined ? undefined : Math.floor(w.sinceTs / 1000);
    let end = w.untilTs === undefined ? undefined : Math.ceil(w.untilTs / 1000) - 1;
    await this.ensureMarkets([market], signal);
    const out: LeaderFill[] = [];
    const seen = new Set<string>();
    let offset = 0;
    let minTsSec: number | null = null;
    for (;;) {
      if (offset + this.#pageSize > this.#maxOffset) {
        if (minTsSec === null || (end !== undefined && minTsSec >= end)) {
          throw new PolycopyError(
            "UPSTREAM_ERROR",
            `trades of market ${market}: more than ${this.#maxOffset} records at timestamp ${end}; cannot page past the offset cap`,
          );
        }
        end = minTsSec;
        offset = 0;
      }
      const params = new URLSearchParams({
        market,
        limit: String(this.#pageSize),
        offset: String(offset),
        takerOnly: "false",
      });
      if (start !== undefined) params.set("start", String(start));
      if (end !== undefined) params.set("end", String(end));
      const url = `${this.#urls.dataUrl}/trades?${params}`;
      const what = `data /trades (market ${market}, offset ${offset})`;
      const body = parseWith(
        arrayBody,
        await this.http.getJson(url, [this.#b.data, this.#b.trades], signal),
        what,
      );
      for (const [i, r] of body.entries()) {
        const f = tradeToFill(r, `${what}[${i}]`);
        if (f.marketId !== market)
          throw new PolycopyError(
            "PAYLOAD_INVALID",
            `${what}[${i}].conditionId: asked for market ${market}, got ${f.marketId}`,
            { userFacing: true },
          );
        const tsSec = f.ts / 1000;
        if (minTsSec === null || tsSec < minTsSec) minTsSec = tsSec;
        if (seen.has(f.key)) continue;
        seen.add(f.key);
        out.push(f);
      }
      if (body.length < this.#pageSize) break;
      offset += this.#pageSize;
    }
    // Stable by time; ties keep the server's order reversed (it serves newest first).
    return out.reverse().sort((a, b) => a.ts - b.ts);
  }

  /** The CLOB order book of one token. */
  async orderBook(tokenId: string, signal?: AbortSignal): Promise<OrderBook> {
    if (!/^\d{1,78}$/.test(tokenId)) {
      throw new PolycopyError("INPUT_INVALID", `tokenId must be a decimal token id, got "${tokenId}"`, {
        userFacing: true,
      });
    }
    const url = `${this.#urls.clobUrl}/book?token_id=${tokenId}`;
    return toOrderBook(await this.http.getJson(url, [this.#b.book], signal), `clob /book (token ${tokenId})`);
  }
}

function trimSlash(u: string): string {
  return u.replace(/\/+$/, "");
}
