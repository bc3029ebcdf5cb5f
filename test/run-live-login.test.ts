/**
 * `polycopy run --live --source standin` as the README's users run it: only a private key, no CLOB
 * API credentials. The SDK logs in with L1 authentication (an EIP-712 ClobAuth signature) at the
 * stand-in's POST /auth/api-key, which verifies it with viem, and then places SDK-signed orders.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { simulate } from "../src/sim/simulate.ts";
import { standinDataFromSim, toClobBook } from "../src/standin/from-sim.ts";
import { type Standin, startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";
import { busiestAfter, LOOSE_RISK, runFolder, startRun, waitFor } from "./live-run.fixture.ts";
import { TEST_ADDRESS, TEST_KEY } from "./venue.fixture.ts";

const sim = simulate({ seed: 5, days: 30, walletsPerStyle: 3, markets: 40 });
const data = standinDataFromSim(sim);
// The last days happen "now" (a live run's clock is the wall clock; markets must not have ended).
const simCut = Math.floor((sim.params.startTs + 26 * 86_400_000) / 1000);
const shift = Math.floor(Date.now() / 1000) - simCut;
const cut = simCut + shift;
for (const m of data.markets) {
  Object.assign(m, { closed: false, acceptingOrders: true, umaResolutionStatus: null });
  for (const k of ["startDate", "endDate"])
    if (typeof m[k] === "string") m[k] = new Date(Date.parse(m[k] as string) + shift * 1000).toISOString();
}
for (const r of data.activity) r.timestamp = Number(r.timestamp) + shift;
const ts = (r: Record<string, unknown>) => Number(r.timestamp);
const followed = busiestAfter(data.activity, cut, 3);
const initial = data.activity.filter((r) => ts(r) < cut);
const later = data.activity.filter((r) => ts(r) >= cut && followed.includes(String(r.proxyWallet)));
let standinNow = cut;
const marketOfToken = new Map(sim.markets.flatMap((m) => m.outcomes.map((o) => [o.tokenId, m] as const)));
const liveBook = (tokenId: string) => {
  const m = marketOfToken.get(tokenId);
  const simNow = (standinNow - shift) * 1000;
  if (!m || (m.endTs !== null && m.endTs <= simNow)) return undefined;
  return toClobBook(sim.bookAt(tokenId, simNow), m.id, m.negRisk);
};

async function sentOrders(dir: string) {
  const store = await openStore({ dataDir: join(dir, "data") });
  try {
    return (await store.listOrders()).filter((o) => o.status !== "pending" && o.venueOrderId);
  } finally {
    await store.close();
  }
}

describe("polycopy run --live --source standin with only a private key", () => {
  let standin: Standin | undefined;
  after(async () => standin?.close());

  it("logs in through L1 auth (POST /auth/api-key) and places orders at the stand-in", async () => {
    standin = await startStandin({
      markets: data.markets,
      activity: initial,
      book: liveBook,
      clob: { cash: 1_000_000 },
      seed: 9,
    });
    const dir = runFolder("polycopy-live-login-", {
      polymarket: { backfillDays: 3650, workingOrderWaitSec: 0.5 },
      wallets: followed.map((address) => ({ address })),
      risk: LOOSE_RISK,
    });
    // No POLYCOPY_CLOB_API_KEY/SECRET/PASSPHRASE: what a new user has.
    const env: Record<string, string> = { POLYCOPY_PRIVATE_KEY: TEST_KEY };
    for (const k of ["POLYCOPY_CLOB_API_KEY", "POLYCOPY_CLOB_SECRET", "POLYCOPY_CLOB_PASSPHRASE"])
      env[k] = "";
    const run = startRun(dir, standin.url, { live: true, env });
    await waitFor(() => run.out().includes("following 3 wallets"), "the live run to log in and follow");
    assert.match(run.out(), /LIVE TRADING on http:\/\/127\.0\.0\.1/);
    assert.equal(standin.stats.byPath["/auth/api-key"], 1, "one L1 login");
    const keys = [...standin.clob.apiKeys.values()];
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.address, TEST_ADDRESS.toLowerCase(), "the key was issued to the signer's address");
    for (let i = 0; i < later.length; i += 20) {
      for (const r of later.slice(i, i + 20)) {
        standinNow = ts(r);
        standin.publish(r);
      }
      await new Promise((r) => setTimeout(r, 40));
      if (standin.clob.orders.size > 0) break;
    }
    await waitFor(async () => (await sentOrders(dir)).length > 0, "an order placed at the stand-in", 90_000);
    run.child.kill("SIGTERM");
    assert.equal((await run.exitedWithin()).code, 0, run.err());
    // Every order on the venue was sent under the key the L1 login issued.
    assert.ok(standin.clob.orders.size > 0, "the stand-in holds the orders");
    for (const o of standin.clob.orders.values()) assert.equal(o.owner, keys[0]!.apiKey);
  });
});
