import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OrderBook } from "../domain/book.ts";
import type { LeaderFill } from "../domain/fill.ts";
import { DEFAULT_RISK_CONFIG } from "../risk/config.ts";
import {
  feeFilter,
  liquidityFilter,
  profitabilityFilter,
  rebalancingFilter,
  sellFilter,
  stalenessFilter,
} from "./filters.ts";

const f = DEFAULT_RISK_CONFIG.filters;
const book = (bid: number, ask: number, size = 100): OrderBook => ({
  tokenId: "t",
  bids: [{ price: bid, size }],
  asks: [{ price: ask, size }],
  ts: 0,
  tickSize: 0.01,
});
const fill = { side: "BUY", price: 0.5 } as LeaderFill;

describe("trade filters", () => {
  it("rebalancing: market-maker churn is skipped, a significant growing drift passes, directional always passes", () => {
    const churn = { inv: 10, vol: 1000, fills: 40, increased: true };
    const drift = { inv: 500, vol: 1000, fills: 40, increased: true };
    assert.equal(rebalancingFilter("market_maker", churn, f)?.rule, "filter.rebalancing");
    assert.equal(
      rebalancingFilter("market_maker", { ...drift, increased: false }, f)?.rule,
      "filter.rebalancing",
    );
    assert.equal(rebalancingFilter("market_maker", { ...drift, fills: 2 }, f)?.rule, "filter.rebalancing");
    assert.equal(rebalancingFilter("market_maker", drift, f), null);
    assert.equal(rebalancingFilter("directional", churn, f), null);
  });
  it("staleness: skips when the price ran away since the leader's fill", () => {
    assert.equal(stalenessFilter(fill, 0.52, f), null);
    assert.equal(stalenessFilter(fill, 0.56, f)?.rule, "filter.staleness");
  });
  it("liquidity: wide spread or thin book at our size is skipped", () => {
    assert.equal(liquidityFilter(book(0.49, 0.51), "BUY", 50, f), null);
    assert.equal(liquidityFilter(book(0.4, 0.6), "BUY", 50, f)?.rule, "filter.liquidity");
    assert.equal(liquidityFilter(book(0.49, 0.51, 10), "BUY", 50, f)?.rule, "filter.liquidity");
    assert.equal(liquidityFilter({ ...book(0.49, 0.51), asks: [] }, "BUY", 5, f)?.rule, "filter.liquidity");
  });
  it("profitability: edge must beat half-spread + fee + slippage", () => {
    const costs = { halfSpread: 0.01, feePerShare: 0.005, slippage: 0.01 };
    assert.equal(profitabilityFilter(0.05, costs, f), null);
    assert.equal(profitabilityFilter(0.02, costs, f)?.rule, "filter.profitability");
  });
  it("fees and sells", () => {
    assert.equal(feeFilter(0.1, 100, f), null);
    assert.equal(feeFilter(5, 100, f)?.rule, "filter.fees");
    assert.equal(sellFilter("SELL", 0)?.rule, "filter.no_position");
    assert.equal(sellFilter("SELL", 10), null);
    assert.equal(sellFilter("BUY", 0), null);
  });
});
