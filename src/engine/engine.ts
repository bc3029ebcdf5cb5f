/**
 * The copy engine: one pipeline for backtest, paper and live (only the clock and venue differ).
 *   leader event -> wallet state (analytics accumulator) -> signal filters -> size -> risk gate
 *   -> venue -> ledger (positions, cash) -> exits (take profit, trailing stop, time, leader exit,
 *   resolution).
 * Every decision is emitted on the bus (and audited by whoever listens). The hot path is
 * synchronous against the simulated venue so a replay runs at memory speed; a live venue goes
 * through `handleAsync`.
 */
import { WalletAccumulator } from "../analytics/accumulator.ts";
import { DEFAULT_ANALYZE_OPTIONS, judgeWallet } from "../analytics/analyze.ts";
import { MarketPrices } from "../analytics/prices.ts";
import { bestAsk, bestBid, type OrderBook } from "../domain/book.ts";
import type { ManualClock } from "../domain/clock.ts";
import type { BreakerState, Decision } from "../domain/events.ts";
import type { LeaderEvent, LeaderFill } from "../domain/fill.ts";
import { type Market, roundToTick, takerFeeMicros } from "../domain/market.ts";
import type { Order } from "../domain/order.ts";
import { applyFill, emptyPosition, type Position } from "../domain/position.ts";
import { fromMicros, type Micros, toMicros } from "../domain/units.ts";
import type { Recommendation, WalletClass } from "../domain/wallet.ts";
import { forceBreaker, newBreaker, stepBreaker } from "../risk/breaker.ts";
import type { RiskConfig } from "../risk/config.ts";
import {
  type Crowding,
  crowdingOf,
  type ExposureVectors,
  leaderExposures,
  similarityToOthers,
} from "../risk/correlation.ts";
import { worstCaseLoss } from "../risk/exposure.ts";
import { gateEntry, MIN_ORDER_USD } from "../risk/gate.ts";
import type { BreakerRecord } from "../store/store.ts";
import {
  feeFilter,
  liquidityFilter,
  profitabilityFilter,
  rebalancingFilter,
  type Skip,
  sellFilter,
  stalenessFilter,
} from "../strategy/filters.ts";
import { PriceVolatility, sizeEntry } from "../strategy/sizing.ts";
import type { PlaceOrderResult } from "../venues/venue.ts";
import type { EventBus } from "./bus.ts";

/**
 * What the engine needs from a venue on its hot path: synchronous execution (the simulated venue
 * fills at once; a live bridge answers "pending" and the caller books the venue's answer later with
 * `applyVenueResult`), the book as of a time, and resolution payouts.
 */
export interface ExecutionVenue {
  execute(order: Order, market: Market): PlaceOrderResult;
  orderBookSync(tokenId: string, ts: number): OrderBook;
  settle(tokenId: string, won: boolean): Micros;
}

export interface LeaderProfile {
  class: WalletClass;
  /** Estimated edge per share (shrunk), used by the profitability filter. */
  edge: number;
  score: number;
  /** The analytics' recommendation: entries are copied only for "copy" and "copy_mm_rules". */
  recommendation?: Recommendation;
}

export interface EngineOptions {
  mode: "backtest" | "paper" | "live";
  /** "aware": wallet-type risk, filters and breakers. "plain": copy every fill proportionally (the baseline). */
  strategy: "aware" | "plain";
  risk: RiskConfig;
  clock: ManualClock;
  venue: ExecutionVenue;
  markets: ReadonlyMap<string, Market>;
  /** Followed wallets and what the analytics said about them at start. */
  leaders: ReadonlyMap<string, LeaderProfile>;
  bus?: EventBus;
  /** Re-classify a leader after this many new fills (incremental, no history re-read). */
  reclassifyEvery?: number;
}

interface Origin {
  wallet: string;
  cls: WalletClass;
  qty: Micros;
}

const HOUR = 3_600_000;
/** After a failed own exit (target, stop, time), wait this long before trying that token again. */
const EXIT_RETRY_MS = 10 * 60_000;
const DAY = 86_400_000;

export class CopyEngine {
  readonly o: EngineOptions;
  readonly prices = new MarketPrices();
  readonly leaders = new Map<string, LeaderProfile>();
  readonly #acc = new Map<string, WalletAccumulator>();
  readonly positions = new Map<string, Position>();
  /** Which leader's fills opened each of our token positions (for exits and budgets). */
  readonly #origin = new Map<string, Origin[]>();
  readonly #entries = new Map<string, number[]>();
  readonly #peakMark = new Map<string, number>();
  readonly breakers = new Map<string, BreakerRecord>();
  cash: Micros;
  killSwitch = false;
  /** Upstreams (leader feed, prices) that are stale, with why: entries pause while any is. */
  readonly #stale = new Map<string, string>();
  readonly counters = {
    leaderEvents: 0,
    followedFills: 0,
    copied: 0,
    resized: 0,
    skipped: 0,
    blocked: 0,
    exits: 0,
    fills: 0,
  };
  feesPaid: Micros = 0;
  readonly recent: Decision[] = [];
  /** Copied (incl. resized) and skipped (incl. blocked) decisions per leader wallet. */
  readonly perWallet = new Map<string, { copied: number; skipped: number }>();
  readonly dailyEquity: number[] = [];
  #day = -1;
  #dayStartEquity = 0;
  #peakEquity: number;
  #lastExitScan = 0;
  readonly #seenKeys = new Set<string>();
  readonly #lastExitTry = new Map<string, number>();
  readonly #pendingMeta = new Map<string, { wallet: string | null; cls: WalletClass | null }>();
  readonly #vol = new PriceVolatility();
  /** Market ids per event (neg-risk groups), for the multi-outcome worst-case loss. */
  readonly #eventMarkets = new Map<string, string[]>();
  /** Recent outcomes (ts, PnL) per breaker scope, for rolling loss streaks and drawdowns. */
  readonly #outcomes = new Map<string, { ts: number; pnl: number }[]>();
  /** Our exposure per leader and its crowding; null once a fill or exit changed who owns what. */
  #corr: { vectors: ExposureVectors; crowding: Crowding } | null = null;

  constructor(o: EngineOptions) {
    this.o = o;
    this.cash = toMicros(o.risk.startingCashUsd);
    this.#peakEquity = o.risk.startingCashUsd;
    for (const [w, p] of o.leaders) {
      this.leaders.set(w, { ...p });
      this.#acc.set(w, new WalletAccumulator(w, this.prices));
    }
    for (const m of o.markets.values()) {
      if (m.eventId === null) continue;
      const list = this.#eventMarkets.get(m.eventId) ?? [];
      list.push(m.id);
      this.#eventMarkets.set(m.eventId, list);
    }
    for (const s of ["global", "correlation", "class:market_maker", "class:directional", "class:uncertain"])
      this.breakers.set(s, newBreaker(s, o.clock.now()));
  }

  equityUsd(): number {
    let eq = fromMicros(this.cash);
    for (const p of this.positions.values()) {
      if (p.qty <= 0) continue;
      const m = this.prices.last(p.tokenId) ?? fromMicros(p.cost) / fromMicros(p.qty);
      eq += fromMicros(p.qty) * m;
    }
    return eq;
  }

  /** Processes one leader event (any wallet: every trade also updates market prices). */
  handle(e: LeaderEvent): void {
    const acc = this.#acc.get(e.wallet);
    // A replayed or duplicated event of a followed wallet is processed once (others only move prices).
    if (acc) {
      if (this.#seenKeys.has(e.key)) return;
      this.#seenKeys.add(e.key);
    }
    if (e.ts > this.o.clock.now()) this.o.clock.set(e.ts);
    this.counters.leaderEvents++;
    this.#rollDay(e.ts);
    this.prices.observe(e);
    if (e.type === "TRADE") this.#vol.observe(e.tokenId, e.price, e.ts);
    if (e.type === "TRADE" && this.positions.has(e.tokenId)) this.#checkPriceExits(e.tokenId);
    if (!acc) return;
    const before = e.type === "TRADE" ? (acc.markets.get(e.marketId)?.inv ?? 0) : 0;
    acc.add(e);
    if (e.type !== "TRADE") return;
    this.counters.followedFills++;
    const every = this.o.reclassifyEvery ?? 200;
    if (this.o.strategy === "aware" && acc.fills % every === 0) this.#reclassify(e.wallet, acc);
    this.#onLeaderFill(e, acc, before);
    if (e.ts - this.#lastExitScan > 10 * 60_000) {
      this.#lastExitScan = e.ts;
      this.#timeExits(e.ts);
      this.#reevaluate(e.ts);
    }
  }

  #reclassify(wallet: string, acc: WalletAccumulator): void {
    const v = judgeWallet(acc, this.prices, undefined, { ...DEFAULT_ANALYZE_OPTIONS, bootstrap: 0 });
    const p = this.leaders.get(wallet)!;
    if (v.class !== "uncertain" && v.class !== p.class) {
      this.o.bus?.emit({
        type: "alert",
        level: "info",
        message: `${wallet} reclassified ${p.class} → ${v.class} (P(MM)=${v.p_mm})`,
        ts: this.o.clock.now(),
      });
      p.class = v.class;
    }
  }

  #decide(d: Omit<Decision, "ts">): void {
    const dec: Decision = { ...d, ts: this.o.clock.now() };
    this.counters[dec.action]++;
    const pw = this.perWallet.get(dec.wallet) ?? { copied: 0, skipped: 0 };
    if (dec.action === "copied" || dec.action === "resized") pw.copied++;
    else pw.skipped++;
    this.perWallet.set(dec.wallet, pw);
    this.recent.push(dec);
    if (this.recent.length > 200) this.recent.splice(0, 100);
    this.o.bus?.emit({ type: "decision", decision: dec });
  }

  #onLeaderFill(f: LeaderFill, acc: WalletAccumulator, invBefore: number) {
    const profile = this.leaders.get(f.wallet)!;
    const plain = this.o.strategy === "plain";
    const cls: WalletClass = plain ? "directional" : profile.class;
    const market = this.o.markets.get(f.marketId);
    const base = { leaderFillKey: f.key, wallet: f.wallet, walletClass: profile.class, orderKey: null };
    const skip = (s: Skip) => this.#decide({ ...base, action: "skipped", rule: s.rule, reason: s.reason });
    const filters = this.o.risk.filters;

    // Entries wait while the feed or prices are stale (an outage); exits below keep working.
    if (f.side !== "SELL" && this.#stale.size > 0) {
      const [source, why] = this.#stale.entries().next().value as [string, string];
      return this.#decide({
        ...base,
        action: "blocked",
        rule: source.startsWith("feed:") || why.startsWith("leader feed") ? "stale.feed" : "stale.prices",
        reason: `entries paused: ${why}`,
      });
    }
    if (!market) return skip({ rule: "filter.unknown_market", reason: `market ${f.marketId} is not known` });

    if (f.side === "SELL") {
      // Mirror the leader's exit on what we copied from this leader in this token.
      const mine = (this.#origin.get(f.tokenId) ?? []).find((o) => o.wallet === f.wallet);
      const s = sellFilter("SELL", mine?.qty ?? 0);
      if (s) return skip(s);
      const leaderHeldBefore = (acc.markets.get(f.marketId)?.pos[f.outcomeIndex === 0 ? 0 : 1] ?? 0) + f.size;
      const share = Math.min(1, f.size / Math.max(f.size, leaderHeldBefore));
      const qty = Math.max(1, Math.round(mine!.qty * share));
      this.#exit(
        f.tokenId,
        market,
        Math.min(qty, mine!.qty),
        `leader ${f.wallet.slice(0, 10)} sold`,
        f.key,
        f.wallet,
      );
      return this.#decide({
        ...base,
        action: "copied",
        rule: "exit.leader_sold",
        reason: "mirrored the leader's sell on the position copied from it",
        orderKey: `exit:${f.key}`,
      });
    }

    const agg = acc.markets.get(f.marketId)!;
    const rec = profile.recommendation;
    if (
      !plain &&
      this.o.risk.filters.followRecommendations &&
      rec !== undefined &&
      rec !== "copy" &&
      rec !== "copy_mm_rules"
    )
      return skip({
        rule: "filter.recommendation",
        reason: `analytics recommend "${rec}" for this wallet: entries are not copied`,
      });
    if (!plain) {
      const s = rebalancingFilter(
        cls,
        { inv: agg.inv, vol: agg.vol, fills: agg.fills, increased: Math.abs(agg.inv) > Math.abs(invBefore) },
        filters,
      );
      if (s) return skip(s);
    }
    const book = this.o.venue.orderBookSync(f.tokenId, this.o.clock.now() + filters.latencyMs);
    const ask = bestAsk(book);
    const bid = bestBid(book);
    if (ask === null || bid === null) return skip({ rule: "filter.liquidity", reason: "empty book" });
    const prof = this.o.risk.profiles[cls];
    const sized = plain
      ? { usd: Math.min(f.size * f.price * prof.copyRatio, prof.maxOrderUsd * 4) }
      : sizeEntry(
          {
            leaderNotionalUsd: f.size * f.price,
            copyRatio: prof.copyRatio,
            maxOrderUsd: prof.maxOrderUsd,
            price: ask,
            edge: profile.edge,
            volPerHour: this.#vol.perHour(f.tokenId),
            bankrollUsd: this.o.risk.startingCashUsd,
            useKelly: cls !== "market_maker",
          },
          this.o.risk.sizing,
        );
    const wantUsd = sized.usd;
    if (wantUsd < 1)
      return skip({
        rule: "size.too_small",
        reason: `sized to $${wantUsd.toFixed(2)} (volatility and Kelly caps), below the $1 minimum`,
      });
    const shares = wantUsd / ask;
    const feeUsd = fromMicros(takerFeeMicros(market.fee, ask, toMicros(shares)));
    if (!plain) {
      const checks = [
        stalenessFilter(f, ask, filters),
        liquidityFilter(book, "BUY", shares, filters),
        feeFilter(feeUsd, wantUsd, filters),
        profitabilityFilter(
          profile.edge,
          {
            halfSpread: (ask - bid) / 2,
            feePerShare: shares > 0 ? feeUsd / shares : 0,
            slippage: Math.max(0, ask - f.price),
          },
          filters,
        ),
      ];
      for (const s of checks) if (s) return skip(s);
    }
    const now = this.o.clock.now();
    const hour = (this.#entries.get(f.wallet) ?? []).filter((t) => now - t < HOUR);
    this.#entries.set(f.wallet, hour);
    const ex = this.#exposure(f.wallet, cls, f.marketId);
    const classHour = (this.#entries.get(`class:${cls}`) ?? []).filter((t) => now - t < HOUR);
    this.#entries.set(`class:${cls}`, classHour);
    const eventLossAfter = worstCaseLoss(
      [
        ...this.#eventHoldings(market),
        { marketId: f.marketId, outcomeIndex: f.outcomeIndex, qty: shares, cost: wantUsd },
      ],
      this.o.markets,
    );
    const gate = gateEntry(wantUsd, {
      now,
      killSwitch: this.killSwitch,
      breakers: plain
        ? { global: "NORMAL", cls: "NORMAL", wallet: "NORMAL" }
        : {
            global: this.#state("global"),
            cls: this.#state(`class:${cls}`),
            wallet: this.#state(`wallet:${f.wallet}`),
          },
      profile: plain
        ? {
            ...prof,
            maxEntriesPerHour: 1e9,
            maxPositionPerMarketUsd: 1e12,
            maxEventLossUsd: 1e12,
            walletBudgetUsd: 1e12,
            classBudgetUsd: 1e12,
          }
        : prof,
      risk: plain
        ? {
            ...this.o.risk,
            dailyLossLimitUsd: 1e12,
            breakers: { ...this.o.risk.breakers, noEntryBeforeEndHours: 0, maxMarketConcentration: 1 },
          }
        : this.o.risk,
      marketExposureUsd: ex.market,
      eventWorstLossAfterUsd: eventLossAfter,
      walletExposureUsd: ex.wallet,
      classExposureUsd: ex.cls,
      totalExposureUsd: ex.total,
      dailyPnlUsd: this.equityUsd() - this.#dayStartEquity,
      entriesLastHour: hour.length,
      classEntriesLastHour: plain ? 0 : classHour.length,
      marketEndTs: market.endTs,
      cashUsd: fromMicros(this.cash),
      correlation: this.#entryCorrelation(
        plain,
        f.wallet,
        f.marketId,
        f.outcomeIndex === 0 ? wantUsd : -wantUsd,
      ),
    });
    if (gate.action === "blocked")
      return this.#decide({ ...base, action: "blocked", rule: gate.rule, reason: gate.reason });
    const limit = roundToTick(Math.min(0.999, ask + filters.stalenessTolerance), market.tickSize, "down");
    const qty = toMicros(gate.notionalUsd / ask);
    const order = this.#order(
      `copy:${f.key}`,
      market,
      f,
      "BUY",
      limit,
      qty,
      "entry",
      f.wallet,
      f.key,
      gate.reason,
    );
    const filled = this.#place(order, market, f.wallet, cls);
    if (filled > 0 || this.#pendingMeta.has(order.key)) {
      hour.push(now);
      classHour.push(now);
    }
    this.#decide({
      ...base,
      action: gate.action,
      rule: gate.rule,
      reason:
        filled > 0 || this.#pendingMeta.has(order.key) ? gate.reason : `${gate.reason}; venue filled nothing`,
      orderKey: order.key,
    });
  }

  #state(scope: string): BreakerState {
    return this.breakers.get(scope)?.state ?? "NORMAL";
  }

  #exposure(wallet: string, cls: WalletClass, marketId: string) {
    let market = 0;
    let w = 0;
    let c = 0;
    let total = 0;
    for (const [token, p] of this.positions) {
      if (p.qty <= 0) continue;
      const cost = fromMicros(p.cost);
      total += cost;
      if (p.marketId === marketId) market += cost;
      for (const o of this.#origin.get(token) ?? []) {
        const part = (cost * o.qty) / p.qty;
        if (o.wallet === wallet) w += part;
        if (o.cls === cls) c += part;
      }
    }
    return { market, wallet: w, cls: c, total };
  }

  #order(
    key: string,
    market: Market,
    ref: { tokenId: string; outcomeIndex: number },
    side: "BUY" | "SELL",
    price: number,
    qty: Micros,
    purpose: "entry" | "exit",
    leader: string | null,
    leaderFillKey: string | null,
    reason: string,
  ): Order {
    const now = this.o.clock.now();
    return {
      key,
      marketId: market.id,
      tokenId: ref.tokenId,
      outcomeIndex: ref.outcomeIndex,
      side,
      price,
      qty,
      tif: "FAK",
      purpose,
      leader,
      leaderFillKey,
      reason,
      status: "pending",
      venueOrderId: null,
      filledQty: 0,
      createdTs: now,
      updatedTs: now,
      error: null,
    };
  }

  /** Sends an order and books its fills; returns micro-shares filled. */
  #place(order: Order, market: Market, wallet: string | null, cls: WalletClass | null): Micros {
    const r = this.o.venue.execute(order, market);
    if (r.status === "pending") {
      // A live venue: the order is on its way; its fills are booked by applyVenueResult.
      this.#pendingMeta.set(order.key, { wallet, cls });
      this.o.bus?.emit({ type: "order", order: { ...order, status: "pending" } });
      return 0;
    }
    return this.#book(order, r, wallet, cls);
  }

  /** Books a live venue's answer to an order the engine sent as pending. Returns shares filled. */
  applyVenueResult(order: Order, r: PlaceOrderResult): Micros {
    const meta = this.#pendingMeta.get(order.key) ?? { wallet: order.leader, cls: null };
    this.#pendingMeta.delete(order.key);
    const cls = meta.cls ?? (meta.wallet ? (this.leaders.get(meta.wallet)?.class ?? null) : null);
    return this.#book(order, r, meta.wallet, cls);
  }

  #book(order: Order, r: PlaceOrderResult, wallet: string | null, cls: WalletClass | null): Micros {
    let filled = 0;
    for (const venueFill of r.fills) {
      const before =
        this.positions.get(venueFill.tokenId) ??
        emptyPosition(venueFill.marketId, venueFill.tokenId, venueFill.outcomeIndex);
      let fill = venueFill;
      if (fill.side === "SELL" && fill.qty > before.qty) {
        // A live venue sold more than the ledger holds: the ledger is behind the venue. Book what the
        // ledger can account for and say so loudly; startup reconciliation will refuse to trade on.
        this.o.bus?.emit({
          type: "alert",
          level: "error",
          message: `venue fill ${fill.key} sold ${fill.qty / 1e6} shares of ${fill.tokenId} but the ledger held ${before.qty / 1e6}: reconcile with the venue`,
          ts: this.o.clock.now(),
        });
        if (before.qty <= 0) continue;
        fill = { ...fill, qty: before.qty };
      }
      const after = applyFill(before, fill);
      this.positions.set(fill.tokenId, after);
      this.o.bus?.emit({ type: "position", position: after });
      this.cash +=
        fill.side === "BUY"
          ? -(Math.round(fill.price * fill.qty) + fill.fee)
          : Math.round(fill.price * fill.qty) - fill.fee;
      this.feesPaid += fill.fee;
      this.counters.fills++;
      filled += fill.qty;
      this.o.bus?.emit({ type: "fill", fill });
      if (fill.side === "BUY" && wallet && cls) {
        const list = this.#origin.get(fill.tokenId) ?? [];
        const o = list.find((x) => x.wallet === wallet);
        if (o) o.qty += fill.qty;
        else list.push({ wallet, cls, qty: fill.qty });
        this.#origin.set(fill.tokenId, list);
        this.#corr = null;
      } else if (fill.side === "SELL") {
        this.#consumeOrigin(fill.tokenId, fill.qty, wallet, fromMicros(after.realized - before.realized));
      }
    }
    // A new entry can crowd our book at once; the breaker trips before the next decision.
    if (this.#corr === null && r.fills.length > 0) this.#evaluateCorrelation();
    this.o.bus?.emit({
      type: "order",
      order: { ...order, status: r.status, venueOrderId: r.venueOrderId, filledQty: filled },
    });
    return filled;
  }

  #consumeOrigin(token: string, qty: Micros, preferred: string | null, pnlUsd: number): void {
    this.#corr = null;
    const list = this.#origin.get(token) ?? [];
    list.sort((a, b) => (a.wallet === preferred ? -1 : b.wallet === preferred ? 1 : 0));
    let left = qty;
    for (const o of list) {
      const q = Math.min(o.qty, left);
      if (q <= 0) continue;
      o.qty -= q;
      left -= q;
      this.#recordOutcome(o.wallet, o.cls, (pnlUsd * q) / qty);
    }
    this.#origin.set(
      token,
      list.filter((o) => o.qty > 0),
    );
  }

  /** Our holdings in the market's event (all its markets), for the worst-case loss. */
  #eventHoldings(market: Market) {
    const ids = new Set(
      market.eventId === null ? [market.id] : (this.#eventMarkets.get(market.eventId) ?? [market.id]),
    );
    const out: { marketId: string; outcomeIndex: number; qty: number; cost: number }[] = [];
    for (const p of this.positions.values()) {
      if (p.qty > 0 && ids.has(p.marketId))
        out.push({
          marketId: p.marketId,
          outcomeIndex: p.outcomeIndex,
          qty: fromMicros(p.qty),
          cost: fromMicros(p.cost),
        });
    }
    return out;
  }

  /** Each closed piece of a copied position feeds its wallet's and its class's breakers. */
  #recordOutcome(wallet: string, cls: WalletClass, pnlUsd: number): void {
    const now = this.o.clock.now();
    for (const scope of [`wallet:${wallet}`, `class:${cls}`]) {
      const list = this.#outcomes.get(scope) ?? [];
      list.push({ ts: now, pnl: pnlUsd });
      this.#outcomes.set(scope, list);
      this.#evaluate(scope, now);
    }
  }

  /** Rolling-window signals of one scope: loss streak and drawdown against its budget. */
  #evaluate(scope: string, now: number): void {
    const b = this.o.risk.breakers;
    const window = b.windowHours * HOUR;
    const list = (this.#outcomes.get(scope) ?? []).filter((x) => now - x.ts <= window);
    this.#outcomes.set(scope, list);
    let streak = 0;
    for (let i = list.length - 1; i >= 0 && list[i]!.pnl < 0; i--) streak++;
    let cum = 0;
    let peak = 0;
    let dd = 0;
    for (const x of list) {
      cum += x.pnl;
      peak = Math.max(peak, cum);
      dd = Math.max(dd, peak - cum);
    }
    const cls = scope.startsWith("class:") ? (scope.slice(6) as WalletClass) : null;
    const prof = this.o.risk.profiles[cls ?? this.#classOfWallet(scope.slice(7))];
    const budget = (cls ? prof.classBudgetUsd : prof.walletBudgetUsd) || 1;
    this.#step(scope, [
      { name: "loss streak", value: streak, reduced: b.lossStreakReduced, halted: b.lossStreakHalted },
      {
        name: `${cls ? "class" : "wallet"} drawdown`,
        value: dd / budget,
        reduced: b.drawdownReduced * 4,
        halted: b.drawdownHalted * 4,
      },
    ]);
  }

  #classOfWallet(wallet: string): WalletClass {
    return this.leaders.get(wallet)?.class ?? "uncertain";
  }

  /** Re-evaluates every scope so breakers step down once their window has passed. */
  #reevaluate(now: number): void {
    for (const scope of this.#outcomes.keys()) this.#evaluate(scope, now);
    this.#evaluateCorrelation();
  }

  /** Exposure vectors per leader (cost basis attributed by the share of each position they opened). */
  #correlation(): { vectors: ExposureVectors; crowding: Crowding } {
    if (this.#corr) return this.#corr;
    const holdings = [];
    for (const [token, p] of this.positions) {
      if (p.qty <= 0) continue;
      const cost = fromMicros(p.cost);
      for (const o of this.#origin.get(token) ?? [])
        holdings.push({
          wallet: o.wallet,
          marketId: p.marketId,
          outcomeIndex: p.outcomeIndex,
          usd: (cost * o.qty) / p.qty,
        });
    }
    const vectors = leaderExposures(holdings);
    this.#corr = { vectors, crowding: crowdingOf(vectors) };
    return this.#corr;
  }

  /** Correlation breaker: how crowded our exposure across leaders is (risk/correlation.ts). */
  #evaluateCorrelation(): void {
    if (this.o.strategy === "plain") return;
    const b = this.o.risk.breakers;
    const c = this.#correlation().crowding;
    this.#step("correlation", [
      {
        name: `leader crowding (N=${c.leaders}, N_eff=${c.nEff.toFixed(2)})`,
        value: c.leaders >= b.correlationMinLeaders ? c.crowding : 0,
        reduced: b.correlationReduced,
        halted: b.correlationHalted,
      },
    ]);
  }

  #entryCorrelation(plain: boolean, wallet: string, marketId: string, signedUsd: number) {
    const state = plain ? "NORMAL" : this.#state("correlation");
    // The similarity only matters while the breaker is tripped; skip the work otherwise.
    if (state === "NORMAL") return { state, similarity: 0 };
    return {
      state,
      similarity: similarityToOthers(this.#correlation().vectors, wallet, { marketId, usd: signedUsd }),
    };
  }

  #step(scope: string, signals: Parameters<typeof stepBreaker>[1]): void {
    if (this.o.strategy === "plain") return;
    const rec = this.breakers.get(scope) ?? newBreaker(scope, this.o.clock.now());
    const b = this.o.risk.breakers;
    const next = stepBreaker(rec, signals, this.o.clock.now(), {
      hysteresis: b.hysteresis,
      cooldownMs: b.cooldownMinutes * 60_000,
    });
    this.breakers.set(scope, next);
    if (next.state !== rec.state) {
      this.o.bus?.emit({
        type: "alert",
        level: next.state === "HALTED" ? "warn" : "info",
        message: `breaker ${scope}: ${rec.state} → ${next.state} (${next.reason})`,
        ts: next.since,
      });
      this.o.bus?.emit({
        type: "breaker",
        scope,
        from: rec.state,
        to: next.state,
        reason: next.reason,
        ts: next.since,
      });
    }
  }

  #exit(
    tokenId: string,
    market: Market,
    qty: Micros,
    reason: string,
    key: string,
    wallet: string | null,
  ): void {
    const p = this.positions.get(tokenId);
    if (!p || p.qty <= 0) return;
    // Our own exits (targets, stops, time) are not retried on every tick after a failed attempt.
    const now = this.o.clock.now();
    if (wallet === null) {
      const last = this.#lastExitTry.get(tokenId);
      if (last !== undefined && now - last < EXIT_RETRY_MS) return;
      this.#lastExitTry.set(tokenId, now);
    }
    const q = Math.min(qty, p.qty);
    const book = this.o.venue.orderBookSync(tokenId, now + this.o.risk.filters.latencyMs);
    const bid = bestBid(book);
    if (bid === null) return;
    // Dust: a marketable order below $1 (at its limit price) is refused by Polymarket; such a
    // remainder waits for resolution. A wide slippage limit is narrowed toward the bid to stay above.
    if ((q / 1e6) * bid < MIN_ORDER_USD) return;
    let limit = roundToTick(
      Math.max(market.tickSize, bid - this.o.risk.filters.stalenessTolerance),
      market.tickSize,
      "up",
    );
    if ((q / 1e6) * limit < MIN_ORDER_USD)
      limit = roundToTick(MIN_ORDER_USD / (q / 1e6), market.tickSize, "up");
    if (limit > bid) return;
    const order = this.#order(`exit:${key}`, market, p, "SELL", limit, q, "exit", wallet, null, reason);
    const filled = this.#place(order, market, wallet, null);
    if (filled > 0) this.counters.exits++;
  }

  #checkPriceExits(tokenId: string): void {
    if (this.o.strategy === "plain") return;
    const p = this.positions.get(tokenId);
    if (!p || p.qty <= 0) return;
    const mark = this.prices.last(tokenId);
    if (mark === undefined) return;
    const avg = fromMicros(p.cost) / fromMicros(p.qty);
    const peak = Math.max(this.#peakMark.get(tokenId) ?? mark, mark);
    this.#peakMark.set(tokenId, peak);
    const prof = this.#profileOf(tokenId);
    const market = this.o.markets.get(p.marketId);
    if (!market) return;
    if (mark >= avg * (1 + prof.takeProfit))
      this.#exit(tokenId, market, p.qty, "take profit", `tp:${tokenId}:${this.o.clock.now()}`, null);
    else if (peak > avg && mark <= peak * (1 - prof.trailingStop))
      this.#exit(tokenId, market, p.qty, "trailing stop", `ts:${tokenId}:${this.o.clock.now()}`, null);
  }

  #profileOf(tokenId: string) {
    const o = this.#origin.get(tokenId)?.[0];
    return this.o.risk.profiles[o?.cls ?? "uncertain"];
  }

  #timeExits(now: number): void {
    if (this.o.strategy === "plain") return;
    for (const [token, p] of this.positions) {
      if (p.qty <= 0 || p.openedTs === null) continue;
      const prof = this.#profileOf(token);
      const market = this.o.markets.get(p.marketId);
      if (market && now - p.openedTs > prof.maxHoldHours * HOUR)
        this.#exit(token, market, p.qty, "time exit", `time:${token}:${now}`, null);
    }
  }

  /**
   * Market resolution: pay out every position in the market. `redeemed`: the tokens were already
   * redeemed on the venue (live, by the user), so each winning share paid 1 USD there.
   */
  resolve(marketId: string, winnerIndex: number, ts: number, redeemed = false): void {
    if (ts > this.o.clock.now()) this.o.clock.set(ts);
    for (const [token, p] of this.positions) {
      if (p.marketId !== marketId || p.qty <= 0) continue;
      const won = p.outcomeIndex === winnerIndex;
      const pay = redeemed ? (won ? p.qty : 0) : this.o.venue.settle(token, won);
      this.cash += pay;
      const pnl = fromMicros(pay - p.cost);
      this.#consumeOrigin(token, p.qty, null, pnl);
      const settled = {
        ...p,
        qty: 0,
        cost: 0,
        realized: p.realized + pay - p.cost,
        openedTs: null,
        updatedTs: ts,
      };
      this.positions.set(token, settled);
      this.o.bus?.emit({ type: "position", position: settled });
      this.prices.resolve(token, won ? 1 : 0);
    }
  }

  #rollDay(ts: number): void {
    const d = Math.floor(ts / DAY);
    if (this.#day === -1) {
      this.#day = d;
      this.#dayStartEquity = this.equityUsd();
      return;
    }
    if (d <= this.#day) return;
    const eq = this.equityUsd();
    while (this.#day < d) {
      this.dailyEquity.push(eq);
      this.#day++;
    }
    this.#dayStartEquity = eq;
    this.#peakEquity = Math.max(this.#peakEquity, eq);
    const b = this.o.risk.breakers;
    const dd = (this.#peakEquity - eq) / this.o.risk.startingCashUsd;
    this.#step("global", [
      { name: "drawdown", value: dd, reduced: b.drawdownReduced, halted: b.drawdownHalted },
    ]);
  }

  /**
   * Restores state from the ledger (live and stand-in runs, where history cannot be replayed
   * deterministically): positions, cash, which leader each position came from, breakers, kill
   * switch and the leader fills already decided. The venue is restored by the caller.
   */
  restore(s: {
    positions: readonly Position[];
    cash: Micros;
    origins: readonly { tokenId: string; wallet: string; cls: WalletClass; qty: Micros }[];
    breakers: readonly BreakerRecord[];
    killSwitch: boolean;
    decidedKeys: Iterable<string>;
  }): void {
    for (const p of s.positions) this.positions.set(p.tokenId, p);
    this.cash = s.cash;
    for (const o of s.origins) {
      const list = this.#origin.get(o.tokenId) ?? [];
      list.push({ wallet: o.wallet, cls: o.cls, qty: o.qty });
      this.#origin.set(o.tokenId, list);
    }
    for (const b of s.breakers) this.breakers.set(b.scope, b);
    this.#corr = null;
    this.killSwitch = s.killSwitch;
    for (const k of s.decidedKeys) this.#seenKeys.add(k);
  }

  /**
   * Learns from a leader event without deciding anything (history already decided before a
   * restart, or non-trade activity): prices, volatility and the leader's state.
   */
  warm(e: LeaderEvent): void {
    this.prices.observe(e);
    if (e.type === "TRADE") this.#vol.observe(e.tokenId, e.price, e.ts);
    const acc = this.#acc.get(e.wallet);
    if (acc && !this.#seenKeys.has(e.key)) acc.add(e);
    this.#seenKeys.add(e.key);
  }

  /**
   * A trade of a wallet the engine does not follow, seen while catching up (the market-wide tape
   * read before the feed starts): it moves prices, markouts and volatility, and decides nothing.
   */
  observeMarket(e: LeaderEvent): void {
    this.prices.observe(e);
    if (e.type === "TRADE") this.#vol.observe(e.tokenId, e.price, e.ts);
  }

  /**
   * Whether deciding this leader fill will consult the order book. Live runs fetch a book only
   * then: most fills (market-maker churn, sells of tokens we never bought, wallets we only watch)
   * are decided before the book matters. Errs on the side of true.
   */
  needsBook(e: LeaderEvent): boolean {
    if (e.type !== "TRADE" || this.#seenKeys.has(e.key)) return false;
    const profile = this.leaders.get(e.wallet);
    const acc = this.#acc.get(e.wallet);
    if (!profile || !acc) return false;
    if (e.side === "SELL")
      return (this.#origin.get(e.tokenId) ?? []).some((o) => o.wallet === e.wallet && o.qty > 0);
    if (this.o.strategy === "plain") return true;
    const rec = profile.recommendation;
    if (
      this.o.risk.filters.followRecommendations &&
      rec !== undefined &&
      rec !== "copy" &&
      rec !== "copy_mm_rules"
    )
      return false;
    if (profile.class !== "market_maker") return true;
    const agg = acc.markets.get(e.marketId);
    const inv = agg?.inv ?? 0;
    const up = (e.side === "BUY") === (e.outcomeIndex === 0);
    const after = inv + (up ? e.size : -e.size);
    const skip = rebalancingFilter(
      "market_maker",
      {
        inv: after,
        vol: (agg?.vol ?? 0) + e.size,
        fills: (agg?.fills ?? 0) + 1,
        increased: Math.abs(after) > Math.abs(inv),
      },
      this.o.risk.filters,
    );
    return skip === null;
  }

  /** Whether a followed leader event was already processed (restored runs skip it). */
  hasSeen(key: string): boolean {
    return this.#seenKeys.has(key);
  }

  /**
   * Marks an upstream stale (reason) or fresh (null). While any is stale, new entries are blocked
   * with rule stale.feed / stale.prices; exits keep working (health.ts calls this).
   */
  setStale(source: string, reason: string | null): void {
    if (reason === null) this.#stale.delete(source);
    else this.#stale.set(source, reason);
  }

  /** Why entries are paused by stale upstreams, or null. */
  entriesPausedBy(): string | null {
    return this.#stale.size > 0 ? [...this.#stale.values()].join("; ") : null;
  }

  /** Manual kill switch: blocks entries (exits still run); persisted by the caller. */
  setKillSwitch(on: boolean, reason: string): void {
    this.killSwitch = on;
    const g = this.breakers.get("global")!;
    this.breakers.set(
      "global",
      forceBreaker(
        g,
        on ? "HALTED" : "NORMAL",
        on ? `kill switch: ${reason}` : "kill switch released",
        this.o.clock.now(),
      ),
    );
    this.o.bus?.emit({
      type: "alert",
      level: on ? "warn" : "info",
      message: `kill switch ${on ? "ON" : "off"}: ${reason}`,
      ts: this.o.clock.now(),
    });
  }

  finish(): void {
    this.dailyEquity.push(this.equityUsd());
  }
}
