/**
 * Maker or taker, where it can be known: the Data API does not say which side of a match a fill
 * was, the chain does. Each fill's transaction receipt holds one `OrderFilled` log per order
 * filled in it (chain.ts); the log whose `maker` field is the wallet and whose asset is the fill's
 * token is the wallet's own, and its role is taker when the log's `taker` is an exchange contract.
 * Receipts are fetched once per transaction (cached), batched (JSON-RPC batches through viem's
 * http transport), retried with jittered backoff, and decoded at the boundary.
 */
import { createPublicClient, type Hex, http, type PublicClient } from "viem";
import { PolycopyError } from "../domain/errors.ts";
import type { LeaderEvent, Role } from "../domain/fill.ts";
import { decodeOrderFilled, ORDER_FILLED_TOPIC, type OrderFilledLog, POLYGON_EXCHANGES_V2 } from "./chain.ts";
import { sleep } from "./http.ts";

export interface FillRolesOptions {
  rpcUrl: string;
  /** Exchange contracts whose logs count (default: the V2 CTF and neg-risk exchanges). */
  exchanges?: readonly string[];
  /** Receipts per JSON-RPC batch (default 50). */
  batchSize?: number;
  /** Transactions kept in the cache (default 200,000). */
  cacheSize?: number;
  retry?: { baseDelayMs?: number; maxDelayMs?: number; maxAttempts?: number; timeoutMs?: number };
  random?: () => number;
}

export interface FillRolesStats {
  /** Receipts asked for (cache misses). */
  receipts: number;
  /** Batches sent (including retries). */
  batches: number;
  retries: number;
  /** Exchange logs that did not decode as OrderFilled (skipped). */
  malformed: number;
}

export interface RoleSummary {
  /** Fills whose role came from the chain (or was already known). */
  known: number;
  /** Fills left without a role: no transaction hash, no receipt, or no log of the wallet. */
  unknown: number;
}

interface RpcLog {
  address?: string;
  topics?: string[];
  data?: string;
  blockNumber?: string | null;
  transactionHash?: string | null;
  logIndex?: string | null;
}

export class FillRoles {
  readonly stats: FillRolesStats = { receipts: 0, batches: 0, retries: 0, malformed: 0 };
  readonly #client: PublicClient;
  readonly #exchanges: ReadonlySet<string>;
  readonly #o: FillRolesOptions;
  /** txHash → the transaction's exchange OrderFilled logs. */
  readonly #cache = new Map<string, OrderFilledLog[]>();

  constructor(o: FillRolesOptions) {
    if (!/^https?:\/\/\S+$/.test(o.rpcUrl))
      throw new PolycopyError("INPUT_INVALID", `chain rpc url must be http(s), got "${o.rpcUrl}"`, {
        userFacing: true,
      });
    this.#o = o;
    this.#exchanges = new Set(
      (o.exchanges ?? [POLYGON_EXCHANGES_V2.ctfExchange, POLYGON_EXCHANGES_V2.negRiskExchangeA]).map((a) =>
        a.toLowerCase(),
      ),
    );
    this.#client = createPublicClient({
      // Concurrent requests go out as one JSON-RPC batch; retries are ours (whole batch, jittered).
      transport: http(o.rpcUrl, {
        batch: { batchSize: o.batchSize ?? 50, wait: 0 },
        retryCount: 0,
        timeout: o.retry?.timeoutMs ?? 15_000,
      }),
    });
  }

  /**
   * The events with each fill's role set from the chain where it can be known (other events and
   * fills that already carry a role are returned as they are), and how many fills got one.
   */
  async enrich<T extends LeaderEvent>(
    events: readonly T[],
    signal?: AbortSignal,
  ): Promise<{ events: T[]; summary: RoleSummary }> {
    const want = new Set<string>();
    for (const e of events)
      if (e.type === "TRADE" && e.role === null && e.txHash && !this.#cache.has(e.txHash.toLowerCase()))
        want.add(e.txHash.toLowerCase());
    await this.#fetch([...want], signal);
    const summary: RoleSummary = { known: 0, unknown: 0 };
    const out = events.map((e) => {
      if (e.type !== "TRADE") return e;
      if (e.role !== null) {
        summary.known++;
        return e;
      }
      const role = e.txHash ? this.#roleOf(e.txHash, e.wallet, e.tokenId, e.side, e.size) : null;
      if (role === null) {
        summary.unknown++;
        return e;
      }
      summary.known++;
      return { ...e, role };
    });
    return { events: out, summary };
  }

  /** The wallet's own log of this token in the transaction (side and size break ties). */
  #roleOf(txHash: string, wallet: string, tokenId: string, side: string, size: number): Role | null {
    const logs = this.#cache.get(txHash.toLowerCase());
    if (!logs) return null;
    const w = wallet.toLowerCase();
    const mine = logs.filter((l) => {
      const token = l.makerAssetId === 0n ? l.takerAssetId : l.makerAssetId;
      return l.maker === w && token.toString() === tokenId;
    });
    if (mine.length === 0) return null;
    const shares = (l: OrderFilledLog) =>
      Number(l.makerAssetId === 0n ? l.takerAmountFilled : l.makerAmountFilled) / 1e6;
    const sideOf = (l: OrderFilledLog) => (l.makerAssetId === 0n ? "BUY" : "SELL");
    const best =
      mine.find((l) => sideOf(l) === side && Math.abs(shares(l) - size) < 1e-6) ??
      mine.find((l) => sideOf(l) === side) ??
      mine[0]!;
    return this.#exchanges.has(best.taker) ? "taker" : "maker";
  }

  async #fetch(hashes: string[], signal?: AbortSignal): Promise<void> {
    const size = this.#o.batchSize ?? 50;
    for (let i = 0; i < hashes.length; i += size) {
      if (signal?.aborted) return;
      const chunk = hashes.slice(i, i + size);
      const receipts = await this.#retry(
        () =>
          Promise.all(
            chunk.map(
              (h) =>
                this.#client.request({
                  method: "eth_getTransactionReceipt",
                  params: [h as Hex],
                }) as Promise<{ logs?: RpcLog[] } | null>,
            ),
          ),
        `eth_getTransactionReceipt ×${chunk.length}`,
        signal,
      );
      if (receipts === undefined) return;
      this.stats.receipts += chunk.length;
      for (const [k, r] of receipts.entries()) {
        // No receipt (unknown or not yet mined): not cached, asked again next time.
        if (r === null || r === undefined) continue;
        this.#remember(chunk[k]!, this.#decode(r.logs ?? [], `receipt ${chunk[k]}`));
      }
    }
  }

  #decode(logs: RpcLog[], what: string): OrderFilledLog[] {
    const out: OrderFilledLog[] = [];
    for (const [i, l] of logs.entries()) {
      if (!this.#exchanges.has(String(l.address ?? "").toLowerCase())) continue;
      if (String(l.topics?.[0] ?? "").toLowerCase() !== ORDER_FILLED_TOPIC) continue;
      try {
        out.push(
          decodeOrderFilled(
            {
              address: String(l.address),
              topics: l.topics ?? [],
              data: String(l.data ?? ""),
              blockNumber: l.blockNumber ? BigInt(l.blockNumber) : null,
              transactionHash: l.transactionHash ?? null,
              logIndex: l.logIndex ? Number(BigInt(l.logIndex)) : null,
            },
            `${what}.logs[${i}]`,
          ),
        );
      } catch {
        this.stats.malformed++;
      }
    }
    return out;
  }

  #remember(txHash: string, logs: OrderFilledLog[]): void {
    if (this.#cache.size >= (this.#o.cacheSize ?? 200_000)) {
      // Oldest first (Map keeps insertion order): a long run keeps the recent transactions.
      this.#cache.delete(this.#cache.keys().next().value!);
    }
    this.#cache.set(txHash, logs);
  }

  async #retry<T>(fn: () => Promise<T>, what: string, signal?: AbortSignal): Promise<T | undefined> {
    const r = this.#o.retry ?? {};
    const base = r.baseDelayMs ?? 250;
    const cap = r.maxDelayMs ?? 10_000;
    const max = r.maxAttempts ?? 8;
    const rand = this.#o.random ?? Math.random;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) return undefined;
      this.stats.batches++;
      try {
        return await fn();
      } catch (e) {
        if (signal?.aborted) return undefined;
        if (attempt >= max) {
          throw new PolycopyError(
            "UPSTREAM_ERROR",
            `${what} failed after ${attempt} attempts: ${(e as Error).message.split("\n")[0]}`,
            { cause: e },
          );
        }
        this.stats.retries++;
        try {
          await sleep(Math.floor(rand() * Math.min(cap, base * 2 ** attempt)), signal);
        } catch {
          return undefined;
        }
      }
    }
  }
}
