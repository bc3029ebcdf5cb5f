import { createPublicClient, type Hex, http, type PublicClient } from "viem";
import { z } from "zod";
import { PolycopyError } from "../domain/errors.ts";
import type { LeaderFill } from "../domain/fill.ts";
import { parseWith } from "../domain/validation.ts";
import type { PolymarketAdapter } from "../polymarket/adapter.ts";
import {
  addressTopic,
  decodeOrderFilled,
  ORDER_FILLED_TOPIC,
  orderFilledToFill,
  type RawLog,
  type TokenInfo,
} from "../polymarket/chain.ts";
import { toMarket } from "../polymarket/convert.ts";
import type { LeaderBatch, LeaderSource } from "./source.ts";

/**
 * Leader fills from Polygon `OrderFilled` logs (viem over JSON-RPC). For each block range it asks
 * for OrderFilled logs of the configured exchange contracts whose `maker` topic is a followed
 * wallet (a wallet's own fill is always the log where it is the `maker`; see polymarket/chain.ts),
 * decodes them with the ABI, maps the role (taker when the log's taker is an exchange), converts
 * 6-decimal amounts to price/size/side, and keys each fill by chainFillKey(txHash, logIndex).
 *
 * Reorg safety: only blocks at least `confirmations` behind the head are read, and the cursor (JSON
 * `{"v":1,"block":"<last fully processed block>"}`) never passes them; a reorg shallower than that
 * cannot change what was stored. Every range is read whole or not at all (the batch is yielded
 * after the range), so a crash resumes at the first unprocessed block.
 * Transport faults (429, 5xx, dropped sockets, garbage bodies, JSON-RPC errors) are retried with
 * jittered backoff; "range too large" answers halve the range.
 */
export interface ChainSourceOptions {
  rpcUrl: string;
  /** Exchange contracts to read (CTF exchange and neg-risk exchanges). */
  exchanges: readonly string[];
  wallets: readonly string[];
  /** conditionId / outcome / tick of a token id; undefined when the token is unknown. */
  resolveToken: (tokenId: string, signal: AbortSignal) => Promise<TokenInfo | undefined>;
  /** Start block when there is no cursor; default: head - confirmations - backfillBlocks. */
  startBlock?: bigint;
  /** Blocks read back when there is no cursor (default 43,200 ≈ one day of 2 s blocks). */
  backfillBlocks?: number;
  confirmations?: number;
  /** Blocks per eth_getLogs (halved on "range too large", default 2,000). */
  maxRange?: number;
  follow?: boolean;
  pollIntervalMs?: number;
  retry?: { baseDelayMs?: number; maxDelayMs?: number; maxAttempts?: number; timeoutMs?: number };
  /** Cursor / store key (default "chain:polygon"). */
  name?: string;
  random?: () => number;
  log?: (level: "info" | "warn", msg: string, data?: Record<string, unknown>) => void;
  /** Called after each range: (blocks done, blocks to do). */
  onProgress?: (done: number, total: number) => void;
}

export interface ChainCursor {
  v: 1;
  /** Last fully processed block. */
  block: bigint;
}

export function parseChainCursor(cursor: string | undefined): ChainCursor | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  try {
    const c = JSON.parse(cursor) as { v?: unknown; block?: unknown };
    if (c && c.v === 1 && typeof c.block === "string" && /^\d{1,20}$/.test(c.block)) {
      return { v: 1, block: BigInt(c.block) };
    }
  } catch {
    // reported below
  }
  throw new PolycopyError(
    "INPUT_INVALID",
    `chain cursor is not valid JSON of the form {"v":1,"block":"<n>"}`,
    {
      userFacing: true,
    },
  );
}

export function formatChainCursor(block: bigint): string {
  return JSON.stringify({ v: 1, block: block.toString() });
}

export interface ChainStats {
  requests: number;
  retries: number;
  logs: number;
  /** Logs that did not decode (counted, logged, skipped). */
  malformed: number;
  /** Logs whose maker is not followed (only if the node ignored the topic filter). */
  filtered: number;
  fills: number;
  rangeShrinks: number;
}

interface RawRpcLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string | null;
  transactionHash: string | null;
  logIndex: string | null;
  blockTimestamp?: string | null;
}

export class ChainSource implements LeaderSource {
  readonly name: string;
  readonly stats: ChainStats = {
    requests: 0,
    retries: 0,
    logs: 0,
    malformed: 0,
    filtered: 0,
    fills: 0,
    rangeShrinks: 0,
  };
  readonly #o: ChainSourceOptions;
  readonly #client: PublicClient;
  readonly #wallets: ReadonlySet<string>;
  readonly #exchanges: ReadonlySet<string>;
  readonly #blockTs = new Map<bigint, number>();

  constructor(o: ChainSourceOptions) {
    const bad = (m: string) => new PolycopyError("INPUT_INVALID", m, { userFacing: true });
    if (o.wallets.length === 0) throw bad("chain source needs at least one wallet");
    if (o.exchanges.length === 0) throw bad("chain source needs at least one exchange address");
    for (const a of [...o.wallets, ...o.exchanges]) {
      if (!/^0x[0-9a-fA-F]{40}$/.test(a))
        throw bad(`chain source: "${a}" is not a 0x-prefixed 40-hex-digit address`);
    }
    if (!/^https?:\/\/\S+$/.test(o.rpcUrl)) throw bad(`chain rpc url must be http(s), got "${o.rpcUrl}"`);
    this.name = o.name ?? "chain:polygon";
    this.#o = o;
    this.#wallets = new Set(o.wallets.map((w) => w.toLowerCase()));
    this.#exchanges = new Set(o.exchanges.map((w) => w.toLowerCase()));
    this.#client = createPublicClient({
      // Retries are ours (jittered, with range shrinking), so viem's are off.
      transport: http(o.rpcUrl, { retryCount: 0, timeout: o.retry?.timeoutMs ?? 15_000 }),
    });
  }

  async *stream(cursor: string | undefined, signal: AbortSignal): AsyncIterable<LeaderBatch> {
    const o = this.#o;
    const conf = BigInt(o.confirmations ?? 32);
    let range = BigInt(o.maxRange ?? 2000);
    const resumed = parseChainCursor(cursor)?.block;
    let last: bigint | undefined = resumed;
    for (;;) {
      if (signal.aborted) return;
      const head = await this.#retry(
        () => this.#client.getBlockNumber({ cacheTime: 0 }),
        "eth_blockNumber",
        signal,
      );
      if (head === undefined) return;
      const safe = head - conf;
      if (last === undefined) {
        const start: bigint = o.startBlock ?? safe - BigInt(o.backfillBlocks ?? 43_200) + 1n;
        last = start - 1n < -1n ? -1n : start - 1n;
      }
      const begin: bigint = last;
      while (last < safe) {
        if (signal.aborted) return;
        const from: bigint = last + 1n;
        const to: bigint = from + range - 1n < safe ? from + range - 1n : safe;
        let raw: RawRpcLog[] | undefined;
        try {
          raw = await this.#retry(() => this.#getLogs(from, to), `eth_getLogs ${from}-${to}`, signal);
        } catch (e) {
          if (isRangeError(e) && range > 1n) {
            range = range / 2n;
            this.stats.rangeShrinks++;
            continue;
          }
          throw e;
        }
        if (raw === undefined) return;
        const events: LeaderFill[] = [];
        for (const [i, r] of raw.entries()) {
          const f = await this.#toFill(r, `eth_getLogs ${from}-${to}[${i}]`, signal);
          if (f === undefined) return;
          if (f !== null) events.push(f);
        }
        this.stats.fills += events.length;
        last = to;
        o.onProgress?.(Number(last - begin), Number(safe - begin));
        yield { events, cursor: formatChainCursor(last) };
      }
      if (!o.follow) return;
      await sleepQuiet(o.pollIntervalMs ?? 2000, signal);
    }
  }

  #getLogs(from: bigint, to: bigint): Promise<RawRpcLog[]> {
    this.stats.requests++;
    return this.#client.request({
      method: "eth_getLogs",
      params: [
        {
          address: [...this.#exchanges] as Hex[],
          topics: [ORDER_FILLED_TOPIC, null, [...this.#wallets].map(addressTopic)],
          fromBlock: `0x${from.toString(16)}`,
          toBlock: `0x${to.toString(16)}`,
        },
      ],
    }) as unknown as Promise<RawRpcLog[]>;
  }

  /** A fill, null for a log that is not a followed wallet's fill (counted), undefined when aborted. */
  async #toFill(r: RawRpcLog, what: string, signal: AbortSignal): Promise<LeaderFill | null | undefined> {
    this.stats.logs++;
    let log: ReturnType<typeof decodeOrderFilled>;
    try {
      if (!r || typeof r !== "object" || !Array.isArray(r.topics) || typeof r.data !== "string") {
        throw new PolycopyError("PAYLOAD_INVALID", `${what}: not a log object`);
      }
      const raw: RawLog = {
        address: String(r.address ?? ""),
        topics: r.topics,
        data: r.data,
        blockNumber: hexToBig(r.blockNumber),
        transactionHash: r.transactionHash,
        logIndex: r.logIndex === null || r.logIndex === undefined ? null : Number(hexToBig(r.logIndex)),
        blockTimestamp: r.blockTimestamp ? hexToBig(r.blockTimestamp) : null,
      };
      log = decodeOrderFilled(raw, what);
      if (!this.#exchanges.has(log.exchange)) {
        this.stats.filtered++;
        return null;
      }
    } catch (e) {
      this.stats.malformed++;
      this.#o.log?.("warn", "chain: malformed log skipped", { why: (e as Error).message });
      return null;
    }
    if (!this.#wallets.has(log.maker)) {
      this.stats.filtered++;
      return null;
    }
    const tokenId = (log.makerAssetId === 0n ? log.takerAssetId : log.makerAssetId).toString();
    const token = await this.#retry(
      async () => {
        const t = await this.#o.resolveToken(tokenId, signal);
        if (!t) throw new PolycopyError("NOT_FOUND", `${what}: token ${tokenId} is not in any known market`);
        return t;
      },
      `token ${tokenId}`,
      signal,
    );
    if (token === undefined) return undefined;
    const tsSec = r.blockTimestamp
      ? hexToBig(r.blockTimestamp)
      : await this.#blockTime(log.blockNumber, signal);
    if (tsSec === undefined || tsSec === null) return undefined;
    return orderFilledToFill(log, token, Number(tsSec) * 1000, this.#exchanges, what);
  }

  async #blockTime(n: bigint, signal: AbortSignal): Promise<bigint | undefined> {
    const c = this.#blockTs.get(n);
    if (c !== undefined) return BigInt(c);
    const b = await this.#retry(
      async () => {
        this.stats.requests++;
        const blk = await this.#client.getBlock({ blockNumber: n });
        if (!blk) throw new PolycopyError("UPSTREAM_ERROR", `block ${n} not found`);
        return blk;
      },
      `eth_getBlockByNumber ${n}`,
      signal,
    );
    if (b === undefined) return undefined;
    if (this.#blockTs.size > 10_000) this.#blockTs.clear();
    this.#blockTs.set(n, Number(b.timestamp));
    return b.timestamp;
  }

  /** Runs `fn` with jittered exponential backoff; undefined when aborted; range errors pass through. */
  async #retry<T>(fn: () => Promise<T>, what: string, signal: AbortSignal): Promise<T | undefined> {
    const r = this.#o.retry ?? {};
    const base = r.baseDelayMs ?? 250;
    const cap = r.maxDelayMs ?? 10_000;
    const max = r.maxAttempts ?? 8;
    const rand = this.#o.random ?? Math.random;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return undefined;
      try {
        return await fn();
      } catch (e) {
        if (signal.aborted) return undefined;
        if (isRangeError(e)) throw e;
        if (attempt >= max) {
          throw new PolycopyError(
            "UPSTREAM_ERROR",
            `${what} failed after ${attempt} attempts: ${shortMessage(e)}`,
            {
              cause: e,
            },
          );
        }
        this.stats.retries++;
        const d = Math.min(cap, base * 2 ** (attempt - 1));
        this.#o.log?.("warn", "chain: retrying", { what, attempt, error: shortMessage(e) });
        await sleepQuiet(d / 2 + (rand() * d) / 2, signal);
      }
    }
  }
}

function hexToBig(v: string | null | undefined): bigint | null {
  if (v === null || v === undefined) return null;
  if (!/^0x[0-9a-fA-F]+$/.test(v))
    throw new PolycopyError("PAYLOAD_INVALID", `expected a hex quantity, got "${v}"`);
  return BigInt(v);
}

function shortMessage(e: unknown): string {
  const m =
    (e as { shortMessage?: string; message?: string }).shortMessage ?? (e as Error).message ?? String(e);
  return m.split("\n")[0]!;
}

/** A node's "too many blocks / results" answer (codes and wording vary between providers). */
function isRangeError(e: unknown): boolean {
  const parts: string[] = [];
  let x: unknown = e;
  for (let i = 0; i < 5 && x; i++) {
    const m = (x as { details?: string; message?: string }).details ?? (x as Error).message;
    if (m) parts.push(m);
    x = (x as { cause?: unknown }).cause;
  }
  return /block range|range is too large|too many blocks|more than \d+ (results|logs)|query returned more than/i.test(
    parts.join(" | "),
  );
}

async function sleepQuiet(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** A token resolver over a list of markets (e.g. the stand-in's, or the store's). */
export function tokenResolverFromMarkets(
  markets: readonly { id: string; tickSize: number; outcomes: readonly { tokenId: string }[] }[],
): (tokenId: string) => Promise<TokenInfo | undefined> {
  const m = new Map<string, TokenInfo>();
  for (const mk of markets) {
    for (const [i, o] of mk.outcomes.entries())
      m.set(o.tokenId, { marketId: mk.id, outcomeIndex: i, tickSize: mk.tickSize });
  }
  return async (tokenId) => m.get(tokenId);
}

/**
 * A token resolver over Gamma: `/markets?clob_token_ids=<id>` finds the market, which is then
 * fetched through the adapter (so it is cached there and stored before the fills that use it).
 */
export function gammaTokenResolver(
  adapter: PolymarketAdapter,
  gammaUrl: string,
): (tokenId: string, signal: AbortSignal) => Promise<TokenInfo | undefined> {
  const base = gammaUrl.replace(/\/+$/, "");
  const known = (tokenId: string): TokenInfo | undefined => {
    for (const m of adapter.knownMarkets()) {
      const i = m.outcomes.findIndex((o) => o.tokenId === tokenId);
      if (i >= 0) return { marketId: m.id, outcomeIndex: i, tickSize: m.tickSize };
    }
    return undefined;
  };
  return async (tokenId, signal) => {
    const hit = known(tokenId);
    if (hit) return hit;
    const what = `gamma /markets?clob_token_ids=${tokenId}`;
    const body = parseWith(
      z.array(z.unknown()),
      await adapter.http.getJson(`${base}/markets?clob_token_ids=${tokenId}`, [], signal),
      what,
    );
    const ids = body.map((r, i) => toMarket(r, `${what}[${i}]`).id);
    await adapter.markets({ conditionIds: ids }, signal);
    return known(tokenId);
  };
}
