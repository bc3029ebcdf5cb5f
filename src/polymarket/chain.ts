import { decodeEventLog, encodeAbiParameters, encodeEventTopics, type Hex, parseAbi } from "viem";
import { PolycopyError } from "../domain/errors.ts";
import { chainFillKey, type LeaderFill, type Role, type Side } from "../domain/fill.ts";

/**
 * Polymarket exchange `OrderFilled` logs on Polygon: ABI, decoding, and conversion to LeaderFill.
 *
 * Event layout as documented at docs.polymarket.com (CLOB → "onchain order info"):
 *   maker  = owner of the order being filled (source of its funds);
 *   taker  = the counterparty order's maker, or the exchange contract itself when the order was the
 *            taker order of a match (it filled one or more resting orders);
 *   makerAssetId = asset the order gives (0 = collateral → the order was a BUY);
 *   takerAssetId = asset it receives (0 = collateral → a SELL);
 *   amounts in 6-decimal base units (collateral and outcome tokens both use 6 decimals).
 * A match emits one log per resting (maker) order plus one for the taker order (taker = exchange),
 * so every wallet's own fill is exactly the log whose `maker` field is that wallet: logs where the
 * wallet sits in the `taker` field describe the counterparty's order and are not counted.
 *
 * Assumption to re-check against a live V2 node: the V2 exchanges keep this event signature. The
 * ABI lives only here, so a change is one edit.
 */
export const ORDER_FILLED_ABI = parseAbi([
  "event OrderFilled(bytes32 indexed orderHash, address indexed maker, address indexed taker, uint256 makerAssetId, uint256 takerAssetId, uint256 makerAmountFilled, uint256 takerAmountFilled, uint256 fee)",
]);

/** keccak256 of the event signature (topic 0). */
export const ORDER_FILLED_TOPIC: Hex = encodeEventTopics({
  abi: ORDER_FILLED_ABI,
  eventName: "OrderFilled",
})[0];

/** V2 exchange contracts (copy-bots.md §0). Neg-risk exchange B is not listed there: configure it. */
export const POLYGON_EXCHANGES_V2 = {
  ctfExchange: "0xe111180000d2663c0091e4f400237545b87b996b",
  negRiskExchangeA: "0xe2222d279d744050d28e00520010520000310f59",
} as const;

const DECIMALS = 1_000_000n;

export interface RawLog {
  address: string;
  topics: readonly string[];
  data: string;
  blockNumber: bigint | null;
  transactionHash: string | null;
  logIndex: number | null;
  /** Some RPCs (and viem ≥2.2x) return it; otherwise the caller looks the block up. */
  blockTimestamp?: bigint | null | undefined;
}

export interface OrderFilledLog {
  exchange: string;
  orderHash: string;
  maker: string;
  taker: string;
  makerAssetId: bigint;
  takerAssetId: bigint;
  makerAmountFilled: bigint;
  takerAmountFilled: bigint;
  fee: bigint;
  blockNumber: bigint;
  txHash: string;
  logIndex: number;
}

const bad = (msg: string) => new PolycopyError("PAYLOAD_INVALID", msg, { userFacing: true });

/** Decodes one raw log; throws PAYLOAD_INVALID naming the field for anything that is not a well-formed OrderFilled. */
export function decodeOrderFilled(log: RawLog, what = "OrderFilled log"): OrderFilledLog {
  if (log.topics[0]?.toLowerCase() !== ORDER_FILLED_TOPIC) throw bad(`${what}.topics[0]: not OrderFilled`);
  if (log.blockNumber === null || log.blockNumber === undefined)
    throw bad(`${what}.blockNumber: missing (pending log)`);
  if (!log.transactionHash || !/^0x[0-9a-fA-F]{64}$/.test(log.transactionHash))
    throw bad(`${what}.transactionHash: must be a 32-byte hash`);
  if (
    log.logIndex === null ||
    log.logIndex === undefined ||
    !Number.isInteger(log.logIndex) ||
    log.logIndex < 0
  )
    throw bad(`${what}.logIndex: must be a non-negative integer`);
  let args: {
    orderHash: Hex;
    maker: string;
    taker: string;
    makerAssetId: bigint;
    takerAssetId: bigint;
    makerAmountFilled: bigint;
    takerAmountFilled: bigint;
    fee: bigint;
  };
  try {
    const d = decodeEventLog({
      abi: ORDER_FILLED_ABI,
      data: log.data as Hex,
      topics: log.topics as [Hex, ...Hex[]],
      strict: true,
    });
    args = d.args;
  } catch (e) {
    throw bad(`${what}.data: cannot decode OrderFilled (${(e as Error).message.split("\n")[0]})`);
  }
  return {
    exchange: log.address.toLowerCase(),
    orderHash: args.orderHash,
    maker: args.maker.toLowerCase(),
    taker: args.taker.toLowerCase(),
    makerAssetId: args.makerAssetId,
    takerAssetId: args.takerAssetId,
    makerAmountFilled: args.makerAmountFilled,
    takerAmountFilled: args.takerAmountFilled,
    fee: args.fee,
    blockNumber: log.blockNumber,
    txHash: log.transactionHash.toLowerCase(),
    logIndex: log.logIndex,
  };
}

export interface TokenInfo {
  marketId: string;
  outcomeIndex: number;
  /** Market tick, when known; prices within 1e-6 of the grid are snapped to it. */
  tickSize?: number;
}

/**
 * The fill of the order owner (`maker` field) described by a decoded log. Role: taker when the
 * log's taker is an exchange contract, else maker. Side from the asset ids (collateral given = BUY).
 */
export function orderFilledToFill(
  l: OrderFilledLog,
  token: TokenInfo,
  tsMs: number,
  exchanges: ReadonlySet<string>,
  what = "OrderFilled log",
): LeaderFill {
  let side: Side;
  let tokenId: bigint;
  let usdc: bigint;
  let shares: bigint;
  if (l.makerAssetId === 0n && l.takerAssetId !== 0n) {
    side = "BUY";
    tokenId = l.takerAssetId;
    usdc = l.makerAmountFilled;
    shares = l.takerAmountFilled;
  } else if (l.takerAssetId === 0n && l.makerAssetId !== 0n) {
    side = "SELL";
    tokenId = l.makerAssetId;
    usdc = l.takerAmountFilled;
    shares = l.makerAmountFilled;
  } else {
    throw bad(`${what}.makerAssetId/takerAssetId: exactly one must be 0 (collateral)`);
  }
  if (shares <= 0n) throw bad(`${what}: share amount must be positive`);
  const role: Role = exchanges.has(l.taker) ? "taker" : "maker";
  const size = Number(shares) / Number(DECIMALS);
  let price = Number(usdc) / Number(shares);
  if (!(price > 0 && price < 1)) throw bad(`${what}: price ${price} is not inside (0,1)`);
  const tick = token.tickSize;
  if (tick !== undefined && tick > 0) {
    const snapped = Math.round(price / tick) * tick;
    if (Math.abs(snapped - price) < 1e-6) price = snapped;
  }
  price = Number(price.toFixed(6));
  return {
    type: "TRADE",
    key: chainFillKey(l.txHash, l.logIndex),
    wallet: l.maker,
    marketId: token.marketId,
    tokenId: tokenId.toString(),
    outcomeIndex: token.outcomeIndex,
    side,
    price,
    size: Number(size.toFixed(6)),
    ts: tsMs,
    role,
    txHash: l.txHash,
    source: "chain",
  };
}

/** Topic of an address (left-padded to 32 bytes), for eth_getLogs filters. */
export function addressTopic(address: string): Hex {
  return `0x${address.toLowerCase().replace(/^0x/, "").padStart(64, "0")}`;
}

/** Encodes an OrderFilled log (topics + data), e.g. for a stand-in node. */
export function encodeOrderFilled(f: {
  orderHash: Hex;
  maker: string;
  taker: string;
  makerAssetId: bigint;
  takerAssetId: bigint;
  makerAmountFilled: bigint;
  takerAmountFilled: bigint;
  fee: bigint;
}): { topics: Hex[]; data: Hex } {
  const topics = encodeEventTopics({
    abi: ORDER_FILLED_ABI,
    eventName: "OrderFilled",
    args: { orderHash: f.orderHash, maker: f.maker as Hex, taker: f.taker as Hex },
  }) as Hex[];
  const data = encodeAbiParameters(
    [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "uint256" }],
    [f.makerAssetId, f.takerAssetId, f.makerAmountFilled, f.takerAmountFilled, f.fee],
  );
  return { topics, data };
}

/** USD and share amounts of a fill in 6-decimal base units. */
export function toBaseUnits(x: number): bigint {
  return BigInt(Math.round(x * 1e6));
}
