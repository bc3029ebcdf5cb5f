import { PolycopyError } from "../domain/errors.ts";
import type { LeaderEvent } from "../domain/fill.ts";
import type { PolymarketAdapter } from "../polymarket/adapter.ts";
import { sleep } from "../polymarket/http.ts";
import type { LeaderBatch, LeaderSource } from "./source.ts";

/**
 * Polling fallback source: reads each watched wallet's Data API `/activity` and yields new events
 * in batches (one per page). The cursor is JSON `{"v":1,"wallets":{"0x…": lastTimestampSeconds}}`.
 * Every read starts `overlapSec` before the cursor, which covers the Data API's indexing lag
 * (records show up 10–15 s after their timestamp) and the tail of a page cut by a crash or a
 * reconnect; the overlap's repeats are dropped here by key (and would be ignored by the store).
 */
export interface PollSourceOptions {
  adapter: PolymarketAdapter;
  wallets: readonly string[];
  /** Backfill depth when a wallet has no cursor yet. */
  backfillDays: number;
  /** Seconds re-read before each wallet's cursor. */
  overlapSec?: number;
  /** Keep polling (live) or end after one pass over the wallets (ingest/backfill). */
  follow?: boolean;
  pollIntervalMs?: number;
  /** Cursor / store key of this source. */
  name?: string;
  now?: () => number;
  /** Called after each wallet's pass: (wallets done in this pass, wallets in total). */
  onProgress?: (done: number, total: number) => void;
  /** Keys remembered to drop repeats across polls (bounded; the store dedupes anyway). */
  recentKeys?: number;
}

export interface PollCursor {
  v: 1;
  wallets: Record<string, number>;
}

export function parsePollCursor(cursor: string | undefined): PollCursor {
  if (cursor === undefined || cursor === "") return { v: 1, wallets: {} };
  try {
    const c = JSON.parse(cursor) as PollCursor;
    if (c && c.v === 1 && typeof c.wallets === "object" && c.wallets !== null) {
      const wallets: Record<string, number> = {};
      for (const [w, t] of Object.entries(c.wallets)) {
        if (typeof t === "number" && Number.isFinite(t)) wallets[w.toLowerCase()] = t;
      }
      return { v: 1, wallets };
    }
  } catch {
    // handled below
  }
  throw new PolycopyError(
    "INPUT_INVALID",
    `poll cursor is not valid JSON of the form {"v":1,"wallets":{…}}`,
    {
      userFacing: true,
    },
  );
}

export class PollSource implements LeaderSource {
  readonly name: string;
  readonly #o: Required<Omit<PollSourceOptions, "onProgress" | "name">> &
    Pick<PollSourceOptions, "onProgress">;

  constructor(o: PollSourceOptions) {
    if (o.wallets.length === 0) {
      throw new PolycopyError("INPUT_INVALID", "poll source needs at least one wallet", { userFacing: true });
    }
    this.name = o.name ?? "poll:data-api";
    this.#o = {
      adapter: o.adapter,
      wallets: [...new Set(o.wallets.map((w) => w.toLowerCase()))],
      backfillDays: o.backfillDays,
      overlapSec: o.overlapSec ?? 120,
      follow: o.follow ?? false,
      pollIntervalMs: o.pollIntervalMs ?? 5000,
      now: o.now ?? Date.now,
      onProgress: o.onProgress,
      recentKeys: o.recentKeys ?? 200_000,
    };
  }

  async *stream(cursor: string | undefined, signal: AbortSignal): AsyncIterable<LeaderBatch> {
    const o = this.#o;
    const state = parsePollCursor(cursor);
    const recent = new Set<string>();
    const remember = (k: string) => {
      recent.add(k);
      if (recent.size > o.recentKeys) recent.delete(recent.values().next().value as string);
    };
    for (;;) {
      const untilTs = o.follow ? undefined : o.now();
      let done = 0;
      for (const wallet of o.wallets) {
        if (signal.aborted) return;
        const last = state.wallets[wallet];
        const sinceTs =
          last === undefined
            ? o.now() - o.backfillDays * 86_400_000
            : Math.max(0, (last - o.overlapSec) * 1000);
        const window = untilTs === undefined ? { sinceTs } : { sinceTs, untilTs };
        for await (const page of o.adapter.activityPages(wallet, window, signal)) {
          const events: LeaderEvent[] = [];
          for (const e of page.events) {
            if (recent.has(e.key)) continue;
            remember(e.key);
            events.push(e);
          }
          // Pages come oldest first, so everything before the page's newest timestamp has been read.
          if (page.maxTsSec !== null && page.maxTsSec > (state.wallets[wallet] ?? -1)) {
            state.wallets[wallet] = page.maxTsSec;
          }
          if (events.length > 0 || page.maxTsSec !== null) yield { events, cursor: JSON.stringify(state) };
        }
        done++;
        o.onProgress?.(done, o.wallets.length);
      }
      if (!o.follow) return;
      // A pass that read every wallet is a sign of life even when nothing was new: it lets a
      // consumer tell a quiet feed from a dead one (resilient-source.ts marks it fresh again).
      yield { events: [], cursor: JSON.stringify(state) };
      try {
        await sleep(o.pollIntervalMs, signal);
      } catch {
        return;
      }
    }
  }
}
