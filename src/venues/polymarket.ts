/**
 * The Polymarket CLOB V2 venue. Orders are built and signed by the official SDK (@polymarket/client
 * 0.2: `createLimitOrder` for GTC, `createMarketOrder` for FOK/FAK, a viem local account from the
 * private key) and posted through the SDK's authenticated transport. The SDK can be pointed at any
 * base URL (forkEnvironmentConfig), which is how the tests run it against the local stand-in.
 *
 * What this class adds around the SDK:
 * - pre-trade checks: finite prices rounded to the market's tick (buys down, sells up), share size
 *   cut to 0.01, limit orders ≥ the market's minimum size, marketable orders ≥ $1, pUSD balance and
 *   allowance before a buy, a refreshed token balance (the CLOB caches it) before a sell, which is
 *   clamped to what is held;
 * - retries: the SDK's RateLimitError drops Retry-After and it does not retry POSTs, so every call
 *   goes through one retry loop with the shared jittered backoff (polymarket/http.ts);
 * - no doubled order: an order is signed once per order key and the same signed order is re-posted;
 *   its EIP-712 hash is the CLOB's order id, so after an ambiguous failure (socket dropped, 5xx,
 *   garbled body) the venue first looks the id up in open orders and trades, and only re-posts when
 *   it is in neither. The exchange can never fill one order hash twice.
 * - the id before the post: `prepareOrder` signs the order and returns that hash, so the runner
 *   writes it ahead in the ledger; after a crash `orderStatus` finds the order by it.
 */
import { createSecureClient, forkEnvironmentConfig, type SecureClient } from "@polymarket/client";
import { fetchBalanceAllowance, updateBalanceAllowance } from "@polymarket/client/actions";
import { privateKey } from "@polymarket/client/viem";
import { privateKeyToAddress } from "viem/accounts";
import { z } from "zod";
import type { OrderBook } from "../domain/book.ts";
import { PolycopyError } from "../domain/errors.ts";
import { type Market, outcomeIndexOf, roundToTick, takerFeeMicros } from "../domain/market.ts";
import type { Order, OrderStatus, OurFill } from "../domain/order.ts";
import { type Micros, notionalMicros, toMicros } from "../domain/units.ts";
import { parseWith } from "../domain/validation.ts";
import { PolymarketAdapter } from "../polymarket/adapter.ts";
import { backoffMs, DEFAULT_RETRY, type RetryPolicy, type Sleep, sleep } from "../polymarket/http.ts";
import { orderHash, V2_EXCHANGES, type WireOrder } from "./polymarket-eip712.ts";
import { type KeySource, loadPrivateKey } from "./polymarket-key.ts";
import { walletOf } from "./polymarket-wallets.ts";
import type { PlaceOrderResult, Venue, VenueBalances, VenueOrderLookup, VenueOrderState } from "./venue.ts";

/** 0 EOA, 1 POLY_PROXY (Magic/email), 2 GNOSIS_SAFE (browser wallet), 3 POLY_1271 (deposit wallet). */
export type SignatureTypeCode = 0 | 1 | 2 | 3;
const SIG_NAMES = ["EOA", "POLY_PROXY", "GNOSIS_SAFE", "POLY_1271"] as const;

/** "auto": which of the key's wallets the funder is (the SDK derives the same CREATE2 addresses). */
function resolveSignatureType(o: PolymarketVenueOptions): SignatureTypeCode {
  if (o.signatureType !== "auto") return o.signatureType;
  const signer = privateKeyToAddress(loadPrivateKey(o)).toLowerCase();
  const funder = o.funder?.toLowerCase();
  if (funder === undefined || funder === signer) return 0;
  for (const t of [1, 2, 3] as const) if (walletOf(signer, t)?.toLowerCase() === funder) return t;
  throw new PolycopyError(
    "CONFIG_INVALID",
    `polymarket.funder ${o.funder} is not this key's address, proxy wallet, Safe or deposit wallet: check polymarket.funder (the wallet that holds your pUSD) or the key`,
    { userFacing: true },
  );
}

export interface ApiCreds {
  key: string;
  secret: string;
  passphrase: string;
}

export interface PolymarketVenueOptions extends KeySource {
  /** CLOB base URL (default https://clob.polymarket.com); Gamma and Data API default to production too. */
  clobUrl?: string;
  gammaUrl?: string;
  dataUrl?: string;
  /** Relayer base URL (default: the SDK's production relayer); the SDK asks it whether a proxy/Safe funder is deployed. */
  relayerUrl?: string;
  /**
   * How orders are signed. "auto" infers it from the funder the way the SDK classifies wallets: no
   * funder (or the key's own address) → EOA; the key's CREATE2 proxy, Safe or deposit wallet → 1, 2, 3.
   */
  signatureType: SignatureTypeCode | "auto";
  /** Funder (maker) address holding pUSD: the proxy/Safe/deposit wallet; for EOA, the signer itself. */
  funder?: string | undefined;
  /** L2 API credentials; default from POLYCOPY_CLOB_API_KEY/_SECRET/_PASSPHRASE, else derived by the SDK. */
  credentials?: ApiCreds | undefined;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
  sleep?: Sleep;
  /** "round" (default) snaps off-tick prices to the grid; "reject" refuses them. */
  offTick?: "round" | "reject";
  /** Token ids whose balances `balances()` reports besides the ones traded through this venue. */
  tokens?: readonly string[];
}

const sdkOpenOrder = z.looseObject({
  id: z.string(),
  tokenId: z.string(),
  side: z.string(),
  price: z.coerce.number(),
  originalSize: z.coerce.number(),
  sizeMatched: z.coerce.number(),
  status: z.string(),
});
const sdkTrade = z.looseObject({
  id: z.string(),
  takerOrderId: z.string(),
  conditionId: z.string().optional(),
  tokenId: z.string(),
  side: z.string(),
  price: z.coerce.number(),
  size: z.coerce.number(),
  matchedAt: z.union([z.string(), z.number()]),
  outcome: z.string().optional(),
});
const sdkOrderResponse = z.looseObject({
  ok: z.boolean(),
  orderId: z.string().optional(),
  status: z.string().optional(),
  makingAmount: z.string().optional(),
  takingAmount: z.string().optional(),
  errorMsg: z.string().optional(),
});
const sdkBalance = z.object({
  balance: z.coerce.bigint(),
  allowances: z.record(z.string(), z.coerce.bigint()),
});

interface Prepared {
  id: string;
  /** The signed order to post; null when there is nothing to send (a sell with nothing held). */
  signed: Record<string, unknown> | null;
  qty: Micros;
}

interface Known {
  key: string;
  market: Market;
  outcomeIndex: number;
}

type SdkClient = SecureClient;

export class PolymarketVenue implements Venue {
  readonly name = "polymarket" as const;
  readonly #client: SdkClient;
  readonly #adapter: PolymarketAdapter;
  readonly #retry: RetryPolicy;
  readonly #random: () => number;
  readonly #sleep: Sleep;
  readonly #offTick: "round" | "reject";
  readonly #sigType: SignatureTypeCode;
  readonly #funder: string;
  readonly #tokens: Set<string>;
  /** venue order id → what we know about it (for fills' order keys and outcome indexes). */
  readonly #byId = new Map<string, Known>();
  readonly #results = new Map<string, Promise<PlaceOrderResult>>();
  readonly #prep = new Map<string, Promise<Prepared>>();

  private constructor(
    client: SdkClient,
    adapter: PolymarketAdapter,
    o: PolymarketVenueOptions & { signatureType: SignatureTypeCode },
    funder: string,
  ) {
    this.#client = client;
    this.#adapter = adapter;
    this.#retry = { ...DEFAULT_RETRY, ...o.retry };
    this.#random = o.random ?? Math.random;
    this.#sleep = o.sleep ?? sleep;
    this.#offTick = o.offTick ?? "round";
    this.#sigType = o.signatureType;
    this.#funder = funder;
    this.#tokens = new Set(o.tokens ?? []);
  }

  /** Loads the key, authenticates with the CLOB (L2 credentials) and checks the wallet set-up. */
  static async connect(opts: PolymarketVenueOptions): Promise<PolymarketVenue> {
    const o = { ...opts, signatureType: resolveSignatureType(opts) };
    if (![0, 1, 2, 3].includes(o.signatureType)) {
      throw new PolycopyError(
        "CONFIG_INVALID",
        `polymarket.signatureType must be 0 (EOA), 1 (POLY_PROXY), 2 (GNOSIS_SAFE) or 3 (POLY_1271), got ${o.signatureType}`,
        { userFacing: true },
      );
    }
    const pk = loadPrivateKey(o);
    const signerAddress = privateKeyToAddress(pk);
    if (o.signatureType !== 0 && !o.funder) {
      throw new PolycopyError(
        "CONFIG_INVALID",
        `polymarket.funder is required for signature type ${o.signatureType} (${SIG_NAMES[o.signatureType]}): the wallet that holds your pUSD`,
        { userFacing: true },
      );
    }
    if (o.funder !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(o.funder)) {
      throw new PolycopyError("CONFIG_INVALID", `polymarket.funder must be a 0x address, got "${o.funder}"`, {
        userFacing: true,
      });
    }
    const funder = o.signatureType === 0 ? (o.funder ?? signerAddress) : o.funder!;
    if (o.signatureType === 0 && funder.toLowerCase() !== signerAddress.toLowerCase()) {
      throw new PolycopyError(
        "CONFIG_INVALID",
        `polymarket.funder ${funder} differs from the key's address ${signerAddress}: an EOA (signature type 0) trades from its own address; use 1 (POLY_PROXY) or 2 (GNOSIS_SAFE) for a proxy wallet`,
        { userFacing: true },
      );
    }
    const env = o.env ?? process.env;
    const credentials =
      o.credentials ??
      (env.POLYCOPY_CLOB_API_KEY && env.POLYCOPY_CLOB_SECRET && env.POLYCOPY_CLOB_PASSPHRASE
        ? {
            key: env.POLYCOPY_CLOB_API_KEY,
            secret: env.POLYCOPY_CLOB_SECRET,
            passphrase: env.POLYCOPY_CLOB_PASSPHRASE,
          }
        : undefined);
    const clobUrl = o.clobUrl ?? "https://clob.polymarket.com";
    const gammaUrl = o.gammaUrl ?? "https://gamma-api.polymarket.com";
    const dataUrl = o.dataUrl ?? "https://data-api.polymarket.com";
    const environment = forkEnvironmentConfig({
      name: "polycopy",
      clob: { rest: clobUrl },
      gamma: { rest: gammaUrl },
      data: { rest: dataUrl },
      ...(o.relayerUrl ? { relayer: { rest: o.relayerUrl } } : {}),
    });
    const retry = { ...DEFAULT_RETRY, ...o.retry };
    const random = o.random ?? Math.random;
    const sleepFn = o.sleep ?? sleep;
    let client: SdkClient;
    try {
      client = await withRetry("authenticate with the CLOB", retry, random, sleepFn, () =>
        createSecureClient({
          environment,
          signer: privateKey(pk),
          wallet: funder,
          ...(credentials ? { credentials: credentials as never } : {}),
        }),
      );
    } catch (e) {
      throw explain(e, "authenticate with the CLOB", {
        signer: signerAddress,
        funder,
        sigType: o.signatureType,
      });
    }
    const adapter = new PolymarketAdapter({
      urls: { clobUrl, gammaUrl, dataUrl },
      http: { retry: o.retry ?? {}, random, sleep: sleepFn },
    });
    return new PolymarketVenue(client, adapter, o, funder);
  }

  prepareOrder(order: Order, market: Market): Promise<{ venueOrderId: string }> {
    return this.#prepared(order, market).then((p) => ({ venueOrderId: p.id }));
  }

  /** Checks and signs an order once per order key; later calls get the same signed order. */
  #prepared(order: Order, market: Market): Promise<Prepared> {
    let p = this.#prep.get(order.key);
    if (!p) {
      p = this.#prepare(order, market);
      this.#prep.set(order.key, p);
      // A pre-trade rejection signs nothing: the caller may fix the order and use the key again.
      p.catch(() => this.#prep.delete(order.key));
    }
    return p;
  }

  placeOrder(order: Order, market: Market): Promise<PlaceOrderResult> {
    // One placement per order key for the life of this process (a second call gets the first's result).
    let p = this.#results.get(order.key);
    if (!p) {
      p = this.#place(order, market);
      this.#results.set(order.key, p);
      // A pre-trade rejection is not a placement: the caller may fix the order and use the key again.
      p.catch(() => this.#results.delete(order.key));
    }
    return p;
  }

  async #prepare(order: Order, market: Market): Promise<Prepared> {
    const outcomeIndex = outcomeIndexOf(market, order.tokenId);
    const price = this.#price(order, market);
    if (!Number.isSafeInteger(order.qty) || order.qty <= 0) {
      throw new PolycopyError(
        "SIZE_INVALID",
        `order ${order.key}: qty must be a positive integer of micro-shares, got ${order.qty}`,
      );
    }
    if (order.tif === "GTD") {
      throw new PolycopyError(
        "ORDER_REJECTED",
        `order ${order.key}: GTD orders need an expiration, which polycopy orders do not carry; use GTC, FOK or FAK`,
        { userFacing: true },
      );
    }
    this.#tokens.add(order.tokenId);
    const marketable = order.tif === "FOK" || order.tif === "FAK";
    // Shares go on the wire with 2 decimals; never round a size up.
    let qty = Math.floor(order.qty / 10_000) * 10_000;
    if (order.side === "SELL") {
      const held = await this.#tokenBalance(order.tokenId, true);
      if (held < qty) qty = Math.floor(held / 10_000) * 10_000;
      // Nothing to sell: no order is signed or sent; `placeOrder` answers rejected.
      if (qty <= 0) return { id: `none-${order.key}`, signed: null, qty: 0 };
    }
    if (!marketable && qty < toMicros(market.minOrderSize)) {
      throw new PolycopyError(
        "SIZE_INVALID",
        `order ${order.key}: ${qty / 1e6} shares is below market ${market.slug || market.id}'s minimum of ${market.minOrderSize} for limit orders`,
        { userFacing: true },
      );
    }
    const notional = notionalMicros(price, qty);
    if (marketable && notional < 1_000_000) {
      throw new PolycopyError(
        "SIZE_INVALID",
        `order ${order.key}: marketable ${order.side} of $${(notional / 1e6).toFixed(2)} is below Polymarket's $1 minimum`,
        { userFacing: true },
      );
    }
    // The SDK asks the CLOB for the tick size and neg-risk flag on every order it signs (0.2 takes
    // neither as input), so the cash check overlaps the signing instead of adding a round trip.
    // A signed order is only ever posted once the check passed; its error wins over a signing one.
    const [cash, signing] = await Promise.allSettled([
      order.side === "BUY" ? this.#checkCash(order, market, price, qty) : Promise.resolve(),
      this.#call("sign the order", () => this.#sign(order, price, qty, marketable)),
    ]);
    if (cash.status === "rejected") throw cash.reason;
    if (signing.status === "rejected") throw signing.reason;
    const signed = signing.value;
    // The CLOB's order id is the signed order's EIP-712 hash: known before anything is sent.
    const id = orderHash(signed as unknown as WireOrder, market.negRisk);
    this.#byId.set(id, { key: order.key, market, outcomeIndex });
    return { id, signed, qty };
  }

  async #place(order: Order, market: Market): Promise<PlaceOrderResult> {
    const { id, signed, qty } = await this.#prepared(order, market);
    if (!signed) return { venueOrderId: id, status: "rejected", fills: [] };
    const resp = await this.#post(signed, order, id);
    if (resp.kind === "killed")
      return { venueOrderId: id, status: order.tif === "FOK" ? "rejected" : "cancelled", fills: [] };
    const fills = await this.#fillsOf(id);
    const filled = fills.reduce((s, f) => s + f.qty, 0);
    let status: OrderStatus;
    if (resp.status === "live" || resp.status === "delayed")
      status = filled > 0 ? "partially_filled" : "open";
    else if (resp.status === "unmatched") status = "cancelled";
    else
      status =
        filled >= qty ? "filled" : filled > 0 || resp.status === "matched" ? "partially_filled" : "open";
    const working = resp.status === "live" || resp.status === "delayed";
    return { venueOrderId: id, status, fills, ...(working ? { working } : {}) };
  }

  async orderStatus(
    venueOrderId: string,
    known?: { order: Order; market: Market },
  ): Promise<VenueOrderLookup> {
    if (known && !this.#byId.has(venueOrderId)) {
      // Sent by an earlier process: label its fills with our order key and price their fees.
      this.#byId.set(venueOrderId, {
        key: known.order.key,
        market: known.market,
        outcomeIndex: outcomeIndexOf(known.market, known.order.tokenId),
      });
      this.#tokens.add(known.order.tokenId);
    }
    const open = await this.#call("list open orders", () => this.#openRaw({ id: venueOrderId }));
    const resting = open.find((o) => o.id === venueOrderId);
    const fills = await this.#fillsOf(venueOrderId);
    if (resting) return { state: "open", filledQty: toMicros(resting.sizeMatched), fills };
    // A FAK/FOK that matched nothing leaves no record behind, exactly like one never sent: either
    // way nothing was filled and nothing rests.
    return fills.length > 0 ? { state: "done", fills } : { state: "unknown" };
  }

  #price(order: Order, market: Market): number {
    const p = order.price;
    if (!Number.isFinite(p) || p <= 0 || p >= 1) {
      throw new PolycopyError(
        "PRICE_INVALID",
        `order ${order.key}: price must be strictly between 0 and 1, got ${p}`,
      );
    }
    const rounded = roundToTick(p, market.tickSize, order.side === "BUY" ? "down" : "up");
    if (Math.abs(rounded - p) > 1e-9 && this.#offTick === "reject") {
      throw new PolycopyError(
        "PRICE_INVALID",
        `order ${order.key}: price ${p} is not on market ${market.slug || market.id}'s tick ${market.tickSize}`,
        { userFacing: true },
      );
    }
    if (order.side === "BUY" ? rounded > p + 1e-9 : rounded < p - 1e-9) {
      // Only when p is below the first tick (buy) or above the last (sell): no valid price keeps the limit.
      throw new PolycopyError(
        "PRICE_INVALID",
        `order ${order.key}: no price on tick ${market.tickSize} honours the ${order.side} limit ${p}`,
      );
    }
    return rounded;
  }

  async #checkCash(order: Order, market: Market, price: number, qty: Micros): Promise<void> {
    const need = notionalMicros(price, qty) + takerFeeMicros(market.fee, price, qty);
    const b = await this.#balanceAllowance({ assetType: "COLLATERAL" });
    const exchange = market.negRisk ? V2_EXCHANGES.negRisk : V2_EXCHANGES.standard;
    const allowance =
      Object.entries(b.allowances).find(([k]) => k.toLowerCase() === exchange.toLowerCase())?.[1] ?? 0n;
    if (b.balance < BigInt(need)) {
      throw new PolycopyError(
        "ORDER_REJECTED",
        `order ${order.key}: not enough pUSD in ${this.#funder}: need $${(need / 1e6).toFixed(2)}, have $${(Number(b.balance) / 1e6).toFixed(2)}`,
        { userFacing: true },
      );
    }
    if (allowance < BigInt(need)) {
      throw new PolycopyError(
        "ORDER_REJECTED",
        `order ${order.key}: pUSD allowance of ${this.#funder} for the ${market.negRisk ? "neg-risk " : ""}exchange ${exchange} is $${(Number(allowance) / 1e6).toFixed(2)} < $${(need / 1e6).toFixed(2)}: approve the exchange first`,
        { userFacing: true },
      );
    }
  }

  async #sign(order: Order, price: number, qty: Micros, marketable: boolean) {
    const shares = qty / 1e6;
    const side = order.side as never;
    const signed = marketable
      ? order.side === "BUY"
        ? await this.#client.createMarketOrder({
            tokenId: order.tokenId,
            side,
            amount: Math.floor(price * shares * 100 + 1e-6) / 100,
            maxPrice: price,
            orderType: order.tif as never,
          } as never)
        : await this.#client.createMarketOrder({
            tokenId: order.tokenId,
            side,
            shares,
            minPrice: price,
            orderType: order.tif as never,
          } as never)
      : await this.#client.createLimitOrder({ tokenId: order.tokenId, side, price, size: shares });
    if (signed.signatureType !== this.#sigType) {
      throw new PolycopyError(
        "CONFIG_INVALID",
        `polymarket.signatureType is ${this.#sigType} (${SIG_NAMES[this.#sigType]}) but funder ${this.#funder} is a ${SIG_NAMES[signed.signatureType as SignatureTypeCode] ?? signed.signatureType} wallet of this key: fix polymarket.signatureType or polymarket.funder`,
        { userFacing: true },
      );
    }
    return { ...signed, orderType: order.tif as never };
  }

  /** Posts a signed order; retries without ever doubling it. */
  async #post(
    signed: Record<string, unknown>,
    order: Order,
    id: string,
  ): Promise<{ kind: "ok"; status: string } | { kind: "killed" }> {
    const p = this.#retry;
    let last = "";
    for (let attempt = 0; attempt < p.maxAttempts; attempt++) {
      try {
        const raw = await this.#client.postOrder(signed as never);
        const r = parseWith(sdkOrderResponse, raw, `clob POST /order response (order ${order.key})`);
        if (!r.ok) return this.#rejected(order, r.errorMsg ?? "rejected");
        return { kind: "ok", status: r.status ?? "matched" };
      } catch (e) {
        const k = classify(e);
        if (k.kind === "rejected") return this.#rejected(order, k.message);
        last = k.message;
        if (attempt + 1 >= p.maxAttempts) break;
        await this.#sleep(backoffMs(attempt, p, this.#random));
        if (k.kind === "ambiguous") {
          // The order may have reached the book: find it by its hash before posting it again.
          const seen = await this.#findOrder(id);
          if (seen) return { kind: "ok", status: seen };
        }
      }
    }
    throw new PolycopyError(
      "UPSTREAM_ERROR",
      `order ${order.key}: POST /order failed after ${p.maxAttempts} attempts (${last})`,
    );
  }

  #rejected(order: Order, msg: string): { kind: "killed" } {
    if (/FOK orders are fully filled or killed|FAK orders are partially filled or killed/i.test(msg))
      return { kind: "killed" };
    if (/signer address has to be the address of the API KEY/i.test(msg) && this.#sigType === 3) {
      // POLY_1271 orders are signed for the deposit wallet (signer = maker = wallet), but the SDK binds
      // API keys to the EOA: the CLOB wants a key bound to the wallet (Polymarket/clob-client-v2 issue 65).
      throw new PolycopyError(
        "ORDER_REJECTED",
        `order ${order.key}: the CLOB says "the order signer must be the API key's address": a POLY_1271 (deposit wallet) order's signer is the deposit wallet ${this.#funder}, but the API key belongs to the signing key's address. @polymarket/client 0.2 cannot create a key bound to a deposit wallet; trade as EOA (0), POLY_PROXY (1) or GNOSIS_SAFE (2) instead`,
        { userFacing: true },
      );
    }
    if (/signer address has to be the address of the API KEY/i.test(msg)) {
      throw new PolycopyError(
        "ORDER_REJECTED",
        `order ${order.key}: the CLOB says "the order signer must be the API key's address": the API credentials belong to another address than the signing key. Derive the API key with the same private key (unset POLYCOPY_CLOB_API_KEY to let polycopy derive it); for POLY_PROXY/GNOSIS_SAFE the signer is your EOA and the funder is the proxy wallet`,
        { userFacing: true },
      );
    }
    const user = /not enough balance|allowance|tick size|minimum|min size/i.test(msg);
    throw new PolycopyError("ORDER_REJECTED", `order ${order.key}: rejected by the CLOB: ${msg}`, {
      userFacing: user,
    });
  }

  /** Status of an order we may have posted, from open orders, then trades; null when the CLOB has no trace. */
  async #findOrder(id: string): Promise<string | null> {
    const open = await this.#call("list open orders", () => this.#openRaw({ id }));
    if (open.some((o) => o.id === id)) return "live";
    const fills = await this.#fillsOf(id);
    return fills.length > 0 ? "matched" : null;
  }

  async #openRaw(filter: { id?: string }) {
    const out: z.output<typeof sdkOpenOrder>[] = [];
    for await (const page of this.#client.listOpenOrders(filter as never)) {
      for (const o of page.items) out.push(parseWith(sdkOpenOrder, o, "clob /data/orders record"));
    }
    return out;
  }

  async #tradesRaw() {
    const out: z.output<typeof sdkTrade>[] = [];
    for await (const page of this.#client.listAccountTrades({})) {
      for (const t of page.items) out.push(parseWith(sdkTrade, t, "clob /data/trades record"));
    }
    return out;
  }

  async #fillsOf(id: string): Promise<OurFill[]> {
    const trades = await this.#call("list trades", () => this.#tradesRaw());
    return trades.filter((t) => t.takerOrderId === id).map((t) => this.#toFill(t));
  }

  #toFill(t: z.output<typeof sdkTrade>): OurFill {
    const k = this.#byId.get(t.takerOrderId);
    const qty = toMicros(t.size);
    const ts = typeof t.matchedAt === "number" ? t.matchedAt : Date.parse(t.matchedAt);
    return {
      key: t.id,
      // Orders placed before a restart are unknown to this process: their venue id stands in for the key.
      orderKey: k?.key ?? t.takerOrderId,
      marketId: k?.market.id ?? t.conditionId ?? "",
      tokenId: t.tokenId,
      outcomeIndex: k?.outcomeIndex ?? (t.outcome === "No" ? 1 : 0),
      side: t.side === "SELL" ? "SELL" : "BUY",
      price: t.price,
      qty,
      fee: k ? takerFeeMicros(k.market.fee, t.price, qty) : 0,
      ts: Number.isFinite(ts) ? (ts < 1e12 ? ts * 1000 : ts) : 0,
      role: "taker",
    };
  }

  async #balanceAllowance(req: { assetType: "COLLATERAL" } | { assetType: "CONDITIONAL"; tokenId: string }) {
    const raw = await this.#call("read balance/allowance", () =>
      fetchBalanceAllowance(this.#client as never, req as never),
    );
    return parseWith(sdkBalance, raw, `clob /balance-allowance (${req.assetType})`);
  }

  /** Token balance in micro-shares; `refresh` first asks the CLOB to re-read the chain (its cache lags after a buy). */
  async #tokenBalance(tokenId: string, refresh: boolean): Promise<Micros> {
    const req = { assetType: "CONDITIONAL" as const, tokenId };
    if (refresh)
      await this.#call("refresh balance", () => updateBalanceAllowance(this.#client as never, req as never));
    const b = await this.#balanceAllowance(req);
    return Number(b.balance);
  }

  async cancelOrder(venueOrderId: string): Promise<void> {
    const raw = (await this.#call("cancel the order", () =>
      this.#client.cancelOrder({ orderId: venueOrderId }),
    )) as unknown as {
      canceled?: string[];
      notCanceled?: Record<string, string>;
      not_canceled?: Record<string, string>;
    };
    if (raw.canceled?.includes(venueOrderId)) return;
    const why = (raw.notCanceled ?? raw.not_canceled)?.[venueOrderId];
    if (why && /not found/i.test(why))
      throw new PolycopyError("NOT_FOUND", `unknown Polymarket order ${venueOrderId}`);
    // Already matched or cancelled: nothing rests on the book, which is what the caller wants.
  }

  async openOrders(): Promise<VenueOrderState[]> {
    const open = await this.#call("list open orders", () => this.#openRaw({}));
    return open.map((o) => ({
      venueOrderId: o.id,
      orderKey: this.#byId.get(o.id)?.key ?? o.id,
      status: o.sizeMatched > 0 ? "partially_filled" : "open",
      filledQty: toMicros(o.sizeMatched),
    }));
  }

  async fillsSince(ts: number): Promise<OurFill[]> {
    const trades = await this.#call("list trades", () => this.#tradesRaw());
    return trades.map((t) => this.#toFill(t)).filter((f) => f.ts >= ts);
  }

  async balances(extra: readonly string[] = []): Promise<VenueBalances> {
    for (const t of extra) this.#tokens.add(t);
    const cash = await this.#balanceAllowance({ assetType: "COLLATERAL" });
    const tokens: Record<string, Micros> = {};
    for (const t of this.#tokens) {
      const q = await this.#tokenBalance(t, true);
      if (q > 0) tokens[t] = q;
    }
    return { cash: Number(cash.balance), tokens };
  }

  async orderBook(tokenId: string): Promise<OrderBook> {
    return this.#adapter.orderBook(tokenId);
  }

  /** Runs an idempotent SDK call with retries (reads, signing, cancels). */
  #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(what, this.#retry, this.#random, this.#sleep, fn);
  }
}

interface Classified {
  kind: "retry" | "ambiguous" | "rejected" | "fatal";
  message: string;
}

/** Sorts an SDK error: 429 → retry; network/5xx/garbled → ambiguous (may have taken effect); 4xx → rejected. */
function classify(e: unknown): Classified {
  if (e instanceof PolycopyError) return { kind: "fatal", message: e.message };
  const err = e as { name?: string; message?: string; status?: number };
  const message = oneLine(err.message ?? String(e));
  switch (err.name) {
    case "RateLimitError":
      return { kind: "retry", message: "429 rate limited" };
    case "TransportError":
    case "UnexpectedResponseError":
    case "TimeoutError":
      return { kind: "ambiguous", message };
    case "RequestRejectedError":
      if (err.status === 429) return { kind: "retry", message };
      if ((err.status ?? 0) >= 500) return { kind: "ambiguous", message };
      return { kind: "rejected", message: serverError(message) };
    default:
      return { kind: "fatal", message };
  }
}

/** The CLOB's `{"error": "..."}` text out of the SDK's message, when it carries one. */
function serverError(msg: string): string {
  const m = /"error"\s*:\s*"([^"]*)"/.exec(msg);
  return m ? m[1]! : msg;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").slice(0, 300);
}

async function withRetry<T>(
  what: string,
  p: RetryPolicy,
  random: () => number,
  sleepFn: Sleep,
  fn: () => Promise<T>,
): Promise<T> {
  let last = "";
  for (let attempt = 0; attempt < p.maxAttempts; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const k = classify(e);
      if (k.kind === "rejected" || k.kind === "fatal") throw e;
      last = k.message;
      if (attempt + 1 >= p.maxAttempts) break;
      await sleepFn(backoffMs(attempt, p, random));
    }
  }
  throw new PolycopyError("UPSTREAM_ERROR", `${what}: failed after ${p.maxAttempts} attempts (${last})`);
}

/** Turns SDK set-up errors into one line a user can act on (no key material: the SDK never has it in messages). */
function explain(
  e: unknown,
  what: string,
  ctx: { signer: string; funder: string; sigType: SignatureTypeCode },
): PolycopyError {
  if (e instanceof PolycopyError) return e;
  const msg = oneLine((e as Error).message ?? String(e));
  if (/does not match the signer/i.test(msg)) {
    return new PolycopyError(
      "CONFIG_INVALID",
      `polymarket.funder ${ctx.funder} is not a Polymarket wallet of the key's address ${ctx.signer} (signature type ${ctx.sigType} ${SIG_NAMES[ctx.sigType]}): use the proxy/Safe address shown on polymarket.com for this key`,
      { userFacing: true },
    );
  }
  if (/does not exist\. Provide an existing wallet/i.test(msg)) {
    return new PolycopyError(
      "CONFIG_INVALID",
      `polymarket.funder ${ctx.funder} is a Polymarket wallet of ${ctx.signer} but the relayer reports it is not deployed: log in to polymarket.com with this key once (that deploys it), or check polymarket.funder`,
      { userFacing: true },
    );
  }
  const k = classify(e);
  return new PolycopyError(
    k.kind === "rejected" ? "ORDER_REJECTED" : "UPSTREAM_ERROR",
    `${what}: ${k.message}`,
    {
      userFacing: k.kind === "rejected",
    },
  );
}
