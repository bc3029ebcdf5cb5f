/**
 * Entry sizing: the leader's notional × the class's copy ratio, scaled by the token's price
 * volatility (a binary price moves most near 0.5 and in news bursts: size down when it is jumpy),
 * and capped by fractional Kelly on the leader's estimated edge (quant-notes §3).
 */
import type { RiskConfig } from "../risk/config.ts";

export interface SizingInput {
  leaderNotionalUsd: number;
  copyRatio: number;
  maxOrderUsd: number;
  /** Price we expect to pay. */
  price: number;
  /** Leader's estimated edge per share (shrunk); ≤ 0 means no Kelly stake. */
  edge: number;
  /** Recent price volatility of the token, per √hour; null when unknown. */
  volPerHour: number | null;
  bankrollUsd: number;
  /** Market makers' entries follow inventory drift, not an edge estimate: no Kelly cap. */
  useKelly: boolean;
}

export interface SizingResult {
  usd: number;
  volFactor: number;
  kellyCapUsd: number | null;
}

export function sizeEntry(i: SizingInput, s: RiskConfig["sizing"]): SizingResult {
  let usd = Math.min(i.leaderNotionalUsd * i.copyRatio, i.maxOrderUsd * 4);
  let volFactor = 1;
  if (i.volPerHour !== null && i.volPerHour > 0) {
    volFactor = Math.min(s.maxVolFactor, Math.max(s.minVolFactor, s.targetVolPerHour / i.volPerHour));
  }
  usd *= volFactor;
  let kellyCapUsd: number | null = null;
  if (i.useKelly && i.price > 0 && i.price < 1) {
    // Buying at p with believed probability q = p + edge: Kelly fraction f* = (q − p) / (1 − p).
    const f = Math.max(0, i.edge) / (1 - i.price);
    kellyCapUsd = s.kellyFraction * f * i.bankrollUsd;
    usd = Math.min(usd, kellyCapUsd);
  }
  return { usd: Math.max(0, usd), volFactor, kellyCapUsd };
}

/** EWMA of squared price changes per hour, per token: the volatility the sizing uses. */
export class PriceVolatility {
  readonly #state = new Map<string, { p: number; ts: number; v: number; n: number }>();
  readonly alpha: number;
  constructor(alpha = 0.1) {
    this.alpha = alpha;
  }

  observe(tokenId: string, price: number, ts: number): void {
    const s = this.#state.get(tokenId);
    if (!s) {
      this.#state.set(tokenId, { p: price, ts, v: 0, n: 0 });
      return;
    }
    // Same price at the same moment (another fill of one order, or a duplicate message): no news.
    if (ts <= s.ts && price === s.p) return;
    const dtH = Math.max(1 / 60, (ts - s.ts) / 3_600_000);
    const rate = (price - s.p) ** 2 / dtH;
    s.v = s.n === 0 ? rate : this.alpha * rate + (1 - this.alpha) * s.v;
    s.n++;
    s.p = price;
    s.ts = ts;
  }

  /** Volatility per √hour, or null before a few observations. */
  perHour(tokenId: string): number | null {
    const s = this.#state.get(tokenId);
    return s && s.n >= 5 ? Math.sqrt(s.v) : null;
  }
}
