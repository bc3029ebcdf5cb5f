/**
 * Live order preparation (DESIGN: leader fill -> our *signed* order ready, p99 <= 2 ms in process).
 * The engine's part (filters, sizing, gate) is `pipeline_leader_fill_to_order_*`; this is the
 * venue's part before anything is posted: tick and size rounding, the cash and allowance check,
 * the SDK's EIP-712 signature (`@polymarket/client`) and the order hash that is written ahead.
 * The venue talks to the local stand-in on 127.0.0.1, so the one balance/allowance request per
 * buy is a loopback round trip here; against Polymarket it is a network round trip. A second run
 * puts 20 ms before every stand-in answer to show how many round trips an order waits for.
 */
import { privateKeyToAccount } from "viem/accounts";
import { toMarket } from "../src/polymarket/convert.ts";
import { orderHash, orderTypedData, type WireOrder } from "../src/venues/polymarket-eip712.ts";
import { contractOrder } from "../src/venues/venue.contract.ts";
import { GAMMA_MARKET, startRig, TEST_KEY } from "../test/venue.fixture.ts";
import { quantile, reportBench } from "./report.ts";

const rig = await startRig({ clob: { cash: 1_000_000_000 } });
try {
  const market = toMarket(GAMMA_MARKET, "bench market");
  const prepare = async (tif: "FAK" | "GTC", i: number) => {
    const order = contractOrder(market, "BUY", 0.5, 10 + (Math.abs(i) % 50), tif, `bench-${tif}-${i}`);
    const t = performance.now();
    await rig.venue.prepareOrder(order, market);
    return performance.now() - t;
  };
  // Warm-up: the SDK fetches and caches the market's tick size, neg-risk flag and fee rate.
  for (let i = 0; i < 50; i++) await prepare("FAK", -1 - i);
  const before = rig.standin.stats.requests;
  const fak: number[] = [];
  const gtc: number[] = [];
  const n = 500;
  for (let i = 0; i < n; i++) fak.push(await prepare("FAK", i));
  for (let i = 0; i < n; i++) gtc.push(await prepare("GTC", i));
  const perOrder = (rig.standin.stats.requests - before) / (2 * n);
  reportBench("live_prepare_marketable_order_p50", quantile(fak, 0.5), "ms");
  reportBench("live_prepare_marketable_order_p99", quantile(fak, 0.99), "ms");
  reportBench("live_prepare_limit_order_p99", quantile(gtc, 0.99), "ms");
  reportBench("live_prepare_requests_per_order", perOrder, "requests");
  const slow = await startRig({ clob: { cash: 1_000_000_000 }, latencyMs: 20 });
  try {
    const rtt: number[] = [];
    for (let i = 0; i < 40; i++) {
      const order = contractOrder(market, "BUY", 0.5, 10 + (i % 50), "FAK", `bench-rtt-${i}`);
      const t = performance.now();
      await slow.venue.prepareOrder(order, market);
      if (i >= 5) rtt.push(performance.now() - t);
    }
    reportBench("live_prepare_marketable_order_p50_at_20ms_rtt", quantile(rtt, 0.5), "ms");
  } finally {
    await slow.close();
  }

  // The CPU part alone: EIP-712 signature and order hash of one order (what the SDK computes).
  const account = privateKeyToAccount(TEST_KEY);
  const sign: number[] = [];
  for (let i = 0; i < 600; i++) {
    const o: Omit<WireOrder, "signature"> = {
      salt: 1000 + i,
      maker: account.address,
      signer: account.address,
      tokenId: market.outcomes[0]!.tokenId,
      makerAmount: String(5_000_000 + i * 10_000),
      takerAmount: String(10_000_000 + i * 20_000),
      side: "BUY",
      signatureType: 0,
      timestamp: String(Date.now()),
      metadata: `0x${"0".repeat(64)}`,
      builder: `0x${"0".repeat(64)}`,
      expiration: "0",
    };
    const t = performance.now();
    await account.signTypedData(orderTypedData(o, false));
    orderHash({ ...o, signature: "0x" } as WireOrder, false);
    if (i >= 100) sign.push(performance.now() - t);
  }
  reportBench("live_eip712_sign_and_hash_p50", quantile(sign, 0.5), "ms");
  reportBench("live_eip712_sign_and_hash_p99", quantile(sign, 0.99), "ms");
} finally {
  await rig.close();
}
