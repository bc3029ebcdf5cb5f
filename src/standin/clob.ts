import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { type Market, takerFeeMicros } from "../domain/market.ts";
import { formatZodIssues } from "../domain/validation.ts";
import { toMarket } from "../polymarket/convert.ts";
import {
  orderHash,
  recoverDepositWalletOwner,
  recoverOrderSigner,
  V2_EXCHANGES,
  type WireOrder,
} from "../venues/polymarket-eip712.ts";
import { walletOf } from "../venues/polymarket-wallets.ts";
import { CLOB_AUTH_PATHS, createClobAuth, type IssuedKey } from "./clob-auth.ts";

/**
 * The authenticated CLOB endpoints of the stand-in, shaped like CLOB V2 as @polymarket/client 0.2
 * speaks it: `GET /auth/api-keys`, `GET /tick-size`, `GET /neg-risk`, `POST /order`, `DELETE /order`,
 * `GET /data/orders`, `GET /data/trades`, `GET /balance-allowance` and `/balance-allowance/update`;
 * and the relayer's `GET /deployed`, which the SDK asks before trading from a proxy, Safe or deposit wallet.
 * Orders are checked like the exchange checks them (L2 headers, owner, signer = API key address,
 * EIP-712 signature, maker = the signer's wallet for the signature type, tick, minimum sizes, the
 * maker's balance and allowance) and matched against the stand-in's book, which they deplete.
 * Balances are the funder's (the key address's wallet for the request's `signature_type`), and
 * orders and trades list every wallet of the key's address. Rejections are HTTP 400 `{error}` with the CLOB's wording. The same
 * signed order posted twice is the same order (its hash is its id), so a retried POST never doubles.
 */

export interface StandinClobOptions {
  /** pUSD each account starts with, USD (default 1000). */
  cash?: number;
  /** pUSD allowance each account has granted the exchanges, USD (default: unlimited). */
  allowance?: number;
  /** Outcome-token shares each account starts with, by token id. */
  tokens?: Record<string, number>;
  /** When set, FAK orders answer `live` with nothing filled and fill this many ms later. */
  fakLiveMs?: number;
  /** Token balances are served from a cache refreshed only by /balance-allowance/update (as the CLOB does). */
  staleBalance?: boolean;
  /** Address the API key was derived for (default: whatever POLY_ADDRESS says), to reproduce a key/signer mismatch. */
  apiKeyAddress?: string;
  /**
   * Proxy/Safe/deposit wallets deployed on chain, as the relayer's `GET /deployed` reports them
   * (the SDK refuses to trade from a wallet that is not deployed). Default: every address.
   */
  deployedWallets?: readonly string[];
}

interface Account {
  cash: number;
  allowance: number;
  tokens: Map<string, number>;
  cachedTokens: Map<string, number>;
}

interface OrderRec {
  id: string;
  owner: string;
  maker: string;
  tokenId: string;
  market: Market;
  outcome: string;
  side: "BUY" | "SELL";
  price: number;
  /** micro-shares */
  size: number;
  matched: number;
  status: "LIVE" | "MATCHED" | "CANCELED";
  orderType: string;
  createdAt: number;
  trades: string[];
}

interface TradeRec {
  id: string;
  orderId: string;
  maker: string;
  owner: string;
  tokenId: string;
  market: string;
  outcome: string;
  side: "BUY" | "SELL";
  price: number;
  /** micro-shares */
  size: number;
  fee: number;
  matchTimeSec: number;
}

interface Lvl {
  price: number;
  size: number;
}

const hex = (n: number) =>
  z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${n}}$`), `must be 0x + ${n} hex digits`);
const intStr = z.string().regex(/^\d+$/, "must be an integer string");
const postOrderSchema = z.object({
  order: z.object({
    salt: z.union([z.number().int().nonnegative(), intStr]),
    maker: hex(40),
    signer: hex(40),
    tokenId: z.string().regex(/^\d{1,78}$/, "must be a decimal token id"),
    makerAmount: intStr,
    takerAmount: intStr,
    side: z.enum(["BUY", "SELL"]),
    signatureType: z.number().int().min(0).max(3),
    timestamp: intStr,
    metadata: hex(64),
    builder: hex(64),
    expiration: z.union([z.number().int().nonnegative(), intStr]),
    signature: z.string().regex(/^0x[0-9a-fA-F]+$/, "must be hex"),
  }),
  owner: z.string().min(1),
  orderType: z.enum(["GTC", "GTD", "FOK", "FAK"]),
  deferExec: z.boolean().optional(),
  postOnly: z.boolean().optional(),
});

export const CLOB_PATHS = new Set([
  ...CLOB_AUTH_PATHS,
  "/auth/api-keys",
  "/tick-size",
  "/neg-risk",
  "/order",
  "/data/orders",
  "/data/trades",
  "/balance-allowance",
  "/balance-allowance/update",
  "/deployed",
]);

export interface ClobBookSource {
  /** The stand-in's book payload for a token (CLOB `/book` shape), or undefined. */
  bookPayload(tokenId: string): Record<string, unknown> | undefined;
  /** Raw Gamma market and outcome index of a token. */
  tokenMarket(tokenId: string): { m: Record<string, unknown>; i: number } | undefined;
}

export interface StandinClob {
  /** Handles a CLOB request whose body has been read. `afterProcess` lets the server drop the socket after the order took effect. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void>;
  /** The live (depleted) book of a token once orders touched it, in CLOB `/book` shape. */
  liveBook(tokenId: string): Record<string, unknown> | undefined;
  /** API keys issued through L1 authentication (POST /auth/api-key), by key. */
  readonly apiKeys: ReadonlyMap<string, IssuedKey>;
  /** Orders accepted, by id (tests count them to prove no doubles). */
  readonly orders: ReadonlyMap<string, Readonly<OrderRec>>;
  readonly trades: readonly Readonly<TradeRec>[];
  /** Current state of an account (tests check balances). */
  account(address: string): { cash: number; tokens: Record<string, number> };
  /**
   * What the user's on-chain redemption of a resolved market does to an account: burns its tokens
   * and pays 1 USD per share of the winner (the CLOB learns it from the chain, like any transfer).
   */
  redeem(address: string, tokenIds: readonly string[], winnerTokenId: string): void;
  close(): void;
}

export function createStandinClob(opts: StandinClobOptions, src: ClobBookSource): StandinClob {
  const accounts = new Map<string, Account>();
  const orders = new Map<string, OrderRec>();
  const trades: TradeRec[] = [];
  const books = new Map<string, { bids: Lvl[]; asks: Lvl[]; raw: Record<string, unknown> }>();
  const markets = new Map<string, Market>();
  const timers = new Set<NodeJS.Timeout>();
  const auth = createClobAuth();
  let tradeSeq = 0;

  const acct = (address: string): Account => {
    const k = address.toLowerCase();
    let a = accounts.get(k);
    if (!a) {
      const tokens = new Map<string, number>();
      for (const [t, q] of Object.entries(opts.tokens ?? {})) tokens.set(t, Math.round(q * 1e6));
      a = {
        cash: Math.round((opts.cash ?? 1000) * 1e6),
        allowance: opts.allowance === undefined ? Number.MAX_SAFE_INTEGER : Math.round(opts.allowance * 1e6),
        tokens,
        cachedTokens: new Map(tokens),
      };
      accounts.set(k, a);
    }
    return a;
  };

  const marketOf = (tokenId: string): { market: Market; outcome: string } | undefined => {
    const tm = src.tokenMarket(tokenId);
    if (!tm) return undefined;
    const id = String(tm.m.conditionId);
    let m = markets.get(id);
    if (!m) {
      m = toMarket(tm.m, "stand-in market");
      markets.set(id, m);
    }
    return { market: m, outcome: m.outcomes[tm.i]?.name ?? String(tm.i) };
  };

  const bookOf = (tokenId: string) => {
    let b = books.get(tokenId);
    if (!b) {
      const raw = src.bookPayload(tokenId) ?? { bids: [], asks: [] };
      const lv = (x: unknown): Lvl[] =>
        (Array.isArray(x) ? x : []).map((l: { price: string; size: string }) => ({
          price: Number(l.price),
          size: Math.round(Number(l.size) * 1e6),
        }));
      b = {
        raw,
        bids: lv(raw.bids).sort((x, y) => y.price - x.price),
        asks: lv(raw.asks).sort((x, y) => x.price - y.price),
      };
      books.set(tokenId, b);
    }
    return b;
  };

  /** Walks the book for an order; `commit` applies the fills. Returns micro-shares filled and the fills. */
  const match = (o: OrderRec, a: Account, commit: boolean): { filled: number; fills: Lvl[] } => {
    const b = bookOf(o.tokenId);
    const levels = o.side === "BUY" ? b.asks : b.bids;
    let left = o.size - o.matched;
    const fills: Lvl[] = [];
    for (const l of levels) {
      if (left <= 0) break;
      const ok = o.side === "BUY" ? l.price <= o.price + 1e-9 : l.price >= o.price - 1e-9;
      if (!ok) break;
      const q = Math.min(left, l.size);
      if (q <= 0) continue;
      fills.push({ price: l.price, size: q });
      left -= q;
    }
    const filled = fills.reduce((s, f) => s + f.size, 0);
    if (!commit) return { filled, fills };
    for (const f of fills) {
      const lvl = levels.find((l) => l.price === f.price)!;
      lvl.size -= f.size;
      const fee = takerFeeMicros(o.market.fee, f.price, f.size);
      const notional = Math.round(f.price * f.size);
      const held = a.tokens.get(o.tokenId) ?? 0;
      if (o.side === "BUY") {
        a.cash -= notional + fee;
        a.tokens.set(o.tokenId, held + f.size);
      } else {
        a.cash += notional - fee;
        a.tokens.set(o.tokenId, held - f.size);
      }
      const t: TradeRec = {
        id: `trade-${++tradeSeq}`,
        orderId: o.id,
        maker: o.maker,
        owner: o.owner,
        tokenId: o.tokenId,
        market: o.market.id,
        outcome: o.outcome,
        side: o.side,
        price: f.price,
        size: f.size,
        fee,
        matchTimeSec: Math.floor(Date.now() / 1000),
      };
      trades.push(t);
      o.trades.push(t.id);
      o.matched += f.size;
    }
    for (const side of [b.asks, b.bids]) {
      for (let i = side.length - 1; i >= 0; i--) if (side[i]!.size <= 0) side.splice(i, 1);
    }
    if (!opts.staleBalance) a.cachedTokens = new Map(a.tokens);
    return { filled, fills };
  };

  const bySignature = new Map<string, { status: number; body: unknown }>();

  const dec = (micros: number) => String(Number((micros / 1e6).toFixed(6)));

  const reject = (res: ServerResponse, error: string, status = 400) => send(res, status, { error });

  async function postOrder(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return reject(res, "Invalid order payload: body is not JSON");
    }
    const parsed = postOrderSchema.safeParse(json);
    if (!parsed.success) return reject(res, `Invalid order payload: ${formatZodIssues(parsed.error)}`);
    const { order: wo, owner, orderType } = parsed.data;
    const h = headers(req);
    if (owner !== h.apiKey) return reject(res, "Unauthorized/Invalid api key", 401);
    const prior = bySignature.get(wo.signature);
    if (prior) return send(res, prior.status, prior.body);
    if (wo.signer.toLowerCase() !== (opts.apiKeyAddress ?? h.address).toLowerCase())
      return reject(res, "the order signer address has to be the address of the API KEY");
    const mk = marketOf(wo.tokenId);
    if (!mk) return reject(res, `market not found for token ${wo.tokenId}`);
    const { market } = mk;
    if (market.closed) return reject(res, "market is closed");
    const w = wo as WireOrder;
    // The exchange's signature check, per type (Polymarket/ctf-exchange Signatures.sol): the EIP-712
    // signature recovers to `signer`, and the maker is the signer itself (EOA), its proxy wallet
    // (POLY_PROXY) or its Safe (GNOSIS_SAFE), recomputed by CREATE2; a POLY_1271 order is signed by the
    // deposit wallet's owner inside an ERC-7739 envelope and signer = maker = that owner's deposit
    // wallet. A wrong funder is "invalid signature" on the real CLOB too (py-clob-client issue 277).
    if (!(await validOrderSignature(w, market.negRisk))) return reject(res, "invalid signature");
    const makerAmount = Number(wo.makerAmount);
    const takerAmount = Number(wo.takerAmount);
    if (makerAmount <= 0 || takerAmount <= 0)
      return reject(res, "invalid amounts: maker and taker amounts must be positive");
    const size = wo.side === "BUY" ? takerAmount : makerAmount;
    const rawPrice = wo.side === "BUY" ? makerAmount / takerAmount : takerAmount / makerAmount;
    const tick = market.tickSize;
    const marketable = orderType === "FOK" || orderType === "FAK";
    // Marketable buys are signed from a USD amount, so their implied price is only near the tick grid.
    const price = marketable ? Number((Math.round(rawPrice / tick) * tick).toFixed(6)) : rawPrice;
    if (!marketable && Math.abs(price / tick - Math.round(price / tick)) > 1e-6)
      return reject(res, `invalid tick size: price (${rawPrice}) breaks the minimum tick size rule ${tick}`);
    if (!(price > 0 && price < 1)) return reject(res, `invalid price (${rawPrice}), must be within (0, 1)`);
    if (!marketable && size < market.minOrderSize * 1e6)
      return reject(
        res,
        `order size below minimum: size (${dec(size)}) lower than the minimum ${market.minOrderSize}`,
      );
    if (marketable && Math.round(price * size) < 1_000_000)
      return reject(
        res,
        `invalid amount for a marketable ${wo.side} order ($${dec(Math.round(price * size))}), min size: $1`,
      );
    const a = acct(wo.maker);
    if (wo.side === "BUY") {
      const need = makerAmount + takerFeeMicros(market.fee, price, size);
      if (a.cash < need || a.allowance < need) return reject(res, "not enough balance / allowance");
    } else if ((a.tokens.get(wo.tokenId) ?? 0) < makerAmount) {
      return reject(res, "not enough balance / allowance");
    }
    const id = orderHash(w, market.negRisk);
    const o: OrderRec = {
      id,
      owner,
      maker: wo.maker,
      tokenId: wo.tokenId,
      market,
      outcome: mk.outcome,
      side: wo.side,
      price,
      size,
      matched: 0,
      status: "LIVE",
      orderType,
      createdAt: Math.floor(Date.now() / 1000),
      trades: [],
    };
    const reply = (status: number, b: unknown) => {
      bySignature.set(wo.signature, { status, body: b });
      send(res, status, b);
    };
    const can = match(o, a, false).filled;
    if (orderType === "FOK" && can < size)
      return reply(400, { error: "order couldn't be fully filled. FOK orders are fully filled or killed." });
    if (orderType === "FAK" && opts.fakLiveMs !== undefined) {
      orders.set(id, o);
      const t = setTimeout(() => {
        timers.delete(t);
        if (o.status !== "LIVE") return;
        match(o, a, true);
        o.status = o.matched > 0 ? "MATCHED" : "CANCELED";
      }, opts.fakLiveMs);
      timers.add(t);
      return reply(200, ok(id, "live", 0, 0));
    }
    if (orderType === "FAK" && can === 0)
      return reply(400, {
        error:
          "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.",
      });
    orders.set(id, o);
    match(o, a, true);
    const paid = trades.filter((t) => t.orderId === id).reduce((s, t) => s + Math.round(t.price * t.size), 0);
    if (o.matched >= o.size || marketable) o.status = o.matched > 0 ? "MATCHED" : "CANCELED";
    const making = o.side === "BUY" ? paid : o.matched;
    const taking = o.side === "BUY" ? o.matched : paid;
    return reply(200, ok(id, o.matched > 0 ? "matched" : "live", making, taking, o.trades));
  }

  function ok(id: string, status: string, making: number, taking: number, tradeIDs: string[] = []) {
    return {
      success: true,
      errorMsg: "",
      orderID: id,
      status,
      makingAmount: dec(making),
      takingAmount: dec(taking),
      tradeIDs,
      transactionsHashes: tradeIDs.map(
        (t) => `0x${Buffer.from(t).toString("hex").padEnd(64, "0").slice(0, 64)}`,
      ),
    };
  }

  function openOrderJson(o: OrderRec) {
    return {
      id: o.id,
      status: o.status,
      owner: o.owner,
      maker_address: o.maker,
      market: o.market.id,
      asset_id: o.tokenId,
      side: o.side,
      original_size: dec(o.size),
      size_matched: dec(o.matched),
      price: String(o.price),
      outcome: o.outcome,
      created_at: o.createdAt,
      expiration: "0",
      order_type: o.orderType,
      associate_trades: o.trades,
    };
  }

  function tradeJson(t: TradeRec) {
    return {
      id: t.id,
      taker_order_id: t.orderId,
      market: t.market,
      asset_id: t.tokenId,
      side: t.side,
      size: dec(t.size),
      fee_rate_bps: "0",
      price: String(t.price),
      status: "MATCHED",
      match_time: String(t.matchTimeSec),
      last_update: String(t.matchTimeSec),
      outcome: t.outcome,
      bucket_index: 0,
      owner: t.owner,
      maker_address: t.maker,
      transaction_hash: `0x${"0".repeat(64)}`,
      trader_side: "TAKER",
      maker_orders: [],
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
    const p = url.pathname;
    const q = url.searchParams;
    const h = headers(req);
    if (p === "/deployed") {
      // The relayer's (not the CLOB's) endpoint; served here so one base URL is the whole stand-in.
      const address = q.get("address") ?? "";
      if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return reject(res, "address must be a 0x address");
      const deployed =
        opts.deployedWallets === undefined || opts.deployedWallets.some((w) => same(w, address));
      return send(res, 200, { deployed });
    }
    if ((CLOB_AUTH_PATHS as readonly string[]).includes(p)) {
      const r = await auth.handle(req, p);
      return send(res, r.status, r.body);
    }
    if (
      p !== "/tick-size" &&
      p !== "/neg-risk" &&
      (!/^0x[0-9a-fA-F]{40}$/.test(h.address) ||
        !h.apiKey ||
        !h.signature ||
        !h.passphrase ||
        !h.timestamp ||
        !auth.l2Matches(h.apiKey, h.address, h.passphrase))
    )
      return reject(res, "Unauthorized/Invalid api key", 401);
    if (p === "/auth/api-keys") return send(res, 200, { apiKeys: [h.apiKey] });
    if (p === "/tick-size" || p === "/neg-risk") {
      const mk = marketOf(q.get("token_id") ?? "");
      if (!mk) return send(res, 404, { error: "market not found" });
      return send(
        res,
        200,
        p === "/tick-size" ? { minimum_tick_size: mk.market.tickSize } : { neg_risk: mk.market.negRisk },
      );
    }
    if (p === "/order" && req.method === "POST") return postOrder(req, res, body);
    // Orders, trades and cancels of the key's address cover all its wallets (maker = EOA, proxy, Safe or deposit wallet).
    const mine = walletsOf(h.address);
    if (p === "/order" && req.method === "DELETE") {
      let id = "";
      try {
        id = String((JSON.parse(body) as { orderID?: unknown }).orderID ?? "");
      } catch {
        return reject(res, "Invalid payload");
      }
      const o = orders.get(id);
      if (!o || !mine.has(o.maker.toLowerCase()))
        return send(res, 200, { canceled: [], not_canceled: { [id]: "order not found" } });
      if (o.status !== "LIVE")
        return send(res, 200, { canceled: [], not_canceled: { [id]: "order already matched or canceled" } });
      o.status = "CANCELED";
      return send(res, 200, { canceled: [id], not_canceled: {} });
    }
    if (req.method !== "GET") return reject(res, "method not allowed", 405);
    if (p === "/data/orders") {
      const list = [...orders.values()].filter(
        (o) =>
          o.status === "LIVE" &&
          mine.has(o.maker.toLowerCase()) &&
          (!q.get("id") || o.id === q.get("id")) &&
          (!q.get("asset_id") || o.tokenId === q.get("asset_id")),
      );
      return send(res, 200, {
        data: list.map(openOrderJson),
        next_cursor: "LTE=",
        limit: 500,
        count: list.length,
      });
    }
    if (p === "/data/trades") {
      const after = Number(q.get("after") ?? 0);
      const list = trades.filter((t) => mine.has(t.maker.toLowerCase()) && t.matchTimeSec >= after);
      return send(res, 200, {
        data: list.map(tradeJson),
        next_cursor: "LTE=",
        limit: 500,
        count: list.length,
      });
    }
    if (p === "/balance-allowance" || p === "/balance-allowance/update") {
      // The CLOB reads the funder's balance: the wallet of the key's address for this signature type.
      const funder = walletOf(h.address, Number(q.get("signature_type") ?? 0));
      if (!funder) return reject(res, "signature_type must be 0, 1, 2 or 3");
      const a = acct(funder);
      const type = q.get("asset_type");
      if (type !== "COLLATERAL" && type !== "CONDITIONAL")
        return reject(res, "asset_type must be COLLATERAL or CONDITIONAL");
      const tokenId = q.get("token_id") ?? "";
      if (type === "CONDITIONAL" && !tokenId) return reject(res, "token_id is required for CONDITIONAL");
      if (p === "/balance-allowance/update") {
        a.cachedTokens = new Map(a.tokens);
        return send(res, 200, {});
      }
      const balance = type === "COLLATERAL" ? a.cash : (a.cachedTokens.get(tokenId) ?? 0);
      const allowance = type === "COLLATERAL" ? a.allowance : Number.MAX_SAFE_INTEGER;
      return send(res, 200, {
        balance: String(Math.max(0, balance)),
        allowances: { [V2_EXCHANGES.standard]: String(allowance), [V2_EXCHANGES.negRisk]: String(allowance) },
      });
    }
    return send(res, 404, { error: "not found" });
  }

  return {
    handle,
    apiKeys: auth.issued,
    liveBook(tokenId) {
      const b = books.get(tokenId);
      if (!b) return undefined;
      const lv = (l: Lvl) => ({ price: String(l.price), size: dec(l.size) });
      // CLOB lists bids ascending and asks descending (best level last).
      return {
        ...b.raw,
        bids: [...b.bids].reverse().map(lv),
        asks: [...b.asks].reverse().map(lv),
        timestamp: String(Date.now()),
      };
    },
    orders,
    trades,
    account(address) {
      const a = acct(address);
      return { cash: a.cash, tokens: Object.fromEntries(a.tokens) };
    },
    redeem(address, tokenIds, winnerTokenId) {
      const a = acct(address);
      for (const t of tokenIds) {
        if (t === winnerTokenId) a.cash += a.tokens.get(t) ?? 0;
        a.tokens.set(t, 0);
      }
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

function headers(req: IncomingMessage) {
  const g = (k: string) => {
    const v = req.headers[k];
    return Array.isArray(v) ? (v[0] ?? "") : (v ?? "");
  };
  return {
    address: g("poly_address"),
    apiKey: g("poly_api_key"),
    signature: g("poly_signature"),
    passphrase: g("poly_passphrase"),
    timestamp: g("poly_timestamp"),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const s = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(s)),
  });
  res.end(s);
}

const same = (a: string | null, b: string | null) =>
  a !== null && b !== null && a.toLowerCase() === b.toLowerCase();

/** The exchange's signature rule for the order's type (see postOrder). */
async function validOrderSignature(o: WireOrder, negRisk: boolean): Promise<boolean> {
  if (o.signatureType === 3) {
    const owner = await recoverDepositWalletOwner(o, negRisk);
    return owner !== null && same(o.maker, o.signer) && same(walletOf(owner, 3), o.maker);
  }
  let who: string | null = null;
  try {
    who = await recoverOrderSigner(o, negRisk);
  } catch {
    who = null;
  }
  return same(who, o.signer) && same(walletOf(o.signer, o.signatureType), o.maker);
}

/** Every wallet an API key's address trades from: itself and its proxy, Safe and deposit wallet. */
function walletsOf(address: string): Set<string> {
  return new Set([0, 1, 2, 3].map((t) => walletOf(address, t)!.toLowerCase()));
}
