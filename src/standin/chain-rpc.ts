import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Hex, keccak256, toHex } from "viem";
import { PolycopyError } from "../domain/errors.ts";
import type { LeaderFill } from "../domain/fill.ts";
import { Rng } from "../domain/rng.ts";
import { encodeOrderFilled, POLYGON_EXCHANGES_V2, toBaseUnits } from "../polymarket/chain.ts";

/**
 * A stand-in Polygon JSON-RPC node that serves Polymarket `OrderFilled` logs derived from leader
 * fills (e.g. the simulator's, which carry maker/taker roles): `eth_chainId`, `eth_blockNumber`,
 * `eth_getBlockByNumber`, `eth_getLogs` (address and topic filters, block-range limit),
 * `eth_getTransactionReceipt` (the transaction's logs), single and batch requests. Each fill is one transaction in a block whose timestamp is the fill's time:
 *  - a maker fill emits the leader's log (maker = leader, taker = a counterparty) and the
 *    counterparty's taker log (maker = counterparty, taker = exchange);
 *  - a taker fill emits the counterparty's maker log (maker = counterparty, taker = leader) and the
 *    leader's taker log (maker = leader, taker = exchange).
 * So a client that counts a wallet's logs by the `taker` field double counts, and one that ignores
 * the exchange-as-taker rule gets roles wrong. Neg-risk markets settle on the neg-risk exchange.
 * Faults (seeded): 429, 5xx, dropped sockets, malformed bodies, JSON-RPC errors; `reorg(depth)`
 * re-mines the newest blocks with the same transactions in a different log order.
 */
export interface ChainRpcFaults {
  rateLimit?: number;
  serverError?: number;
  drop?: number;
  malformed?: number;
  /** Per-request probability of a JSON-RPC error object (-32000 "header not found"). */
  rpcError?: number;
}

export interface ChainRpcOptions {
  fills: readonly LeaderFill[];
  /** Market ids (conditionIds) that are neg-risk: their fills settle on the neg-risk exchange. */
  negRiskMarkets?: ReadonlySet<string>;
  exchange?: string;
  negRiskExchange?: string;
  /** Empty blocks mined after the last fill (so fills are past the confirmation depth). */
  tailBlocks?: number;
  firstBlock?: number;
  /** Largest toBlock - fromBlock + 1 that eth_getLogs accepts. */
  maxRange?: number;
  faults?: ChainRpcFaults;
  seed?: number;
  host?: string;
  port?: number;
}

export interface ChainRpcStats {
  requests: number;
  byMethod: Record<string, number>;
  faults: Record<string, number>;
}

export interface StandinChain {
  readonly url: string;
  readonly stats: ChainRpcStats;
  readonly exchange: string;
  readonly negRiskExchange: string;
  head(): number;
  /** Appends fills as new blocks (ts must not go back in time). */
  append(fills: readonly LeaderFill[]): void;
  /** Mines `n` empty blocks. */
  mine(n: number): void;
  /** Re-mines the newest `depth` blocks: same transactions, shuffled order, so their log indexes change. */
  reorg(depth: number): void;
  /** The leader logs currently on chain (up to `maxBlock`): key (txHash:logIndex) → the fill it encodes. */
  leaderLogs(maxBlock?: number): Map<string, LeaderFill>;
  close(): Promise<void>;
}

interface Tx {
  fill: LeaderFill;
  exchange: string;
  counterparty: string;
}

interface Block {
  number: number;
  tsSec: number;
  hash: string;
  txs: Tx[];
}

interface Log {
  address: string;
  topics: Hex[];
  data: Hex;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  transactionIndex: number;
  logIndex: number;
  leader: LeaderFill | null;
}

export async function startChainRpc(opts: ChainRpcOptions): Promise<StandinChain> {
  const rng = new Rng(opts.seed ?? 1);
  const faults = { ...opts.faults };
  const exchange = (opts.exchange ?? POLYGON_EXCHANGES_V2.ctfExchange).toLowerCase();
  const negRiskExchange = (opts.negRiskExchange ?? POLYGON_EXCHANGES_V2.negRiskExchangeA).toLowerCase();
  const negRisk = opts.negRiskMarkets ?? new Set<string>();
  const maxRange = opts.maxRange ?? 1000;
  const stats: ChainRpcStats = { requests: 0, byMethod: {}, faults: {} };
  const fault = (k: string) => {
    stats.faults[k] = (stats.faults[k] ?? 0) + 1;
  };
  const blocks: Block[] = [];
  const firstBlock = opts.firstBlock ?? 60_000_000;
  let reorgs = 0;
  let cpSeq = 0;

  const blockHash = (n: number) =>
    `0x${n.toString(16).padStart(48, "0")}${reorgs.toString(16).padStart(16, "0")}`;
  const head = () => (blocks.length === 0 ? firstBlock - 1 : blocks[blocks.length - 1]!.number);
  const newBlock = (tsSec: number): Block => {
    const b: Block = { number: head() + 1, tsSec, hash: "", txs: [] };
    b.hash = blockHash(b.number);
    blocks.push(b);
    return b;
  };
  const append = (fills: readonly LeaderFill[]) => {
    const sorted = [...fills].sort((a, b) => a.ts - b.ts || a.key.localeCompare(b.key));
    for (const f of sorted) {
      const tsSec = Math.floor(f.ts / 1000);
      const last = blocks[blocks.length - 1];
      if (last && tsSec < last.tsSec) {
        throw new PolycopyError(
          "INPUT_INVALID",
          `chain stand-in: fill ${f.key} is older than the head block`,
        );
      }
      const b = last && last.tsSec === tsSec ? last : newBlock(tsSec);
      cpSeq++;
      b.txs.push({
        fill: f,
        exchange: negRisk.has(f.marketId) ? negRiskExchange : exchange,
        counterparty: `0x${"c0".repeat(14)}${cpSeq.toString(16).padStart(12, "0")}`,
      });
    }
  };
  const mine = (n: number) => {
    const ts = blocks.length === 0 ? Math.floor(Date.now() / 1000) : blocks[blocks.length - 1]!.tsSec;
    for (let i = 0; i < n; i++) newBlock(ts + 2 * (i + 1));
  };
  append(opts.fills);
  mine(opts.tailBlocks ?? 0);

  /** The two OrderFilled logs of one fill, leader's flagged. */
  function txLogs(tx: Tx): { address: string; topics: Hex[]; data: Hex; leader: LeaderFill | null }[] {
    const f = tx.fill;
    const usdc = toBaseUnits(f.price * f.size);
    const shares = toBaseUnits(f.size);
    const token = BigInt(f.tokenId);
    const order = (owner: string, taker: string, side: "BUY" | "SELL", salt: string) =>
      encodeOrderFilled({
        orderHash: `0x${salt.replace(/^0x/, "").padStart(64, "0").slice(-64)}` as Hex,
        maker: owner,
        taker,
        makerAssetId: side === "BUY" ? 0n : token,
        takerAssetId: side === "BUY" ? token : 0n,
        makerAmountFilled: side === "BUY" ? usdc : shares,
        takerAmountFilled: side === "BUY" ? shares : usdc,
        fee: 0n,
      });
    const other = f.side === "BUY" ? "SELL" : "BUY";
    const leaderHash = (f.txHash ?? f.key).slice(2, 34);
    if (f.role === "taker") {
      // Resting order of the counterparty first, then the leader's taker order (taker = exchange).
      return [
        { address: tx.exchange, ...order(tx.counterparty, f.wallet, other, `cc${leaderHash}`), leader: null },
        { address: tx.exchange, ...order(f.wallet, tx.exchange, f.side, `aa${leaderHash}`), leader: f },
      ];
    }
    return [
      { address: tx.exchange, ...order(f.wallet, tx.counterparty, f.side, `aa${leaderHash}`), leader: f },
      {
        address: tx.exchange,
        ...order(tx.counterparty, tx.exchange, other, `cc${leaderHash}`),
        leader: null,
      },
    ];
  }

  function logsOf(b: Block): Log[] {
    const out: Log[] = [];
    for (const [ti, tx] of b.txs.entries()) {
      for (const l of txLogs(tx)) {
        out.push({
          ...l,
          blockNumber: b.number,
          blockHash: b.hash,
          transactionHash: tx.fill.txHash ?? keccak256(toHex(tx.fill.key)),
          transactionIndex: ti,
          logIndex: out.length,
        });
      }
    }
    return out;
  }

  const hex = (n: number) => `0x${n.toString(16)}`;
  const rpcError = (code: number, message: string) => ({ code, message });

  function blockParam(v: unknown, what: string): number {
    if (v === "latest" || v === "safe" || v === "finalized" || v === undefined) return head();
    if (v === "earliest") return firstBlock;
    if (typeof v === "string" && /^0x[0-9a-fA-F]+$/.test(v)) return Number.parseInt(v, 16);
    throw Object.assign(new Error(`invalid ${what}`), {
      rpc: rpcError(-32602, `invalid ${what}: ${String(v)}`),
    });
  }

  function getLogs(filter: Record<string, unknown>): unknown[] {
    const from = blockParam(filter.fromBlock, "fromBlock");
    const to = blockParam(filter.toBlock, "toBlock");
    if (to < from) return [];
    if (to - from + 1 > maxRange) {
      throw Object.assign(new Error("range"), {
        rpc: rpcError(-32005, `block range is too large: max ${maxRange} blocks per request`),
      });
    }
    const addr = filter.address;
    const addrs =
      addr === undefined || addr === null
        ? null
        : new Set((Array.isArray(addr) ? addr : [addr]).map((a) => String(a).toLowerCase()));
    const topics = Array.isArray(filter.topics) ? (filter.topics as unknown[]) : [];
    const match = (l: Log) => {
      if (addrs && !addrs.has(l.address)) return false;
      for (const [i, t] of topics.entries()) {
        if (t === null || t === undefined) continue;
        const want = (Array.isArray(t) ? t : [t]).map((x) => String(x).toLowerCase());
        if (!want.includes(String(l.topics[i] ?? "").toLowerCase())) return false;
      }
      return true;
    };
    const out: unknown[] = [];
    for (const b of blocks) {
      if (b.number < from || b.number > to) continue;
      for (const l of logsOf(b)) {
        if (!match(l)) continue;
        out.push(rpcLog(l));
      }
    }
    return out;
  }

  /** A log as JSON-RPC serves it (eth_getLogs and receipts alike). */
  function rpcLog(l: ReturnType<typeof logsOf>[number]) {
    return {
      address: l.address,
      topics: l.topics,
      data: l.data,
      blockNumber: hex(l.blockNumber),
      blockHash: l.blockHash,
      transactionHash: l.transactionHash,
      transactionIndex: hex(l.transactionIndex),
      logIndex: hex(l.logIndex),
      removed: false,
    };
  }

  /** A mined transaction's receipt with its logs (null for a hash the chain does not have). */
  function receipt(h: unknown): unknown {
    if (typeof h !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(h))
      throw Object.assign(new Error("hash"), {
        rpc: rpcError(-32602, `invalid transaction hash: ${String(h)}`),
      });
    const want = h.toLowerCase();
    const txHash = (tx: Tx) => (tx.fill.txHash ?? keccak256(toHex(tx.fill.key))).toLowerCase();
    const b = blocks.find((x) => x.txs.some((tx) => txHash(tx) === want));
    if (!b) return null;
    const logs = logsOf(b).filter((l) => l.transactionHash.toLowerCase() === want);
    return {
      transactionHash: h,
      transactionIndex: hex(logs[0]?.transactionIndex ?? 0),
      blockNumber: hex(b.number),
      blockHash: b.hash,
      status: "0x1",
      logs: logs.map(rpcLog),
    };
  }

  function call(method: string, params: unknown[]): unknown {
    stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
    switch (method) {
      case "eth_chainId":
        return "0x89";
      case "eth_blockNumber":
        return hex(head());
      case "eth_getBlockByNumber": {
        const n = blockParam(params[0], "block number");
        const b = blocks.find((x) => x.number === n);
        if (!b) return null;
        return {
          number: hex(b.number),
          hash: b.hash,
          parentHash: blockHash(b.number - 1),
          timestamp: hex(b.tsSec),
          transactions: [],
          logsBloom: `0x${"0".repeat(512)}`,
          gasLimit: "0x0",
          gasUsed: "0x0",
          miner: `0x${"0".repeat(40)}`,
          extraData: "0x",
          size: "0x0",
          uncles: [],
          nonce: "0x0000000000000000",
          difficulty: "0x0",
          sha3Uncles: `0x${"0".repeat(64)}`,
          stateRoot: `0x${"0".repeat(64)}`,
          receiptsRoot: `0x${"0".repeat(64)}`,
          transactionsRoot: `0x${"0".repeat(64)}`,
          mixHash: `0x${"0".repeat(64)}`,
        };
      }
      case "eth_getLogs":
        return getLogs((params[0] ?? {}) as Record<string, unknown>);
      case "eth_getTransactionReceipt":
        return receipt(params[0]);
      default:
        throw Object.assign(new Error("method"), { rpc: rpcError(-32601, `method ${method} not found`) });
    }
  }

  function answer(req: unknown): unknown {
    const r = (req ?? {}) as { id?: unknown; method?: unknown; params?: unknown };
    const id = r.id ?? null;
    if (typeof r.method !== "string")
      return { jsonrpc: "2.0", id, error: rpcError(-32600, "invalid request") };
    try {
      return { jsonrpc: "2.0", id, result: call(r.method, Array.isArray(r.params) ? r.params : []) };
    } catch (e) {
      const rpc = (e as { rpc?: unknown }).rpc;
      return { jsonrpc: "2.0", id, error: rpc ?? rpcError(-32603, (e as Error).message) };
    }
  }

  /** 429, 5xx, dropped socket, malformed body or a JSON-RPC error; true when the response was taken over. */
  function injectFault(res: ServerResponse, body: unknown): boolean {
    const x = rng.next();
    let acc = faults.rateLimit ?? 0;
    const send = (status: number, text: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(text);
    };
    if (x < acc) {
      fault("429");
      send(
        429,
        JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32005, message: "Too Many Requests" } }),
        {
          "retry-after": "0",
        },
      );
      return true;
    }
    acc += faults.serverError ?? 0;
    if (x < acc) {
      const code = rng.pick([500, 502, 503]);
      fault(String(code));
      send(code, "upstream error");
      return true;
    }
    acc += faults.drop ?? 0;
    if (x < acc) {
      fault("drop");
      const text = JSON.stringify({ jsonrpc: "2.0", id: 1, result: "x".repeat(2048) });
      res.writeHead(200, { "content-type": "application/json", "content-length": String(text.length) });
      res.write(text.slice(0, text.length >> 1), () => res.socket?.destroy());
      return true;
    }
    acc += faults.malformed ?? 0;
    if (x < acc) {
      fault("malformed");
      send(200, rng.pick(['{"jsonrpc":"2.0","id":1,"result":[{"address"', "<html>502</html>", ""]));
      return true;
    }
    acc += faults.rpcError ?? 0;
    if (x < acc) {
      fault("rpc-error");
      const err = (id: unknown) => ({
        jsonrpc: "2.0",
        id,
        error: { code: -32000, message: "header not found" },
      });
      send(
        200,
        JSON.stringify(
          Array.isArray(body)
            ? body.map((b) => err((b as { id?: unknown }).id ?? null))
            : err((body as { id?: unknown })?.id ?? null),
        ),
      );
      return true;
    }
    return false;
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    if (req.method !== "POST") {
      res.writeHead(405, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "JSON-RPC over POST only" }));
      return;
    }
    let text = "";
    req.on("data", (d: Buffer) => {
      text += d.toString();
    });
    req.on("end", () => {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: rpcError(-32700, "parse error") }));
        return;
      }
      if (injectFault(res, body)) return;
      const out = Array.isArray(body) ? body.map(answer) : answer(body);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(out));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) =>
      reject(
        new PolycopyError("NETWORK_ERROR", `chain stand-in cannot listen: ${e.message}`, {
          userFacing: true,
        }),
      ),
    );
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;

  return {
    url: `http://${host}:${addr.port}`,
    stats,
    exchange,
    negRiskExchange,
    head,
    append,
    mine,
    reorg(depth) {
      reorgs++;
      for (const b of blocks.slice(-depth)) {
        const txs = [...b.txs];
        for (let i = txs.length - 1; i > 0; i--) {
          const j = rng.int(0, i);
          [txs[i], txs[j]] = [txs[j]!, txs[i]!];
        }
        b.txs = txs;
        b.hash = blockHash(b.number);
      }
    },
    leaderLogs(maxBlock = Number.POSITIVE_INFINITY) {
      const m = new Map<string, LeaderFill>();
      for (const b of blocks) {
        if (b.number > maxBlock) break;
        for (const l of logsOf(b)) {
          if (l.leader) m.set(`${l.transactionHash.toLowerCase()}:${l.logIndex}`, l.leader);
        }
      }
      return m;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
