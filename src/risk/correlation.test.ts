import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type AttributedHolding,
  cosine,
  crowdingOf,
  leaderExposures,
  similarityToOthers,
} from "./correlation.ts";

const h = (wallet: string, marketId: string, outcomeIndex: number, usd: number): AttributedHolding => ({
  wallet,
  marketId,
  outcomeIndex,
  usd,
});

describe("leader exposure correlation", () => {
  it("signs exposure YES-equivalent and sums it per market", () => {
    const v = leaderExposures([
      h("a", "m1", 0, 30),
      h("a", "m1", 1, 10),
      h("a", "m2", 1, 5),
      h("b", "m1", 0, 0),
    ]);
    assert.deepEqual(
      [...v.get("a")!],
      [
        ["m1", 20],
        ["m2", -5],
      ],
    );
    assert.equal(v.has("b"), false, "zero exposure is no exposure");
  });

  it("cosine: identical books 1, opposite books −1, disjoint 0", () => {
    const a = new Map([["m1", 10]]);
    assert.equal(cosine(a, new Map([["m1", 3]])), 1);
    assert.equal(cosine(a, new Map([["m1", -3]])), -1);
    assert.equal(cosine(a, new Map([["m2", 3]])), 0);
    assert.equal(cosine(a, new Map()), 0);
  });

  it("crowding: disjoint leaders are independent, identical leaders are one bet", () => {
    const disjoint = crowdingOf(
      leaderExposures([h("a", "m1", 0, 10), h("b", "m2", 0, 10), h("c", "m3", 1, 10)]),
    );
    assert.equal(disjoint.leaders, 3);
    assert.ok(Math.abs(disjoint.nEff - 3) < 1e-12);
    assert.equal(disjoint.crowding, 0);
    const same = crowdingOf(leaderExposures([h("a", "m1", 0, 10), h("b", "m1", 0, 50), h("c", "m1", 0, 1)]));
    assert.ok(Math.abs(same.nEff - 1) < 1e-12);
    assert.ok(Math.abs(same.crowding - 1) < 1e-12);
    // Two of three alike: C has one off-diagonal pair at 1, N_eff = 9/5.
    const two = crowdingOf(leaderExposures([h("a", "m1", 0, 10), h("b", "m1", 0, 10), h("c", "m2", 0, 10)]));
    assert.ok(Math.abs(two.nEff - 9 / 5) < 1e-12);
    assert.ok(Math.abs(two.crowding - (3 - 9 / 5) / 2) < 1e-12);
  });

  it("opposite bets hedge: they do not count as crowding", () => {
    const c = crowdingOf(leaderExposures([h("a", "m1", 0, 10), h("b", "m1", 1, 10), h("c", "m2", 0, 10)]));
    assert.equal(c.crowding, 0);
  });

  it("fewer than two leaders: no crowding", () => {
    assert.deepEqual(crowdingOf(leaderExposures([h("a", "m1", 0, 10)])), {
      leaders: 1,
      nEff: 1,
      crowding: 0,
    });
    assert.deepEqual(crowdingOf(new Map()), { leaders: 0, nEff: 0, crowding: 0 });
  });

  it("an entry's similarity to the other leaders' book: piling on vs hedging vs new ground", () => {
    const v = leaderExposures([h("a", "m1", 0, 100), h("b", "m1", 0, 50), h("b", "m2", 0, 50)]);
    // c buys YES in m1 where a and b are long: high similarity.
    assert.ok(similarityToOthers(v, "c", { marketId: "m1", usd: 20 }) > 0.9);
    // c buys NO in m1: it hedges the crowd.
    assert.ok(similarityToOthers(v, "c", { marketId: "m1", usd: -20 }) < -0.9);
    // c opens a market nobody holds: unrelated.
    assert.equal(similarityToOthers(v, "c", { marketId: "m9", usd: 20 }), 0);
    // The wallet's own exposure is not compared with itself.
    assert.equal(
      similarityToOthers(leaderExposures([h("a", "m1", 0, 100)]), "a", { marketId: "m1", usd: 5 }),
      0,
    );
  });
});
