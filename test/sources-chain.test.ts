import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isFill, type LeaderFill } from "../src/domain/fill.ts";
import { Rng } from "../src/domain/rng.ts";
import {
  decodeOrderFilled,
  encodeOrderFilled,
  ORDER_FILLED_TOPIC,
  orderFilledToFill,
  POLYGON_EXCHANGES_V2,
} from "../src/polymarket/chain.ts";
import { simulate } from "../src/sim/index.ts";
import {
  ChainSource,
  type ChainSourceOptions,
  parseChainCursor,
  tokenResolverFromMarkets,
} from "../src/sources/chain-source.ts";
import { type StandinChain, startChainRpc } from "../src/standin/chain-rpc.ts";
import { openStore } from "../src/store/open.ts";
import type { Store } from "../src/store/store.ts";

const FIRST = 60_000_000;
const sim = simulate({ seed: 5, days: 4, walletsPerStyle: 1, markets: 8 });
const allFills = sim.events.filter(isFill);
const wallets = [...new Set(allFills.map((f) => f.wallet))].sort();
/** Follow every other wallet; the rest (and all counterparties) must never reach the store. */
const followed = wallets.filter((_, i) => i % 2 === 0);
const negRisk = new Set(sim.markets.filter((m) => m.negRisk).map((m) => m.id));
const resolve = tokenResolverFromMarkets(sim.markets);

const FAULTS = { rateLimit: 0.05, serverError: 0.05, drop: 0.04, malformed: 0.05, rpcError: 0.05 };

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function freshStore(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), "polycopy-chain-"));
  dirs.push(dir);
  const store = await openStore({ dataDir: dir });
  await store.upsertMarkets(sim.markets);
  return store;
}

function source(chain: StandinChain, over: Partial<ChainSourceOptions> = {}): ChainSource {
  const rng = new Rng(over.confirmations ?? 3);
  return new ChainSource({
    rpcUrl: chain.url,
    exchanges: [chain.exchange, chain.negRiskExchange],
    wallets: followed,
    resolveToken: resolve,
    startBlock: BigInt(FIRST),
    confirmations: 5,
    maxRange: 2000,
    retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 50 },
    random: () => rng.next(),
    ...over,
  });
}

/** Runs a source into the store like `polycopy ingest`; stops after `maxBatches` batches when given (a crash). */
async function ingest(
  src: ChainSource,
  store: Store,
  maxBatches = Number.POSITIVE_INFINITY,
): Promise<number> {
  const ac = new AbortController();
  let n = 0;
  for await (const b of src.stream(await store.getCursor(src.name), ac.signal)) {
    await store.ingestBatch(src.name, b.events, b.cursor);
    if (++n >= maxBatches) {
      ac.abort();
      break;
    }
  }
  return n;
}

/** The followed wallets' logs in blocks with at least 5 confirmations (what a source may read). */
function expectedOf(chain: StandinChain, confirmations = 5): Map<string, LeaderFill> {
  const m = new Map<string, LeaderFill>();
  for (const [k, f] of chain.leaderLogs(chain.head() - confirmations))
    if (followed.includes(f.wallet)) m.set(k, f);
  return m;
}

function assertSame(stored: LeaderFill[], want: Map<string, LeaderFill>): void {
  const keys = stored.map((e) => e.key);
  assert.equal(new Set(keys).size, keys.length, "no doubles");
  assert.deepEqual([...keys].sort(), [...want.keys()].sort(), "exactly the followed wallets' fills on chain");
  for (const e of stored) {
    const w = want.get(e.key)!;
    assert.equal(e.source, "chain");
    assert.deepEqual(
      [e.wallet, e.marketId, e.tokenId, e.outcomeIndex, e.side, e.price, e.size, e.ts, e.role, e.txHash],
      [w.wallet, w.marketId, w.tokenId, w.outcomeIndex, w.side, w.price, w.size, w.ts, w.role, w.txHash],
      `fill ${e.key}`,
    );
  }
}

describe("OrderFilled decoding", () => {
  const ex = new Set([POLYGON_EXCHANGES_V2.ctfExchange]);
  const leader = `0x${"ab".repeat(20)}`;
  const other = `0x${"cd".repeat(20)}`;
  const raw = (enc: { topics: `0x${string}`[]; data: `0x${string}` }) => ({
    address: POLYGON_EXCHANGES_V2.ctfExchange,
    ...enc,
    blockNumber: 1n,
    transactionHash: `0x${"12".repeat(32)}`,
    logIndex: 3,
  });
  const tok = { marketId: `0x${"11".repeat(32)}`, outcomeIndex: 1, tickSize: 0.01 };

  it("BUY as maker: collateral given, price = usdc/shares, role maker", () => {
    const enc = encodeOrderFilled({
      orderHash: `0x${"01".repeat(32)}`,
      maker: leader,
      taker: other,
      makerAssetId: 0n,
      takerAssetId: 777n,
      makerAmountFilled: 4_200_000n,
      takerAmountFilled: 10_000_000n,
      fee: 0n,
    });
    assert.equal(enc.topics[0], ORDER_FILLED_TOPIC);
    const f = orderFilledToFill(decodeOrderFilled(raw(enc)), tok, 1000, ex);
    assert.deepEqual(
      [f.wallet, f.side, f.tokenId, f.price, f.size, f.role, f.key],
      [leader, "BUY", "777", 0.42, 10, "maker", `0x${"12".repeat(32)}:3`],
    );
  });

  it("SELL as taker: taker field is the exchange", () => {
    const enc = encodeOrderFilled({
      orderHash: `0x${"02".repeat(32)}`,
      maker: leader,
      taker: POLYGON_EXCHANGES_V2.ctfExchange,
      makerAssetId: 777n,
      takerAssetId: 0n,
      makerAmountFilled: 7_500_000n,
      takerAmountFilled: 6_000_000n,
      fee: 0n,
    });
    const f = orderFilledToFill(decodeOrderFilled(raw(enc)), tok, 1000, ex);
    assert.deepEqual([f.side, f.price, f.size, f.role], ["SELL", 0.8, 7.5, "taker"]);
  });

  it("rejects garbage with errors naming the field", () => {
    const enc = encodeOrderFilled({
      orderHash: `0x${"02".repeat(32)}`,
      maker: leader,
      taker: other,
      makerAssetId: 5n,
      takerAssetId: 6n,
      makerAmountFilled: 1n,
      takerAmountFilled: 1n,
      fee: 0n,
    });
    assert.throws(() => orderFilledToFill(decodeOrderFilled(raw(enc)), tok, 0, ex), /exactly one must be 0/);
    assert.throws(() => decodeOrderFilled({ ...raw(enc), data: "0x1234" }), /\.data: cannot decode/);
    assert.throws(() => decodeOrderFilled({ ...raw(enc), topics: ["0x00"] }), /topics\[0\]/);
    assert.throws(() => decodeOrderFilled({ ...raw(enc), logIndex: null }), /logIndex/);
    assert.throws(() => parseChainCursor("{nope"), /chain cursor is not valid JSON/);
  });
});

describe("chain source against the stand-in JSON-RPC node with faults", () => {
  const cut = Math.floor(allFills.length * 0.7);
  let chain: StandinChain;
  before(async () => {
    assert.ok(followed.length >= 4 && allFills.length > 200, "the simulation has enough fills");
    chain = await startChainRpc({
      fills: allFills.slice(0, cut),
      negRiskMarkets: negRisk,
      tailBlocks: 0, // more fills are appended later, and blocks cannot go back in time
      firstBlock: FIRST,
      maxRange: 40,
      faults: FAULTS,
      seed: 9,
    });
  });
  after(async () => {
    await chain.close();
  });

  it("stores exactly the followed wallets' fills, with roles, across a crash, a restart and new blocks", async () => {
    const store = await freshStore();
    try {
      // Crash after two ranges, then restart from the persisted cursor (a new instance each time).
      assert.equal(await ingest(source(chain), store, 2), 2);
      const s2 = source(chain);
      await ingest(s2, store);
      assertSame((await store.listLeaderEvents()).filter(isFill), expectedOf(chain));
      assert.ok(s2.stats.rangeShrinks > 0, "the 2,000-block range was shrunk to the node's limit");
      assert.ok(s2.stats.retries > 0, "transport faults were retried");
      // New blocks: the last `confirmations` blocks are not read until they are confirmed.
      chain.append(allFills.slice(cut));
      await ingest(source(chain), store);
      assertSame((await store.listLeaderEvents()).filter(isFill), expectedOf(chain));
      const unconfirmed = expectedOf(chain, 0).size - (await store.countLeaderEvents());
      assert.ok(unconfirmed > 0, "fills in the newest 5 blocks wait for confirmations");
      chain.mine(5);
      await ingest(source(chain), store);
      const stored = (await store.listLeaderEvents()).filter(isFill);
      assertSame(stored, expectedOf(chain));
      const roles = new Set(stored.map((f) => f.role));
      assert.deepEqual([...roles].sort(), ["maker", "taker"], "both roles recovered from the logs");
      assert.ok(stored.some((f) => negRisk.has(f.marketId)) || negRisk.size === 0, "neg-risk exchange read");
      for (const k of Object.keys(FAULTS)) {
        const name = {
          rateLimit: "429",
          serverError: "",
          drop: "drop",
          malformed: "malformed",
          rpcError: "rpc-error",
        }[k];
        if (name) assert.ok((chain.stats.faults[name] ?? 0) > 0, `fault ${name} was injected`);
      }
    } finally {
      await store.close();
    }
  });

  it("a reorg shallower than the confirmations changes nothing stored; with 0 confirmations the store keeps orphaned logs", async () => {
    const rng = new Rng(2);
    const t = allFills[allFills.length - 1]!.ts;
    const extra = (wallet: string, i: number): LeaderFill => {
      const m = sim.markets[i % sim.markets.length]!;
      const tx = `0x${rng.hex(32)}`;
      return {
        type: "TRADE",
        key: `${tx}:0`,
        wallet,
        marketId: m.id,
        tokenId: m.outcomes[0]!.tokenId,
        outcomeIndex: 0,
        side: i % 2 === 0 ? "BUY" : "SELL",
        price: 0.5,
        size: 10 + i,
        ts: t + 1000 * (10 + Math.floor(i / 3)),
        role: i % 3 === 0 ? "taker" : "maker",
        txHash: tx,
        source: "sim",
      };
    };
    const run = async (confirmations: number) => {
      const c = await startChainRpc({
        fills: allFills.slice(0, 50),
        negRiskMarkets: negRisk,
        tailBlocks: 10,
        firstBlock: FIRST,
        seed: 4,
      });
      const store = await freshStore();
      try {
        await ingest(source(c, { confirmations }), store);
        c.append(Array.from({ length: 12 }, (_, i) => extra(followed[i % followed.length]!, i)));
        await ingest(source(c, { confirmations }), store);
        c.reorg(4);
        c.mine(6);
        await ingest(source(c, { confirmations }), store);
        return {
          stored: (await store.listLeaderEvents()).filter(isFill),
          want: expectedOf(c, confirmations),
        };
      } finally {
        await store.close();
        await c.close();
      }
    };
    const safe = await run(5);
    assertSame(safe.stored, safe.want);
    const unsafe = await run(0);
    // Control: reading unconfirmed blocks stores logs the reorg orphaned (their log indexes changed).
    assert.notDeepEqual(unsafe.stored.map((e) => e.key).sort(), [...unsafe.want.keys()].sort());
  });
});
