import { z } from "zod";
import { PolycopyError } from "../domain/errors.ts";
import {
  apiFillKey,
  LEADER_EVENT_BOUNDS,
  type LeaderEvent,
  type LeaderFill,
  type NonTradeType,
  type SourceKind,
} from "../domain/fill.ts";
import { quoted } from "../domain/printable.ts";
import { parseWith } from "../domain/validation.ts";
import { addressSchema } from "./schemas.ts";

/**
 * The one parser of Data API records: `/activity` rows (every type) and `/trades` rows (no `type`),
 * as the API really sends them. Used by file input (classify/eval/report, `ingest --from file`),
 * the poller and the websocket source, so they accept and reject exactly the same things.
 *
 * What the real API sends and is accepted (../shared/data/real/README.md):
 * - trade prices are the volume-weighted average of the levels a taker walked (0.7671607282693813),
 *   so they are checked to lie strictly inside (0,1) and kept at full precision, never snapped to
 *   a tick (only our own orders are tick-checked);
 * - non-trade rows carry `price 0`, `side ""`, `asset ""`, `outcomeIndex 999`; wallet payments
 *   (REWARD, MAKER_REBATE, TAKER_REBATE, YIELD) carry `conditionId ""` and `size` = `usdcSize` =
 *   the USD paid; a REDEEM of losing tokens has `size 0`;
 * - a type polycopy does not know yet is skipped (and counted by the caller), not rejected.
 */

/** Every `/activity` type the Data API documents and polycopy models. */
export const DATA_API_TYPES = [
  "TRADE",
  "SPLIT",
  "MERGE",
  "REDEEM",
  "REWARD",
  "CONVERSION",
  "MAKER_REBATE",
  "TAKER_REBATE",
  "YIELD",
] as const;
export type DataApiType = (typeof DATA_API_TYPES)[number];

/** Sane ranges for record fields (src/domain/fill.ts): size, usdcSize, timestamps, outcome index. */
export const RECORD_BOUNDS = LEADER_EVENT_BOUNDS;

const numeric = z.union([
  z.number(),
  z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, "must be a decimal number"),
]);
const num = numeric.transform((v) => Number(v)).pipe(z.number({ error: "must be a finite number" }));
const shares = num.pipe(
  z
    .number()
    .nonnegative("must not be negative")
    .max(RECORD_BOUNDS.maxShares, `must be at most ${RECORD_BOUNDS.maxShares.toExponential()} shares`),
);
const usd = num.pipe(
  z
    .number()
    .nonnegative("must not be negative")
    .max(RECORD_BOUNDS.maxUsd, `must be at most ${RECORD_BOUNDS.maxUsd.toExponential()} USD`),
);
const tsSec = num.pipe(
  z
    .number()
    .int("must be an integer (unix seconds)")
    .min(RECORD_BOUNDS.minTsSec, "must be unix seconds on or after 2020-01-01")
    .max(RECORD_BOUNDS.maxTsSec, "must be unix seconds before 2100-01-01 (milliseconds?)"),
);

/** Fields polycopy reads; the Data API's other fields (title, icon, name, bio…) are ignored. */
const recordSchema = z.object({
  proxyWallet: addressSchema,
  timestamp: tsSec,
  // Absent on `/trades` records (always trades).
  type: z.string().min(1, "must not be empty").optional(),
  conditionId: z.string(),
  size: shares,
  usdcSize: usd.optional(),
  transactionHash: z.string().default(""),
  price: num.default(0),
  asset: z.string().default(""),
  side: z.string().default(""),
  outcomeIndex: num.pipe(z.number().int("must be an integer")).default(999),
});
type DataApiRecordFields = z.output<typeof recordSchema>;

/** Field names of the Data API's `/activity` and `/trades` records (for unknown-field notes). */
export const DATA_API_FIELDS: ReadonlySet<string> = new Set([
  "proxyWallet",
  "timestamp",
  "conditionId",
  "type",
  "size",
  "usdcSize",
  "transactionHash",
  "price",
  "asset",
  "side",
  "outcomeIndex",
  "title",
  "slug",
  "icon",
  "eventSlug",
  "outcome",
  "name",
  "pseudonym",
  "bio",
  "profileImage",
  "profileImageOptimized",
]);

export interface RecordOptions {
  source: SourceKind;
}

/** A record parsed: the event, or the name of an activity type polycopy does not know (skipped). */
export type RecordResult =
  | { event: LeaderEvent; skippedType?: undefined }
  | { event: null; skippedType: string };

const bad = (msg: string) => new PolycopyError("PAYLOAD_INVALID", msg, { userFacing: true });

/**
 * Validates one Data API record and converts it. `what` names the record in errors ("activity.jsonl
 * line 12", "data /activity (…)[3]"); every error is one line naming it and the field, and echoes
 * no raw bytes (values are stripped of control characters and capped).
 */
export function parseDataApiRecord(raw: unknown, what: string, opts: RecordOptions): RecordResult {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw bad(`${what}: expected a JSON object (a Data API record)`);
  }
  const r = parseWith(recordSchema, raw, what);
  const type = r.type ?? "TRADE";
  if (!(DATA_API_TYPES as readonly string[]).includes(type))
    return { event: null, skippedType: quoted(type, 30) };
  if (type === "TRADE") return { event: tradeOf(r, what, opts.source) };
  return { event: activityOf(r, type as NonTradeType, what, opts.source) };
}

const TOKEN_ID = /^\d{1,78}$/;
const CONDITION_ID = /^0x[0-9a-fA-F]{64}$/;

function conditionIdOf(c: string, what: string): string {
  if (!CONDITION_ID.test(c)) {
    throw bad(`${what}: conditionId: must be a 0x-prefixed 32-byte hex id, got ${quoted(c)}`);
  }
  return c.toLowerCase();
}

function txHashOf(h: string, what: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(h)) {
    throw bad(`${what}: transactionHash: must be a 0x-prefixed 32-byte hash, got ${quoted(h)}`);
  }
  return h.toLowerCase();
}

function tradeOf(r: DataApiRecordFields, what: string, source: SourceKind): LeaderFill {
  if (r.side !== "BUY" && r.side !== "SELL")
    throw bad(`${what}: side: must be BUY or SELL for a trade, got ${quoted(r.side)}`);
  if (!TOKEN_ID.test(r.asset))
    throw bad(`${what}: asset: must be a decimal token id, got ${quoted(r.asset)}`);
  const marketId = conditionIdOf(r.conditionId, what);
  if (r.outcomeIndex < 0 || r.outcomeIndex > RECORD_BOUNDS.maxOutcomeIndex) {
    throw bad(
      `${what}: outcomeIndex: must be 0..${RECORD_BOUNDS.maxOutcomeIndex} for a trade, got ${r.outcomeIndex}`,
    );
  }
  // An average over the levels walked: inside (0,1), not on any grid.
  if (!(r.price > 0 && r.price < 1)) {
    throw bad(`${what}: price: must be strictly between 0 and 1 for a trade, got ${r.price}`);
  }
  if (!(r.size > 0)) throw bad(`${what}: size: must be positive for a trade, got ${r.size}`);
  const size = Number(r.size.toFixed(6));
  const txHash = txHashOf(r.transactionHash, what);
  return {
    type: "TRADE",
    key: apiFillKey({ txHash, wallet: r.proxyWallet, tokenId: r.asset, side: r.side, size, price: r.price }),
    wallet: r.proxyWallet,
    marketId,
    tokenId: r.asset,
    outcomeIndex: r.outcomeIndex,
    side: r.side,
    price: r.price,
    size,
    ts: r.timestamp * 1000,
    role: null,
    txHash,
    source,
  };
}

function activityOf(
  r: DataApiRecordFields,
  type: NonTradeType,
  what: string,
  source: SourceKind,
): LeaderEvent {
  // Wallet payments belong to no market ("" on the API); other rows name theirs.
  const marketId = r.conditionId === "" ? "" : conditionIdOf(r.conditionId, what);
  const txHash = r.transactionHash === "" ? null : txHashOf(r.transactionHash, what);
  const size = Number(r.size.toFixed(6));
  const usdcSize = Number((r.usdcSize ?? 0).toFixed(6));
  return {
    type,
    key: activityKey({
      txHash: txHash ?? `ts${r.timestamp}`,
      wallet: r.proxyWallet,
      type,
      marketId,
      size,
      usdcSize,
    }),
    wallet: r.proxyWallet,
    marketId,
    size,
    usdcSize,
    ts: r.timestamp * 1000,
    txHash,
    source,
  };
}

/** Idempotency key for a non-trade activity (the Data API has no log index or activity id). */
export function activityKey(a: {
  txHash: string;
  wallet: string;
  type: NonTradeType;
  marketId: string;
  size: number;
  usdcSize: number;
}): string {
  return `${a.txHash.toLowerCase()}:${a.wallet.toLowerCase()}:${a.type}:${a.marketId.toLowerCase()}:${a.size}:${a.usdcSize}`;
}
