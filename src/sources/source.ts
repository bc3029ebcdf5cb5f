import type { LeaderEvent } from "../domain/fill.ts";

/**
 * Where leader fills come from (live websocket, poller, chain logs, replay file, simulator). Every
 * source yields normalized, validated events in batches with an opaque cursor; the consumer persists
 * events and cursor atomically (Store.ingestBatch), and on restart passes the cursor back so nothing
 * is dropped. Duplicates are possible and harmless (keys are unique in the store).
 */
export interface LeaderBatch {
  events: LeaderEvent[];
  /** Resume point after this batch. */
  cursor: string;
}

export interface LeaderSource {
  /** Stable name, also the store's cursor key, e.g. "poll:data-api", "rtds", "chain:polygon", "replay:file". */
  readonly name: string;
  /** Streams batches from `cursor` (undefined = source default, e.g. backfill N days) until `signal` aborts or the source ends. */
  stream(cursor: string | undefined, signal: AbortSignal): AsyncIterable<LeaderBatch>;
}
