/**
 * Reads the analytics' own input files: a CSV of normalized fills and a labels CSV. Every row is
 * validated; a bad one is reported with its line and field, and nothing is silently guessed. (Data
 * API files go through the one record parser: src/sources/history-file.ts picks the reader.)
 */
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { z } from "zod";
import { PolycopyError } from "../domain/errors.ts";
import { type LeaderEvent, LEADER_EVENT_BOUNDS as RECORD_BOUNDS } from "../domain/fill.ts";
import { printable } from "../domain/printable.ts";
import { formatZodIssues } from "../domain/validation.ts";
import { isAddress, normalizeAddress } from "../domain/wallet.ts";

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
const CSV_OPTIONAL = ["key", "tx_hash", "type", "usdc_size", "role"];

const num = z
  .string()
  .trim()
  .min(1, "required")
  .transform(Number)
  .pipe(z.number().finite("must be a finite number"));
/** A normalized fill: ids are free-form (the CSV may come from anywhere), numbers bounded as for the Data API. */
const csvFillSchema = z.object({
  wallet: z.string().refine(isAddress, "expected a 0x address of 40 hex digits").transform(normalizeAddress),
  market_id: z.string().trim().min(1, "required"),
  token_id: z.string().trim().min(1, "required"),
  outcome_index: num.pipe(z.number().int().min(0).max(RECORD_BOUNDS.maxOutcomeIndex)),
  side: z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(["BUY", "SELL"], "must be BUY or SELL")),
  price: num.pipe(
    z.number().gt(0, "must be strictly between 0 and 1").lt(1, "must be strictly between 0 and 1"),
  ),
  size: num.pipe(
    z
      .number()
      .gt(0, "must be positive")
      .max(RECORD_BOUNDS.maxShares, `must be at most ${RECORD_BOUNDS.maxShares.toExponential()} shares`),
  ),
  // Seconds or milliseconds since the epoch.
  ts: num
    .transform((t) => (t < 1e11 ? t * 1000 : t))
    .pipe(
      z
        .number()
        .min(RECORD_BOUNDS.minTsSec * 1000, "must be on or after 2020-01-01 (unix seconds or ms)")
        .max(RECORD_BOUNDS.maxTsSec * 1000, "must be before 2100-01-01 (unix seconds or ms)"),
    ),
});

export interface ReadResult {
  events: LeaderEvent[];
  /** Records (JSON) or data rows (CSV) read. */
  lines: number;
  /** Human-readable notes (unknown fields ignored, duplicates collapsed, unknown types skipped). */
  warnings: string[];
}

const bad = (msg: string) => new PolycopyError("PAYLOAD_INVALID", msg, { userFacing: true });

/**
 * Reads a CSV of normalized fills (with a header naming at least the CSV_COLUMNS). Throws a
 * user-facing error naming the line and field of the first invalid row. Events come oldest first,
 * each key once. Data API files are read by src/sources/history-file.ts.
 */
export async function readFillsCsv(path: string): Promise<ReadResult> {
  const rl = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Number.POSITIVE_INFINITY });
  const events: LeaderEvent[] = [];
  const unknown = new Map<string, number>();
  const seen = new Set<string>();
  let dupes = 0;
  let rows = 0;
  let lineNo = 0;
  let header: string[] | null = null;
  for await (const raw of rl) {
    lineNo++;
    const line = raw.trim();
    if (line === "") continue;
    const cells = line.split(",").map((c) => c.trim());
    if (header === null) {
      header = cells.map((c) => c.toLowerCase());
      const missing = CSV_COLUMNS.filter((c) => !header!.includes(c));
      if (missing.length > 0) {
        throw bad(
          `${path}: CSV header lacks column(s) ${missing.join(", ")} (need ${CSV_COLUMNS.join(",")})`,
        );
      }
      for (const c of header) {
        if (!(CSV_COLUMNS as readonly string[]).includes(c) && !CSV_OPTIONAL.includes(c)) {
          const k = printable(c, 40);
          unknown.set(k, (unknown.get(k) ?? 0) + 1);
        }
      }
      continue;
    }
    rows++;
    const row: Record<string, string> = {};
    for (const [i, h] of header.entries()) row[h] = cells[i] ?? "";
    if (row.type && row.type.toUpperCase() !== "TRADE") {
      throw bad(
        `${path} line ${lineNo}: type: a fills CSV holds trades only, got "${printable(row.type, 30)}"`,
      );
    }
    const r = csvFillSchema.safeParse(row);
    if (!r.success) throw bad(`${path} line ${lineNo}: ${formatZodIssues(r.error)}`);
    const f = r.data;
    const tx = row.tx_hash || null;
    const key =
      row.key || `${tx ?? `line${lineNo}`}:${f.wallet}:${f.token_id}:${f.side}:${f.size}:${f.price}`;
    if (seen.has(key)) {
      dupes++;
      continue;
    }
    seen.add(key);
    events.push({
      type: "TRADE",
      key,
      wallet: f.wallet,
      marketId: f.market_id,
      tokenId: f.token_id,
      outcomeIndex: f.outcome_index,
      side: f.side,
      price: f.price,
      size: f.size,
      ts: f.ts,
      role: row.role === "maker" || row.role === "taker" ? row.role : null,
      txHash: tx,
      source: "file",
    });
  }
  if (events.length === 0) throw bad(`${path}: no records (only a header or blank lines)`);
  events.sort((a, b) => a.ts - b.ts);
  const warnings: string[] = [];
  for (const k of unknown.keys()) warnings.push(`ignored unknown column "${k}"`);
  if (dupes > 0) warnings.push(`collapsed ${dupes} duplicate row(s) (same key)`);
  return { events, lines: rows, warnings };
}

/** Reads a labels CSV: `wallet,label[,style]`. */
export async function readLabels(path: string, styles?: Map<string, string>): Promise<Map<string, string>> {
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
    // Optional third column naming the behaviour (simulator: style; independent world: kind), for per-style figures.
    const sc = header.includes("style") ? header.indexOf("style") : header.indexOf("kind");
    if (styles && sc >= 0 && cells[sc]) styles.set(normalizeAddress(w), cells[sc]!);
  }
  if (out.size === 0) throw new PolycopyError("PAYLOAD_INVALID", `${path}: no labels`, { userFacing: true });
  return out;
}
