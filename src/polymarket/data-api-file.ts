import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { PolycopyError } from "../domain/errors.ts";
import type { LeaderEvent, SourceKind } from "../domain/fill.ts";
import { printable } from "../domain/printable.ts";
import { DATA_API_FIELDS, parseDataApiRecord } from "./data-api-record.ts";

/**
 * Reads a file of Data API records: JSON Lines (one record a line, what `polycopy simulate` writes)
 * or a JSON array (a saved `/activity` or `/trades` response), told apart by the first non-space
 * byte. Every record goes through the one record parser (data-api-record.ts). The whole file is
 * validated before anything is returned, so a caller that commits only after this resolves never
 * half-writes a file with a bad record in it.
 */
export interface ReadDataApiFileOptions {
  source: SourceKind;
  /** Name of the file in messages (default: its base name). */
  name?: string;
  /** Skip malformed records, counting them, instead of failing on the first. */
  skipBad?: boolean;
  /**
   * Parse JSON Lines from this byte on (the part already read is only hashed); line numbers
   * continue from `fromLine`. Ignored for a JSON array, which is always read whole.
   */
  fromByte?: number;
  fromLine?: number;
  /** Keep only the events this accepts (they are still all validated). */
  keep?: (e: LeaderEvent) => boolean;
}

export interface DataApiFileRead {
  format: "jsonl" | "json-array" | "empty";
  /** Events oldest first (stable for equal timestamps), each key once. */
  events: LeaderEvent[];
  /** Records seen (parsed, skipped or bad). */
  records: number;
  /** Exact repeats collapsed (same idempotency key), e.g. a row repeated across API pages. */
  duplicates: number;
  /** Records of an activity type polycopy does not know yet, by type (skipped, not an error). */
  skippedTypes: Map<string, number>;
  /** Malformed records skipped under `skipBad`, and the first one's error. */
  bad: number;
  firstBad: string | null;
  /** Fields not in the Data API's documented records, with the number of records carrying them. */
  unknownFields: Map<string, number>;
  /** Bytes of the file read (from 0) and their sha256: identifies the content for a cursor. */
  bytes: number;
  sha256: string;
  /** Lines in the file up to `bytes` (JSON Lines; 0 for a JSON array). */
  lines: number;
}

const fail = (msg: string) => new PolycopyError("PAYLOAD_INVALID", msg, { userFacing: true });

export async function readDataApiFile(path: string, o: ReadDataApiFileOptions): Promise<DataApiFileRead> {
  const name = o.name ?? basename(path);
  const out: DataApiFileRead = {
    format: "empty",
    events: [],
    records: 0,
    duplicates: 0,
    skippedTypes: new Map(),
    bad: 0,
    firstBad: null,
    unknownFields: new Map(),
    bytes: 0,
    sha256: "",
    lines: o.fromLine ?? 0,
  };
  const seen = new Set<string>();
  const record = (raw: unknown, what: string) => {
    out.records++;
    if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
      for (const k of Object.keys(raw)) {
        if (!DATA_API_FIELDS.has(k)) {
          const f = printable(k, 40);
          out.unknownFields.set(f, (out.unknownFields.get(f) ?? 0) + 1);
        }
      }
    }
    const r = parseDataApiRecord(raw, what, { source: o.source });
    if (r.event === null) {
      out.skippedTypes.set(r.skippedType, (out.skippedTypes.get(r.skippedType) ?? 0) + 1);
      return;
    }
    if (seen.has(r.event.key)) {
      out.duplicates++;
      return;
    }
    seen.add(r.event.key);
    if (!o.keep || o.keep(r.event)) out.events.push(r.event);
  };
  const guarded = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (!o.skipBad || !(e instanceof PolycopyError)) throw e;
      out.bad++;
      out.firstBad ??= e.message;
    }
  };

  const hash = createHash("sha256");
  const from = o.fromByte ?? 0;
  let pos = 0;
  let format: DataApiFileRead["format"] | null = null;
  let carry: Buffer = Buffer.alloc(0);
  const whole: Buffer[] = [];
  const line = (buf: Buffer) => {
    out.lines++;
    const text = buf.toString("utf8").trim();
    if (text === "") return;
    const what = `${name} line ${out.lines}`;
    guarded(() => {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw fail(`${what}: not valid JSON`);
      }
      record(raw, what);
    });
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    const start = pos;
    pos += chunk.length;
    if (format === null) {
      // Chunks of only white space leave the format open (their blank lines are skipped either way).
      const i = chunk.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
      if (i >= 0) format = chunk[i] === 0x5b /* [ */ ? "json-array" : "jsonl";
    }
    if (format === "json-array") {
      whole.push(chunk);
      continue;
    }
    if (pos <= from) continue;
    let c = start < from ? chunk.subarray(from - start) : chunk;
    let nl = c.indexOf(0x0a);
    while (nl !== -1) {
      line(carry.length > 0 ? Buffer.concat([carry, c.subarray(0, nl)]) : c.subarray(0, nl));
      carry = Buffer.alloc(0);
      c = c.subarray(nl + 1);
      nl = c.indexOf(0x0a);
    }
    if (c.length > 0) carry = Buffer.concat([carry, c]);
  }
  out.bytes = pos;
  out.sha256 = hash.digest("hex");
  if (format === "json-array") {
    out.format = "json-array";
    out.lines = 0;
    let arr: unknown;
    try {
      arr = JSON.parse(Buffer.concat(whole).toString("utf8"));
    } catch (e) {
      // V8's message quotes the input: printable() strips control bytes and caps it.
      throw fail(`${name}: not a valid JSON array (${printable((e as Error).message, 80)})`);
    }
    if (!Array.isArray(arr)) throw fail(`${name}: expected a JSON array of Data API records`);
    for (const [i, raw] of arr.entries()) guarded(() => record(raw, `${name}[${i}]`));
  } else {
    if (carry.length > 0) line(carry);
    if (format === "jsonl") out.format = "jsonl";
  }
  // The API serves newest first; consumers that care about order get oldest first (stable).
  out.events.sort((a, b) => a.ts - b.ts);
  return out;
}

/** One line for a read's notes: duplicates, skipped types, skipped bad records (empty when none). */
export function describeRead(r: DataApiFileRead): string[] {
  const notes: string[] = [];
  if (r.duplicates > 0) notes.push(`collapsed ${r.duplicates} duplicate record(s) (same idempotency key)`);
  for (const [t, n] of r.skippedTypes) notes.push(`skipped ${n} record(s) of unknown activity type ${t}`);
  if (r.bad > 0) notes.push(`skipped ${r.bad} malformed record(s) (--skip-bad); first: ${r.firstBad}`);
  for (const [k, n] of r.unknownFields)
    notes.push(`ignored unknown field "${k}" (${n} record${n > 1 ? "s" : ""})`);
  return notes;
}
