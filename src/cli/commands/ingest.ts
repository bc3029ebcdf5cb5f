import type { Command } from "commander";
import { intOption, listOption } from "../options.ts";

interface IngestOptions {
  from: string;
  url?: string;
  file?: string;
  skipBad?: boolean;
  wallets?: string[];
  days?: number;
  pageSize?: number;
  overlap: number;
  follow?: boolean;
  interval: number;
  config?: string;
  wsUrl?: string;
  rpcUrl?: string;
  exchanges?: string[];
  confirmations?: number;
  fromBlock?: number;
}

/**
 * `polycopy ingest`: streams leader activity into the store. Each batch is persisted together with
 * the source's cursor (Store.ingestBatch), so an interrupted ingest (even kill -9) resumes where it
 * stopped and neither loses nor doubles an event.
 */
export function register(program: Command): void {
  program
    .command("ingest")
    .description("ingest leader wallet activity into the store from Polymarket, a local stand-in, or a file")
    .requiredOption(
      "--from <source>",
      "standin | polymarket | file (Data API polling), ws (real-time websocket + polling fallback) | chain (OrderFilled logs)",
    )
    .option(
      "--url <url>",
      "stand-in base URL (serves Gamma, Data API and CLOB paths), e.g. http://127.0.0.1:8790",
    )
    .option(
      "--file <file>",
      "Data API /activity or /trades records for --from file: JSON Lines (e.g. data/sim/activity.jsonl) or a JSON array (a saved API response)",
    )
    .option(
      "--skip-bad",
      "--from file: skip malformed records (counted) instead of aborting the file with nothing stored",
    )
    .option(
      "--wallets <list>",
      "comma-separated wallet addresses (default: the config's wallets)",
      listOption,
    )
    .option(
      "--days <n>",
      "backfill depth in days for wallets without a cursor (default: config)",
      intOption("--days"),
    )
    .option("--page-size <n>", "Data API records per request (max 500)", intOption("--page-size"))
    .option("--overlap <sec>", "seconds re-read before each wallet's cursor", intOption("--overlap"), 120)
    .option("--follow", "keep polling for new activity until interrupted")
    .option("--interval <ms>", "poll interval with --follow", intOption("--interval"), 5000)
    .option(
      "--ws-url <url>",
      "websocket URL for --from ws (default: the stand-in's /ws with --url, else the config's rtdsUrl)",
    )
    .option("--rpc-url <url>", "Polygon JSON-RPC URL for --from chain (default: the config's rpcUrl)")
    .option(
      "--exchanges <list>",
      "exchange contracts for --from chain (default: the V2 CTF and neg-risk exchanges)",
      listOption,
    )
    .option(
      "--confirmations <n>",
      "blocks behind the head that --from chain waits for",
      intOption("--confirmations"),
      32,
    )
    .option(
      "--from-block <n>",
      "first block for --from chain when there is no cursor",
      intOption("--from-block"),
    )
    .option("-c, --config <file>", "config file (default: polycopy.config.json if present)")
    .action(async (o: IngestOptions) => {
      await runIngest(o);
    });
}

async function runIngest(o: IngestOptions): Promise<void> {
  const { PolycopyError } = await import("../../domain/errors.ts");
  const { isAddress, normalizeAddress } = await import("../../domain/wallet.ts");
  const { loadConfig } = await import("../../config/config.ts");
  const { openStore } = await import("../../store/open.ts");
  const { progressBar } = await import("../progress.ts");
  const { untilInterrupted } = await import("../interrupt.ts");
  const bad = (msg: string) => new PolycopyError("CLI_INVALID", msg, { userFacing: true });

  if (!["standin", "polymarket", "file", "ws", "chain"].includes(o.from)) {
    throw bad(
      `--from must be standin, polymarket or file (polling), ws (websocket) or chain (OrderFilled logs), got "${o.from}"`,
    );
  }
  if (o.confirmations !== undefined && (o.confirmations < 0 || o.confirmations > 10_000)) {
    throw bad(`--confirmations must be 0..10000, got ${o.confirmations}`);
  }
  if (o.days !== undefined && (o.days < 1 || o.days > 3650))
    throw bad(`--days must be 1..3650, got ${o.days}`);
  if (o.pageSize !== undefined && (o.pageSize < 1 || o.pageSize > 500)) {
    throw bad(`--page-size must be 1..500, got ${o.pageSize}`);
  }
  if (o.skipBad && o.from !== "file") throw bad("--skip-bad applies to --from file only");
  if (o.overlap < 0) throw bad(`--overlap must be ≥ 0, got ${o.overlap}`);
  if (o.interval < 100) throw bad(`--interval must be ≥ 100 ms, got ${o.interval}`);
  const cfg = loadConfig(o.config === undefined ? {} : { file: o.config });
  const wallets = (o.wallets ?? cfg.wallets.map((w) => w.address)).map((w) => {
    if (!isAddress(w)) throw bad(`--wallets: "${w}" is not a 0x-prefixed 40-hex-digit address`);
    return normalizeAddress(w);
  });
  const days = o.days ?? cfg.polymarket.backfillDays;

  type Src = import("../../sources/source.ts").LeaderSource;
  let source: Src;
  let adapter: import("../../polymarket/adapter.ts").PolymarketAdapter | null = null;
  let fileMarkets: import("../../domain/market.ts").Market[] = [];
  let fileSource: import("../../sources/file-source.ts").FileSource | null = null;
  const bar = progressBar(o.from === "file" ? "ingest (bytes)" : "ingest (wallets)");

  if (o.from === "file") {
    if (!o.file) throw bad("--from file needs --file <activity.jsonl>");
    const { checkInputFile } = await import("../paths.ts");
    checkInputFile(o.file, "--file");
    const { FileSource } = await import("../../sources/file-source.ts");
    const fs = new FileSource({
      file: o.file,
      ...(o.skipBad ? { skipBad: true } : {}),
      wallets,
      sinceTs: o.days === undefined ? undefined : Date.now() - days * 86_400_000,
      onProgress: (d, t) => bar.update(d, t),
    });
    fileMarkets = await fs.markets();
    source = fs;
    fileSource = fs;
  } else {
    let urls: { gammaUrl: string; dataUrl: string; clobUrl: string };
    if (o.from === "standin" || ((o.from === "ws" || o.from === "chain") && o.url)) {
      if (!o.url) throw bad("--from standin needs --url <base URL of the stand-in>");
      if (!/^https?:\/\/[^\s/]+/.test(o.url)) throw bad(`--url must be an http(s) URL, got "${o.url}"`);
      urls = { gammaUrl: o.url, dataUrl: o.url, clobUrl: o.url };
    } else {
      urls = {
        gammaUrl: cfg.polymarket.gammaUrl,
        dataUrl: cfg.polymarket.dataUrl,
        clobUrl: cfg.polymarket.clobUrl,
      };
    }
    if (wallets.length === 0) {
      throw bad("no wallets to ingest: pass --wallets 0x…,0x… or list wallets in the config");
    }
    const { PolymarketAdapter } = await import("../../polymarket/adapter.ts");
    const { PollSource } = await import("../../sources/poll-source.ts");
    const { childLogger } = await import("../../log.ts");
    const log = childLogger("ingest");
    const { FOLLOW_RETRY } = await import("../../polymarket/http.ts");
    const following = o.follow === true || o.from === "ws";
    adapter = new PolymarketAdapter({
      urls,
      ...(o.pageSize === undefined ? {} : { pageSize: o.pageSize }),
      // A follower retries briefly per request; a longer outage is retried for ever by the source.
      http: {
        ...(following ? { retry: FOLLOW_RETRY } : {}),
        onRetry: (r) => log.warn(r, "retrying request"),
      },
    });
    if (o.from === "ws" || o.from === "chain") {
      source = await liveSource(o, adapter, wallets, days, cfg.polymarket, bad);
    } else {
      source = new PollSource({
        adapter,
        wallets,
        backfillDays: days,
        overlapSec: o.overlap,
        follow: o.follow ?? false,
        pollIntervalMs: o.interval,
        // The cursor is per data service: a stand-in and the real API must not share one.
        name: o.from === "standin" ? `poll:standin:${o.url}` : "poll:data-api",
        onProgress: (d, t) => bar.update(d, t),
      });
    }
  }

  const store = await openStore({
    ...(cfg.databaseUrl === undefined ? {} : { databaseUrl: cfg.databaseUrl }),
    dataDir: cfg.dataDir,
  });
  const ac = new AbortController();
  const stop = () => ac.abort(new Error("interrupted"));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // After the signal handlers: an interrupt during this import must still stop cleanly.
  if (o.follow === true || o.from === "ws") {
    // Following survives outages of any length: the feed is reported stale, retried for ever with
    // jittered backoff, and resumes from the cursor stored with the last batch (the backfill).
    const { resilientSource } = await import("../../sources/resilient-source.ts");
    const inner = source;
    source = resilientSource({
      source: inner,
      persistedCursor: () => store.getCursor(inner.name),
      onHealth: (h) =>
        process.stdout.write(
          h.stale
            ? `ingest: feed ${h.source} stale (${h.error}); retrying in ${Math.round((h.retryInMs ?? 0) / 1000)} s\n`
            : `ingest: feed ${h.source} is back; resuming from the stored cursor\n`,
        ),
    });
  }
  const t0 = performance.now();
  let received = 0;
  let inserted = 0;
  const storedMarkets = new Set<string>();
  const walletsSeen = new Set<string>(wallets);
  try {
    if (fileMarkets.length > 0) {
      await store.upsertMarkets(fileMarkets);
      for (const m of fileMarkets) storedMarkets.add(m.id);
    }
    const cursor = await store.getCursor(source.name);
    // Ctrl-C is how --follow ends: a clean stop whatever the source was doing (see untilInterrupted).
    for await (const b of untilInterrupted(source.stream(cursor, ac.signal), ac.signal)) {
      if (adapter) {
        // Markets before the events that reference them.
        const fresh = adapter.knownMarkets().filter((m) => !storedMarkets.has(m.id));
        if (fresh.length > 0) {
          await store.upsertMarkets(fresh);
          for (const m of fresh) storedMarkets.add(m.id);
        }
      }
      received += b.events.length;
      for (const e of b.events) walletsSeen.add(e.wallet);
      inserted += await store.ingestBatch(source.name, b.events, b.cursor);
    }
    bar.stop();
    for (const n of fileSource?.report?.notes ?? []) process.stderr.write(`warning: ${n}\n`);
    await registerWallets(store, walletsSeen);
    const total = await store.countLeaderEvents();
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    const stats = adapter
      ? ` (${adapter.http.stats.requests} requests, ${adapter.http.stats.retries} retries)`
      : "";
    process.stdout.write(
      `ingested ${inserted} new events (${received - inserted} already stored) from ${o.from} in ${secs}s${stats}; ` +
        `${storedMarkets.size} markets; the store now holds ${total} leader events\n`,
    );
  } finally {
    bar.stop();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await store.close();
  }
}

/** `--from ws` (websocket, polling while it is down) or `--from chain` (OrderFilled logs). */
async function liveSource(
  o: IngestOptions,
  adapter: import("../../polymarket/adapter.ts").PolymarketAdapter,
  wallets: string[],
  days: number,
  pm: { rtdsUrl: string; gammaUrl: string; rpcUrl?: string | undefined },
  bad: (msg: string) => Error,
): Promise<import("../../sources/source.ts").LeaderSource> {
  const { childLogger } = await import("../../log.ts");
  const log = childLogger(`ingest:${o.from}`);
  const logFn = (level: "info" | "warn", msg: string, data?: Record<string, unknown>) =>
    log[level](data ?? {}, msg);
  if (o.from === "ws") {
    const { createCombinedSource } = await import("../../sources/combined-source.ts");
    const url = o.wsUrl ?? (o.url ? `${o.url.replace(/^http/, "ws").replace(/\/+$/, "")}/ws` : pm.rtdsUrl);
    if (!/^wss?:\/\/\S+$/.test(url)) throw bad(`--ws-url must be a ws(s) URL, got "${url}"`);
    // A live feed: it runs until interrupted (Ctrl-C), whatever --follow says.
    return createCombinedSource({
      url,
      adapter,
      wallets,
      backfillDays: days,
      overlapSec: o.overlap,
      fallbackPollMs: o.interval,
      name: o.url ? `live:standin:${o.url}` : "live:rtds+poll",
      log: logFn,
    });
  }
  const { isAddress } = await import("../../domain/wallet.ts");
  const { POLYGON_EXCHANGES_V2 } = await import("../../polymarket/chain.ts");
  const { ChainSource, gammaTokenResolver, tokenResolverFromMarkets } = await import(
    "../../sources/chain-source.ts"
  );
  const rpcUrl = o.rpcUrl ?? pm.rpcUrl;
  if (!rpcUrl)
    throw bad("--from chain needs --rpc-url <Polygon JSON-RPC URL> (or polymarket.rpcUrl in the config)");
  if (!/^https?:\/\/\S+$/.test(rpcUrl)) throw bad(`--rpc-url must be an http(s) URL, got "${rpcUrl}"`);
  const exchanges = o.exchanges ?? [POLYGON_EXCHANGES_V2.ctfExchange, POLYGON_EXCHANGES_V2.negRiskExchangeA];
  for (const a of exchanges) if (!isAddress(a)) throw bad(`--exchanges: "${a}" is not an address`);
  // The stand-in's Gamma has no token filter: load its markets once; the real Gamma is asked per token.
  const resolveToken = o.url
    ? tokenResolverFromMarkets(await adapter.markets())
    : gammaTokenResolver(adapter, pm.gammaUrl);
  return new ChainSource({
    rpcUrl,
    exchanges,
    wallets,
    resolveToken,
    confirmations: o.confirmations ?? 32,
    backfillBlocks: days * 43_200,
    ...(o.fromBlock === undefined ? {} : { startBlock: BigInt(o.fromBlock) }),
    follow: o.follow ?? false,
    pollIntervalMs: o.interval,
    name: o.url ? `chain:standin:${rpcUrl}` : "chain:polygon",
    log: logFn,
  });
}

/** Adds wallets the store does not know yet (not followed); existing records are left as they are. */
async function registerWallets(
  store: import("../../store/store.ts").Store,
  wallets: Iterable<string>,
): Promise<void> {
  for (const address of wallets) {
    if (await store.getWallet(address)) continue;
    await store.upsertWallet({
      address,
      alias: null,
      class: null,
      pMm: null,
      score: null,
      followed: false,
      updatedTs: Date.now(),
    });
  }
}
