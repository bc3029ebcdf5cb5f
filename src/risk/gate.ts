/**
 * The one risk gate every order passes. Pure: the engine gathers the portfolio facts, the gate
 * decides copy / resize / block and names the rule. Entries can be resized or blocked by any
 * limit or breaker; exits pass always (a halt must never trap us in a position).
 */
import type { BreakerState } from "../domain/events.ts";
import type { ClassProfile, RiskConfig } from "./config.ts";

export interface GateContext {
  now: number;
  killSwitch: boolean;
  breakers: { global: BreakerState; cls: BreakerState; wallet: BreakerState };
  profile: ClassProfile;
  risk: RiskConfig;
  /** Our current cost basis in this market (all outcomes), USD. */
  marketExposureUsd: number;
  /** Worst-case loss over the market's event if this order fills, USD (multi-outcome aware). */
  eventWorstLossAfterUsd: number;
  walletExposureUsd: number;
  classExposureUsd: number;
  totalExposureUsd: number;
  /** Realized + unrealized PnL since the start of the UTC day, USD. */
  dailyPnlUsd: number;
  /** Entries copied from this wallet in the last hour. */
  entriesLastHour: number;
  /** Entries copied from all wallets of this class in the last hour. */
  classEntriesLastHour: number;
  marketEndTs: number | null;
  cashUsd: number;
  /**
   * The correlation breaker's state and this entry's similarity to the exposure we hold through
   * the other leaders (risk/correlation.ts). Only entries that pile onto the crowd are cut.
   */
  correlation: { state: BreakerState; similarity: number };
}

export interface GateResult {
  action: "copied" | "resized" | "blocked";
  rule: string | null;
  reason: string;
  notionalUsd: number;
}

/** Smallest marketable order on Polymarket ($1). */
export const MIN_ORDER_USD = 1;

export function gateEntry(wantUsd: number, ctx: GateContext): GateResult {
  const block = (rule: string, reason: string): GateResult => ({
    action: "blocked",
    rule,
    reason,
    notionalUsd: 0,
  });
  if (ctx.killSwitch) return block("risk.kill_switch", "kill switch is on: no new entries");
  for (const [scope, st] of [
    ["global", ctx.breakers.global],
    ["class", ctx.breakers.cls],
    ["wallet", ctx.breakers.wallet],
  ] as const) {
    if (st === "HALTED") return block(`breaker.${scope}`, `${scope} breaker HALTED: entries blocked`);
  }
  if (!ctx.profile.enabled) return block("risk.class_disabled", "copying this wallet class is disabled");
  if (ctx.dailyPnlUsd <= -ctx.risk.dailyLossLimitUsd)
    return block(
      "risk.daily_loss",
      `daily loss ${ctx.dailyPnlUsd.toFixed(2)} reached the limit ${ctx.risk.dailyLossLimitUsd}`,
    );
  if (ctx.entriesLastHour >= ctx.profile.maxEntriesPerHour)
    return block(
      "breaker.frequency",
      `${ctx.entriesLastHour} entries from this wallet in the last hour (limit ${ctx.profile.maxEntriesPerHour})`,
    );
  if (ctx.classEntriesLastHour >= ctx.profile.maxClassEntriesPerHour)
    return block(
      "breaker.class_frequency",
      `${ctx.classEntriesLastHour} entries from this class in the last hour (limit ${ctx.profile.maxClassEntriesPerHour})`,
    );
  const crowded = ctx.correlation.similarity >= ctx.risk.breakers.maxLeaderSimilarity;
  if (crowded && ctx.correlation.state === "HALTED")
    return block(
      "breaker.correlation",
      `leaders' books are crowded (correlation breaker HALTED) and this entry's similarity to them is ${ctx.correlation.similarity.toFixed(2)} ≥ ${ctx.risk.breakers.maxLeaderSimilarity}`,
    );
  const endGap = ctx.risk.breakers.noEntryBeforeEndHours * 3_600_000;
  if (ctx.marketEndTs !== null && ctx.marketEndTs - ctx.now < endGap)
    return block("breaker.time_window", `market ends within ${ctx.risk.breakers.noEntryBeforeEndHours} h`);

  let usd = wantUsd;
  const rules: string[] = [];
  const cap = (room: number, rule: string) => {
    if (usd > room) {
      usd = Math.max(0, room);
      rules.push(rule);
    }
  };
  const reduced = [ctx.breakers.global, ctx.breakers.cls, ctx.breakers.wallet].includes("REDUCED");
  if (reduced) {
    usd *= ctx.risk.breakers.reducedSizeFactor;
    rules.push("breaker.reduced");
  }
  if (crowded && ctx.correlation.state === "REDUCED") {
    usd *= ctx.risk.breakers.reducedSizeFactor;
    rules.push("breaker.correlation");
  }
  cap(ctx.profile.maxOrderUsd, "risk.max_order");
  cap(ctx.profile.maxPositionPerMarketUsd - ctx.marketExposureUsd, "risk.max_position");
  cap(ctx.profile.maxEventLossUsd - (ctx.eventWorstLossAfterUsd - wantUsd), "risk.max_event_loss");
  cap(ctx.profile.walletBudgetUsd - ctx.walletExposureUsd, "risk.wallet_budget");
  cap(ctx.profile.classBudgetUsd - ctx.classExposureUsd, "risk.class_budget");
  const total = ctx.totalExposureUsd + usd;
  if (
    total > 0 &&
    (ctx.marketExposureUsd + usd) / Math.max(total, ctx.risk.startingCashUsd) >
      ctx.risk.breakers.maxMarketConcentration
  ) {
    cap(
      ctx.risk.breakers.maxMarketConcentration * Math.max(total, ctx.risk.startingCashUsd) -
        ctx.marketExposureUsd,
      "breaker.concentration",
    );
  }
  cap(ctx.cashUsd, "risk.cash");
  if (usd < MIN_ORDER_USD) {
    const rule = rules.at(-1) ?? "risk.min_order";
    return block(
      rule,
      `no room under ${rules.join(", ") || "limits"}: ${usd.toFixed(2)} < $${MIN_ORDER_USD} minimum`,
    );
  }
  if (rules.length > 0) {
    return {
      action: "resized",
      rule: rules[0]!,
      reason: `resized ${wantUsd.toFixed(2)} → ${usd.toFixed(2)} by ${rules.join(", ")}`,
      notionalUsd: usd,
    };
  }
  return { action: "copied", rule: null, reason: "within all limits", notionalUsd: usd };
}
