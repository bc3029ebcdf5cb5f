/**
 * `polycopy run --live` against the local stand-in (Polymarket is unreachable from here): real
 * SDK-signed orders go to the stand-in's CLOB, each written ahead in the ledger with its order hash,
 * and a restart after a kill -9 settles the orders it left pending by asking the venue about them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { simulate } from "../src/sim/simulate.ts";
import { standinDataFromSim, toClobBook } from "../src/standin/from-sim.ts";
import { type Standin, startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";
import { safeWalletOf } from "../src/venues/polymarket-wallets.ts";
import { busiestAfter, LOOSE_RISK, runFolder, shiftToNow, startRun, waitFor } from "./live-run.fixture.ts";
import { TEST_ADDRESS, TEST_CREDS, TEST_KEY } from "./venue.fixture.ts";

const sim = simulate({ seed: 5, days: 30, walletsPerStyle: 3, markets: 40 });
const data = standinDataFromSim(sim);
// Follow the last days, and shift simulated time so that they happen now: the engine's clock is the
// wall clock in a live run, and market end dates must be in its future.
const simCut = Math.floor((sim.params.startTs + 26 * 86_400_000) / 1000);
const shift = Math.floor(Date.now() / 1000) - simCut;
const cut = simCut + shift;
shiftToNow(data, shift, { reopen: true });
const ts = (r: Record<string, unknown>) => Number(r.timestamp);
const followed = busiestAfter(data.activity, cut, 3);
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
  return runFolder("polycopy-live-orders-", {
    // A Safe funder (signature type 2): the stand-in checks maker = the key's Safe on every order.
    polymarket: {
      backfillDays: 3650,
      signatureType: "GNOSIS_SAFE",
      funder: safeWalletOf(TEST_ADDRESS),
      workingOrderWaitSec: 0.5,
    },
    wallets: followed.map((address) => ({ address })),
    risk: LOOSE_RISK,
  });
}

async function ledger(dir: string) {
  const store = await openStore({ dataDir: join(dir, "data") });
  try {
    const audit = await store.listAudit({ kind: "decision", limit: 1e7 });
    const decisionKeys = audit.map((a) => String((a.data as { leaderFillKey?: string }).leaderFillKey));
    const rules: Record<string, number> = {};
    for (const a of audit) {
      const r = String((a.data as { rule?: string | null }).rule ?? (a.data as { action?: string }).action);
      rules[r] = (rules[r] ?? 0) + 1;
    }
    return {
      orders: await store.listOrders(),
      fills: await store.listFills(),
      decisions: audit.length,
      decisionKeys,
      rules,
      reconcile: await store.listAudit({ kind: "reconcile" }),
      positions: (await store.listPositions()).filter((p) => p.qty > 0),
    };
  } finally {
    await store.close();
  }
}

function start(dir: string, url: string, env: Record<string, string> = {}) {
  return startRun(dir, url, { live: true, env: { ...ENV, ...env } });
}

const started: Standin[] = [];
after(async () => {
  // Close every stand-in even when a test failed half-way (an open server keeps the runner alive).
  for (const st of started) await st.close().catch(() => {});
});

async function freshStandin(seed: number, clob: { fakLiveMs?: number } = {}): Promise<Standin> {
  standinNow = cut;
  const st = await startStandin({
    markets: data.markets,
    activity: initial,
    book: liveBook,
    clob: { cash: 1_000_000, ...clob },
    seed,
  });
  started.push(st);
  return st;
}

/** Publishes the followed wallets' later activity in small batches, advancing the stand-in's clock. */
async function publishAll(st: Standin) {
  for (let i = 0; i < later.length; i += 20) {
    for (const r of later.slice(i, i + 20)) {
      standinNow = ts(r);
      st.publish(r);
    }
    await new Promise((r) => setTimeout(r, 40));
  }
}

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The venue holds exactly the orders and trades the ledger booked: none doubled, none lost. */
function assertLedgerMatchesVenue(l: Awaited<ReturnType<typeof ledger>>, st: Standin) {
  assert.equal(l.orders.filter((o) => o.status === "pending").length, 0, "no order left pending");
  assert.equal(new Set(l.orders.map((o) => o.key)).size, l.orders.length);
  const traded = l.orders.filter((o) => o.filledQty > 0);
  assert.equal(st.clob.orders.size, traded.length, "venue orders = ledger orders that traded");
  for (const o of traded)
    assert.ok(st.clob.orders.has(o.venueOrderId!), `order ${o.key} is on the venue once`);
  assert.equal(new Set(l.fills.map((f) => f.key)).size, l.fills.length, "no fill booked twice");
  assert.deepEqual(
    l.fills.map((f) => f.key).sort(),
    st.clob.trades.map((t) => t.id).sort(),
    "venue trades = ledger fills",
  );
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
    const run = start(dir, standin.url);
    await waitFor(async () => run.out().includes("following 3 wallets"), "the live run to follow");
    assert.match(run.out(), /LIVE TRADING on http:\/\/127\.0\.0\.1/);
    await publishAll(standin);
    await waitFor(async () => (await ledger(dir)).decisions >= laterTrades, "every new fill decided");
    run.child.kill("SIGTERM");
    assert.equal((await run.exited).code, 0, run.err());
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

  it("a kill -9 after an order is written ahead but before it is sent: the restart cancels it, nothing doubled or dropped", async () => {
    const st = await freshStandin(11);
    const dir = workdir();
    const first = start(dir, st.url, { POLYCOPY_TEST_CRASH_BEFORE_POST: "2" });
    await waitFor(async () => first.out().includes("following 3 wallets"), "the first run to follow");
    const publishing = publishAll(st);
    const ex = await first.exited;
    assert.equal(ex.signal, "SIGKILL", `expected the crash hook to fire: ${first.err()}`);
    await publishing;
    const mid = await ledger(dir);
    const lost = mid.orders.filter((o) => o.status === "pending");
    assert.equal(lost.length, 1, "the order being sent is pending in the ledger");
    const order = lost[0]!;
    assert.match(order.venueOrderId ?? "", /^0x[0-9a-f]{64}$/, "written ahead with its order hash");
    assert.ok(!st.clob.orders.has(order.venueOrderId!), "it never reached the venue");
    assert.ok(mid.orders.length >= 2, "the order before it went through normally");
    assert.equal(mid.decisionKeys.filter((k) => k === order.leaderFillKey).length, 1);

    const second = start(dir, st.url);
    await waitFor(async () => second.out().includes("following 3 wallets"), "the restart to follow");
    assert.match(second.out(), new RegExp(`settled pending order ${reEscape(order.key)}: cancelled`));
    await waitFor(async () => (await ledger(dir)).decisions >= laterTrades, "every new fill decided");
    second.child.kill("SIGTERM");
    assert.equal((await second.exited).code, 0, second.err());
    const l = await ledger(dir);
    const after = l.orders.find((o) => o.key === order.key)!;
    assert.equal(after.status, "cancelled");
    assert.equal(after.venueOrderId, order.venueOrderId);
    assert.match(after.error ?? "", /no trace/);
    const audit = l.reconcile.filter((a) => a.subject === order.key);
    assert.equal(audit.length, 1, "the resolution is audited once");
    assert.match(
      audit[0]!.message,
      /→ cancelled: the venue has no trace of 0x[0-9a-f]{64}: it never reached the CLOB/,
    );
    // The leader fill keeps its one decision (copied, order cancelled): not dropped, not decided again.
    assert.equal(l.decisionKeys.filter((k) => k === order.leaderFillKey).length, 1);
    assert.equal(l.decisions, laterTrades);
    assert.equal(new Set(l.decisionKeys).size, l.decisionKeys.length, "no leader fill decided twice");
    assertLedgerMatchesVenue(l, st);
  });

  it("a kill -9 after the venue filled an order but before its fills were committed: the restart books exactly those fills", async () => {
    const st = await freshStandin(12);
    const dir = workdir();
    const first = start(dir, st.url, { POLYCOPY_TEST_CRASH_AFTER_FILL: "1" });
    await waitFor(async () => first.out().includes("following 3 wallets"), "the first run to follow");
    const publishing = publishAll(st);
    const ex = await first.exited;
    assert.equal(ex.signal, "SIGKILL", `expected the crash hook to fire: ${first.err()}`);
    await publishing;
    const mid = await ledger(dir);
    const lost = mid.orders.filter((o) => o.status === "pending");
    assert.equal(lost.length, 1);
    const order = lost[0]!;
    const trades = st.clob.trades.filter((t) => t.orderId === order.venueOrderId);
    assert.ok(trades.length > 0, "the venue filled it");
    assert.equal(
      mid.fills.filter((f) => f.orderKey === order.key).length,
      0,
      "its fills are not in the ledger",
    );

    const second = start(dir, st.url);
    await waitFor(async () => second.out().includes("following 3 wallets"), "the restart to follow");
    assert.match(
      second.out(),
      new RegExp(`settled pending order ${reEscape(order.key)}: (partially_)?filled`),
    );
    await waitFor(async () => (await ledger(dir)).decisions >= laterTrades, "every new fill decided");
    second.child.kill("SIGTERM");
    assert.equal((await second.exited).code, 0, second.err());
    const l = await ledger(dir);
    const after = l.orders.find((o) => o.key === order.key)!;
    assert.ok(after.status === "filled" || after.status === "partially_filled", after.status);
    const booked = l.fills.filter((f) => f.orderKey === order.key);
    assert.deepEqual(
      booked.map((f) => f.key).sort(),
      trades.map((t) => t.id).sort(),
      "exactly the venue's fills",
    );
    assert.deepEqual(
      booked.map((f) => f.qty).sort(),
      trades.map((t) => t.size).sort(),
      "with the venue's sizes",
    );
    assert.equal(
      after.filledQty,
      trades.reduce((s, t) => s + t.size, 0),
    );
    const audit = l.reconcile.filter((a) => a.subject === order.key);
    assert.equal(audit.length, 1);
    assert.match(audit[0]!.message, new RegExp(`found on the venue: ${trades.length} fill\\(s\\)`));
    assert.equal(new Set(l.decisionKeys).size, l.decisionKeys.length, "no leader fill decided twice");
    assert.equal(l.decisions, laterTrades);
    assertLedgerMatchesVenue(l, st);
    // Positions equal the venue's token balances (the restart checked this too before trading).
    const acct = st.clob.account(safeWalletOf(TEST_ADDRESS)).tokens;
    for (const p of l.positions) assert.equal(p.qty, acct[p.tokenId] ?? 0, `token ${p.tokenId}`);
  });

  it("a pending order with no venue id is cancelled; when the venue cannot be asked, startup refuses with the reason", async () => {
    const st = await freshStandin(13);
    const dir = workdir();
    const store = await openStore({ dataDir: join(dir, "data") });
    await store.setKv("live:cash", "1000000000");
    const base = {
      marketId: "0xm",
      tokenId: "1",
      outcomeIndex: 0,
      side: "BUY" as const,
      price: 0.5,
      qty: 10_000_000,
      tif: "FAK" as const,
      purpose: "entry" as const,
      leader: followed[0]!,
      reason: "",
      status: "pending" as const,
      filledQty: 0,
      createdTs: 1,
      updatedTs: 1,
      error: null,
    };
    const hash = `0x${"ab".repeat(32)}`;
    await store.insertOrder({ ...base, key: "copy:a-unsent", leaderFillKey: "a", venueOrderId: null });
    await store.insertOrder({ ...base, key: "copy:b-sent", leaderFillKey: "b", venueOrderId: hash });
    await store.close();
    st.faults.unavailable = ["/data/orders", "/data/trades"];
    const refused = start(dir, st.url);
    const ex = await refused.exited;
    assert.equal(ex.code, 2, refused.err());
    assert.match(
      refused.err(),
      new RegExp(
        `^error: refusing to trade: cannot ask the venue about order copy:b-sent \\(venue id ${hash}\\) left pending when the bot stopped: list open orders: failed after \\d+ attempts \\(service unavailable .*\\); start again once the CLOB answers$`,
        "m",
      ),
    );
    assert.ok((st.stats.faults.unavailable ?? 0) > 1, "the lookup was retried");
    let l = await ledger(dir);
    assert.equal(l.orders.find((o) => o.key === "copy:a-unsent")!.status, "cancelled");
    assert.match(l.reconcile.find((a) => a.subject === "copy:a-unsent")!.message, /never sent/);
    assert.equal(
      l.orders.find((o) => o.key === "copy:b-sent")!.status,
      "pending",
      "still unknown: left as is",
    );

    // The CLOB answers again: the order is looked up, found nowhere, cancelled, and trading starts.
    st.faults.unavailable = [];
    const again = start(dir, st.url);
    await waitFor(async () => again.out().includes("following 3 wallets"), "the restart to follow");
    again.child.kill("SIGTERM");
    assert.equal((await again.exited).code, 0, again.err());
    l = await ledger(dir);
    assert.equal(l.orders.find((o) => o.key === "copy:b-sent")!.status, "cancelled");
    assert.deepEqual(l.reconcile.map((a) => a.subject).sort(), ["copy:a-unsent", "copy:b-sent"]);
    assert.equal(l.orders.filter((o) => o.status === "pending").length, 0);
  });

  it("an order the CLOB took but never answered (and cannot be looked up): the run stops with it pending, the restart books its fills", async () => {
    const st = await freshStandin(14);
    const dir = workdir();
    // Every POST /order is processed and its answer lost; the venue's lookups by hash fail too.
    st.faults.dropAfterProcess = 1;
    st.faults.unavailable = ["/data/orders", "/data/trades"];
    const first = start(dir, st.url);
    await waitFor(async () => first.out().includes("following 3 wallets"), "the first run to follow");
    const publishing = publishAll(st);
    let timer: NodeJS.Timeout | undefined;
    const ex = await Promise.race([
      first.exited,
      new Promise<null>((r) => {
        timer = setTimeout(() => r(null), 120_000);
      }),
    ]);
    clearTimeout(timer);
    await publishing;
    if (ex === null) first.child.kill("SIGKILL");
    assert.ok(
      ex !== null && ex.code !== 0,
      `the run stops (it is still trading: ${first.out().slice(-300)})`,
    );
    assert.match(
      first.err(),
      /^error: stopping: order \S+ \(venue id 0x[0-9a-f]{64}\) got no answer from the CLOB and cannot be looked up: .*it stays pending and the next start settles it$/m,
    );
    const mid = await ledger(dir);
    const lost = mid.orders.filter((o) => o.status === "pending");
    assert.equal(lost.length, 1, "the one order sent stays pending, not rejected on a guess");
    const order = lost[0]!;
    assert.equal(st.clob.orders.size, 1, "the CLOB took exactly that order");
    const trades = st.clob.trades.filter((t) => t.orderId === order.venueOrderId);
    assert.ok(trades.length > 0, "and filled it");

    st.faults.dropAfterProcess = 0;
    st.faults.unavailable = [];
    const second = start(dir, st.url);
    await waitFor(async () => second.out().includes("following 3 wallets"), "the restart to follow");
    assert.match(
      second.out(),
      new RegExp(`settled pending order ${reEscape(order.key)}: (partially_)?filled`),
    );
    await waitFor(async () => (await ledger(dir)).decisions >= laterTrades, "every new fill decided");
    second.child.kill("SIGTERM");
    assert.equal((await second.exited).code, 0, second.err());
    const l = await ledger(dir);
    assert.deepEqual(
      l.fills
        .filter((f) => f.orderKey === order.key)
        .map((f) => f.key)
        .sort(),
      trades.map((t) => t.id).sort(),
      "exactly the venue's trades of that order are booked",
    );
    assert.equal(new Set(l.decisionKeys).size, l.decisionKeys.length, "no leader fill decided twice");
    assertLedgerMatchesVenue(l, st);
  });

  it("orders the CLOB answers `live` are followed up: fills that arrive later are booked, none left open", async () => {
    // Every FAK answers `live` and matches 300 ms later; the run looks each up after 0.5 s.
    const st = await freshStandin(15, { fakLiveMs: 300 });
    const dir = workdir();
    const run = start(dir, st.url);
    await waitFor(async () => run.out().includes("following 3 wallets"), "the run to follow");
    await publishAll(st);
    await waitFor(
      async () => (await ledger(dir)).decisions >= laterTrades,
      "every new fill decided",
      120_000,
    );
    run.child.kill("SIGTERM");
    assert.equal((await run.exited).code, 0, run.err());
    const l = await ledger(dir);
    assert.ok(st.clob.trades.length > 0, "the stand-in matched orders after answering `live`");
    assert.deepEqual(
      l.orders.filter((o) => o.status === "open" || o.status === "pending").map((o) => o.key),
      [],
      "every order reached a final state",
    );
    // The stand-in keeps every order it answered `live` (also those that later matched nothing).
    const tradedAtVenue = [...st.clob.orders.entries()].filter(([, o]) => o.matched > 0).map(([id]) => id);
    assert.deepEqual(
      l.orders
        .filter((o) => o.filledQty > 0)
        .map((o) => o.venueOrderId)
        .sort(),
      tradedAtVenue.sort(),
      "orders that traded at the venue = ledger orders that traded",
    );
    assert.deepEqual(
      l.fills.map((f) => f.key).sort(),
      st.clob.trades.map((t) => t.id).sort(),
      "venue trades = ledger fills",
    );
    for (const o of l.orders.filter((x) => x.filledQty === 0 && x.venueOrderId))
      assert.notEqual(st.clob.orders.get(o.venueOrderId!)?.status, "LIVE", `${o.key} does not rest`);
  });
});
