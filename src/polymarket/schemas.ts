import { z } from "zod";

/**
 * Boundary schemas for the Polymarket payloads polycopy reads: Gamma market objects, Data API
 * `/activity` and `/trades` records, CLOB `/book` and real-time data service (RTDS) activity
 * messages. Shapes follow the official docs and the real objects in ../shared/data (every one of
 * which these schemas accept). Unknown fields are ignored (the APIs add fields often); the fields we
 * use are checked strictly so a bad payload fails with a message naming the field.
 */

const numeric = z.union([
  z.number(),
  z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, "must be a decimal"),
]);
/** A finite number that may arrive as a JSON number or a decimal string. */
const num = numeric.transform((v) => Number(v)).pipe(z.number().refine(Number.isFinite, "must be finite"));
const nonNegNum = num.pipe(z.number().nonnegative("must not be negative"));

/** Gamma encodes several arrays as JSON strings ("[\"Yes\", \"No\"]"); accept either form. */
function jsonStringArray<T extends z.ZodType>(item: T) {
  return z
    .unknown()
    .transform((v, ctx): unknown[] => {
      if (Array.isArray(v)) return v;
      if (typeof v === "string") {
        try {
          const x: unknown = JSON.parse(v);
          if (Array.isArray(x)) return x;
        } catch {
          // reported below
        }
      }
      ctx.addIssue({ code: "custom", message: "must be a JSON array (or a string encoding one)" });
      return z.NEVER;
    })
    .pipe(z.array(item));
}

export const conditionIdSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex id");
export const tokenIdSchema = z.string().regex(/^\d{1,78}$/, "must be a decimal token id");
export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 40-hex-digit address")
  .transform((a) => a.toLowerCase());

export const feeScheduleSchema = z.object({
  rate: nonNegNum,
  exponent: num.pipe(z.number().positive("must be positive")).default(1),
  takerOnly: z.boolean().default(true),
  rebateRate: nonNegNum.optional(),
});

export const gammaMarketSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  slug: z.string().default(""),
  question: z.string().default(""),
  conditionId: conditionIdSchema,
  outcomes: jsonStringArray(z.string()),
  outcomePrices: jsonStringArray(numeric).nullish(),
  clobTokenIds: jsonStringArray(tokenIdSchema),
  closed: z.boolean().default(false),
  negRisk: z.boolean().nullish(),
  orderPriceMinTickSize: num.pipe(z.number().gt(0, "must be > 0").lt(1, "must be < 1")),
  orderMinSize: nonNegNum,
  feesEnabled: z.boolean().nullish(),
  feeSchedule: feeScheduleSchema.nullish(),
  endDate: z.string().nullish(),
  umaResolutionStatus: z.string().nullish(),
  category: z.string().nullish(),
  eventId: z.union([z.string(), z.number()]).nullish(),
  events: z.array(z.object({ id: z.union([z.string(), z.number()]) })).nullish(),
});
export type GammaMarket = z.output<typeof gammaMarketSchema>;

// Data API `/activity` and `/trades` records are parsed by data-api-record.ts (one parser for
// every entry point).

const bookLevelSchema = z.object({ price: num, size: nonNegNum });

/** CLOB `GET /book?token_id=` response. Prices and sizes are decimal strings on the wire. */
export const clobBookSchema = z.object({
  market: z.string(),
  asset_id: tokenIdSchema,
  timestamp: numeric.nullish(),
  bids: z.array(bookLevelSchema),
  asks: z.array(bookLevelSchema),
  min_order_size: nonNegNum.nullish(),
  tick_size: num.pipe(z.number().gt(0, "must be > 0").lt(1, "must be < 1")),
  neg_risk: z.boolean().nullish(),
  last_trade_price: numeric.nullish(),
  hash: z.string().nullish(),
});
export type ClobBook = z.output<typeof clobBookSchema>;

/** A message of the real-time data service: `{topic:"activity", type:"trades", timestamp, payload}`. */
export const rtdsMessageSchema = z.object({
  topic: z.string(),
  type: z.string(),
  timestamp: num.optional(),
  payload: z.unknown(),
});
export type RtdsMessage = z.output<typeof rtdsMessageSchema>;
