import type { OrderBook } from "../domain/book.ts";
import type { Market } from "../domain/market.ts";
import { Rng } from "../domain/rng.ts";

/** Price-path resolution: one latent point per STEP_MS; prices in between are linear. */
export const STEP_MS = 10 * 60_000;

export interface SimMarket {
  market: Market;
  startTs: number;
  endTs: number;
  /** Index of the winning outcome (0 = YES), fixed at creation and revealed at endTs. */
  winner: number;
  /** YES mid-price at each step from startTs. */
  path: Float64Array;
  /** Half-spread in ticks at the touch. */
  halfSpreadTicks: number;
  /** Median depth per level, shares. */
  depth: number;
  /** News jumps: when the YES mid starts moving (ms) and by how much in log-odds. */
  jumps: { ts: number; dx: number }[];
}

const CATEGORIES = ["politics", "sports", "crypto", "economics", "culture"] as const;
const FEES: Record<string, number> = { politics: 0, sports: 0.02, crypto: 0.07, economics: 0.01, culture: 0 };

export interface MarketGenParams {
  seed: number;
  startTs: number;
  days: number;
  markets: number;
  /** Share of markets grouped into multi-outcome neg-risk events. */
  negRiskShare: number;
}

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function roundTo(x: number, tick: number): number {
  const d = Math.max(0, Math.round(-Math.log10(tick)));
  return Number((Math.round(x / tick) * tick).toFixed(d));
}

/** Generates markets with latent price paths that drift toward their outcome as resolution nears. */
export function generateMarkets(p: MarketGenParams): SimMarket[] {
  const rng = Rng.derive(p.seed, "markets");
  const horizon = p.days * 86_400_000;
  const out: SimMarket[] = [];
  let i = 0;
  while (out.length < p.markets) {
    const category = rng.pick(CATEGORIES);
    const grouped = rng.chance(p.negRiskShare) && out.length + 3 <= p.markets;
    const size = grouped ? rng.int(3, 5) : 1;
    const eventId = `evt-${p.seed}-${i}`;
    // Markets open at a random time and live 1–30 days; the horizon clips late ones.
    const start = p.startTs + Math.floor(rng.range(0, 0.85) * horizon);
    const life = Math.floor(rng.range(1, 30) * 86_400_000);
    const end = Math.min(p.startTs + horizon, start + life);
    const winnerInGroup = rng.int(0, size - 1);
    const tick = rng.chance(0.2) ? 0.001 : 0.01;
    for (let k = 0; k < size; k++) {
      const id = `0x${rng.hex(32)}`;
      const winner = grouped ? (k === winnerInGroup ? 0 : 1) : rng.chance(0.5) ? 0 : 1;
      const steps = Math.max(2, Math.ceil((end - start) / STEP_MS) + 1);
      const path = new Float64Array(steps);
      const jumps: { ts: number; dx: number }[] = [];
      const p0 = grouped ? rng.range(0.05, 0.6) : rng.range(0.15, 0.85);
      let x = logit(p0);
      const target = winner === 0 ? 4.5 : -4.5;
      const vol = rng.range(0.02, 0.06);
      for (let s = 0; s < steps; s++) {
        const frac = s / (steps - 1);
        // Information arrives over the life of the market: pull toward the outcome grows with time.
        x += (target - x) * 0.002 * frac * frac * 6 + vol * rng.normal();
        if (rng.chance(0.002)) {
          // News jump: the mid moves from the previous step's value to the new one over STEP_MS.
          const dx = rng.normal() * 0.8;
          x += dx;
          if (s > 0) jumps.push({ ts: start + (s - 1) * STEP_MS, dx });
        }
        path[s] = Math.min(0.985, Math.max(0.015, sigmoid(x)));
      }
      const fee = FEES[category] ?? 0;
      const market: Market = {
        id,
        slug: `sim-${category}-${p.seed}-${out.length}`,
        question: `Simulated ${category} question #${out.length}${grouped ? ` (outcome ${k + 1} of ${size})` : ""}?`,
        eventId: grouped ? eventId : null,
        category,
        outcomes: [
          { tokenId: tokenIdFrom(rng), name: "Yes" },
          { tokenId: tokenIdFrom(rng), name: "No" },
        ],
        tickSize: tick,
        minOrderSize: 5,
        negRisk: grouped,
        fee: { rate: fee, exponent: 1, takerOnly: true },
        endTs: end,
        closed: false,
        winnerIndex: null,
      };
      out.push({
        market,
        startTs: start,
        endTs: end,
        winner,
        path,
        halfSpreadTicks: tick === 0.001 ? rng.int(5, 20) : rng.int(1, 2),
        depth: rng.lognormal(400, 0.6),
        jumps,
      });
    }
    i++;
  }
  return out.slice(0, p.markets);
}

function tokenIdFrom(rng: Rng): string {
  // CLOB token ids are large decimal integers (uint256).
  let s = String(rng.int(1, 9));
  while (s.length < 77) s += String(rng.u32() % 1_000_000_000).padStart(9, "0");
  return s.slice(0, 77);
}

/** YES mid at time ts (clamped to the market's life). */
export function yesMidAt(m: SimMarket, ts: number): number {
  const x = Math.min(Math.max(ts - m.startTs, 0) / STEP_MS, m.path.length - 1);
  const i = Math.floor(x);
  const a = m.path[i]!;
  const b = m.path[Math.min(i + 1, m.path.length - 1)]!;
  return a + (b - a) * (x - i);
}

/** Best bid/ask of an outcome at ts, on the tick grid, strictly inside (0,1). */
export function touchAt(m: SimMarket, outcomeIndex: number, ts: number): { bid: number; ask: number } {
  const tick = m.market.tickSize;
  const yes = yesMidAt(m, ts);
  const mid = outcomeIndex === 0 ? yes : 1 - yes;
  const half = m.halfSpreadTicks * tick;
  const bid = Math.max(tick, Math.min(1 - 2 * tick, roundTo(mid - half, tick)));
  const ask = Math.max(bid + tick, Math.min(1 - tick, roundTo(mid + half, tick)));
  return { bid: roundTo(bid, tick), ask: roundTo(ask, tick) };
}

/** A deterministic five-level book around the touch; depth varies smoothly with time. */
export function bookAt(m: SimMarket, outcomeIndex: number, ts: number): OrderBook {
  const { bid, ask } = touchAt(m, outcomeIndex, ts);
  const tick = m.market.tickSize;
  const wobble = 0.75 + 0.5 * Math.abs(Math.sin(ts / 3_600_000 + m.depth));
  const bids = [];
  const asks = [];
  for (let l = 0; l < 5; l++) {
    const size = Math.round(m.depth * wobble * (1 + l * 0.6) * 100) / 100;
    const bp = roundTo(bid - l * tick, tick);
    const ap = roundTo(ask + l * tick, tick);
    if (bp > 0) bids.push({ price: bp, size });
    if (ap < 1) asks.push({ price: ap, size });
  }
  return { tokenId: m.market.outcomes[outcomeIndex]!.tokenId, bids, asks, ts, tickSize: tick };
}
