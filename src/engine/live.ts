/**
 * Paper trading on a live leader feed (the Polymarket adapter or the local stand-in): leader
 * events are ingested with their source cursor (Store.ingestBatch), then each followed fill goes
 * through the engine with the current order book and every step is committed atomically
 * (Store.commitStep). A leader fill counts as handled once its decision is in the ledger, so after
 * a crash the restart restores positions, cash, breakers and the kill switch from the ledger, then
 * handles every stored fill that has no decision yet: none dropped, none doubled.
 */
import { accumulate, analyzeWallets } from "../analytics/analyze.ts";
import { TAPE_WINDOW_MS } from "../analytics/prices.ts";
import type { OrderBook } from "../domain/book.ts";
import { ManualClock } from "../domain/clock.ts";
import { isPolycopyError, PolycopyError } from "../domain/errors.ts";
import type { LeaderEvent } from "../domain/fill.ts";
import type { Market } from "../domain/market.ts";
import type { Order } from "../domain/order.ts";
import type { Position } from "../domain/position.ts";
import type { WalletClass } from "../domain/wallet.ts";
import type { PolymarketAdapter } from "../polymarket/adapter.ts";
import type { FillRoles } from "../polymarket/fill-roles.ts";
import { sleep } from "../polymarket/http.ts";
import { MarketTape } from "../polymarket/market-tape.ts";
import type { RiskConfig } from "../risk/config.ts";
import {
  describeError,
  isFatalUpstreamError,
  type ResilientSourceOptions,
  resilientSource,
} from "../sources/resilient-source.ts";
import type { LeaderSource } from "../sources/source.ts";
import type { TradeTap } from "../sources/trade-tap.ts";
import type { Store } from "../store/store.ts";
import { SimulatedVenue } from "../venues/simulated.ts";
import type { PlaceOrderResult, Venue } from "../venues/venue.ts";
import { EventBus } from "./bus.ts";
import { CopyEngine, type ExecutionVenue, type LeaderProfile } from "./engine.ts";
import { UpstreamHealth } from "./health.ts";
import {
  bookRedemption,
  type ResolutionMarker,
  ResolutionWatcher,
  resolutionKey,
  StepLock,
} from "./resolutions.ts";
import { type SettlePendingOptions, settlePendingOrders } from "./settle-pending.ts";
import { StepRecorder } from "./step-recorder.ts";

/**
 * The engine's venue when orders go to a real (asynchronous) venue: `execute` queues the order and
 * answers "pending"; the runner places it, then books the answer (CopyEngine.applyVenueResult).
 */
export class LiveBridge implements ExecutionVenue {
  readonly queue: { order: Order; market: Market }[] = [];
  readonly #books: ReadonlyMap<string, OrderBook>;
  constructor(books: ReadonlyMap<string, OrderBook>) {
    this.#books = books;
  }
  execute(order: Order, market: Market): PlaceOrderResult {
    this.queue.push({ order, market });
    return { venueOrderId: "", status: "pending", fills: [] };
  }
  orderBookSync(tokenId: string, ts: number): OrderBook {
    return this.#books.get(tokenId) ?? { tokenId, bids: [], asks: [], ts, tickSize: 0.01 };
  }
  settle(): number {
    // Never called on a live run: winnings are redeemed on-chain by the user, not by the bot;
    // resolutions.ts records the resolution as awaiting redemption instead of paying out.
    return 0;
  }
}

export interface LiveRunOptions {
  store: Store;
  adapter: PolymarketAdapter;
  /** The follow-mode source (its cursor lives in the store under `source.name`). */
  source: LeaderSource;
  /** A one-pass backfill source with the same cursor name, run first. */
  backfill?: LeaderSource;
  wallets: readonly string[];
  risk: RiskConfig;
  bus?: EventBus;
  signal: AbortSignal;
  /**
   * The ledger's trading lock (Store.acquireInstanceLock): checked before every venue post, so an
   * instance that lost it to a newer one (FENCED) stops before sending a second copy of an order.
   */
  lease?: { check(): Promise<void> };
  /**
   * Upstream health (the dashboard's outage indicator); one is made when absent. Feeds are retried
   * for ever (resilient-source.ts) and entries pause while the feed or order books are stale.
   */
  health?: UpstreamHealth;
  /** Backoff of a failing feed (default 1 s doubling to 30 s, jittered). */
  retry?: Pick<ResilientSourceOptions, "baseMs" | "maxMs">;
  /** Send orders to this venue (live trading). Without it, a paper venue fills against live books. */
  liveVenue?: Venue;
  /** Wait before settling an order the CLOB answered `live`/`delayed` (default 2 s). */
  workingOrderWaitMs?: number;
  /** Test hook: SIGKILL after the N-th new order is filled, before its step is committed. */
  crashAfterOrder?: number;
  /** Test hook: SIGKILL after the N-th leader fill is decided, before its step is committed. */
  crashAfterStep?: number;
  /** Test hook (live): SIGKILL after the N-th order is written ahead as pending, before it is sent. */
  crashBeforePost?: number;
  /** Test hook (live): SIGKILL after the N-th order the venue filled, before its fills are committed. */
  crashAfterFill?: number;
  onStatus?: (message: string) => void;
  /** Called once the engine is restored and about to follow the feed (dashboard wiring). */
  onReady?: (engine: CopyEngine, leaders: ReadonlyMap<string, LeaderProfile>) => void;
  /** How often held markets past their end date are checked for resolution (resolutions.ts). */
  resolutionCheckMs?: number;
  /** How often held markets before their end date are checked (they can resolve early). */
  openMarketCheckMs?: number;
  /** Test hook: SIGKILL just before or just after a resolution's settlement is committed. */
  crashAtSettle?: "before-commit" | "after-commit";
  /**
   * The market-wide tape (every wallet's fills) of the markets the followed wallets trade and the
   * bot holds; default: read through `adapter`. Classification, markouts, price baselines and exit
   * marks use it, as a backtest uses the whole history file.
   */
  tape?: MarketTape;
  /** How often the tape of those markets is read again while following (default 30 s; 0 = never). */
  tapeRefreshMs?: number;
  /** Other wallets' trades from the websocket firehose (rtds-source), for the tokens asked for. */
  tap?: TradeTap;
  /**
   * Maker/taker roles from the chain (config `polymarket.rpcUrl`): the followed wallets' stored
   * fills are enriched before they are classified. Without it roles stay unknown, and each verdict
   * says so.
   */
  roles?: FillRoles;
}

export interface LiveRunResult {
  engine: CopyEngine;
  handled: number;
  restored: boolean;
  leaders: Map<string, LeaderProfile>;
}

const CASH_KEY = "live:cash";
/** How long an order the CLOB still works (`live`/`delayed`) gets before it is looked up and settled. */
const WORKING_ORDER_WAIT_MS = 2_000;
const SINCE_KEY = "live:since";
const TAPE_REFRESH_MS = 30_000;
/** Another wallet's trade in a held token re-fetches its book only when the last one is older. */
const TAPE_BOOK_MAX_AGE_MS = 5_000;

/** Each market's first event time among `events` (where the market's tape starts to matter). */
function firstTsByMarket(events: readonly LeaderEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) {
    if (e.marketId === "") continue;
    const t = out.get(e.marketId);
    if (t === undefined || e.ts < t) out.set(e.marketId, e.ts);
  }
  return out;
}

/** Two time-ordered event lists merged in time order (ties: `a` first). */
function mergeByTs(a: readonly LeaderEvent[], b: readonly LeaderEvent[]): LeaderEvent[] {
  const out: LeaderEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.ts <= b[j]!.ts)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}
/** While order books are down, how often a fill's book read probes whether they are back. */
const BOOK_PROBE_MS = 5_000;

/**
 * Live startup reconciliation: every order a crash left pending is settled with the venue
 * (settle-pending.ts), then trading refuses to start while the venue's token balances disagree
 * with the ledger's positions. Throws RECONCILE_FAILED (user-facing, one line) when it cannot.
 */
export async function reconcileLive(
  o: SettlePendingOptions & { status?: (m: string) => void },
): Promise<void> {
  const settled = await settlePendingOrders(o);
  for (const { order, resolution: r } of settled)
    o.status?.(`settled pending order ${order.key}: ${r.status} (${r.reason})`);
  let ledgerOpen = new Map(
    [...o.engine.positions.values()].filter((p) => p.qty > 0).map((p) => [p.tokenId, p.qty]),
  );
  const bal = await o.venue.balances([...ledgerOpen.keys()]);
  if (await bookRedemptions(o, bal.tokens))
    ledgerOpen = new Map(
      [...o.engine.positions.values()].filter((p) => p.qty > 0).map((p) => [p.tokenId, p.qty]),
    );
  const problems: string[] = [];
  for (const [token, qty] of ledgerOpen) {
    const v = bal.tokens[token] ?? 0;
    if (Math.abs(v - qty) > 10_000) problems.push(`token ${token}: ledger ${qty / 1e6}, venue ${v / 1e6}`);
  }
  if (problems.length > 0) {
    throw new PolycopyError(
      "RECONCILE_FAILED",
      `refusing to trade: positions differ from the venue: ${problems.slice(0, 3).join("; ")}`,
      {
        userFacing: true,
      },
    );
  }
}

/**
 * The bot asks the user to redeem resolved markets (it does not redeem on-chain). A market marked
 * awaiting redemption whose tokens are all gone from the venue was redeemed while the bot was
 * stopped: book the payout (1 USD per winning share) and close the positions, audited, before the
 * balance check. Returns whether anything was booked.
 */
async function bookRedemptions(
  o: SettlePendingOptions & { status?: (m: string) => void },
  venueTokens: Readonly<Record<string, number>>,
): Promise<boolean> {
  const byMarket = new Map<string, Position[]>();
  for (const p of o.engine.positions.values()) {
    if (p.qty <= 0) continue;
    const list = byMarket.get(p.marketId) ?? [];
    list.push(p);
    byMarket.set(p.marketId, list);
  }
  let booked = false;
  for (const [marketId, held] of byMarket) {
    const raw = await o.store.getKv(resolutionKey(marketId));
    if (raw === undefined) continue;
    const marker = JSON.parse(raw) as ResolutionMarker;
    if (marker.status !== "awaiting_redeem") continue;
    if (held.some((p) => (venueTokens[p.tokenId] ?? 0) > 0)) continue; // not (fully) redeemed yet
    const done = bookRedemption(o.engine, marketId, marker, (o.now ?? Date.now)(), "stopped");
    o.rec.noteAudit(done.entry);
    o.rec.noteKv(resolutionKey(marketId), JSON.stringify(done.marker));
    await o.commit();
    o.status?.(done.entry.message);
    booked = true;
  }
  return booked;
}

export async function runLive(o: LiveRunOptions): Promise<LiveRunResult> {
  const { store, adapter } = o;
  const followed = new Set(o.wallets.map((w) => w.toLowerCase()));
  const status = o.onStatus ?? (() => {});
  const health = o.health ?? new UpstreamHealth(o.bus ? { bus: o.bus } : {});

  const ingest = async (src: LeaderSource, onBatch?: (events: LeaderEvent[]) => Promise<void>) => {
    // An outage of any length: the feed is marked stale, retried for ever, and resumes from the
    // cursor persisted with the last batch (the backfill). Only config/auth errors get through.
    const feed = resilientSource({
      source: src,
      persistedCursor: () => store.getCursor(src.name),
      onHealth: (h) => {
        health.report(h, "feed");
        if (h.stale)
          status(
            `leader feed ${h.source} stale (${h.error}); retrying in ${Math.round((h.retryInMs ?? 0) / 1000)} s`,
          );
      },
      ...o.retry,
    });
    try {
      for await (const batch of feed.stream(await store.getCursor(src.name), o.signal)) {
        await store.ingestBatch(src.name, batch.events, batch.cursor);
        if (onBatch && batch.events.length > 0) await onBatch(batch.events);
        if (o.signal.aborted) break;
      }
    } catch (err) {
      // Stopping (SIGINT/SIGTERM) aborts requests in flight: that is a clean stop at a step boundary.
      if (!o.signal.aborted) throw err;
    }
  };

  // 1. Backfill, then classify the followed wallets on everything stored plus the market-wide tape
  // of every market they traded (other wallets' fills: later prices for markouts, buyers for the
  // price baselines), as `classify` does on a full history file.
  if (o.backfill) await ingest(o.backfill);
  let history = (await store.listLeaderEvents())
    .filter((e) => followed.has(e.wallet))
    .sort((a, b) => a.ts - b.ts);
  if (o.roles) {
    try {
      const r = await o.roles.enrich(history, o.signal);
      history = r.events;
      status(
        `maker/taker roles from the chain: ${r.summary.known} of ${r.summary.known + r.summary.unknown} fills`,
      );
    } catch (err) {
      if (o.signal.aborted) throw err;
      status(
        `maker/taker roles unavailable (${err instanceof Error ? err.message : String(err)}): classifying without them`,
      );
    }
  } else status("maker/taker roles unknown: no chain RPC configured (polymarket.rpcUrl)");
  const tape = o.tape ?? new MarketTape(adapter);
  // Each market's tape from an hour before the first followed fill in it: a fill's mid-before looks
  // back that far, so the batch classify of a full file sees the same prices.
  const scored = new Map([...firstTsByMarket(history)].map(([m, t]) => [m, t - TAPE_WINDOW_MS]));
  /** Other wallets' fills from the tape (followed wallets' own come from their activity). */
  const readTape = async (markets: ReadonlyMap<string, number>): Promise<LeaderEvent[]> =>
    (await tape.refresh(markets, o.signal)).filter((f) => !followed.has(f.wallet));
  let tapeEvents: LeaderEvent[] = [];
  try {
    tapeEvents = await readTape(scored);
    status(`market tape: ${tapeEvents.length} fills of other wallets in ${scored.size} markets`);
  } catch (err) {
    if (o.signal.aborted) throw err;
    status(
      `market tape unavailable (${err instanceof Error ? err.message : String(err)}): classifying on the followed wallets' own fills only`,
    );
  }
  const catchUp = mergeByTs(history, tapeEvents);
  const { accs, prices } = accumulate(catchUp, followed);
  const verdicts = analyzeWallets(accs, prices);
  const leaders = new Map<string, LeaderProfile>();
  for (const w of followed) {
    const v = verdicts.find((x) => x.wallet === w);
    leaders.set(w, {
      class: v?.class ?? "uncertain",
      edge: v ? v.quality.alpha_per_share * (v.fills / (v.fills + 100)) : 0,
      score: v?.score ?? 0,
      recommendation: v?.recommendation ?? "watch",
    });
    if (v) status(`classified ${w}: ${v.class} (P(MM)=${v.p_mm}, ${v.fills} fills)`);
  }
  status(
    `classified ${leaders.size} followed wallets on ${history.length} stored events and ${tapeEvents.length} tape fills`,
  );

  // 2. Engine with a paper venue on live books, restored from the ledger.
  const markets = new Map<string, Market>((await store.listMarkets()).map((m) => [m.id, m]));
  const books = new Map<string, OrderBook>();
  const clock = new ManualClock(Date.now());
  const venue = new SimulatedVenue({
    clock,
    book: (t, ts) => books.get(t) ?? { tokenId: t, bids: [], asks: [], ts, tickSize: 0.01 },
    latencyMs: 0, // the book is fetched after the leader's fill: the real delay is already in it
    startingCash: Math.round(o.risk.startingCashUsd * 1e6),
  });
  const inner = new EventBus();
  let newOrders = 0;
  const rec = new StepRecorder(inner, o.bus, () => {
    if (o.crashAfterOrder !== undefined && ++newOrders >= o.crashAfterOrder)
      process.kill(process.pid, "SIGKILL");
  });
  const bridge = o.liveVenue ? new LiveBridge(books) : null;
  const lock = new StepLock();
  const engine = new CopyEngine({
    mode: o.liveVenue ? "live" : "paper",
    strategy: "aware",
    risk: o.risk,
    clock,
    venue: bridge ?? venue,
    markets,
    leaders,
    bus: inner,
  });
  health.attach(engine);

  const decided = new Set<string>();
  for (const a of await store.listAudit({ kind: "decision", limit: 100_000_000 })) {
    const k = (a.data as { leaderFillKey?: string } | null)?.leaderFillKey;
    if (k) decided.add(k);
  }
  const positions = await store.listPositions();
  const cashRaw = await store.getKv(CASH_KEY);
  const restored = cashRaw !== undefined;
  if (restored) {
    const orders = await store.listOrders();
    const fills = await store.listFills();
    // Which leader each open position came from: its buys, by filled quantity.
    const byOrder = new Map(orders.map((x) => [x.key, x]));
    const origin = new Map<string, { tokenId: string; wallet: string; cls: WalletClass; qty: number }>();
    for (const f of fills) {
      const ord = byOrder.get(f.orderKey);
      if (!ord?.leader || f.side !== "BUY") continue;
      const k = `${f.tokenId}|${ord.leader}`;
      const cur = origin.get(k) ?? {
        tokenId: f.tokenId,
        wallet: ord.leader,
        cls: leaders.get(ord.leader)?.class ?? "uncertain",
        qty: 0,
      };
      cur.qty += f.qty;
      origin.set(k, cur);
    }
    const open = new Map(positions.filter((p) => p.qty > 0).map((p) => [p.tokenId, p.qty]));
    const origins = [...origin.values()]
      .filter((x) => open.has(x.tokenId))
      .map((x) => ({ ...x, qty: Math.min(x.qty, open.get(x.tokenId)!) }));
    engine.restore({
      positions,
      cash: Number(cashRaw),
      origins,
      breakers: await store.listBreakers(),
      killSwitch: (await store.getKv("kill_switch")) === "on",
      decidedKeys: [],
    });
    venue.restore(Number(cashRaw), Object.fromEntries(open));
    if (o.liveVenue) {
      const cursor = { source: "live:engine", value: (await store.getCursor("live:engine")) ?? "0" };
      await reconcileLive({
        store,
        venue: o.liveVenue,
        engine,
        rec,
        markets,
        status,
        commit: () =>
          store.commitStep(rec.take(cursor, engine.breakers, { [CASH_KEY]: String(engine.cash) })),
      });
    }
    const held = [...engine.positions.values()].filter((p) => p.qty > 0).length;
    status(
      `restored from the ledger: ${held} open positions, cash ${(engine.cash / 1e6).toFixed(2)} USD, ${decided.size} leader fills already decided`,
    );
  }

  // 3. Handle one event: prices and leader state for everyone, a decision for followed fills.
  let handled = 0;
  let sent = 0;
  let filledSends = 0;
  /** When each token's book was last fetched for another wallet's trade. */
  const bookAt = new Map<string, number>();
  /**
   * A book read gets three rounds of the client's retries: under heavy transient faults (a 20 %
   * fault rate) one round fails often enough to pause an entry needlessly; three rarely do.
   */
  const bookWithRetries = async (tokenId: string, rounds: number): Promise<OrderBook> => {
    for (let round = 1; ; round++) {
      try {
        return await adapter.orderBook(tokenId, o.signal);
      } catch (err) {
        if (
          round >= rounds ||
          o.signal.aborted ||
          isFatalUpstreamError(err) ||
          isPolycopyError(err, "NOT_FOUND")
        )
          throw err;
      }
    }
  };
  let bookProbeAt = 0;
  const handle = async (e: LeaderEvent) => {
    // Another wallet's trade (market tape, firehose): it moves prices and may trigger our price
    // exits on a token we hold; only then is there anything to commit.
    const tapeOnly = !followed.has(e.wallet);
    if (tapeOnly ? e.type !== "TRADE" : engine.hasSeen(e.key)) return;
    if (e.type !== "TRADE") {
      engine.warm(e);
      return;
    }
    const held = (engine.positions.get(e.tokenId)?.qty ?? 0) > 0;
    if (tapeOnly && !held) {
      engine.handle(e);
      return;
    }
    // Market data a followed fill needs but cannot get now (an outage) pauses its entry, not the run.
    if (!tapeOnly) engine.setStale("gamma:markets", null);
    if (!tapeOnly && !markets.has(e.marketId)) {
      const [m] = await adapter.ensureMarkets([e.marketId], o.signal).catch((err) => {
        if (o.signal.aborted || isFatalUpstreamError(err)) throw err;
        engine.setStale("gamma:markets", `market data unavailable (${describeError(err)})`);
        return [];
      });
      if (o.signal.aborted) return;
      const got = m ?? adapter.cachedMarket(e.marketId);
      if (got) {
        markets.set(got.id, got);
        await store.upsertMarkets([got]);
      }
    }
    const booksDown = health.isStale("clob:book");
    // A followed fill may need the book to decide; a held token's exits need it on other wallets'
    // trades too, where a burst of them shares one fetch.
    const wantBook = tapeOnly
      ? Date.now() - (bookAt.get(e.tokenId) ?? 0) > TAPE_BOOK_MAX_AGE_MS
      : engine.needsBook(e);
    if (wantBook && booksDown && Date.now() - bookProbeAt < BOOK_PROBE_MS) {
      // Books are down: a followed fill's entry is paused at once (no book read per fill), a tape
      // trade keeps the last book; one probe per BOOK_PROBE_MS finds out when they are back.
      if (!tapeOnly) books.delete(e.tokenId);
    } else if (wantBook) {
      bookProbeAt = Date.now();
      bookAt.set(e.tokenId, Date.now());
      try {
        books.set(e.tokenId, await bookWithRetries(e.tokenId, booksDown ? 1 : 3));
        health.fetched("clob:book", "prices", null);
      } catch (err) {
        if (o.signal.aborted) return; // stopping: this fill stays undecided and is handled on restart
        if (isFatalUpstreamError(err)) throw err;
        // No book for the token (404): the liquidity filter skips the fill, with its reason. Any
        // other failure is an outage of prices: entries pause until a book can be read again.
        if (!isPolycopyError(err, "NOT_FOUND")) health.fetched("clob:book", "prices", describeError(err));
        books.delete(e.tokenId);
      }
    }
    engine.handle(e);
    if (!tapeOnly && o.crashAfterStep !== undefined && handled + 1 >= o.crashAfterStep)
      process.kill(process.pid, "SIGKILL");
    // Live: each order gets its venue id (the signed order's hash) before anything is written, so
    // the write-ahead record says which venue order to look for after a crash.
    const sends: { order: Order; market: Market; refused: string | null }[] = [];
    if (bridge && o.liveVenue) {
      for (const { order, market } of bridge.queue.splice(0)) {
        try {
          const { venueOrderId } = await o.liveVenue.prepareOrder(order, market);
          rec.noteOrder(order.key, { venueOrderId });
          sends.push({ order: { ...order, venueOrderId }, market, refused: null });
        } catch (err) {
          sends.push({ order, market, refused: err instanceof Error ? err.message : String(err) });
        }
      }
    }
    const commitStep = () =>
      store.commitStep(
        rec.take({ source: "live:engine", value: String(tapeOnly ? clock.now() : e.ts) }, engine.breakers, {
          [CASH_KEY]: String(engine.cash),
        }),
      );
    /**
     * Looks one sent order up at the venue and books what it did (as a restart would). The order's
     * fate must be known before the next step, so a CLOB outage is waited out (jittered backoff).
     */
    const settleOne = async (venue: Venue, key: string) => {
      for (let attempt = 0; ; attempt++) {
        try {
          await settlePendingOrders({
            store,
            venue,
            engine,
            rec,
            markets,
            keys: new Set([key]),
            commit: commitStep,
          });
          if (attempt > 0) health.fetched("clob:orders", "prices", null);
          return;
        } catch (err) {
          if (o.signal.aborted || isFatalUpstreamError(err)) throw err;
          health.fetched("clob:orders", "prices", describeError(err));
          await sleep(
            Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2),
            o.signal,
          );
        }
      }
    };
    // The decision and the order (status pending, with its venue id) are committed before it is sent.
    await commitStep();
    for (const { order, market, refused } of sends) {
      let error = refused;
      let result: PlaceOrderResult = {
        venueOrderId: order.venueOrderId ?? "",
        status: "rejected",
        fills: [],
      };
      if (error === null && o.liveVenue) {
        if (o.crashBeforePost !== undefined && ++sent >= o.crashBeforePost)
          process.kill(process.pid, "SIGKILL");
        // Outside the try: FENCED ends the run; the order stays pending for its holder to settle.
        await o.lease?.check();
        try {
          result = await o.liveVenue.placeOrder(order, market);
          if (result.working) {
            // The CLOB still works it (`live`/`delayed`): give it a moment, then settle it like a
            // pending order (it still is one in the ledger): book its fills, and if it still rests,
            // cancel it there first (polycopy's FAK/FOK orders must not rest). No fill left behind.
            await sleep(o.workingOrderWaitMs ?? WORKING_ORDER_WAIT_MS);
            await settleOne(o.liveVenue, order.key);
            continue;
          }
        } catch (err) {
          if (isPolycopyError(err, "UPSTREAM_ERROR") && order.venueOrderId) {
            // No answer after every retry: the order may be on the book. It is pending in the ledger
            // with its hash, so look it up and book what it did; if the CLOB cannot be asked, stop
            // (throws) and let the next start settle it. Never call it rejected on a guess.
            inner.emit({
              type: "alert",
              level: "warn",
              message: `order ${order.key}: no answer from the CLOB (${err.message}); looking it up by its hash`,
              ts: Date.now(),
            });
            await settleOne(o.liveVenue, order.key);
            continue;
          }
          error = err instanceof Error ? err.message : String(err);
        }
      }
      if (error !== null) {
        inner.emit({
          type: "alert",
          level: "warn",
          message: `order ${order.key} rejected: ${error}`,
          ts: Date.now(),
        });
        engine.applyVenueResult(order, result);
        rec.noteOrderError(order.key, error);
      } else {
        if (o.crashAfterFill !== undefined && result.fills.length > 0 && ++filledSends >= o.crashAfterFill)
          process.kill(process.pid, "SIGKILL");
        engine.applyVenueResult(order, result);
      }
      await commitStep();
    }
    if (!tapeOnly) handled++;
  };

  // 4. Stored history: decided fills and non-trade activity only teach the engine (prices, leader
  // state); fills stored but never decided (a crash between ingest and decision) are handled now.
  // On a fresh ledger everything stored so far is history to learn from, not to copy.
  let since = Number((await store.getKv(SINCE_KEY)) ?? Number.NaN);
  if (!Number.isFinite(since)) {
    since = history.reduce((m, e) => Math.max(m, e.ts), 0);
    await store.setKv(SINCE_KEY, String(since));
  }
  let pending = 0;
  for (const e of catchUp) {
    if (o.signal.aborted) break;
    if (!followed.has(e.wallet)) engine.observeMarket(e);
    else if (e.type !== "TRADE" || decided.has(e.key) || e.ts <= since) engine.warm(e);
    else {
      await lock.run(() => handle(e));
      pending++;
    }
  }
  if (pending > 0) status(`handled ${pending} stored leader fills that had no decision yet`);
  if (!restored) await store.setKv(CASH_KEY, String(engine.cash));
  o.onReady?.(engine, leaders);
  // Resolutions are settled beside the feed; the lock keeps a settlement out of a fill's step.
  const watching = new AbortController();
  const stopWatching = () => watching.abort();
  o.signal.addEventListener("abort", stopWatching, { once: true });
  const watcher = new ResolutionWatcher({
    store,
    engine,
    mode: o.liveVenue ? "live" : "paper",
    lookup: (ids, signal) => adapter.marketStates(ids, signal),
    recorder: rec,
    cashKey: CASH_KEY,
    lock,
    marketNow: () => Math.max(Date.now(), clock.now()),
    onStatus: status,
    onResolved: (_id, tokens) => {
      for (const t of tokens) books.delete(t); // no book, so no exit is tried on a closed market
    },
    ...(o.liveVenue
      ? { tokenBalances: async (tokens: string[]) => (await o.liveVenue!.balances(tokens)).tokens }
      : {}),
    ...(o.resolutionCheckMs !== undefined ? { intervalMs: o.resolutionCheckMs } : {}),
    ...(o.openMarketCheckMs !== undefined ? { openMarketIntervalMs: o.openMarketCheckMs } : {}),
    ...(o.crashAtSettle ? { crashAtSettle: o.crashAtSettle } : {}),
  });
  watcher.start(watching.signal);
  const tapeLoop = followTape({
    tape,
    ...(o.tapeRefreshMs !== undefined ? { tapeRefreshMs: o.tapeRefreshMs } : {}),
    ...(o.tap ? { tap: o.tap } : {}),
    followed,
    scored,
    engine,
    signal: watching.signal,
    readTape,
    status,
    onFill: (e) => lock.run(() => handle(e)),
  });
  status(`following ${followed.size} wallets`);
  try {
    await ingest(o.source, async (events) => {
      for (const e of [...events].sort((a, b) => a.ts - b.ts)) {
        if (o.signal.aborted) return;
        if (followed.has(e.wallet) && e.marketId !== "" && !scored.has(e.marketId))
          scored.set(e.marketId, e.ts);
        await lock.run(() => handle(e));
      }
    });
  } finally {
    stopWatching();
    o.signal.removeEventListener("abort", stopWatching);
    await watcher.stopped();
    await tapeLoop;
  }
  return { engine, handled, restored, leaders };
}

/**
 * While following: other wallets' trades in the markets the followed wallets trade and in those we
 * hold keep moving prices (markouts, baselines, exit marks). The websocket firehose (`tap`) brings
 * them as they happen; the Data API tape is read again every `tapeRefreshMs` for what the socket
 * missed (or when there is no socket). A fill seen twice is handled once.
 */
async function followTape(o: {
  tape: MarketTape;
  tapeRefreshMs?: number;
  tap?: TradeTap;
  followed: ReadonlySet<string>;
  scored: Map<string, number>;
  engine: CopyEngine;
  signal: AbortSignal;
  readTape: (markets: ReadonlyMap<string, number>) => Promise<LeaderEvent[]>;
  status: (m: string) => void;
  onFill: (e: LeaderEvent) => Promise<void>;
}): Promise<void> {
  const every = o.tapeRefreshMs ?? TAPE_REFRESH_MS;
  if (every <= 0 && !o.tap) return;
  const recent = new Set<string>();
  const feed = async (events: readonly LeaderEvent[]) => {
    for (const e of events) {
      if (o.signal.aborted) return;
      if (recent.has(e.key)) continue;
      recent.add(e.key);
      if (recent.size > 100_000) recent.delete(recent.values().next().value!);
      await o.onFill(e);
    }
  };
  const started = Date.now();
  /**
   * Markets to read, each from where its tape starts to matter. A market whose tape was never read
   * (it failed at start, or it is new) is read from when following began at the earliest: older
   * trades arriving now would move today's prices back in time.
   */
  const tracked = () => {
    const m = new Map<string, number>();
    for (const [id, ts] of o.scored) m.set(id, o.tape.has(id) ? ts : Math.max(ts, started));
    for (const p of o.engine.positions.values())
      if (p.qty > 0 && !m.has(p.marketId)) m.set(p.marketId, started);
    return m;
  };
  let lastRead = Date.now();
  while (!o.signal.aborted) {
    try {
      await sleep(Math.min(every > 0 ? every : 1_000, 1_000), o.signal);
    } catch {
      return; // stopping
    }
    if (o.tap) {
      const m = tracked();
      const tokens = new Set<string>();
      for (const id of m.keys())
        for (const t of o.engine.o.markets.get(id)?.outcomes ?? []) tokens.add(t.tokenId);
      o.tap.want(tokens);
      await feed(o.tap.drain().filter((f) => !o.followed.has(f.wallet)));
    }
    if (every > 0 && Date.now() - lastRead >= every) {
      lastRead = Date.now();
      try {
        await feed(await o.readTape(tracked()));
      } catch (err) {
        if (o.signal.aborted) return;
        o.status(
          `market tape: read failed (${err instanceof Error ? err.message : String(err)}); retrying later`,
        );
      }
    }
  }
}
