import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Market } from "../domain/market.ts";
import { worstCaseLoss } from "./exposure.ts";

const mk = (id: string, eventId: string | null, negRisk: boolean): Market => ({
  id,
  slug: id,
  question: id,
  eventId,
  category: null,
  outcomes: [
    { name: "Yes", tokenId: `${id}y` },
    { name: "No", tokenId: `${id}n` },
  ] as Market["outcomes"],
  tickSize: 0.01,
  minOrderSize: 5,
  negRisk,
  fee: { rate: 0, exponent: 1, takerOnly: true },
  endTs: null,
  closed: false,
  winnerIndex: null,
});

describe("worst-case loss per event", () => {
  const markets = new Map([
    ["a", mk("a", "e", true)],
    ["b", mk("b", "e", true)],
    ["c", mk("c", "e", true)],
    ["x", mk("x", null, false)],
  ]);
  it("a single binary position loses its cost; both sides of one market hedge", () => {
    assert.equal(worstCaseLoss([{ marketId: "x", outcomeIndex: 0, qty: 100, cost: 40 }], markets), 40);
    const both = [
      { marketId: "x", outcomeIndex: 0, qty: 100, cost: 40 },
      { marketId: "x", outcomeIndex: 1, qty: 100, cost: 58 },
    ];
    assert.equal(worstCaseLoss(both, markets), 0);
  });
  it("neg-risk: YES on one outcome and NO on another hedge each other", () => {
    // YES a (cost 30 for 100) + NO b (cost 60 for 100). If a wins: YES a + NO b = 200. If b wins: 0.
    // If c wins: NO b pays 100. Worst = 90 − 0 = 90.
    const h = [
      { marketId: "a", outcomeIndex: 0, qty: 100, cost: 30 },
      { marketId: "b", outcomeIndex: 1, qty: 100, cost: 60 },
    ];
    assert.equal(worstCaseLoss(h, markets), 90);
    // NO on every outcome: exactly one loses, so at least 2 × 100 pay out.
    const allNo = ["a", "b", "c"].map((id) => ({ marketId: id, outcomeIndex: 1, qty: 100, cost: 70 }));
    assert.equal(worstCaseLoss(allNo, markets), 210 - 200);
  });
  it("ignores empty holdings", () => {
    assert.equal(worstCaseLoss([{ marketId: "a", outcomeIndex: 0, qty: 0, cost: 0 }], markets), 0);
  });
});
