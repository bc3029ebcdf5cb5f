import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { inspect } from "node:util";
import { privateKeyToAccount } from "viem/accounts";
import { isPolycopyError, PolycopyError } from "../src/domain/errors.ts";
import { ALL_FAULTS } from "../src/standin/server.ts";
import { PolymarketVenue } from "../src/venues/polymarket.ts";
import { orderTypedData, type WireOrder } from "../src/venues/polymarket-eip712.ts";
import { loadPrivateKey } from "../src/venues/polymarket-key.ts";
import { depositWalletOf, proxyWalletOf, safeWalletOf } from "../src/venues/polymarket-wallets.ts";
import { contractOrder } from "../src/venues/venue.contract.ts";
import {
  MARKET,
  type Rig,
  startRig,
  TEST_ADDRESS,
  TEST_CREDS,
  TEST_KEY,
  walletVenue,
  YES,
} from "./venue.fixture.ts";

const rigs: Rig[] = [];
async function rig(o: Parameters<typeof startRig>[0] = {}): Promise<Rig> {
  const r = await startRig(o);
  rigs.push(r);
  return r;
}
after(async () => {
  for (const r of rigs) await r.close();
});

const filled = (xs: readonly { qty: number }[]) => xs.reduce((s, f) => s + f.qty, 0);
const posts = (r: Rig) => r.standin.stats.byPath["/order"] ?? 0;
const ZERO32 = `0x${"0".repeat(64)}`;

/** POSTs an order body straight to the stand-in's CLOB with L2 headers for `address`; [status, error]. */
async function postRaw(r: Rig, address: string, order: Record<string, unknown>, orderType = "GTC") {
  const res = await fetch(`${r.standin.url}/order`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      poly_address: address,
      poly_api_key: TEST_CREDS.key,
      poly_signature: "x",
      poly_passphrase: "p",
      poly_timestamp: "1",
    },
    body: JSON.stringify({ order, owner: TEST_CREDS.key, orderType }),
  });
  return [res.status, ((await res.json()) as { error?: string }).error] as const;
}

/** Hardhat's second test account: public, holds nothing. */
const OTHER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const OTHER_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/** A buy of 10 YES at 0.40 from TEST_ADDRESS, EIP-712-signed by `key`; `fields` change it before signing. */
async function signedOrder(
  fields: Partial<Omit<WireOrder, "signature">> = {},
  key: `0x${string}` = TEST_KEY,
) {
  const order = {
    salt: 42,
    maker: TEST_ADDRESS,
    signer: TEST_ADDRESS,
    tokenId: YES,
    makerAmount: "4000000",
    takerAmount: "10000000",
    side: "BUY" as const,
    signatureType: 0,
    timestamp: String(Date.now()),
    metadata: ZERO32,
    builder: ZERO32,
    expiration: "0",
    ...fields,
  };
  return { ...order, signature: await privateKeyToAccount(key).signTypedData(orderTypedData(order, false)) };
}

describe("Polymarket venue: placement under faults never doubles an order", () => {
  it("every fault on (429, 5xx, dropped sockets, garbled bodies, responses lost after the order took effect)", async () => {
    const r = await rig({ faults: { ...ALL_FAULTS, dropAfterProcess: 0.3 }, seed: 7, clob: { cash: 500 } });
    const results = [];
    for (let i = 0; i < 15; i++) {
      results.push(
        await r.venue.placeOrder(contractOrder(MARKET, "BUY", 0.55, 10, "FAK", `fault-${i}`), MARKET),
      );
    }
    const f = r.standin.stats.faults;
    assert.ok(
      (f["429"] ?? 0) > 0 && (f.drop ?? 0) > 0 && (f["drop-after-process"] ?? 0) > 0,
      JSON.stringify(f),
    );
    // One order on the exchange per order key, each filled exactly once.
    assert.equal(r.standin.clob.orders.size, 15);
    for (const x of results) assert.equal(x.status, "filled");
    const account = r.standin.clob.account(TEST_ADDRESS);
    assert.equal(account.tokens[YES], 15 * 10_000_000);
    assert.equal(
      r.standin.clob.trades.reduce((s, t) => s + t.size, 0),
      15 * 10_000_000,
    );
    const fills = await r.venue.fillsSince(0);
    assert.equal(filled(fills), 15 * 10_000_000);
    assert.deepEqual(new Set(fills.map((x) => x.orderKey)), new Set(results.map((_, i) => `fault-${i}`)));
  });

  it("a response lost after every POST: the venue finds the order by its hash instead of posting it again", async () => {
    const r = await rig({ faults: { dropAfterProcess: 1 } });
    const res = await r.venue.placeOrder(contractOrder(MARKET, "BUY", 0.53, 20, "FAK", "lost-1"), MARKET);
    assert.equal(posts(r), 1);
    assert.equal(r.standin.clob.orders.size, 1);
    assert.equal(res.status, "filled");
    assert.equal(filled(res.fills), 20_000_000);
    assert.equal(res.venueOrderId, [...r.standin.clob.orders.keys()][0]);
  });

  it("a server that keeps failing gives a clear UPSTREAM_ERROR, not a hang", async () => {
    const r = await rig({
      venue: { retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 3, timeoutMs: 2000 } },
    });
    await r.standin.close();
    await assert.rejects(
      r.venue.placeOrder(contractOrder(MARKET, "BUY", 0.53, 20, "FAK"), MARKET),
      (e) => isPolycopyError(e, "UPSTREAM_ERROR") && /after 3 attempts/.test(e.message),
    );
  });
});

describe("Polymarket venue: pre-trade checks (nothing is sent)", () => {
  it("rounds buys down and sells up to the tick", async () => {
    const r = await rig({ clob: { tokens: { [YES]: 50 } } });
    await r.venue.placeOrder(contractOrder(MARKET, "BUY", 0.399, 10, "GTC", "round-buy"), MARKET);
    await r.venue.placeOrder(contractOrder(MARKET, "SELL", 0.601, 10, "GTC", "round-sell"), MARKET);
    const prices = [...r.standin.clob.orders.values()].map((o) => [o.side, o.price]);
    assert.deepEqual(prices, [
      ["BUY", 0.39],
      ["SELL", 0.61],
    ]);
  });

  it("rejects NaN, off-tick (when asked to), too small and GTD orders before posting", async () => {
    const r = await rig();
    const strict = await PolymarketVenue.connect({
      clobUrl: r.standin.url,
      gammaUrl: r.standin.url,
      dataUrl: r.standin.url,
      signatureType: 0,
      env: { POLYCOPY_PRIVATE_KEY: TEST_KEY },
      credentials: TEST_CREDS,
      offTick: "reject",
    });
    const cases: [PolymarketVenue, ReturnType<typeof contractOrder>, string, RegExp][] = [
      [
        r.venue,
        contractOrder(MARKET, "BUY", Number.NaN, 10, "GTC"),
        "PRICE_INVALID",
        /between 0 and 1, got NaN/,
      ],
      [r.venue, contractOrder(MARKET, "BUY", 1.2, 10, "GTC"), "PRICE_INVALID", /between 0 and 1/],
      [strict, contractOrder(MARKET, "BUY", 0.537, 10, "GTC"), "PRICE_INVALID", /not on .* tick 0.01/],
      [r.venue, contractOrder(MARKET, "BUY", 0.4, 3, "GTC"), "SIZE_INVALID", /below .* minimum of 5/],
      [
        r.venue,
        contractOrder(MARKET, "BUY", 0.53, 1.5, "FAK"),
        "SIZE_INVALID",
        /below Polymarket's \$1 minimum/,
      ],
      [r.venue, contractOrder(MARKET, "BUY", 0.53, 10, "GTD"), "ORDER_REJECTED", /GTD/],
    ];
    for (const [v, o, code, re] of cases) {
      await assert.rejects(v.placeOrder(o, MARKET), (e) => {
        assert.ok(e instanceof PolycopyError, String(e));
        assert.equal(e.code, code, e.message);
        assert.match(e.message, re);
        return true;
      });
    }
    assert.equal(posts(r), 0);
  });

  it("checks pUSD balance and allowance before a buy, with a message that says what to do", async () => {
    const poor = await rig({ clob: { cash: 5 } });
    await assert.rejects(
      poor.venue.placeOrder(contractOrder(MARKET, "BUY", 0.53, 20, "FAK"), MARKET),
      (e) =>
        isPolycopyError(e, "ORDER_REJECTED") &&
        e.userFacing &&
        /not enough pUSD .* need \$10\.70/.test(e.message),
    );
    const unapproved = await rig({ clob: { cash: 100, allowance: 0 } });
    await assert.rejects(
      unapproved.venue.placeOrder(contractOrder(MARKET, "BUY", 0.53, 20, "FAK"), MARKET),
      (e) => isPolycopyError(e, "ORDER_REJECTED") && /allowance .* approve the exchange/.test(e.message),
    );
    assert.equal(posts(poor) + posts(unapproved), 0);
  });

  it("the stand-in rejects what the venue would have caught, with the CLOB's wording", async () => {
    const r = await rig({ clob: { cash: 1 } });
    const post = async (o: { makerAmount: string; takerAmount: string }) =>
      postRaw(r, TEST_ADDRESS, await signedOrder(o));
    // 10 shares at 0.537: off the 0.01 grid.
    assert.deepEqual(await post({ makerAmount: "5370000", takerAmount: "10000000" }), [
      400,
      "invalid tick size: price (0.537) breaks the minimum tick size rule 0.01",
    ]);
    assert.deepEqual(await post({ makerAmount: "1200000", takerAmount: "3000000" }), [
      400,
      "order size below minimum: size (3) lower than the minimum 5",
    ]);
    assert.deepEqual(await post({ makerAmount: "4000000", takerAmount: "10000000" }), [
      400,
      "not enough balance / allowance",
    ]);
    assert.equal(r.standin.clob.orders.size, 0);
  });
});

describe("Polymarket venue: CLOB behaviours", () => {
  it("refreshes the stale balance cache before a sell (a sell right after a buy works)", async () => {
    const r = await rig({ clob: { staleBalance: true } });
    await r.venue.placeOrder(contractOrder(MARKET, "BUY", 0.53, 30, "FAK", "buy-then-sell"), MARKET);
    const sell = await r.venue.placeOrder(
      contractOrder(MARKET, "SELL", 0.47, 30, "FAK", "sell-after-buy"),
      MARKET,
    );
    assert.equal(filled(sell.fills), 30_000_000);
    assert.ok((r.standin.stats.byPath["/balance-allowance/update"] ?? 0) >= 1);
    assert.equal(r.standin.clob.account(TEST_ADDRESS).tokens[YES], 0);
  });

  it("a FAK that answers `live` with nothing filled shows up as open, then its fills arrive later", async () => {
    const r = await rig({ clob: { fakLiveMs: 80 } });
    const o = contractOrder(MARKET, "BUY", 0.53, 40, "FAK", "late-fak");
    const res = await r.venue.placeOrder(o, MARKET);
    assert.equal(res.status, "open");
    assert.deepEqual(res.fills, []);
    assert.deepEqual(
      (await r.venue.openOrders()).map((x) => [x.venueOrderId, x.orderKey]),
      [[res.venueOrderId, "late-fak"]],
    );
    await new Promise((done) => setTimeout(done, 200));
    const fills = await r.venue.fillsSince(0);
    assert.equal(filled(fills), 40_000_000);
    assert.ok(fills.every((f) => f.orderKey === "late-fak"));
    assert.deepEqual(await r.venue.openOrders(), []);
  });

  it("the stand-in refuses an order whose signer is not the API key's address, and a forged signature", async () => {
    const r = await rig();
    await r.venue.placeOrder(contractOrder(MARKET, "BUY", 0.4, 10, "GTC", "to-copy"), MARKET);
    const body = r.standin.clob.orders.values().next().value!;
    assert.ok(body);
    const order = { ...(await signedOrder({ salt: 1, timestamp: "1" })), signature: `0x${"11".repeat(65)}` };
    assert.deepEqual(await postRaw(r, OTHER_ADDRESS, order), [
      400,
      "the order signer address has to be the address of the API KEY",
    ]);
    assert.deepEqual(await postRaw(r, TEST_ADDRESS, order), [400, "invalid signature"]);
    const [status, err] = await postRaw(r, TEST_ADDRESS, { ...order, makerAmount: "x" });
    assert.equal(status, 400);
    assert.match(err ?? "", /order\.makerAmount: must be an integer string/);
  });
});

describe("Polymarket venue: wallet set-up and the signing key", () => {
  const base = {
    clobUrl: "http://127.0.0.1:9",
    env: { POLYCOPY_PRIVATE_KEY: TEST_KEY },
    credentials: TEST_CREDS,
  };

  it("checks signature type and funder before connecting", async () => {
    await assert.rejects(
      PolymarketVenue.connect({ ...base, signatureType: 1 }),
      (e) =>
        isPolycopyError(e, "CONFIG_INVALID") &&
        /funder is required for signature type 1 \(POLY_PROXY\)/.test(e.message),
    );
    await assert.rejects(
      PolymarketVenue.connect({
        ...base,
        signatureType: 0,
        funder: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      }),
      (e) => isPolycopyError(e, "CONFIG_INVALID") && /EOA .* trades from its own address/.test(e.message),
    );
    await assert.rejects(
      PolymarketVenue.connect({ ...base, signatureType: 7 as never }),
      (e) => isPolycopyError(e, "CONFIG_INVALID") && e.userFacing,
    );
  });

  it("a funder that is not this key's proxy or Safe is refused with the reason", async () => {
    const r = await rig();
    for (const signatureType of [1, 2] as const) {
      await assert.rejects(
        PolymarketVenue.connect({
          ...base,
          clobUrl: r.standin.url,
          signatureType,
          funder: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        }),
        (e) =>
          isPolycopyError(e, "CONFIG_INVALID") &&
          /not a Polymarket wallet of the key's address/.test(e.message),
      );
    }
  });

  it("explains the CLOB's 'signer must be the API key's address' rejection", async () => {
    const r = await rig({ clob: { apiKeyAddress: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" } });
    await assert.rejects(
      r.venue.placeOrder(contractOrder(MARKET, "BUY", 0.53, 10, "FAK"), MARKET),
      (e) =>
        isPolycopyError(e, "ORDER_REJECTED") &&
        e.userFacing &&
        /signer must be the API key's address.*Derive the API key with the same private key/.test(e.message),
    );
  });

  it("reads the key from POLYCOPY_PRIVATE_KEY or a key file, and never echoes a bad one", () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-key-"));
    const file = join(dir, "key");
    writeFileSync(file, `${TEST_KEY.slice(2)}\n`, { mode: 0o600 });
    assert.equal(loadPrivateKey({ env: {}, keyFile: file }), TEST_KEY);
    assert.equal(
      loadPrivateKey({ env: { POLYCOPY_PRIVATE_KEY: TEST_KEY }, keyFile: "/nonexistent" }),
      TEST_KEY,
    );
    assert.throws(
      () => loadPrivateKey({ env: {} }),
      (e) => isPolycopyError(e, "SECRET_MISSING") && e.userFacing,
    );
    const bad = `${TEST_KEY.slice(0, 60)}zz`;
    assert.throws(
      () => loadPrivateKey({ env: { POLYCOPY_PRIVATE_KEY: bad } }),
      (e) => isPolycopyError(e, "CONFIG_INVALID") && !e.message.includes(bad.slice(2, 40)),
    );
    assert.throws(
      () => loadPrivateKey({ env: {}, keyFile: join(dir, "missing") }),
      (e) => isPolycopyError(e, "SECRET_MISSING") && /cannot read the key file \(ENOENT\)/.test(e.message),
    );
  });

  it("the key appears in no error, log line or inspected object", async () => {
    const raw = TEST_KEY.slice(2).toLowerCase();
    const seen: string[] = [];
    const r = await rig({
      clob: { cash: 1 },
      venue: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
    });
    seen.push(inspect(r.venue, { depth: 8, showHidden: true }), JSON.stringify(r.venue));
    for (const o of [
      contractOrder(MARKET, "BUY", 0.53, 20, "FAK"),
      contractOrder(MARKET, "BUY", Number.NaN, 20, "FAK"),
    ]) {
      try {
        await r.venue.placeOrder(o, MARKET);
      } catch (e) {
        seen.push(inspect(e, { depth: 8 }), JSON.stringify(e), String((e as Error).stack));
      }
    }
    await r.standin.close();
    try {
      await r.venue.balances();
    } catch (e) {
      seen.push(inspect(e, { depth: 8 }), String((e as Error).stack));
    }
    // A child process at trace level: connect to a dead CLOB, log the failure and the options through log.ts.
    const script = `
      import { logger } from "./src/log.ts";
      import { PolymarketVenue } from "./src/venues/polymarket.ts";
      const opts = { clobUrl: "http://127.0.0.1:9", signatureType: 0, retry: { maxAttempts: 2, baseDelayMs: 1 } };
      try { await PolymarketVenue.connect(opts); } catch (err) { logger.error({ err, opts, privateKey: process.env.POLYCOPY_PRIVATE_KEY }, "connect failed"); console.error(String(err)); }
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: new URL("..", import.meta.url).pathname,
      env: { ...process.env, POLYCOPY_PRIVATE_KEY: TEST_KEY, POLYCOPY_LOG_LEVEL: "trace", NODE_ENV: "" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    seen.push(out);
    const all = seen.join("\n").toLowerCase();
    assert.ok(all.length > 1000);
    assert.ok(!all.includes(raw), "private key leaked");
    assert.ok(!all.includes(TEST_CREDS.secret.toLowerCase()), "API secret leaked");
  });
});

describe("Polymarket venue: signature types (proxy wallet, Safe, deposit wallet)", () => {
  const PROXY = proxyWalletOf(TEST_ADDRESS);
  const SAFE = safeWalletOf(TEST_ADDRESS);
  const DEPOSIT = depositWalletOf(TEST_ADDRESS);

  it("the SDK takes the derived proxy and Safe addresses for this key's wallets of those types", async () => {
    // Independent of our derivation: the SDK classifies the funder itself and signs with that type.
    for (const t of [1, 2] as const) {
      const r = await rig({ venue: walletVenue(t) });
      await r.venue.placeOrder(contractOrder(MARKET, "BUY", 0.4, 10, "GTC", `classify-${t}`), MARKET);
      const o = [...r.standin.clob.orders.values()][0]!;
      assert.equal(o.maker, t === 1 ? PROXY : SAFE);
    }
    assert.notEqual(PROXY.toLowerCase(), SAFE.toLowerCase());
  });

  for (const [t, funder] of [
    [1, "proxy"],
    [2, "Safe"],
  ] as const) {
    it(`type ${t}: orders are made by the ${funder}, signed by the key, and move the ${funder}'s balances only`, async () => {
      const r = await rig({ clob: { cash: 100 }, venue: walletVenue(t) });
      const wallet = t === 1 ? PROXY : SAFE;
      const res = await r.venue.placeOrder(contractOrder(MARKET, "BUY", 0.53, 20, "FAK", `sig-${t}`), MARKET);
      assert.equal(res.status, "filled");
      assert.equal(filled(res.fills), 20_000_000);
      const o = r.standin.clob.orders.get(res.venueOrderId)!;
      assert.equal(o.maker, wallet);
      assert.equal(r.standin.clob.account(wallet).tokens[YES], 20_000_000);
      assert.equal(r.standin.clob.account(TEST_ADDRESS).tokens[YES], undefined);
      assert.equal(r.standin.clob.account(TEST_ADDRESS).cash, 100_000_000);
      const bal = await r.venue.balances();
      assert.equal(bal.cash, r.standin.clob.account(wallet).cash);
      assert.ok(bal.cash < 100_000_000);
      // The SDK asked the relayer whether the wallet is deployed before trading from it.
      assert.ok((r.standin.stats.byPath["/deployed"] ?? 0) >= 1);
      const sell = await r.venue.placeOrder(
        contractOrder(MARKET, "SELL", 0.47, 20, "FAK", `sell-${t}`),
        MARKET,
      );
      assert.equal(filled(sell.fills), 20_000_000);
      assert.equal(r.standin.clob.account(wallet).tokens[YES], 0);
    });
  }

  it('signatureType "auto" infers the type from the funder, and refuses a funder that is none of the key\'s wallets', async () => {
    for (const [funder, maker] of [
      [undefined, TEST_ADDRESS],
      [PROXY, PROXY],
      [SAFE.toLowerCase(), SAFE],
    ] as const) {
      const r = await rig({ venue: { signatureType: "auto", funder } });
      const res = await r.venue.placeOrder(
        contractOrder(MARKET, "BUY", 0.4, 10, "GTC", `auto-${maker}`),
        MARKET,
      );
      assert.equal(r.standin.clob.orders.get(res.venueOrderId)?.maker.toLowerCase(), maker.toLowerCase());
    }
    await assert.rejects(
      PolymarketVenue.connect({
        clobUrl: "http://127.0.0.1:9",
        env: { POLYCOPY_PRIVATE_KEY: TEST_KEY },
        credentials: TEST_CREDS,
        signatureType: "auto",
        funder: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      }),
      (e) =>
        isPolycopyError(e, "CONFIG_INVALID") &&
        e.userFacing &&
        /not this key's address, proxy wallet, Safe or deposit wallet/.test(e.message),
    );
  });

  it("a funder of the other type (the key's Safe configured as POLY_PROXY) is refused before anything is sent", async () => {
    const r = await rig({ venue: { signatureType: 1, funder: SAFE } });
    await assert.rejects(
      r.venue.placeOrder(contractOrder(MARKET, "BUY", 0.53, 10, "FAK"), MARKET),
      (e) =>
        isPolycopyError(e, "CONFIG_INVALID") &&
        e.userFacing &&
        /signatureType is 1 \(POLY_PROXY\) but funder 0x\w+ is a GNOSIS_SAFE wallet of this key/.test(
          e.message,
        ),
    );
    assert.equal(posts(r), 0);
  });

  it("a proxy or Safe the relayer does not know as deployed is refused at connect, with what to do", async () => {
    const r = await rig({ clob: { deployedWallets: [PROXY] } });
    const base = {
      clobUrl: r.standin.url,
      relayerUrl: r.standin.url,
      env: { POLYCOPY_PRIVATE_KEY: TEST_KEY },
      credentials: TEST_CREDS,
    };
    await PolymarketVenue.connect({ ...base, ...walletVenue(1) });
    await assert.rejects(
      PolymarketVenue.connect({ ...base, ...walletVenue(2) }),
      (e) =>
        isPolycopyError(e, "CONFIG_INVALID") &&
        e.userFacing &&
        /funder 0x\w+ is a Polymarket wallet of 0x\w+ but the relayer reports it is not deployed/.test(
          e.message,
        ),
    );
  });

  it("the stand-in verifies orders like the exchange: maker must be the signer's wallet of the order's type", async () => {
    const r = await rig({ clob: { cash: 100 } });
    const post = async (fields: Partial<Omit<WireOrder, "signature">>, key: `0x${string}` = TEST_KEY) =>
      postRaw(r, TEST_ADDRESS, await signedOrder({ ...fields, salt: Math.floor(Math.random() * 1e9) }, key));
    assert.deepEqual(await post({ signatureType: 1, maker: PROXY }), [200, undefined]);
    assert.deepEqual(await post({ signatureType: 2, maker: SAFE }), [200, undefined]);
    const invalid: [string, Partial<WireOrder>, `0x${string}`?][] = [
      ["proxy order whose maker is the key's Safe", { signatureType: 1, maker: SAFE }],
      ["Safe order whose maker is the key's proxy", { signatureType: 2, maker: PROXY }],
      ["proxy order from another key's proxy", { signatureType: 1, maker: proxyWalletOf(OTHER_ADDRESS) }],
      ["EOA order whose maker is the key's proxy", { signatureType: 0, maker: PROXY }],
      ["Safe order signed by another key", { signatureType: 2, maker: SAFE }, OTHER_KEY],
    ];
    for (const [what, fields, key] of invalid)
      assert.deepEqual(await post(fields, key), [400, "invalid signature"], what);
    // A deposit-wallet order names the wallet as signer, which is not the API key's address (the EOA).
    assert.deepEqual(await post({ signatureType: 3, maker: DEPOSIT, signer: DEPOSIT }), [
      400,
      "the order signer address has to be the address of the API KEY",
    ]);
    assert.deepEqual(
      [...r.standin.clob.orders.values()].map((o) => o.maker),
      [PROXY, SAFE],
    );
  });

  it("POLY_1271 (deposit wallet): the SDK signs for the wallet but binds the API key to the EOA, so the CLOB refuses, and the venue says why", async () => {
    const r = await rig({ venue: walletVenue(3) });
    await assert.rejects(
      r.venue.placeOrder(contractOrder(MARKET, "BUY", 0.53, 10, "FAK"), MARKET),
      (e) =>
        isPolycopyError(e, "ORDER_REJECTED") &&
        e.userFacing &&
        /POLY_1271 \(deposit wallet\) order's signer is the deposit wallet 0x\w+, but the API key belongs to the signing key's address/.test(
          e.message,
        ),
    );
    assert.equal(r.standin.clob.orders.size, 0);
  });

  it("POLY_1271 with a key bound to the deposit wallet: the stand-in checks the SDK's ERC-7739 envelope and fills", async () => {
    const r = await rig({ clob: { apiKeyAddress: DEPOSIT }, venue: walletVenue(3) });
    const res = await r.venue.placeOrder(contractOrder(MARKET, "BUY", 0.53, 10, "FAK", "dw-1"), MARKET);
    assert.equal(res.status, "filled");
    assert.equal(r.standin.clob.orders.get(res.venueOrderId)!.maker, DEPOSIT);
    assert.equal(r.standin.clob.account(DEPOSIT).tokens[YES], 10_000_000);
    // The same order with a plain signature, or signed by another owner, is not the wallet's.
    const plain = await signedOrder({ signatureType: 3, maker: DEPOSIT, signer: DEPOSIT });
    assert.deepEqual(await postRaw(r, TEST_ADDRESS, plain), [400, "invalid signature"]);
    const other = await signedOrder({ signatureType: 3, maker: DEPOSIT, signer: DEPOSIT }, OTHER_KEY);
    assert.deepEqual(await postRaw(r, TEST_ADDRESS, other), [400, "invalid signature"]);
  });
});
