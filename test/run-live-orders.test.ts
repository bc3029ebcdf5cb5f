/**
 * `polycopy run --live` against the local stand-in (Polymarket is unreachable from here): real
 * SDK-signed orders go to the stand-in's CLOB, each written ahead in the ledger, and a restart
 * with an order of unknown outcome refuses to trade.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { simulate } from "../src/sim/simulate.ts";
import { standinDataFromSim, toClobBook } from "../src/standin/from-sim.ts";
import { type Standin, startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";
import { safeWalletOf } from "../src/venues/polymarket-wallets.ts";
import { TEST_ADDRESS, TEST_CREDS, TEST_KEY } from "./venue.fixture.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const sim = simulate({ seed: 5, days: 30, walletsPerStyle: 3, markets: 40 });
const data = standinDataFromSim(sim);
// Follow the last days, and shift simulated time so that they happen now: the engine's clock is the
// wall clock in a live run, and market end dates must be in its future.
const simCut = Math.floor((sim.params.startTs + 26 * 86_400_000) / 1000);
const shift = Math.floor(Date.now() / 1000) - simCut;
const cut = simCut + shift;
for (const m of data.markets) {
  // Seen from "now", these markets are still trading (the simulator resolved them later).
  Object.assign(m, { closed: false, acceptingOrders: true, umaResolutionStatus: null });
  for (const k of ["startDate", "endDate"]) {
    if (typeof m[k] === "string") m[k] = new Date(Date.parse(m[k] as string) + shift * 1000).toISOString();
  }
}
for (const r of data.activity) r.timestamp = Number(r.timestamp) + shift;
const ts = (r: Record<string, unknown>) => Number(r.timestamp);
const counts = new Map<string, number>();
for (const r of data.activity)
  if (ts(r) >= cut && r.type === "TRADE")
    counts.set(String(r.proxyWallet), (counts.get(String(r.proxyWallet)) ?? 0) + 1);
const followed = [...counts.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, 3)
  .map(([w]) => w);
const initial = data.activity.filter((r) => ts(r) < cut);
const later = data.activity.filter((r) => ts(r) >= cut && followed.includes(String(r.proxyWallet)));
const laterTrades = later.filter((r) => r.type === "TRADE").length;
// The stand-in's clock: the time of the newest record it has published. Its books are the
// simulator's books at that moment, for markets that have not ended yet.
let standinNow = cut;
const marketOfToken = new Map(sim.markets.flatMap((m) => m.outcomes.map((o) => [o.tokenId, m] as const)));
const liveBook = (tokenId: string) => {
  const m = marketOfToken.get(tokenId);
  const simNow = (standinNow - shift) * 1000;
  if (!m || (m.endTs !== null && m.endTs <= simNow)) return undefined;
  return toClobBook(sim.bookAt(tokenId, simNow), m.id, m.negRisk);
};

const ENV = {
  POLYCOPY_LOG_LEVEL: "silent",
  DATABASE_URL: "",
  POLYCOPY_PRIVATE_KEY: TEST_KEY,
  POLYCOPY_CLOB_API_KEY: TEST_CREDS.key,
  POLYCOPY_CLOB_SECRET: TEST_CREDS.secret,
  POLYCOPY_CLOB_PASSPHRASE: TEST_CREDS.passphrase,
};

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), "polycopy-live-orders-"));
  // Loose filters so that the followed market makers' drifts are copied and orders really flow.
  const risk = {
    filters: {
      mmDriftThreshold: 0,
      mmMinFillsInMarket: 0,
      stalenessTolerance: 1,
      maxSpread: 1,
      minDepthMultiple: 0,
      minEdge: -1,
      maxFeeShare: 1,
      followRecommendations: false,
    },
    profiles: { market_maker: { copyRatio: 3, maxEntriesPerHour: 1000, maxClassEntriesPerHour: 1000 } },
    breakers: { noEntryBeforeEndHours: 0 },
    sizing: { targetVolPerHour: 1 },
  };
  writeFileSync(
    join(dir, "polycopy.config.json"),
    JSON.stringify({
      // A Safe funder (signature type 2): the stand-in checks maker = the key's Safe on every order.
      polymarket: { backfillDays: 3650, signatureType: "GNOSIS_SAFE", funder: safeWalletOf(TEST_ADDRESS) },
      wallets: followed.map((address) => ({ address })),
      risk,
    }),
  );
  return dir;
}

async function ledger(dir: string) {
  const store = await openStore({ dataDir: join(dir, "data") });
  try {
    const audit = await store.listAudit({ kind: "decision", limit: 1e7 });
    const rules: Record<string, number> = {};
    for (const a of audit) {
      const r = String((a.data as { rule?: string | null }).rule ?? (a.data as { action?: string }).action);
      rules[r] = (rules[r] ?? 0) + 1;
    }
    return {
      orders: await store.listOrders(),
      fills: await store.listFills(),
      decisions: audit.length,
      rules,
    };
  } finally {
    await store.close();
  }
}

async function waitFor(cond: () => Promise<boolean>, what: string, ms = 60_000) {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("polycopy run --live (against the stand-in CLOB)", () => {
  let standin: Standin;
  after(async () => standin?.close());

  it("signs and sends real orders, writes each ahead in the ledger, and books the venue's fills", async () => {
    standin = await startStandin({
      markets: data.markets,
      activity: initial,
      book: liveBook,
      clob: { cash: 1_000_000 },
      seed: 9,
    });
    const dir = workdir();
    const child = spawn(
      process.execPath,
      [MAIN, "run", "--source", "standin", "--url", standin.url, "--live", "--no-serve", "--interval", "100"],
      {
        cwd: dir,
        env: { ...process.env, ...ENV },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    await waitFor(async () => out.includes("following 3 wallets"), "the live run to follow");
    assert.match(out, /LIVE TRADING on http:\/\/127\.0\.0\.1/);
    for (let i = 0; i < later.length; i += 20) {
      for (const r of later.slice(i, i + 20)) {
        standinNow = ts(r);
        standin.publish(r);
      }
      await new Promise((r) => setTimeout(r, 40));
    }
    await waitFor(async () => (await ledger(dir)).decisions >= laterTrades, "every new fill decided");
    child.kill("SIGTERM");
    assert.equal(await exited, 0, err);
    const l = await ledger(dir);
    const sent = l.orders.filter((o) => o.status !== "pending");
    assert.ok(
      sent.length > 0,
      `some orders were sent (${l.orders.length} in the ledger; decisions ${JSON.stringify(l.rules)})`,
    );
    assert.equal(
      l.orders.filter((o) => o.status === "pending").length,
      0,
      "no order left in an unknown state",
    );
    // Every order the ledger says reached the venue is on the stand-in exactly once.
    const venueOrders = [...standin.clob.orders.values()];
    // The stand-in keeps the orders that traded (unmatched FAK remainders are cancelled, not kept).
    const accepted = sent.filter((o) => o.filledQty > 0);
    assert.equal(
      venueOrders.length,
      accepted.length,
      `the venue holds exactly the orders the ledger sent (venue ${venueOrders.length}, ledger ${accepted.length}, venue statuses ${JSON.stringify([...new Set(venueOrders.map((v) => (v as { status?: string }).status))])}; ledger statuses ${JSON.stringify(Object.fromEntries([...new Set(sent.map((o) => o.status))].map((st) => [st, sent.filter((o) => o.status === st).length])))}; errors ${JSON.stringify([...new Set(sent.map((o) => (o.error ?? "").replace(/order \S+: /, "").slice(0, 60)))].slice(0, 4))})`,
    );
    const ids = new Set(venueOrders.map((v) => v.id));
    for (const o of accepted) assert.ok(ids.has(o.venueOrderId!), `order ${o.key} is on the venue`);
    assert.ok(
      l.fills.length > 0,
      `venue fills booked in the ledger (orders: ${JSON.stringify(l.orders.slice(0, 3).map((o) => [o.status, o.filledQty, o.error, o.price, o.qty]))}; venue trades ${standin.clob.trades.length})`,
    );
    assert.equal(new Set(l.fills.map((f) => f.key)).size, l.fills.length);
    assert.equal(l.fills.length, standin.clob.trades.length, "every venue trade booked once in the ledger");
    // Every order was made by the Safe; the key's own address traded nothing.
    assert.deepEqual(
      new Set(venueOrders.map((v) => v.maker.toLowerCase())),
      new Set([safeWalletOf(TEST_ADDRESS).toLowerCase()]),
    );
    assert.deepEqual(standin.clob.account(TEST_ADDRESS).tokens, {});
  });

  it("refuses to restart while an order's outcome is unknown", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-live-unknown-"));
    const cfgDir = workdir();
    writeFileSync(
      join(dir, "polycopy.config.json"),
      (await import("node:fs")).readFileSync(join(cfgDir, "polycopy.config.json")),
    );
    const store = await openStore({ dataDir: join(dir, "data") });
    await store.setKv("live:cash", "1000000000");
    await store.insertOrder({
      key: "copy:lost",
      marketId: "0xm",
      tokenId: "1",
      outcomeIndex: 0,
      side: "BUY",
      price: 0.5,
      qty: 10_000_000,
      tif: "FAK",
      purpose: "entry",
      leader: followed[0]!,
      leaderFillKey: "lost",
      reason: "",
      status: "pending",
      venueOrderId: null,
      filledQty: 0,
      createdTs: 1,
      updatedTs: 1,
      error: null,
    });
    await store.close();
    // Not spawnSync: the stand-in runs in this process and must keep answering.
    const child = spawn(
      process.execPath,
      [MAIN, "run", "--source", "standin", "--url", standin.url, "--live", "--no-serve"],
      {
        cwd: dir,
        env: { ...process.env, ...ENV },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const status = await new Promise<number | null>((res) => child.once("exit", (c) => res(c)));
    const r = { status, stderr };
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /refusing to trade: 1 order\(s\) were being sent when the bot stopped and their outcome is unknown \(copy:lost\)/,
    );
  });
});
