import { createHash } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { PolycopyError } from "../domain/errors.ts";
import type { Market } from "../domain/market.ts";
import { printable } from "../domain/printable.ts";
import { toMarket } from "../polymarket/convert.ts";
import { describeRead, readDataApiFile } from "../polymarket/data-api-file.ts";
import type { LeaderBatch, LeaderSource } from "./source.ts";

/**
 * Reads Data API records from a file: JSON Lines (what `polycopy simulate` writes as activity.jsonl)
 * or a JSON array (a saved `/activity` or `/trades` response), through the one record parser. When
 * a `markets.jsonl` of Gamma objects sits beside it, its markets are stored too.
 *
 * The cursor knows the file's content, not just a line count: `{"v":2,"bytes","lines","sha256"}`,
 * the sha256 of the bytes read so far. On the next run, if the file still starts with those bytes
 * (unchanged or appended), only the rest is read; otherwise (replaced, edited, truncated) the whole
 * file is read again and the store drops what it already holds by key.
 *
 * The whole new part is validated before the first batch is yielded, so a malformed record aborts
 * the file with nothing committed (the error names its line or index and field), or, with
 * `skipBad`, is skipped and counted in `notes`.
 */
export interface FileSourceOptions {
  file: string;
  /** Only these wallets (lower-case); all when empty or absent. */
  wallets?: readonly string[];
  /** Only events at or after this ms epoch. */
  sinceTs?: number;
  batchSize?: number;
  /** Skip malformed records (counted) instead of aborting the file. */
  skipBad?: boolean;
  onProgress?: (bytesRead: number, bytesTotal: number) => void;
}

export interface FileCursor {
  v: 2;
  /** Bytes of the file read, from its start. */
  bytes: number;
  /** Lines up to `bytes` (JSON Lines), so line numbers in errors stay true after a resume. */
  lines: number;
  /** sha256 (hex) of those bytes. */
  sha256: string;
}

/** What the last stream() did: where it started and what it noted (duplicates, skipped records). */
export interface FileReadReport {
  /** "start" (no cursor), "appended" (read from the cursor on), "unchanged", or "changed" (re-read whole). */
  mode: "start" | "appended" | "unchanged" | "changed";
  notes: string[];
}

export function parseFileCursor(cursor: string | undefined): FileCursor | null {
  if (cursor === undefined || cursor === "" || /^\d+$/.test(cursor)) {
    // No cursor, or a line count from before content hashes: read the whole file (the store
    // de-duplicates by key).
    return null;
  }
  try {
    const c = JSON.parse(cursor) as Partial<FileCursor>;
    if (
      c.v === 2 &&
      Number.isSafeInteger(c.bytes) &&
      c.bytes! >= 0 &&
      Number.isSafeInteger(c.lines) &&
      c.lines! >= 0 &&
      typeof c.sha256 === "string" &&
      /^[0-9a-f]{64}$/.test(c.sha256)
    ) {
      return { v: 2, bytes: c.bytes!, lines: c.lines!, sha256: c.sha256 };
    }
  } catch {
    // reported below
  }
  throw new PolycopyError(
    "INPUT_INVALID",
    `file cursor is not of the form {"v":2,"bytes","lines","sha256"}`,
    {
      userFacing: true,
    },
  );
}

/** sha256 of the first `n` bytes of a file. */
async function hashPrefix(path: string, n: number): Promise<string> {
  const h = createHash("sha256");
  if (n > 0) for await (const c of createReadStream(path, { start: 0, end: n - 1 })) h.update(c as Buffer);
  return h.digest("hex");
}

export class FileSource implements LeaderSource {
  readonly name: string;
  readonly file: string;
  readonly #o: FileSourceOptions;
  #markets: Market[] | null = null;
  /** Set by stream(): how the file was read and what was skipped or collapsed. */
  report: FileReadReport | null = null;

  constructor(o: FileSourceOptions) {
    this.file = resolve(o.file);
    if (!existsSync(this.file)) {
      throw new PolycopyError("INPUT_INVALID", `--file: no such file: ${o.file}`, { userFacing: true });
    }
    if (statSync(this.file).isDirectory()) {
      throw new PolycopyError("INPUT_INVALID", `--file: ${o.file} is a directory, not a file`, {
        userFacing: true,
      });
    }
    this.name = `file:${this.file}`;
    this.#o = o;
  }

  /** Markets from markets.jsonl beside the file (validated), or [] when there is none. */
  async markets(): Promise<Market[]> {
    if (this.#markets) return this.#markets;
    const path = join(dirname(this.file), "markets.jsonl");
    const out: Market[] = [];
    if (existsSync(path)) {
      let n = 0;
      for await (const line of createInterface({
        input: createReadStream(path),
        crlfDelay: Number.POSITIVE_INFINITY,
      })) {
        n++;
        if (line.trim() === "") continue;
        out.push(toMarket(parseLine(line, `markets.jsonl line ${n}`), `markets.jsonl line ${n}`));
      }
    }
    this.#markets = out;
    return out;
  }

  async *stream(cursor: string | undefined, signal: AbortSignal): AsyncIterable<LeaderBatch> {
    const prev = parseFileCursor(cursor);
    const size = statSync(this.file).size;
    let mode: FileReadReport["mode"] = "start";
    let from = { fromByte: 0, fromLine: 0 };
    if (prev !== null) {
      const same = prev.bytes <= size && (await hashPrefix(this.file, prev.bytes)) === prev.sha256;
      if (same && prev.bytes === size) mode = "unchanged";
      else if (same) {
        mode = "appended";
        from = { fromByte: prev.bytes, fromLine: prev.lines };
      } else mode = "changed";
    }
    if (signal.aborted) return;
    const wallets =
      this.#o.wallets && this.#o.wallets.length > 0
        ? new Set(this.#o.wallets.map((w) => w.toLowerCase()))
        : null;
    const since = this.#o.sinceTs;
    if (mode === "unchanged") {
      this.report = { mode, notes: [] };
      this.#o.onProgress?.(size, size);
      return;
    }
    const r = await readDataApiFile(this.file, {
      source: "file",
      name: basename(this.file),
      ...(this.#o.skipBad ? { skipBad: true } : {}),
      // A JSON array is always read whole (the reader ignores fromByte for it).
      ...from,
      keep: (e) => (wallets === null || wallets.has(e.wallet)) && (since === undefined || e.ts >= since),
    });
    const notes = describeRead(r);
    if (mode === "changed")
      notes.unshift(
        "the file changed since the last ingest: read again whole (stored events are kept once by key)",
      );
    this.report = { mode, notes };
    const next = JSON.stringify({
      v: 2,
      bytes: r.bytes,
      lines: r.lines,
      sha256: r.sha256,
    } satisfies FileCursor);
    // Batches before the last keep the previous cursor: a crash between them re-reads this part,
    // and the store drops its repeats by key.
    const keepCursor = cursor ?? JSON.stringify({ v: 2, bytes: 0, lines: 0, sha256: EMPTY_SHA256 });
    const batchSize = this.#o.batchSize ?? 5000;
    const events = r.events;
    for (let i = 0; i < events.length || i === 0; i += batchSize) {
      if (signal.aborted) return;
      const last = i + batchSize >= events.length;
      yield { events: events.slice(i, i + batchSize), cursor: last ? next : keepCursor };
      this.#o.onProgress?.(last ? r.bytes : Math.round((r.bytes * (i + batchSize)) / events.length), r.bytes);
    }
  }
}

const EMPTY_SHA256 = createHash("sha256").digest("hex");

function parseLine(line: string, what: string): unknown {
  try {
    return JSON.parse(line);
  } catch (e) {
    // V8's message quotes the input: printable() strips control bytes and caps it.
    throw new PolycopyError(
      "PAYLOAD_INVALID",
      `${what}: not valid JSON (${printable((e as Error).message, 80)})`,
      {
        userFacing: true,
      },
    );
  }
}
