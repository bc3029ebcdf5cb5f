/** Implementation of `polycopy run` / `polycopy demo` (kept out of the command file so --help stays fast). */
import { classifyLeaders, formatComparison, runStrategy, summarize } from "../../backtest/run.ts";
import { checkDashboardBind, loadConfig } from "../../config/config.ts";
import { PolycopyError } from "../../domain/errors.ts";
import { fromMicros } from "../../domain/units.ts";
import { WebhookAlerts } from "../../engine/alerts.ts";
import { EventBus } from "../../engine/bus.ts";
import { runPaper } from "../../engine/paper.ts";
import { simulate } from "../../sim/simulate.ts";
import { lockLine } from "../../store/instance-lock.ts";
import { openStore } from "../../store/open.ts";
import type { AuditEntry } from "../../store/store.ts";
import { progressBar } from "../progress.ts";
import { serveDashboard } from "./dashboard.ts";
import { recordLeaders } from "./record-leaders.ts";
import type { RunOptions } from "./run.ts";

export async function runBot(o: RunOptions, name: string): Promise<void> {
  if (o.live) {
    throw new PolycopyError(
      "CLI_INVALID",
      "--live needs a live leader feed: use --source polymarket (or --source standin --url URL to rehearse against the local stand-in)",
      { userFacing: true },
    );
  }
  if (o.warmupDays >= o.days) {
    throw new PolycopyError(
      "CLI_INVALID",
      `--warmup-days (${o.warmupDays}) must be less than --days (${o.days})`,
      {
        userFacing: true,
      },
    );
  }
  const cfg = loadConfig(o.config === undefined ? {} : { file: o.config });
  if (o.serve) checkDashboardBind(cfg); // before anything is written
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const t0 = performance.now();
  const sim = simulate({ seed: o.seed, days: o.days, walletsPerStyle: o.walletsPerStyle });
  out(
    `${name}: simulated ${o.days} days, ${sim.labels.length} wallets, ${sim.markets.length} markets, ${sim.events.length} leader events (seed ${o.seed})`,
  );

  const store = await openStore({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir });
  const lease = await store.acquireInstanceLock().catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  out(lockLine(lease));
  const closeStore = async () => {
    await lease.release();
    await store.close();
  };
  await store.upsertMarkets(sim.markets);
  const fresh = await store.ingestBatch(
    `sim:${o.seed}:${o.days}:${o.walletsPerStyle}`,
    sim.events,
    String(sim.events.at(-1)?.ts ?? 0),
  );
  out(
    `store (${store.dialect}): ${fresh} new leader events ingested (${sim.events.length - fresh} already known)`,
  );

  const bus = new EventBus();
  const alerts = cfg.alerts.webhookUrl
    ? new WebhookAlerts(bus, { url: cfg.alerts.webhookUrl, minIntervalSec: cfg.alerts.minIntervalSec })
    : null;
  const cls = classifyLeaders(sim, {
    warmupDays: o.warmupDays,
    topN: o.leaders,
    ...(cfg.wallets.length ? { leaders: cfg.wallets.map((w) => w.address) } : {}),
  });
  const risk = cfg.risk;
  await recordLeaders(
    store,
    cls.leaders,
    new Map(cls.verdicts.map((v) => [v.wallet, v])),
    new Map(cfg.wallets.map((w) => [w.address, w.alias])),
  );
  const runId = `sim-${o.seed}-${o.days}d-${o.walletsPerStyle}w-warmup${o.warmupDays}-${cls.leaders.size}leaders`;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const bar = progressBar("paper");
  const crash = process.env.POLYCOPY_TEST_CRASH_AFTER_ORDER;
  const paper = await runPaper({
    store,
    runId,
    history: sim,
    leaders: cls.leaders,
    risk,
    fromTs: cls.warmupEnd,
    bus,
    signal: stop.signal,
    ...(o.stepDelayMs ? { stepDelayMs: o.stepDelayMs } : {}),
    ...(crash ? { crashAfterOrder: Number(crash) } : {}),
    onProgress: (d, t) => bar.update(d, t),
  });
  bar.stop();
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  out(
    paper.resumedAt > 0
      ? `ledger: resumed paper run ${runId} at step ${Math.min(paper.resumedAt, paper.total)} of ${paper.total}${paper.resumedAt > paper.total ? " (complete)" : ""}; rebuilt state reconciled with the ledger`
      : `ledger: new paper run ${runId}`,
  );
  if (paper.stopped) {
    out(`stopped at a step boundary after ${paper.committed} commits; run again to resume`);
    await closeStore();
    return;
  }
  const engine = paper.engine;
  const aware = summarize("wallet-type-aware", engine, risk);
  const plain = runStrategy("plain proportional copy", "plain", sim, cls.leaders, risk, cls.warmupEnd);
  const r = { verdicts: cls.verdicts, leaders: cls.leaders, aware, plain };
  // Decisions come from the ledger, so a resumed run reports the whole run, not just its tail.
  const audit: AuditEntry[] = await store.listAudit({ kind: "decision", limit: 10_000_000 });
  const byWallet = new Map(r.verdicts.map((v) => [v.wallet, v]));
  const label = new Map(sim.labels.map((l) => [l.wallet, l]));
  out("");
  out(`leaders (classified on the first ${o.warmupDays} days; simulator truth in the last column):`);
  out("wallet        class          P(MM)  score [low-high]  recommendation  truth");
  for (const [w, p] of r.leaders) {
    const v = byWallet.get(w);
    out(
      `${w.slice(0, 12)}  ${p.class.padEnd(13)} ${(v?.p_mm ?? 0).toFixed(2).padStart(5)}  ${(v?.score ?? 0).toFixed(0).padStart(5)} [${(v?.score_low ?? 0).toFixed(0)}-${(v?.score_high ?? 0).toFixed(0)}]  ${(v?.recommendation ?? "-").padEnd(14)}  ${label.get(w)?.style ?? "?"}`,
    );
  }
  const c = engine.counters;
  out("");
  out(
    `decisions: ${c.followedFills} leader fills from followed wallets -> ${c.copied} copied, ${c.resized} resized, ${c.skipped} skipped, ${c.blocked} blocked; ${c.fills} fills, ${c.exits} exits`,
  );
  const rules = new Map<string, number>();
  for (const a of audit)
    if (a.kind === "decision") {
      const rule = String((a.data as { rule?: string | null }).rule ?? (a.data as { action: string }).action);
      rules.set(rule, (rules.get(rule) ?? 0) + 1);
    }
  out(
    `by rule: ${[...rules]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k}=${n}`)
      .join(", ")}`,
  );
  out("last decisions:");
  for (const d of engine.recent.slice(-6))
    out(
      `  ${new Date(d.ts).toISOString().slice(0, 16)} ${d.wallet.slice(0, 10)} ${d.action}${d.rule ? ` [${d.rule}]` : ""}: ${d.reason}`,
    );
  const open = [...engine.positions.values()].filter((p) => p.qty > 0);
  const realized = [...engine.positions.values()].reduce((s, p) => s + p.realized, 0);
  out(
    `positions: ${open.length} open; cash ${fromMicros(engine.cash).toFixed(2)} USD; realized ${fromMicros(realized).toFixed(2)} USD; equity ${engine.equityUsd().toFixed(2)} USD`,
  );
  for (const p of open.slice(0, 5))
    out(
      `  ${p.tokenId.slice(0, 14)}… ${fromMicros(p.qty).toFixed(1)} shares, cost ${fromMicros(p.cost).toFixed(2)}`,
    );
  out("");
  out(
    `paper run after warm-up, both on the same simulated venue (book walk, taker fees, ${risk.filters.latencyMs} ms latency):`,
  );
  out(formatComparison(r));
  out(
    `(${((performance.now() - t0) / 1000).toFixed(1)} s; audit log: ${audit.length} entries in ${store.dialect})`,
  );

  await alerts?.flush();
  if (!o.serve || !cfg.server.enabled) {
    alerts?.close();
    await closeStore();
    return;
  }
  const { server, link } = await serveDashboard({
    cfg,
    store,
    bus,
    engine: () => engine,
    leaders: () => r.leaders,
    verdicts: () => byWallet,
    comparison: [r.aware, r.plain].map((x) => ({
      name: x.name,
      return: x.return,
      sharpe: x.sharpe,
      maxDrawdown: x.maxDrawdown,
      trades: x.trades,
    })),
    mode: "paper",
  });
  out("");
  out(link);
  if (o.exit) {
    await server.close();
    await closeStore();
    return;
  }
  out("press Ctrl-C to stop");
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  await alerts?.flush();
  alerts?.close();
  await closeStore();
  out("stopped");
}
