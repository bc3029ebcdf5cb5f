import { RtdsSource, type RtdsSourceOptions } from "./rtds-source.ts";

/**
 * The live leader source: the RTDS websocket when it is up, the Data API poller when it is not,
 * under one cursor (the poll cursor's JSON, which both paths advance). On every (re)connect the
 * poller backfills from that cursor, so the hand-over in either direction drops nothing; repeats
 * are dropped by key (and the store ignores any that slip through).
 *
 * It is an RtdsSource with polling while the socket is down (`fallbackPollMs`), because the two
 * paths must share one cursor and one dedupe set, which one generator gives for free.
 */
export interface CombinedSourceOptions extends RtdsSourceOptions {
  /** Poll interval while the socket is down (default 5 s). */
  fallbackPollMs?: number;
}

export function createCombinedSource(o: CombinedSourceOptions): RtdsSource {
  return new RtdsSource({
    ...o,
    fallbackPollMs: o.fallbackPollMs ?? 5_000,
    name: o.name ?? "live:rtds+poll",
  });
}
