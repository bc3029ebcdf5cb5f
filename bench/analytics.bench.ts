/**
 * Analytics benchmark (issue 3 targets): classify and score 10,000 wallets / 10 million fills on
 * 2 cores (two worker threads, 5,000 wallets each), one wallet's full analysis p99, and the
 * incremental re-score after one new fill p99. Fills are synthetic (market-maker-like and
 * directional-like wallets) and generated on the fly so the figure measures analysis, not I/O.
 * Env: BENCH_WALLETS, BENCH_FILLS_PER_WALLET to scale down.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { WalletAccumulator } from "../src/analytics/accumulator.ts";
import { DEFAULT_ANALYZE_OPTIONS, judgeWallet } from "../src/analytics/analyze.ts";
import { MarketPrices } from "../src/analytics/prices.ts";
import type { LeaderFill } from "../src/domain/fill.ts";
import { Rng } from "../src/domain/rng.ts";
import { quantile, reportBench } from "./report.ts";

const WALLETS = Number(process.env.BENCH_WALLETS ?? 10_000);
const PER = Number(process.env.BENCH_FILLS_PER_WALLET ?? 1_000);
const T0 = Date.UTC(2026, 0, 1);

function* walletFills(index: number, n: number): Generator<LeaderFill> {
  const rng = new Rng(index + 1);
  const wallet = `0x${index.toString(16).padStart(40, "0")}`;
  const mm = index % 2 === 0;
  const markets = rng.int(5, 60);
  let ts = T0;
  for (let i = 0; i < n; i++) {
    ts += mm ? rng.int(20_000, 900_000) : rng.int(600_000, 20_000_000);
    const m = rng.int(0, markets - 1);
    const o = mm ? rng.int(0, 1) : rng.next() < 0.85 ? 0 : 1;
    const side = mm ? (rng.next() < 0.5 ? "BUY" : "SELL") : rng.next() < 0.8 ? "BUY" : "SELL";
    yield {
      type: "TRADE",
      key: `${index}:${i}`,
      wallet,
      marketId: `m${index % 500}-${m}`,
      tokenId: `m${index % 500}-${m}-${o}`,
      outcomeIndex: o,
      side,
      price: rng.int(5, 95) / 100,
      size: rng.int(5, 500),
      ts,
      role: null,
      txHash: null,
      source: "sim",
    };
  }
}

function analyzeRange(from: number, to: number): { fills: number; wallets: number; perWalletMs: number[] } {
  const prices = new MarketPrices();
  const perWalletMs: number[] = [];
  let fills = 0;
  for (let w = from; w < to; w++) {
    const t = performance.now();
    const acc = new WalletAccumulator("", prices);
    for (const f of walletFills(w, PER)) {
      prices.observe(f);
      acc.add(f);
      fills++;
    }
    judgeWallet(acc, prices, undefined, DEFAULT_ANALYZE_OPTIONS);
    perWalletMs.push(performance.now() - t);
  }
  return { fills, wallets: to - from, perWalletMs };
}

if (!isMainThread) {
  const { from, to } = workerData as { from: number; to: number };
  parentPort!.postMessage(analyzeRange(from, to));
} else {
  const t0 = performance.now();
  const half = Math.floor(WALLETS / 2);
  const parts = await Promise.all(
    [
      [0, half],
      [half, WALLETS],
    ].map(
      ([from, to]) =>
        new Promise<ReturnType<typeof analyzeRange>>((resolve, reject) => {
          const w = new Worker(new URL(import.meta.url), { workerData: { from, to } });
          w.once("message", resolve);
          w.once("error", reject);
        }),
    ),
  );
  const secs = (performance.now() - t0) / 1000;
  const fills = parts.reduce((s, p) => s + p.fills, 0);
  const perWallet = parts.flatMap((p) => p.perWalletMs);
  reportBench("analytics_batch_wallets", WALLETS, "wallets");
  reportBench("analytics_batch_fills", fills, "fills");
  reportBench("analytics_batch_seconds_2_workers", secs, "s");
  reportBench("analytics_one_wallet_p99", quantile(perWallet, 0.99), "ms");

  // Incremental: a wallet with a long history, then one new fill at a time: add + re-score (no bootstrap).
  // The first 200 re-scores are not timed: the batch ran in workers, so this thread's analysis code
  // is cold here (its first calls take 1-8 ms while the JIT compiles), as it is not in a running bot.
  const prices = new MarketPrices();
  const acc = new WalletAccumulator("0xinc", prices);
  for (const f of walletFills(777, 5_000)) {
    prices.observe(f);
    acc.add(f);
  }
  const fast = { ...DEFAULT_ANALYZE_OPTIONS, bootstrap: 0 };
  const lat: number[] = [];
  const WARMUP = 200;
  let last = acc.lastTs;
  let n = 0;
  for (const f of walletFills(778, WARMUP + 2_000)) {
    last += 60_000;
    const g = { ...f, ts: last, wallet: acc.wallet };
    const t = performance.now();
    prices.observe(g);
    acc.add(g);
    judgeWallet(acc, prices, undefined, fast);
    if (n++ >= WARMUP) lat.push(performance.now() - t);
  }
  reportBench("analytics_incremental_update_p50", quantile(lat, 0.5), "ms");
  reportBench("analytics_incremental_update_p99", quantile(lat, 0.99), "ms");
}
