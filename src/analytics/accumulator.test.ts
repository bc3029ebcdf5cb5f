import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readDataApiFile } from "../polymarket/data-api-file.ts";
import { accumulate } from "./analyze.ts";

const MM = new URL("../../test/fixtures/data-api/mm-activity-pages.json", import.meta.url).pathname;

describe("WalletAccumulator on real-shaped /activity", () => {
  it('books rewards, both rebates and yield as wallet income, never as a market with id ""', async () => {
    const r = await readDataApiFile(MM, { source: "file" });
    const { accs } = accumulate(r.events);
    assert.equal(accs.size, 1);
    const a = [...accs.values()][0]!;
    assert.ok(!a.markets.has(""), "no market for payments");
    assert.equal(a.markets.size, 2);
    const paid = r.events
      .filter((e) => ["REWARD", "MAKER_REBATE", "TAKER_REBATE", "YIELD"].includes(e.type))
      .reduce((s, e) => s + (e.type === "TRADE" ? 0 : e.usdcSize), 0);
    assert.ok(paid > 16);
    assert.ok(Math.abs(a.rewardUsd - paid) < 1e-9, `rewardUsd ${a.rewardUsd} = ${paid}`);
    assert.equal(a.events, r.events.length);
  });
});
