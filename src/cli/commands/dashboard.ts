/** Starts the dashboard for a running engine (shared by the simulated and the live paper runs). */
import { randomBytes } from "node:crypto";
import type { WalletVerdict } from "../../analytics/analyze.ts";
import type { AppConfig } from "../../config/config.ts";
import { PolycopyError } from "../../domain/errors.ts";
import type { EngineEvent } from "../../domain/events.ts";
import type { EventBus } from "../../engine/bus.ts";
import type { CopyEngine, LeaderProfile } from "../../engine/engine.ts";
import type { UpstreamSnapshot } from "../../engine/health.ts";
import type { DashboardComparisonRow, RunningServer } from "../../server/index.ts";
import type { Store } from "../../store/store.ts";

export async function serveDashboard(a: {
  cfg: AppConfig;
  store: Store;
  bus: EventBus;
  engine: () => CopyEngine | null;
  leaders: () => ReadonlyMap<string, LeaderProfile>;
  verdicts: () => ReadonlyMap<string, WalletVerdict>;
  comparison?: DashboardComparisonRow[];
  /** Upstream health of a live feed (the outage indicator). */
  upstream?: () => UpstreamSnapshot;
  mode: "paper" | "live";
}): Promise<{ server: RunningServer; link: string }> {
  const { startServer } = await import("../../server/index.ts");
  const { checkDashboardBind } = await import("../../config/config.ts");
  const warning = checkDashboardBind(a.cfg);
  if (warning) process.stderr.write(`${warning}\n`);
  const token = process.env.POLYCOPY_API_TOKEN || randomBytes(18).toString("base64url");
  const started = Date.now();
  const need = () => {
    const e = a.engine();
    if (!e) throw new PolycopyError("CONFLICT", "the engine is still starting", { userFacing: true });
    return e;
  };
  const server = await startServer({
    bus: a.bus,
    store: a.store,
    token,
    host: a.cfg.server.host,
    port: a.cfg.server.port,
    snapshot: async () => {
      const engine = a.engine();
      const positions = engine ? [...engine.positions.values()] : [];
      const realized = positions.reduce((s, p) => s + p.realized, 0);
      const unrealized = positions.reduce(
        (sum, p) =>
          sum +
          (p.qty > 0 ? Math.round(p.qty * (engine!.prices.last(p.tokenId) ?? p.cost / p.qty)) - p.cost : 0),
        0,
      );
      const verdicts = a.verdicts();
      return {
        mode: a.mode,
        startedTs: started,
        equity: engine ? Math.round(engine.equityUsd() * 1e6) : 0,
        cash: engine?.cash ?? 0,
        realized,
        unrealized,
        killSwitch: engine?.killSwitch ?? false,
        wallets: [...a.leaders()].map(([w, p]) => {
          const v = verdicts.get(w);
          const pw = engine?.perWallet.get(w);
          return {
            wallet: w,
            class: p.class,
            pMm: v?.p_mm ?? 0,
            pMmLow: v?.p_mm_low ?? 0,
            pMmHigh: v?.p_mm_high ?? 0,
            score: v?.score ?? p.score,
            scoreLow: v?.score_low ?? 0,
            scoreHigh: v?.score_high ?? 0,
            recommendation: p.recommendation ?? v?.recommendation ?? "watch",
            copied: pw?.copied ?? 0,
            skipped: pw?.skipped ?? 0,
          };
        }),
        positions: positions.filter((p) => p.qty > 0),
        breakers: engine ? [...engine.breakers.values()] : [],
        recentDecisions: engine ? [...engine.recent].reverse().slice(0, 50) : [],
        counters: engine ? { ...engine.counters } : {},
        ...(a.comparison ? { comparison: a.comparison } : {}),
        ...(a.upstream ? { upstream: a.upstream() } : {}),
      };
    },
    control: {
      setKillSwitch: async (on, reason) => {
        need().setKillSwitch(on, reason);
        await a.store.setKv("kill_switch", on ? "on" : "off");
        await a.store.appendAudit({
          ts: Date.now(),
          kind: "kill_switch",
          subject: "global",
          message: `${on ? "on" : "off"}: ${reason}`,
          data: null,
        });
      },
      resetBreaker: async (scope) => {
        const engine = need();
        const b = engine.breakers.get(scope);
        if (!b) throw new PolycopyError("NOT_FOUND", `unknown breaker scope ${scope}`);
        const next = {
          ...b,
          state: "NORMAL" as const,
          reason: "manual reset",
          since: Date.now(),
          cooldownUntil: Date.now(),
        };
        engine.breakers.set(scope, next);
        await a.store.saveBreaker(next);
        a.bus.emit({
          type: "breaker",
          scope,
          from: b.state,
          to: "NORMAL",
          reason: "manual reset",
          ts: Date.now(),
        } satisfies EngineEvent);
      },
    },
  });
  const link = process.env.POLYCOPY_API_TOKEN
    ? `dashboard: ${server.url} (state changes need the token from POLYCOPY_API_TOKEN)`
    : `dashboard: ${server.url}#token=${token}  (this link carries the session token that state changes need)`;
  return { server, link };
}
