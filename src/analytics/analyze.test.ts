import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LeaderEvent, LeaderFill } from "../domain/fill.ts";
import { Rng } from "../domain/rng.ts";
import { simulate } from "../sim/simulate.ts";
import { WalletAccumulator } from "./accumulator.ts";
import { accumulate, analyzeWallets, DEFAULT_ANALYZE_OPTIONS, judgeWallet } from "./analyze.ts";
import { evaluate } from "./evaluate.ts";
import { featuresOf } from "./features.ts";
import { EXPECTED_SIGN, explain, MODEL, predict, standardize } from "./model.ts";
import { MarketPrices } from "./prices.ts";
import { assessQuality } from "./quality.ts";

const W = "0x00000000000000000000000000000000000000aa";
function fill(i: number, over: Partial<LeaderFill> = {}): LeaderFill {
  return {
    type: "TRADE",
    key: `k${i}`,
    wallet: W,
    marketId: "m1",
    tokenId: "t1",
    outcomeIndex: 0,
    side: "BUY",
    price: 0.5,
    size: 10,
    ts: 1_767_225_600_000 + i * 60_000,
    role: null,
    txHash: null,
    source: "sim",
    ...over,
  };
}

describe("wallet analytics", () => {
  it("classifies holdout simulator wallets (unseen seed, shifted regime) with accuracy ≥ 0.9 at coverage ≥ 0.8", () => {
    const r = simulate({ seed: 4242, regime: "shifted", days: 45, walletsPerStyle: 6, markets: 80 });
    const { accs, prices } = accumulate(r.events);
    const v = analyzeWallets(accs, prices, { ...DEFAULT_ANALYZE_OPTIONS, bootstrap: 20 });
    const e = evaluate(v, new Map(r.labels.map((l) => [l.wallet, l.label])));
    assert.equal(e.n, 72);
    assert.ok(e.accuracy >= 0.9, `accuracy ${e.accuracy}`);
    assert.ok(e.coverage >= 0.8, `coverage ${e.coverage}`);
  });

  it("committed model coefficients have the signs the feature table predicts (or are dropped)", () => {
    MODEL.features.forEach((f, i) => {
      assert.ok(Math.sign(MODEL.coef[i]!) !== -EXPECTED_SIGN[f], `${f} has the wrong sign`);
    });
  });

  it("a wallet with one fill is uncertain with the reason, and no number is NaN", () => {
    const { accs, prices } = accumulate([fill(0)]);
    const [v] = analyzeWallets(accs, prices);
    assert.equal(v!.class, "uncertain");
    assert.match(v!.reasons[0]!, /insufficient evidence: 1 fills in 1 markets/);
    const walk = (x: unknown): void => {
      if (typeof x === "number") assert.ok(Number.isFinite(x), "non-finite number in verdict");
      else if (x && typeof x === "object") for (const y of Object.values(x)) walk(y);
    };
    walk(v);
  });

  it("a two-sided quoter in many markets reads as a market maker; a one-way holder as directional", () => {
    const mm: LeaderFill[] = [];
    for (let i = 0; i < 400; i++) {
      const m = `m${i % 10}`;
      mm.push(
        fill(i, {
          marketId: m,
          tokenId: `${m}-${i % 4 < 2 ? "y" : "n"}`,
          outcomeIndex: i % 4 < 2 ? 0 : 1,
          side: i % 2 === 0 ? "BUY" : "SELL",
          price: 0.48 + (i % 3) * 0.01,
          ts: 1_767_225_600_000 + i * 300_000,
        }),
      );
    }
    const dir: LeaderFill[] = [];
    for (let i = 0; i < 30; i++) {
      dir.push(
        fill(1000 + i, {
          wallet: "0x00000000000000000000000000000000000000bb",
          marketId: `d${i % 5}`,
          tokenId: `d${i % 5}-y`,
          price: 0.3,
          ts: 1_767_225_600_000 + i * 86_400_000,
        }),
      );
    }
    const { accs, prices } = accumulate([...mm, ...dir]);
    const byWallet = new Map(analyzeWallets(accs, prices).map((v) => [v.wallet, v]));
    assert.equal(byWallet.get(W)!.class, "market_maker");
    assert.equal(byWallet.get("0x00000000000000000000000000000000000000bb")!.class, "directional");
  });

  it("incremental update equals a full recompute (markouts included)", () => {
    // Real-shaped: off-grid average prices and wallet payments with no market, as live sees them.
    const r = simulate({ seed: 5, days: 10, walletsPerStyle: 1, markets: 20, real: true });
    const wallet = r.labels[0]!.wallet;
    // As the engine does: one price book sees every trade, the wallet's accumulator its own events.
    const prices = new MarketPrices();
    const inc = new WalletAccumulator(wallet, prices);
    for (const e of r.events) {
      prices.observe(e);
      if (e.wallet === wallet) inc.add(e);
    }
    const full = accumulate(r.events, new Set([wallet])).accs.get(wallet)!;
    const fi = featuresOf(inc, [...inc.markets.values()]);
    const ff = featuresOf(full, [...full.markets.values()]);
    assert.notEqual(fi.info.markout_5m, 0, "markouts are known incrementally");
    assert.notEqual(fi.x.effective_spread, 0, "the tape's mid before each fill is known incrementally");
    assert.notEqual(fi.x.move_1h, 0, "so is the move after it");
    assert.deepEqual(fi, ff);
    const opts = { ...DEFAULT_ANALYZE_OPTIONS, bootstrap: 0 };
    assert.equal(
      judgeWallet(inc, undefined, undefined, opts).p_mm,
      judgeWallet(full, undefined, undefined, opts).p_mm,
    );
  });
});

describe("descriptive features", () => {
  it("maker share from known roles, realized PnL from closed lots, markouts from later prices", () => {
    const W2 = "0x00000000000000000000000000000000000000dd";
    const t0 = 1_767_225_600_000;
    const evs: LeaderFill[] = [
      fill(1, { wallet: W2, side: "BUY", price: 0.4, size: 100, ts: t0, role: "maker" }),
      fill(2, { wallet: W2, side: "SELL", price: 0.5, size: 50, ts: t0 + 60_000, role: "taker" }),
      // Someone else trades the token later: the markout reference.
      fill(3, { wallet: W, side: "BUY", price: 0.6, size: 10, ts: t0 + 2 * 3_600_000 }),
    ];
    const { accs } = accumulate(evs);
    const f = featuresOf(accs.get(W2)!, [...accs.get(W2)!.markets.values()]);
    assert.ok(Math.abs(f.info.maker_share - 40 / (40 + 25)) < 1e-9);
    assert.ok(Math.abs(f.info.realized_pnl - 50 * 0.1) < 1e-9, "50 shares sold 0.10 above cost");
    // Buy 100 @0.40 and sell 50 @0.50; an hour later the token trades at 0.60:
    // (100·(0.6−0.4) + 50·(−1)(0.6−0.5)) / 150 = 0.1.
    assert.ok(Math.abs(f.info.markout_1h - 0.1) < 1e-9);
    assert.equal(f.info.markout_1d, 0, "no price a day later: no markout");
  });
});

describe("feature definitions that must not depend on how a wallet settles", () => {
  const H = 3_600_000;
  const t0 = 1_767_225_600_000;
  const set = (over: Partial<LeaderEvent>): LeaderEvent =>
    ({
      type: "MERGE",
      key: `m${over.ts}`,
      wallet: W,
      marketId: "m1",
      size: 0,
      usdcSize: 0,
      txHash: null,
      source: "sim",
      ...over,
    }) as LeaderEvent;
  const featuresFor = (evs: LeaderEvent[]) => {
    const { accs } = accumulate(evs);
    const acc = accs.get(W)!;
    return featuresOf(acc, [...acc.markets.values()]).x;
  };

  it("a merge counts the set as held from its first leg to its second, not until the merge", () => {
    // Long YES for three days, closed by buying NO and merging a few minutes later: one position
    // held three days, not a NO lot "closed within the hour".
    const swing = featuresFor([
      fill(1, { side: "BUY", outcomeIndex: 0, tokenId: "y", price: 0.4, size: 100, ts: t0 }),
      fill(2, { side: "BUY", outcomeIndex: 1, tokenId: "n", price: 0.5, size: 100, ts: t0 + 72 * H }),
      set({ type: "MERGE", size: 100, usdcSize: 100, ts: t0 + 72 * H + 300_000 }),
    ]);
    assert.equal(swing.share_closed_under_1h, 0);
    assert.ok(Math.abs(swing.log_mean_hold_hours - Math.log1p(72)) < 1e-9);
    // A maker whose bid on YES and bid on NO fill ten minutes apart, merged once a day later.
    const maker = featuresFor([
      fill(1, { side: "BUY", outcomeIndex: 0, tokenId: "y", price: 0.49, size: 50, ts: t0 }),
      fill(2, { side: "BUY", outcomeIndex: 1, tokenId: "n", price: 0.49, size: 50, ts: t0 + H / 6 }),
      set({ type: "MERGE", size: 50, usdcSize: 50, ts: t0 + 24 * H }),
    ]);
    assert.equal(maker.share_closed_under_1h, 1);
  });

  it("both-outcome activity counts selling both outcomes (after a split) like buying both", () => {
    const asks = featuresFor([
      set({ type: "SPLIT", size: 200, usdcSize: 200, ts: t0 }),
      fill(1, { side: "SELL", outcomeIndex: 0, tokenId: "y", price: 0.52, size: 60, ts: t0 + H }),
      fill(2, { side: "SELL", outcomeIndex: 1, tokenId: "n", price: 0.5, size: 60, ts: t0 + 2 * H }),
    ]);
    assert.equal(asks.both_outcome_buying, 1);
    // Buying YES and later selling it is one outcome only.
    const oneSide = featuresFor([
      fill(1, { side: "BUY", outcomeIndex: 0, tokenId: "y", price: 0.4, size: 60, ts: t0 }),
      fill(2, { side: "SELL", outcomeIndex: 0, tokenId: "y", price: 0.5, size: 60, ts: t0 + H }),
    ]);
    assert.equal(oneSide.both_outcome_buying, 0);
  });
});

describe("markouts", () => {
  it("settle at the token's first trade a horizon later, also for a fill that arrives late", () => {
    const prices = new MarketPrices();
    const sink = { markout: new Float64Array(6) };
    const M = 60_000;
    const trade = (ts: number, price: number) =>
      prices.observe(fill(ts, { wallet: W, side: "BUY", price, size: 1, ts, tokenId: "tok" }));
    prices.watchMarkout("tok", 10 * M, 0.5, 10, sink);
    prices.watchMarkout("tok", 0, 0.4, -10, sink); // older than the one already waiting
    trade(6 * M, 0.6); // due: the late sell (0 + 5 min) only
    assert.deepEqual([sink.markout[0], sink.markout[1]], [10, -10 * (0.6 - 0.4)]);
    trade(15 * M, 0.7); // the buy's 5 minutes are up at 15 min (inclusive)
    assert.equal(sink.markout[0], 20);
    assert.ok(Math.abs(sink.markout[1]! - (-2 + 10 * 0.2)) < 1e-12);
    assert.equal(sink.markout[2], 0, "no hour has passed for either fill");
    trade(60 * M + 1, 0.3);
    assert.equal(sink.markout[2], 10, "the sell's hour is up, the buy's is not");
  });
});

describe("cost before a fill, information after it", () => {
  const t0 = 1_767_225_600_000;
  const M = 60_000;
  const SNIPER = "0x00000000000000000000000000000000000000c1";
  const MAKER = "0x00000000000000000000000000000000000000c2";
  const OTHER = "0x00000000000000000000000000000000000000c3";
  // A book at 0.49 / 0.51 (others trade at both), news at t0 + 12 min moves it to 0.69 / 0.71.
  const tape = (i: number, ts: number, price: number, side: "BUY" | "SELL") =>
    fill(500 + i, { wallet: OTHER, ts, price, side });
  const events: LeaderFill[] = [
    tape(0, t0, 0.49, "SELL"),
    tape(1, t0 + M, 0.51, "BUY"),
    tape(2, t0 + 2 * M, 0.49, "SELL"),
    // The sniper lifts the ask just before the news; a maker sells it to him at the same price.
    fill(1, { wallet: SNIPER, ts: t0 + 10 * M, price: 0.51, side: "BUY", size: 100 }),
    fill(2, { wallet: MAKER, ts: t0 + 10 * M, price: 0.51, side: "SELL", size: 100 }),
    tape(3, t0 + 12 * M, 0.69, "SELL"),
    tape(4, t0 + 13 * M, 0.71, "BUY"),
    tape(5, t0 + 80 * M, 0.7, "BUY"),
  ];
  const { accs } = accumulate(events);
  const f = (w: string) => featuresOf(accs.get(w)!, [...accs.get(w)!.markets.values()]);

  it("a taker who buys just before news pays the spread and gains the move; the maker it hit earns the spread and loses the move", () => {
    const s = f(SNIPER);
    const m = f(MAKER);
    assert.ok(s.info.markout_5m > 0.15, `the 5-min markout rewards the sniper: ${s.info.markout_5m}`);
    assert.ok(
      Math.abs(s.x.effective_spread - -0.01) < 1e-9,
      `sniper pays half the spread: ${s.x.effective_spread}`,
    );
    assert.ok(Math.abs(m.x.effective_spread - 0.01) < 1e-9, `maker earns it: ${m.x.effective_spread}`);
    assert.ok(
      Math.abs(s.x.move_1h - 0.2) < 1e-9,
      `the move from the mid before, 0.50 → 0.70: ${s.x.move_1h}`,
    );
    assert.ok(Math.abs(m.x.move_1h - -0.2) < 1e-9, `adverse selection: ${m.x.move_1h}`);
  });

  it("the model reads the sniper's cost and gain as directional, not its markout as a maker's", () => {
    const at = (w: string) => {
      const z = standardize(MODEL, f(w).x, new Float64Array(MODEL.features.length));
      return MODEL.features.reduce(
        (t, name, i) => t + (name === "effective_spread" || name === "move_1h" ? MODEL.coef[i]! * z[i]! : 0),
        0,
      );
    };
    assert.ok(at(SNIPER) < 0, `effective spread and move push the sniper toward directional: ${at(SNIPER)}`);
    assert.ok(at(SNIPER) < at(MAKER), "and less than the maker it traded with");
    assert.ok(!MODEL.features.includes("markout_5m" as never), "the 5-min markout is not a model input");
  });

  it("an out-of-order (late) fill measures against the trades before it", () => {
    const prices = new MarketPrices();
    for (const e of events.slice(0, 3)) prices.observe(e);
    prices.observe(tape(9, t0 + 30 * M, 0.6, "BUY"));
    assert.equal(prices.midBefore("m1", t0 + 3 * M), 0.5);
    assert.ok(Number.isNaN(prices.midBefore("m2", t0)), "no tape, no mid");
  });
});

describe("rewards, rebates and yield", () => {
  const t0 = 1_767_225_600_000;
  const DAY = 86_400_000;
  const pay = (
    i: number,
    type: "REWARD" | "MAKER_REBATE" | "TAKER_REBATE" | "YIELD",
    usd: number,
  ): LeaderEvent => ({
    type,
    key: `p${i}`,
    wallet: W,
    marketId: "",
    size: usd,
    usdcSize: usd,
    ts: t0 + i * DAY,
    txHash: null,
    source: "file",
  });
  const trades = [
    fill(1, { ts: t0, price: 0.4, side: "BUY", size: 100 }),
    fill(2, { ts: t0 + 60_000, price: 0.42, side: "SELL", size: 100 }),
  ];

  it("are wallet cash in PnL and classifier inputs (reward per day, maker-vs-taker rebate share)", () => {
    const base = accumulate(trades).accs.get(W)!;
    const paid = accumulate([
      ...trades,
      pay(1, "REWARD", 3),
      pay(2, "REWARD", 3),
      pay(3, "MAKER_REBATE", 1.5),
      pay(4, "YIELD", 0.5),
    ]).accs.get(W)!;
    const rng = new Rng(1);
    const q0 = assessQuality(base, { last: () => undefined }, undefined, rng, 0);
    const q1 = assessQuality(paid, { last: () => undefined }, undefined, rng, 0);
    assert.ok(Math.abs(q1.pnl - q0.pnl - 8) < 1e-9, `PnL includes the $8 paid: ${q0.pnl} → ${q1.pnl}`);
    assert.ok(!paid.markets.has(""), "payments open no market");
    const x = featuresOf(paid, [...paid.markets.values()]).x;
    assert.ok(Math.abs(x.log_reward_per_day - Math.log1p(6 / 4)) < 1e-9, `${x.log_reward_per_day}`);
    assert.equal(x.rebate_share, 1);
    const taker = accumulate([...trades, pay(1, "TAKER_REBATE", 2)]).accs.get(W)!;
    assert.equal(featuresOf(taker, [...taker.markets.values()]).x.rebate_share, -1);
    // No payment rows at all (a trades feed, chain logs): unknown, which the model reads as neutral.
    const none = featuresOf(base, [...base.markets.values()]).x;
    assert.ok(Number.isNaN(none.rebate_share) && Number.isNaN(none.log_reward_per_day));
    const z = standardize(MODEL, none, new Float64Array(MODEL.features.length));
    assert.equal(z[MODEL.features.indexOf("rebate_share")], 0);
  });
});

describe("maker share as a model input", () => {
  const t0 = 1_767_225_600_000;
  // Two markets, both sides: the same fills with their roles known (all maker) or unknown.
  const trades = (role: LeaderFill["role"], known = (_i: number) => true): LeaderFill[] =>
    Array.from({ length: 12 }, (_, i) =>
      fill(i, {
        marketId: i % 2 === 0 ? "m1" : "m2",
        tokenId: i % 2 === 0 ? "t1" : "t2",
        side: i % 4 < 2 ? "BUY" : "SELL",
        price: 0.5 + (i % 3) * 0.01,
        ts: t0 + i * 600_000,
        role: known(i) ? role : null,
      }),
    );
  const pOf = (evs: LeaderFill[]) => {
    const acc = accumulate(evs).accs.get(W)!;
    const x = featuresOf(acc, [...acc.markets.values()]).x;
    const z = standardize(MODEL, x, new Float64Array(MODEL.features.length));
    return { x, z, p: predict(MODEL, z) };
  };
  const i = MODEL.features.indexOf("maker_share");

  it("raises P(MM) for an all-maker wallet over the same fills with roles unknown, which is neutral", () => {
    assert.ok(i >= 0, "maker_share is an input of the committed model");
    assert.ok(MODEL.coef[i]! > 0, `maker share weighs toward market maker: ${MODEL.coef[i]}`);
    const maker = pOf(trades("maker"));
    const unknown = pOf(trades(null));
    assert.equal(maker.x.maker_share, 1);
    assert.ok(Number.isNaN(unknown.x.maker_share));
    assert.ok(maker.p > unknown.p, `P(MM) ${maker.p} with roles vs ${unknown.p} without`);
    // Unknown roles contribute exactly nothing: the model's neutral value.
    assert.equal(unknown.z[i], 0);
    assert.equal(
      explain(MODEL, unknown.z, MODEL.features.length).find((c) => c.feature === "maker_share")!.contribution,
      0,
    );
    // Every other input is the same, so the whole difference is the maker-share term.
    const t = (q: { p: number }) => Math.log(q.p / (1 - q.p));
    assert.ok(Math.abs(t(maker) - t(unknown) - MODEL.coef[i]! * maker.z[i]!) < 1e-9);
    const taker = pOf(trades("taker"));
    assert.ok(taker.p < unknown.p, "an all-taker wallet is pushed the other way");
  });

  it("is unknown when roles cover less than half of the fill notional", () => {
    const third = pOf(trades("maker", (k) => k % 3 === 0));
    assert.ok(Number.isNaN(third.x.maker_share), "a third of the fills enriched: not enough");
    assert.equal(third.z[i], 0);
    const most = pOf(trades("maker", (k) => k % 3 !== 0));
    assert.equal(most.x.maker_share, 1, "two thirds of them: enough");
  });
});
