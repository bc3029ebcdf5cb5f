import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { LeaderEvent } from "../domain/fill.ts";
import type { Market } from "../domain/market.ts";
import type { SimResult } from "./simulate.ts";

/** A Gamma API market object with the fields Polymarket returns (see shared/data raw objects). */
export function toGammaMarket(m: Market, startTs: number): Record<string, unknown> {
  const resolved = m.winnerIndex !== null;
  const prices = resolved ? m.outcomes.map((_, i) => (i === m.winnerIndex ? "1" : "0")) : ["0.5", "0.5"];
  return {
    id: m.id.slice(2, 10),
    slug: m.slug,
    question: m.question,
    conditionId: m.id,
    outcomes: JSON.stringify(m.outcomes.map((o) => o.name)),
    outcomePrices: JSON.stringify(prices),
    clobTokenIds: JSON.stringify(m.outcomes.map((o) => o.tokenId)),
    active: true,
    closed: m.closed,
    archived: false,
    acceptingOrders: !m.closed,
    enableOrderBook: true,
    negRisk: m.negRisk,
    orderPriceMinTickSize: m.tickSize,
    orderMinSize: m.minOrderSize,
    feesEnabled: m.fee.rate > 0,
    feeSchedule: { rate: m.fee.rate, exponent: m.fee.exponent, takerOnly: m.fee.takerOnly, rebateRate: 0.2 },
    startDate: new Date(startTs).toISOString(),
    endDate: m.endTs === null ? null : new Date(m.endTs).toISOString(),
    umaResolutionStatus: resolved ? "resolved" : null,
    category: m.category,
    eventId: m.eventId,
    volume: "0",
    liquidity: "0",
  };
}

/** The same event as a Data API /activity record, field for field as the API returns it. */
export function toActivityRecord(e: LeaderEvent, market: Market | undefined): Record<string, unknown> {
  const base = {
    proxyWallet: e.wallet,
    timestamp: Math.floor(e.ts / 1000),
    conditionId: e.marketId,
    type: e.type,
    size: e.size,
    transactionHash: e.txHash ?? "",
    title: market?.question ?? "",
    slug: market?.slug ?? "",
    icon: "",
    eventSlug: market?.eventId ?? market?.slug ?? "",
    name: "",
    pseudonym: "",
    bio: "",
    profileImage: "",
    profileImageOptimized: "",
  };
  if (e.type === "TRADE") {
    return {
      ...base,
      usdcSize: Math.round(e.size * e.price * 1e6) / 1e6,
      price: e.price,
      asset: e.tokenId,
      side: e.side,
      outcomeIndex: e.outcomeIndex,
      outcome: market?.outcomes[e.outcomeIndex]?.name ?? (e.outcomeIndex === 0 ? "Yes" : "No"),
    };
  }
  return { ...base, usdcSize: e.usdcSize, price: 0, asset: "", side: "", outcomeIndex: 999, outcome: "" };
}

class LineWriter {
  readonly #fd: number;
  #buf: string[] = [];
  #len = 0;
  constructor(path: string) {
    this.#fd = openSync(path, "w");
  }
  line(s: string): void {
    this.#buf.push(s);
    this.#len += s.length;
    if (this.#len > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.#buf.length === 0) return;
    writeSync(this.#fd, `${this.#buf.join("\n")}\n`);
    this.#buf = [];
    this.#len = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}

export interface WrittenFiles {
  dir: string;
  markets: string;
  fills: string;
  activity: string;
  labels: string;
  meta: string;
}

/** Writes markets.jsonl, fills.jsonl, activity.jsonl, labels.csv and meta.json; deterministic bytes. */
export function writeSimFiles(
  r: SimResult,
  dir: string,
  onProgress?: (done: number, total: number) => void,
): WrittenFiles {
  mkdirSync(dir, { recursive: true });
  const files: WrittenFiles = {
    dir,
    markets: join(dir, "markets.jsonl"),
    fills: join(dir, "fills.jsonl"),
    activity: join(dir, "activity.jsonl"),
    labels: join(dir, "labels.csv"),
    meta: join(dir, "meta.json"),
  };
  const mw = new LineWriter(files.markets);
  for (const m of r.markets) mw.line(JSON.stringify(toGammaMarket(m, r.params.startTs)));
  mw.close();

  const byId = new Map(r.markets.map((m) => [m.id, m]));
  const fw = new LineWriter(files.fills);
  const aw = new LineWriter(files.activity);
  const total = r.events.length;
  // Real-shaped: the API pages newest first, and a row on a page boundary comes twice.
  const real = r.params.real === true;
  for (let k = 0; k < total; k++) {
    const i = real ? total - 1 - k : k;
    const e = r.events[i]!;
    fw.line(JSON.stringify(e));
    const line = JSON.stringify(toActivityRecord(e, byId.get(e.marketId)));
    aw.line(line);
    if (real && k % 97 === 50) aw.line(line);
    if (onProgress && k % 50_000 === 0) onProgress(k, total);
  }
  fw.close();
  aw.close();
  onProgress?.(total, total);

  const lw = new LineWriter(files.labels);
  lw.line("wallet,label,style");
  for (const l of r.labels) lw.line(`${l.wallet},${l.label},${l.style}`);
  lw.close();

  const trades = r.events.reduce((n, e) => n + (e.type === "TRADE" ? 1 : 0), 0);
  const meta = {
    params: { ...r.params, styles: r.params.styles ?? "all" },
    counts: {
      markets: r.markets.length,
      wallets: r.labels.length,
      events: total,
      trades,
      activities: total - trades,
    },
  };
  const metaW = new LineWriter(files.meta);
  metaW.line(JSON.stringify(meta, null, 2));
  metaW.close();
  return files;
}
