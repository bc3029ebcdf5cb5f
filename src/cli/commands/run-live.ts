/** `polycopy run --source standin|polymarket`: paper trading on a live leader feed until stopped. */
import type { WalletVerdict } from "../../analytics/analyze.ts";
import { checkDashboardBind, loadConfig } from "../../config/config.ts";
import { PolycopyError } from "../../domain/errors.ts";
import { redactUrl } from "../../domain/redact.ts";
import { fromMicros } from "../../domain/units.ts";
import { isAddress, normalizeAddress } from "../../domain/wallet.ts";
import { WebhookAlerts } from "../../engine/alerts.ts";
import { EventBus } from "../../engine/bus.ts";
import type { CopyEngine, LeaderProfile } from "../../engine/engine.ts";
import { UpstreamHealth } from "../../engine/health.ts";
import { runLive } from "../../engine/live.ts";
import { childLogger } from "../../log.ts";
import { PolymarketAdapter } from "../../polymarket/adapter.ts";
import { FOLLOW_RETRY } from "../../polymarket/http.ts";
import { PollSource } from "../../sources/poll-source.ts";
import { lockLine } from "../../store/instance-lock.ts";
import { openStore } from "../../store/open.ts";
import { serveDashboard } from "./dashboard.ts";
import { recordLeaders } from "./record-leaders.ts";

export async function runLiveBot(o: {
  config?: string;
  source: string;
  url?: string;
  wallets?: string[];
  interval: number;
  serve: boolean;
  live?: boolean;
}): Promise<void> {
  const bad = (msg: string) => new PolycopyError("CLI_INVALID", msg, { userFacing: true });
  if (o.interval < 100) throw bad(`--interval must be ≥ 100 ms, got ${o.interval}`);
  const cfg = loadConfig(o.config === undefined ? {} : { file: o.config });
  if (o.serve) checkDashboardBind(cfg); // before anything is written
  const wallets = o.wallets ?? cfg.wallets.map((w) => w.address);
  if (wallets.length === 0)
    throw bad("no wallets to follow: list them in the config (wallets) or pass --wallets");
  for (const w of wallets)
    if (!isAddress(w)) throw bad(`--wallets: "${w}" is not a 0x address of 40 hex digits`);
  let urls: { gammaUrl: string; dataUrl: string; clobUrl: string };
  if (o.source === "standin") {
    if (!o.url || !/^https?:\/\/[^\s/]+/.test(o.url))
      throw bad("--source standin needs --url <http base URL of the stand-in>");
    urls = { gammaUrl: o.url, dataUrl: o.url, clobUrl: o.url };
  } else {
    urls = {
      gammaUrl: cfg.polymarket.gammaUrl,
      dataUrl: cfg.polymarket.dataUrl,
      clobUrl: cfg.polymarket.clobUrl,
    };
  }
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const adapter = new PolymarketAdapter({
    urls,
    // Short client retries: a feed that stays down is retried for ever one level up
    // (resilient-source.ts), and shows as stale within seconds instead of a minute.
    http: { retry: FOLLOW_RETRY, onRetry: (r) => childLogger("run").warn(r, "retrying request") },
  });
  const list = wallets.map(normalizeAddress);
  const name = `poll:run:${o.source}`;
  const backfill = new PollSource({
    adapter,
    wallets: list,
    backfillDays: cfg.polymarket.backfillDays,
    name,
  });
  const source = new PollSource({
    adapter,
    wallets: list,
    backfillDays: cfg.polymarket.backfillDays,
    name,
    follow: true,
    pollIntervalMs: o.interval,
  });
  // The ledger's trading lock comes first: a second instance must not even log in to the venue.
  const store = await openStore({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir });
  const lease = await store.acquireInstanceLock().catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  out(lockLine(lease));
  let liveVenue: import("../../venues/venue.ts").Venue | undefined;
  if (o.live) {
    const { PolymarketVenue } = await import("../../venues/polymarket.ts");
    const codes = { auto: "auto", EOA: 0, POLY_PROXY: 1, GNOSIS_SAFE: 2, POLY_1271: 3 } as const;
    liveVenue = await PolymarketVenue.connect({
      clobUrl: urls.clobUrl,
      gammaUrl: urls.gammaUrl,
      dataUrl: urls.dataUrl,
      // The stand-in also answers the relayer's "is this proxy/Safe deployed?" that the SDK asks.
      ...(o.source === "standin" ? { relayerUrl: urls.clobUrl } : {}),
      signatureType: codes[cfg.polymarket.signatureType],
      funder: cfg.polymarket.funder,
      keyFile: cfg.polymarket.keyFile,
    });
    out(`LIVE TRADING on ${redactUrl(urls.clobUrl)}: real orders will be signed and sent`);
  }
  const roles = cfg.polymarket.rpcUrl
    ? new (await import("../../polymarket/fill-roles.ts")).FillRoles({ rpcUrl: cfg.polymarket.rpcUrl })
    : undefined;
  const bus = new EventBus();
  const health = new UpstreamHealth({ bus, onChange: out });
  const alerts = cfg.alerts.webhookUrl
    ? new WebhookAlerts(bus, { url: cfg.alerts.webhookUrl, minIntervalSec: cfg.alerts.minIntervalSec })
    : null;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let engine: CopyEngine | null = null;
  let leaders: ReadonlyMap<string, LeaderProfile> = new Map();
  const verdicts = new Map<string, WalletVerdict>();
  const dash =
    o.serve && cfg.server.enabled
      ? await serveDashboard({
          cfg,
          store,
          bus,
          engine: () => engine,
          leaders: () => leaders,
          verdicts: () => verdicts,
          upstream: () => health.snapshot(),
          mode: "paper",
        })
      : null;
  if (dash) out(dash.link);
  let recorded: Promise<void> = Promise.resolve();
  const crash = process.env.POLYCOPY_TEST_CRASH_AFTER_ORDER;
  const crashStep = process.env.POLYCOPY_TEST_CRASH_AFTER_STEP;
  const crashBeforePost = process.env.POLYCOPY_TEST_CRASH_BEFORE_POST;
  const crashAfterFill = process.env.POLYCOPY_TEST_CRASH_AFTER_FILL;
  const crashSettle = process.env.POLYCOPY_TEST_CRASH_AT_SETTLE;
  try {
    const r = await runLive({
      store,
      adapter,
      source,
      backfill,
      wallets: list,
      risk: cfg.risk,
      ...(roles ? { roles } : {}),
      bus,
      signal: stop.signal,
      lease,
      health,
      ...(liveVenue ? { liveVenue } : {}),
      ...(crash ? { crashAfterOrder: Number(crash) } : {}),
      ...(crashStep ? { crashAfterStep: Number(crashStep) } : {}),
      ...(crashBeforePost ? { crashBeforePost: Number(crashBeforePost) } : {}),
      ...(crashAfterFill ? { crashAfterFill: Number(crashAfterFill) } : {}),
      ...(crashSettle === "before-commit" || crashSettle === "after-commit"
        ? { crashAtSettle: crashSettle }
        : {}),
      resolutionCheckMs: cfg.polymarket.resolutionCheckSec * 1000,
      workingOrderWaitMs: cfg.polymarket.workingOrderWaitSec * 1000,
      openMarketCheckMs: cfg.polymarket.openMarketCheckSec * 1000,
      onStatus: out,
      onReady: (e, l) => {
        engine = e;
        leaders = l;
        // What `polycopy wallets` shows: the followed wallets with the classes this run copies by.
        const aliases = new Map(cfg.wallets.map((w) => [w.address, w.alias]));
        recorded = recordLeaders(store, l, new Map(), aliases).catch((err: unknown) =>
          childLogger("run").warn({ err }, "could not record the followed wallets"),
        );
      },
    });
    const c = r.engine.counters;
    out(
      `stopped: ${r.handled} leader fills handled this session; ${c.copied} copied, ${c.resized} resized, ${c.skipped} skipped, ${c.blocked} blocked; cash ${fromMicros(r.engine.cash).toFixed(2)} USD; equity ${r.engine.equityUsd().toFixed(2)} USD`,
    );
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await recorded;
    await alerts?.flush();
    alerts?.close();
    await dash?.server.close();
    await lease.release();
    await store.close();
  }
}
