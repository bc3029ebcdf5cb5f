/**
 * Reads wallet history files for the analytics: JSON Lines of Data API /activity or /trades records
 * (exactly as the API returns them) or a CSV of normalized fills. Every line is validated; a bad
 * line is reported with its number and field, and nothing is silently guessed.
 */
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { z } from "zod";
import { PolycopyError } from "../domain/errors.ts";
import { apiFillKey, type LeaderEvent, type NonTradeType } from "../domain/fill.ts";
import { isOnTick } from "../domain/market.ts";
import { formatZodIssues } from "../domain/validation.ts";
import { isAddress, normalizeAddress } from "../domain/wallet.ts";

/** Fields the Data API returns on /activity and /trades records; anything else is reported. */
const KNOWN_FIELDS = new Set([
  "proxyWallet",
  "side",
  "asset",
  "conditionId",
  "size",
  "price",
  "timestamp",
  "title",
  "slug",
  "icon",
  "eventSlug",
  "outcome",
  "outcomeIndex",
  "name",
  "pseudonym",
  "bio",
  "profileImage",
  "profileImageOptimized",
  "transactionHash",
  "type",
  "usdcSize",
]);

const num = z.union([z.number(), z.string().trim().min(1).transform(Number)]).pipe(z.number().finite());
const address = z
  .string()
  .refine(isAddress, "expected a 0x address of 40 hex digits")
  .transform(normalizeAddress);

const activitySchema = z.object({
  proxyWallet: address,
  type: z
    .enum(["TRADE", "SPLIT", "MERGE", "REDEEM", "REWARD", "CONVERSION", "MAKER_REBATE"])
    .default("TRADE"),
  conditionId: z.string().min(1, "expected a condition id"),
  timestamp: num.pipe(z.number().int().positive("expected seconds since epoch")),
  size: num.pipe(z.number().nonnegative()),
  usdcSize: num.pipe(z.number().nonnegative()).optional(),
  transactionHash: z.string().optional(),
  // Non-trade activity comes with side "" and outcomeIndex 999, as the Data API returns it.
  side: z
    .enum(["BUY", "SELL", ""])
    .transform((v) => (v === "" ? undefined : v))
    .optional(),
  asset: z.string().optional(),
  price: num.optional(),
  outcomeIndex: num.pipe(z.number().int().min(0)).optional(),
  outcome: z.string().optional(),
});

/** The smallest Polymarket tick; a price off this grid cannot come from the CLOB. */
const FINEST_TICK = 0.001;

function toEvent(r: z.output<typeof activitySchema>, line: number, what: string): LeaderEvent {
  const ts = r.timestamp < 1e11 ? r.timestamp * 1000 : r.timestamp;
  const tx = r.transactionHash || null;
  if (r.type !== "TRADE") {
    return {
      type: r.type as NonTradeType,
      key: `${tx ?? `line${line}`}:${r.proxyWallet}:${r.type}:${r.conditionId}:${r.size}`,
      wallet: r.proxyWallet,
      marketId: r.conditionId,
      size: r.size,
      usdcSize: r.usdcSize ?? 0,
      ts,
      txHash: tx,
      source: "file",
    };
  }
  const fail = (field: string, msg: string) =>
    new PolycopyError("PAYLOAD_INVALID", `${what} line ${line}: ${field}: ${msg}`, { userFacing: true });
  if (r.side === undefined) throw fail("side", "required for a TRADE (BUY or SELL)");
  if (!r.asset) throw fail("asset", "required for a TRADE (the token id)");
  if (r.price === undefined) throw fail("price", "required for a TRADE");
  if (!(r.price > 0 && r.price < 1)) throw fail("price", `must be strictly between 0 and 1, got ${r.price}`);
  if (!isOnTick(r.price, FINEST_TICK)) throw fail("price", `${r.price} is not on the 0.001 tick grid`);
  if (!(r.size > 0)) throw fail("size", "must be positive for a TRADE");
  let outcomeIndex = r.outcomeIndex;
  if (outcomeIndex === undefined && r.outcome !== undefined) {
    const o = r.outcome.toLowerCase();
    outcomeIndex = o === "yes" ? 0 : o === "no" ? 1 : undefined;
  }
  if (outcomeIndex === undefined) throw fail("outcomeIndex", "required for a TRADE (or outcome Yes/No)");
  return {
    type: "TRADE",
    key: tx
      ? apiFillKey({
          txHash: tx,
          wallet: r.proxyWallet,
          tokenId: r.asset,
          side: r.side,
          size: r.size,
          price: r.price,
        })
      : `line${line}`,
    wallet: r.proxyWallet,
    marketId: r.conditionId,
    tokenId: r.asset,
    outcomeIndex,
    side: r.side,
    price: r.price,
    size: r.size,
    ts,
    role: null,
    txHash: tx,
    source: "file",
  };
}

const CSV_COLUMNS = [
  "wallet",
  "market_id",
  "token_id",
  "outcome_index",
  "side",
  "price",
  "size",
  "ts",
] as const;

export interface ReadResult {
  events: LeaderEvent[];
  lines: number;
  /** Human-readable notes (unknown fields ignored, duplicates dropped). */
  warnings: string[];
}

/**
 * Reads a JSONL (Data API records, one per line) or CSV (normalized fills with a header) file.
 * Throws a user-facing error naming the line and field for the first invalid line, and for an
 * empty file.
 */
export async function readWalletHistory(path: string): Promise<ReadResult> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new PolycopyError("CLI_INVALID", `input file not found: ${path}`, { userFacing: true });
  }
  if (size === 0) throw new PolycopyError("PAYLOAD_INVALID", `${path}: file is empty`, { userFacing: true });
  const rl = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Number.POSITIVE_INFINITY });
  const events: LeaderEvent[] = [];
  const unknown = new Map<string, number>();
  const seen = new Set<string>();
  let dupes = 0;
  let lineNo = 0;
  let csvHeader: string[] | null = null;
  let format: "jsonl" | "csv" | null = null;
  for await (const raw of rl) {
    lineNo++;
    const line = raw.trim();
    if (line === "") continue;
    if (format === null) format = line.startsWith("{") ? "jsonl" : "csv";
    let ev: LeaderEvent;
    if (format === "jsonl") {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        throw new PolycopyError("PAYLOAD_INVALID", `${path} line ${lineNo}: not valid JSON`, {
          userFacing: true,
        });
      }
      if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
        throw new PolycopyError("PAYLOAD_INVALID", `${path} line ${lineNo}: expected a JSON object`, {
          userFacing: true,
        });
      }
      for (const k of Object.keys(obj)) if (!KNOWN_FIELDS.has(k)) unknown.set(k, (unknown.get(k) ?? 0) + 1);
      const r = activitySchema.safeParse(obj);
      if (!r.success) {
        throw new PolycopyError("PAYLOAD_INVALID", `${path} line ${lineNo}: ${formatZodIssues(r.error)}`, {
          userFacing: true,
        });
      }
      ev = toEvent(r.data, lineNo, path);
    } else {
      const cells = line.split(",").map((c) => c.trim());
      if (csvHeader === null) {
        csvHeader = cells.map((c) => c.toLowerCase());
        const missing = CSV_COLUMNS.filter((c) => !csvHeader!.includes(c));
        if (missing.length > 0) {
          throw new PolycopyError(
            "PAYLOAD_INVALID",
            `${path}: CSV header lacks column(s) ${missing.join(", ")} (need ${CSV_COLUMNS.join(",")})`,
            { userFacing: true },
          );
        }
        for (const c of csvHeader) {
          if (
            !(CSV_COLUMNS as readonly string[]).includes(c) &&
            !["key", "tx_hash", "type", "usdc_size", "role"].includes(c)
          )
            unknown.set(c, (unknown.get(c) ?? 0) + 1);
        }
        continue;
      }
      const row: Record<string, string> = {};
      for (const [i, h] of csvHeader.entries()) row[h] = cells[i] ?? "";
      const tsNum = Number(row.ts);
      const r = activitySchema.safeParse({
        proxyWallet: row.wallet,
        type: row.type || "TRADE",
        conditionId: row.market_id,
        timestamp: row.ts,
        size: row.size,
        usdcSize: row.usdc_size || undefined,
        transactionHash: row.tx_hash || row.key || undefined,
        side: row.side?.toUpperCase() || undefined,
        asset: row.token_id,
        price: row.price || undefined,
        outcomeIndex: row.outcome_index,
      });
      if (!r.success || !Number.isFinite(tsNum)) {
        const msg = r.success ? "ts: expected a number" : formatZodIssues(r.error);
        throw new PolycopyError("PAYLOAD_INVALID", `${path} line ${lineNo}: ${msg}`, { userFacing: true });
      }
      ev = toEvent(r.data, lineNo, path);
      if (row.key) ev.key = row.key;
      if (ev.type === "TRADE" && (row.role === "maker" || row.role === "taker")) ev.role = row.role;
    }
    if (seen.has(ev.key)) {
      dupes++;
      continue;
    }
    seen.add(ev.key);
    events.push(ev);
  }
  if (events.length === 0) {
    throw new PolycopyError("PAYLOAD_INVALID", `${path}: no records (only a header or blank lines)`, {
      userFacing: true,
    });
  }
  const warnings: string[] = [];
  for (const [k, n] of unknown) warnings.push(`ignored unknown field "${k}" (${n} line${n > 1 ? "s" : ""})`);
  if (dupes > 0) warnings.push(`dropped ${dupes} duplicate record(s) (same idempotency key)`);
  return { events, lines: lineNo, warnings };
}

/** Reads a labels CSV: `wallet,label[,style]`. */
export async function readLabels(path: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let lineNo = 0;
  try {
    statSync(path);
  } catch {
    throw new PolycopyError("CLI_INVALID", `labels file not found: ${path}`, { userFacing: true });
  }
  const rl = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Number.POSITIVE_INFINITY });
  let header: string[] | null = null;
  for await (const raw of rl) {
    lineNo++;
    const line = raw.trim();
    if (line === "") continue;
    const cells = line.split(",").map((c) => c.trim());
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      if (!header.includes("wallet") || !header.includes("label")) {
        throw new PolycopyError("PAYLOAD_INVALID", `${path}: header must have columns wallet,label`, {
          userFacing: true,
        });
      }
      continue;
    }
    const w = cells[header.indexOf("wallet")] ?? "";
    if (!isAddress(w)) {
      throw new PolycopyError("PAYLOAD_INVALID", `${path} line ${lineNo}: wallet: expected a 0x address`, {
        userFacing: true,
      });
    }
    out.set(normalizeAddress(w), cells[header.indexOf("label")] ?? "");
  }
  if (out.size === 0) throw new PolycopyError("PAYLOAD_INVALID", `${path}: no labels`, { userFacing: true });
  return out;
}
