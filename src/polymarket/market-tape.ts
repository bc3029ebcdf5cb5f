/**
 * The market-wide tape of the markets a live run scores or holds: every wallet's fills, read from
 * the Data API's market trades (adapter.marketTrades) and cached per market as a high-water mark.
 * Each refresh asks only for what is newer than the mark (the mark's own second again, since more
 * fills can land in it; those already returned are recognised by key), so a market's history is
 * downloaded once however often the tape is refreshed.
 */
import type { LeaderFill } from "../domain/fill.ts";
import type { PolymarketAdapter } from "./adapter.ts";

interface MarketMark {
  /** Unix seconds of the newest fill returned so far. */
  sec: number;
  /** Keys of the fills returned at that second. */
  keys: Set<string>;
}

export interface MarketTapeStats {
  /** Markets read at least once. */
  markets: number;
  /** Market-trades walks (one per market per refresh). */
  walks: number;
  /** New fills returned. */
  fills: number;
}

export class MarketTape {
  readonly #adapter: PolymarketAdapter;
  readonly #marks = new Map<string, MarketMark>();
  readonly stats: MarketTapeStats = { markets: 0, walks: 0, fills: 0 };

  constructor(adapter: PolymarketAdapter) {
    this.#adapter = adapter;
  }

  /**
   * New fills of the given markets (conditionId → first ms of interest, used on a market's first
   * read only), in ascending time order across markets; each fill is returned once per tape.
   */
  async refresh(markets: ReadonlyMap<string, number>, signal?: AbortSignal): Promise<LeaderFill[]> {
    const out: LeaderFill[] = [];
    // Every market's tick first, in Gamma batches rather than one request per market.
    await this.#adapter.ensureMarkets(markets.keys(), signal);
    for (const [cid, since] of markets) {
      if (signal?.aborted) break;
      const id = cid.toLowerCase();
      const mark = this.#marks.get(id);
      const fills = await this.#adapter.marketTrades(id, { sinceTs: mark ? mark.sec * 1000 : since }, signal);
      this.stats.walks++;
      if (!mark) this.stats.markets++;
      const next: MarketMark = mark ?? { sec: -1, keys: new Set() };
      for (const f of fills) {
        const sec = Math.floor(f.ts / 1000);
        if (sec < next.sec || (sec === next.sec && next.keys.has(f.key))) continue;
        if (sec > next.sec) {
          next.sec = sec;
          next.keys = new Set();
        }
        next.keys.add(f.key);
        out.push(f);
      }
      this.#marks.set(id, next);
    }
    this.stats.fills += out.length;
    return out.sort((a, b) => a.ts - b.ts);
  }

  /** Whether a market has been read at least once. */
  has(conditionId: string): boolean {
    return this.#marks.has(conditionId.toLowerCase());
  }
}
