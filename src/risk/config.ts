/**
 * Risk and strategy settings, validated at the boundary (config file). Profiles per wallet class:
 * market makers conservative, directional moderate, uncertain smallest (DESIGN.md, quant-notes §3).
 */
import { z } from "zod";

/**
 * Documented ranges (README "Risk settings"). Money is held in integer micro-USD, so amounts stop at
 * 1e9 USD (1e15 micros, well inside exact doubles); a larger number is a typo, not a budget.
 */
export const MAX_USD = 1e9;
const usd = z.number().finite().nonnegative().max(MAX_USD);
const frac = z.number().finite().min(0).max(1);
/** Counts per hour and streak lengths. */
const count = z.number().int().positive().max(1_000_000);
const HOURS_10Y = 24 * 3650;

export const classProfileSchema = z
  .object({
    /** Copy entries from this class at all. */
    enabled: z.boolean(),
    /** Our notional per copied fill = leader notional × copyRatio, capped by maxOrderUsd. */
    copyRatio: z.number().finite().positive().max(10),
    maxOrderUsd: usd,
    maxPositionPerMarketUsd: usd,
    /** Worst-case loss over all outcomes of one event (multi-outcome aware). */
    maxEventLossUsd: usd,
    /** Risk budget per followed wallet (capital at risk). */
    walletBudgetUsd: usd,
    /** Budget for the whole class. */
    classBudgetUsd: usd,
    /** Max copied entries per hour per wallet (trade-frequency breaker threshold). */
    maxEntriesPerHour: count,
    /** Max copied entries per hour across all wallets of this class. */
    maxClassEntriesPerHour: count,
    /** Exits: take profit at +x of cost, trailing stop from the peak, time exit. */
    takeProfit: z.number().finite().positive().max(1000),
    trailingStop: frac,
    maxHoldHours: z.number().finite().positive().max(HOURS_10Y),
  })
  .strict();

export const breakerConfigSchema = z
  .object({
    /** Drawdown from peak equity (fraction of start capital) that trips REDUCED, then HALTED. */
    drawdownReduced: frac,
    drawdownHalted: frac,
    /** Consecutive losing exits that trip REDUCED / HALTED. */
    lossStreakReduced: count,
    lossStreakHalted: count,
    /** Stepping down needs the metric back below threshold × (1 − hysteresis)… */
    hysteresis: frac,
    /** …and at least this long in the current state. */
    cooldownMinutes: z
      .number()
      .finite()
      .nonnegative()
      .max(HOURS_10Y * 60),
    /** Loss streaks and drawdowns of wallets and classes count over this rolling window. */
    windowHours: z.number().finite().positive().max(HOURS_10Y),
    /** Size multiplier while REDUCED. */
    reducedSizeFactor: frac,
    /** No new entries this close to a market's end. */
    noEntryBeforeEndHours: z.number().finite().nonnegative().max(HOURS_10Y),
    /** Largest share of our exposure in one market before entries there are blocked. */
    maxMarketConcentration: frac,
    /**
     * Correlation breaker (risk/correlation.ts): crowding of our exposure across leaders, 0 when
     * their books are disjoint, 1 when identical; counted once this many leaders hold exposure.
     */
    correlationMinLeaders: z.number().int().min(2).max(10_000),
    correlationReduced: frac,
    correlationHalted: frac,
    /** While it is tripped, entries whose similarity to the other leaders' book reaches this are cut (REDUCED) or blocked (HALTED). */
    maxLeaderSimilarity: z.number().finite().min(-1).max(1),
  })
  .strict();

export const riskConfigSchema = z
  .object({
    startingCashUsd: z.number().finite().positive().max(MAX_USD),
    dailyLossLimitUsd: usd,
    profiles: z
      .object({
        market_maker: classProfileSchema,
        directional: classProfileSchema,
        uncertain: classProfileSchema,
      })
      .strict(),
    breakers: breakerConfigSchema,
    sizing: z
      .object({
        /** Fraction of the Kelly stake on the leader's estimated edge (directional and uncertain). */
        kellyFraction: frac,
        /** Price volatility per √hour at which size is unchanged; jumpier tokens get less. */
        targetVolPerHour: z.number().finite().positive().max(1),
        minVolFactor: z.number().finite().positive().max(100),
        maxVolFactor: z.number().finite().positive().max(100),
      })
      .strict(),
    filters: z
      .object({
        /** Skip when the price moved more than this (absolute) since the leader's fill. */
        stalenessTolerance: z.number().finite().min(0).max(1),
        /** Market makers: copy only when |net inventory| / volume in the market reaches this. */
        mmDriftThreshold: frac,
        mmMinFillsInMarket: z.number().int().nonnegative().max(1_000_000),
        /** Max spread we accept (absolute), and book depth at our limit as a multiple of our size. */
        maxSpread: z.number().finite().min(0).max(1),
        minDepthMultiple: z.number().finite().nonnegative().max(1000),
        /** Expected edge per share after spread, fees and slippage must exceed this. */
        minEdge: z.number().finite().min(-1).max(1),
        /** Skip orders whose fee exceeds this share of notional (gas is paid by the relayer on Polymarket). */
        maxFeeShare: frac,
        /** Copy entries only from wallets the analytics recommend copying (copy, copy_mm_rules). */
        followRecommendations: z.boolean(),
        /** Latency from leader fill to our order reaching the venue, ms (simulated venue). */
        latencyMs: z.number().int().nonnegative().max(600_000),
      })
      .strict(),
  })
  .strict()
  .superRefine((r, ctx) => {
    // Every min/max pair: a minimum above its maximum is a swapped pair, never a setting.
    if (r.sizing.minVolFactor > r.sizing.maxVolFactor)
      ctx.addIssue({ code: "custom", path: ["sizing", "minVolFactor"], message: "must be ≤ maxVolFactor" });
    for (const cls of ["market_maker", "directional", "uncertain"] as const) {
      const p = r.profiles[cls];
      const pair = (small: keyof ClassProfile, big: keyof ClassProfile) => {
        if ((p[small] as number) > (p[big] as number))
          ctx.addIssue({
            code: "custom",
            path: ["profiles", cls, small],
            message: `must be ≤ ${big}`,
          });
      };
      pair("maxOrderUsd", "maxPositionPerMarketUsd");
      pair("walletBudgetUsd", "classBudgetUsd");
      pair("maxEntriesPerHour", "maxClassEntriesPerHour");
    }
    if (r.breakers.drawdownHalted < r.breakers.drawdownReduced)
      ctx.addIssue({
        code: "custom",
        path: ["breakers", "drawdownHalted"],
        message: "must be ≥ drawdownReduced",
      });
    if (r.breakers.correlationHalted < r.breakers.correlationReduced)
      ctx.addIssue({
        code: "custom",
        path: ["breakers", "correlationHalted"],
        message: "must be ≥ correlationReduced",
      });
    if (r.breakers.lossStreakHalted < r.breakers.lossStreakReduced)
      ctx.addIssue({
        code: "custom",
        path: ["breakers", "lossStreakHalted"],
        message: "must be ≥ lossStreakReduced",
      });
  });

export type RiskConfig = z.output<typeof riskConfigSchema>;
export type ClassProfile = z.output<typeof classProfileSchema>;

export const DEFAULT_RISK_CONFIG: RiskConfig = {
  startingCashUsd: 10_000,
  dailyLossLimitUsd: 500,
  profiles: {
    market_maker: {
      enabled: true,
      copyRatio: 0.05,
      maxOrderUsd: 50,
      maxPositionPerMarketUsd: 150,
      maxEventLossUsd: 200,
      walletBudgetUsd: 500,
      classBudgetUsd: 1_500,
      maxEntriesPerHour: 4,
      maxClassEntriesPerHour: 12,
      takeProfit: 0.15,
      trailingStop: 0.1,
      maxHoldHours: 72,
    },
    directional: {
      enabled: true,
      copyRatio: 0.1,
      maxOrderUsd: 250,
      maxPositionPerMarketUsd: 600,
      maxEventLossUsd: 800,
      walletBudgetUsd: 2_000,
      classBudgetUsd: 7_000,
      maxEntriesPerHour: 10,
      maxClassEntriesPerHour: 40,
      takeProfit: 1.5,
      trailingStop: 0.5,
      maxHoldHours: 24 * 60,
    },
    uncertain: {
      enabled: true,
      copyRatio: 0.02,
      maxOrderUsd: 25,
      maxPositionPerMarketUsd: 75,
      maxEventLossUsd: 100,
      walletBudgetUsd: 200,
      classBudgetUsd: 600,
      maxEntriesPerHour: 2,
      maxClassEntriesPerHour: 6,
      takeProfit: 0.3,
      trailingStop: 0.2,
      maxHoldHours: 24 * 7,
    },
  },
  breakers: {
    drawdownReduced: 0.05,
    drawdownHalted: 0.1,
    lossStreakReduced: 5,
    lossStreakHalted: 10,
    hysteresis: 0.2,
    cooldownMinutes: 60,
    windowHours: 24,
    reducedSizeFactor: 0.5,
    noEntryBeforeEndHours: 2,
    maxMarketConcentration: 0.25,
    correlationMinLeaders: 3,
    correlationReduced: 0.5,
    correlationHalted: 0.75,
    maxLeaderSimilarity: 0.5,
  },
  sizing: { kellyFraction: 0.5, targetVolPerHour: 0.05, minVolFactor: 0.25, maxVolFactor: 1.5 },
  filters: {
    stalenessTolerance: 0.03,
    mmDriftThreshold: 0.35,
    mmMinFillsInMarket: 8,
    maxSpread: 0.05,
    minDepthMultiple: 1,
    minEdge: 0,
    maxFeeShare: 0.03,
    followRecommendations: true,
    latencyMs: 1500,
  },
};
