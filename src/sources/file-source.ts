import { createReadStream, existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { PolycopyError } from "../domain/errors.ts";
import type { LeaderEvent } from "../domain/fill.ts";
import type { Market } from "../domain/market.ts";
import { toLeaderEvent, toMarket } from "../polymarket/convert.ts";
import type { LeaderBatch, LeaderSource } from "./source.ts";

/**
 * Reads Data API `/activity` records from a JSON Lines file (what `polycopy simulate` writes as
 * activity.jsonl, or a saved API dump), validating every line. When a `markets.jsonl` of Gamma
 * objects sits beside it, fills are checked against their market's tick. The cursor is the number
 * of lines consumed, so a restart skips what was stored.
 */
export interface FileSourceOptions {
  file: string;
  /** Only these wallets (lower-case); all when empty or absent. */
  wallets?: readonly string[];
  /** Only events at or after this ms epoch. */
  sinceTs?: number;
  batchSize?: number;
  onProgress?: (bytesRead: number, bytesTotal: number) => void;
}

export class FileSource implements LeaderSource {
  readonly name: string;
  readonly file: string;
  readonly #o: FileSourceOptions;
  #markets: Market[] | null = null;

  constructor(o: FileSourceOptions) {
    this.file = resolve(o.file);
    if (!existsSync(this.file)) {
      throw new PolycopyError("INPUT_INVALID", `--file: no such file: ${o.file}`, { userFacing: true });
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
    let skip = 0;
    if (cursor !== undefined) {
      if (!/^\d+$/.test(cursor)) {
        throw new PolycopyError("INPUT_INVALID", `file cursor must be a line count, got "${cursor}"`, {
          userFacing: true,
        });
      }
      skip = Number(cursor);
    }
    const ticks = new Map((await this.markets()).map((m) => [m.id, m.tickSize]));
    const wallets =
      this.#o.wallets && this.#o.wallets.length > 0
        ? new Set(this.#o.wallets.map((w) => w.toLowerCase()))
        : null;
    const batchSize = this.#o.batchSize ?? 5000;
    const input = createReadStream(this.file);
    const { size } = statSync(this.file);
    let lineNo = 0;
    let events: LeaderEvent[] = [];
    for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      if (signal.aborted) break;
      lineNo++;
      if (lineNo <= skip || line.trim() === "") continue;
      const what = `${this.file.split("/").pop()} line ${lineNo}`;
      const e = toLeaderEvent(parseLine(line, what), what, { tickOf: (c) => ticks.get(c), source: "file" });
      if (e === null) continue;
      if (wallets && !wallets.has(e.wallet)) continue;
      if (this.#o.sinceTs !== undefined && e.ts < this.#o.sinceTs) continue;
      events.push(e);
      if (events.length >= batchSize) {
        yield { events, cursor: String(lineNo) };
        events = [];
        this.#o.onProgress?.(input.bytesRead, size);
      }
    }
    input.destroy();
    if (!signal.aborted) {
      yield { events, cursor: String(lineNo) };
      this.#o.onProgress?.(size, size);
    }
  }
}

function parseLine(line: string, what: string): unknown {
  try {
    return JSON.parse(line);
  } catch (e) {
    throw new PolycopyError("PAYLOAD_INVALID", `${what}: not valid JSON (${(e as Error).message})`, {
      userFacing: true,
    });
  }
}
