/**
 * Circuit breaker state machine: NORMAL → REDUCED → HALTED with hysteresis and cooldown. Pure:
 * given the persisted record, the current metric levels and the time, returns the next record.
 * Tripping is immediate (and may jump straight to HALTED); recovery steps down one level at a
 * time, only after the cooldown and only once every metric is below its threshold by the
 * hysteresis margin. HALTED blocks entries; exits are never blocked (Freqtrade's rule).
 */
import type { BreakerState } from "../domain/events.ts";
import type { BreakerRecord } from "../store/store.ts";

export interface BreakerSignal {
  name: string;
  value: number;
  reduced: number;
  halted: number;
}

const LEVEL: Record<BreakerState, number> = { NORMAL: 0, REDUCED: 1, HALTED: 2 };
const STATES: BreakerState[] = ["NORMAL", "REDUCED", "HALTED"];

export function newBreaker(scope: string, now: number): BreakerRecord {
  return { scope, state: "NORMAL", reason: "", since: now, cooldownUntil: now, data: null };
}

/** The level each signal alone asks for (with hysteresis when stepping down from a higher level). */
function demanded(s: BreakerSignal, current: number, hysteresis: number): number {
  const relax = 1 - hysteresis;
  if (s.value >= s.halted) return 2;
  if (current === 2 && s.value >= s.halted * relax) return 2;
  if (s.value >= s.reduced) return 1;
  if (current >= 1 && s.value >= s.reduced * relax) return 1;
  return 0;
}

export function stepBreaker(
  rec: BreakerRecord,
  signals: readonly BreakerSignal[],
  now: number,
  opts: { hysteresis: number; cooldownMs: number },
): BreakerRecord {
  const cur = LEVEL[rec.state];
  let want = 0;
  let why = "";
  for (const s of signals) {
    const d = demanded(s, cur, opts.hysteresis);
    if (d > want) {
      want = d;
      why = `${s.name} ${round(s.value)} ≥ ${round(d === 2 ? s.halted : s.reduced)}`;
    }
  }
  if (want > cur) {
    return { ...rec, state: STATES[want]!, reason: why, since: now, cooldownUntil: now + opts.cooldownMs };
  }
  if (want < cur && now >= rec.cooldownUntil) {
    const next = cur - 1;
    return {
      ...rec,
      state: STATES[next]!,
      reason: next === 0 ? "recovered" : `stepping down: ${why || "metrics recovered"}`,
      since: now,
      cooldownUntil: now + opts.cooldownMs,
    };
  }
  return rec;
}

/** A manual trip (kill switch) or reset. */
export function forceBreaker(
  rec: BreakerRecord,
  state: BreakerState,
  reason: string,
  now: number,
): BreakerRecord {
  return { ...rec, state, reason, since: now, cooldownUntil: now };
}

function round(x: number): string {
  return Math.abs(x) >= 10 ? x.toFixed(0) : x.toFixed(3);
}
