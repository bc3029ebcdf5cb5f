/**
 * Settles positions when their markets resolve, on a live leader feed (runLive). The simulator
 * stream knows its resolutions in advance (paper.ts); a live run has to ask Gamma: every
 * `intervalMs` it looks up the markets we hold whose end date has passed (and, less often, those
 * still before it: markets can resolve early). A market counts as resolved only when Gamma shows it
 * closed, UMA-resolved and one outcome priced at 1 (convert.ts toMarketState); lookups that fail
 * (5xx, 429, dropped sockets) or answers that do not validate settle nothing and are asked again
 * next time.
 *
 * Paper: the engine pays the position out (CopyEngine.resolve) and the whole settlement — positions,
 * cash, breakers, an audit entry and a per-market marker — is one Store.commitStep. A crash before
 * the commit leaves the positions held (settled again after restart); after it, the marker and the
 * zeroed positions are in the ledger, so nothing is paid twice.
 *
 * Live: redemption is NOT automated. Winning tokens stay in the wallet until the user redeems them
 * on Polymarket (an on-chain redeemPositions call, through the neg-risk adapter for neg-risk
 * markets); faking that here would make the ledger lie. The resolution is recorded instead
 * (marker "awaiting_redeem" with the payout, audit entry, the position marked at its payout of 1
 * or 0) and an alert tells the user to redeem. Once the user has redeemed (the market's tokens are
 * gone from the wallet), the next check books the payout, audited: 1 USD per winning share.
 */
import { fromMicros, type Micros } from "../domain/units.ts";
import { childLogger } from "../log.ts";
import type { MarketStateAnswer } from "../polymarket/adapter.ts";
import { sleep as defaultSleep, type Sleep } from "../polymarket/http.ts";
import type { AuditEntry, Store } from "../store/store.ts";
import type { CopyEngine } from "./engine.ts";
import type { StepRecorder } from "./step-recorder.ts";

const log = childLogger("resolutions");

/** Default period of the check of held markets whose end date has passed. */
export const DEFAULT_RESOLUTION_CHECK_MS = 60_000;
/** Default period for held markets still before their end date (they rarely resolve early). */
export const DEFAULT_OPEN_MARKET_CHECK_MS = 600_000;

/** The ledger's record that a market's resolution was handled (kv `resolution:<marketId>`). */
export interface ResolutionMarker {
  winnerIndex: number;
  /** Paper: paid into cash. Live: what redeeming the held winning tokens will pay. */
  payoutMicros: Micros;
  status: "settled" | "awaiting_redeem";
  ts: number;
  /** Live: the tokens (and quantities) to redeem. */
  tokens?: { tokenId: string; qty: Micros; won: boolean }[];
}

export const resolutionKey = (marketId: string) => `resolution:${marketId.toLowerCase()}`;

/**
 * Serializes engine steps: a settlement never interleaves with a leader fill's step. Once poisoned
 * (a step changed the engine but its commit failed, so memory and ledger disagree) every later
 * step is refused with that error, which stops the run instead of trading on a wrong state.
 */
export class StepLock {
  #tail: Promise<unknown> = Promise.resolve();
  #poison: unknown = null;
  run<T>(fn: () => Promise<T>): Promise<T> {
    const guarded = () => (this.#poison !== null ? Promise.reject(this.#poison) : fn());
    const next = this.#tail.then(guarded, guarded);
    this.#tail = next.catch(() => {});
    return next;
  }
  poison(err: unknown): void {
    this.#poison ??= err;
  }
}

export interface ResolutionWatcherOptions {
  store: Store;
  engine: CopyEngine;
  mode: "paper" | "live";
  /** Resolution state per conditionId (PolymarketAdapter.marketStates). */
  lookup: (conditionIds: string[], signal?: AbortSignal) => Promise<Map<string, MarketStateAnswer>>;
  /** Collects the engine's events of the settlement step (shared with the runner). */
  recorder: StepRecorder;
  /** Where the runner keeps cash in the kv space (written in the same commit). */
  cashKey: string;
  lock: StepLock;
  intervalMs?: number;
  openMarketIntervalMs?: number;
  /** Wall clock: paces the checks (default Date.now). */
  now?: () => number;
  /**
   * The time markets are judged by (end date passed?); default `now`. A feed replayed faster than
   * real time (the stand-in) runs ahead of the wall clock.
   */
  marketNow?: () => number;
  sleep?: Sleep;
  /** Alerts (and anything else the runner forwards) go on the engine's bus. */
  onStatus?: (message: string) => void;
  /** Live: the tokens of a resolved market (the runner drops their books so no exit is tried). */
  onResolved?: (marketId: string, tokenIds: string[]) => void;
  /**
   * Live: the wallet's balances of these tokens (micro-shares; absent = none). Asked only while a
   * market awaits redemption, to notice that the user redeemed it.
   */
  tokenBalances?: (tokenIds: string[]) => Promise<Readonly<Record<string, Micros>>>;
  /** Test hook: SIGKILL just before or just after a settlement's commit. */
  crashAtSettle?: "before-commit" | "after-commit";
}

export interface CheckReport {
  asked: number;
  settled: string[];
  awaitingRedeem: string[];
  /** Live: markets whose redemption by the user was booked in this pass. */
  redeemed: string[];
  pending: string[];
  invalid: { marketId: string; error: string }[];
  /** The lookup failed as a whole (transport): nothing was settled, retried next time. */
  failed: string | null;
}

export class ResolutionWatcher {
  readonly #o: ResolutionWatcherOptions;
  readonly #markers = new Map<string, ResolutionMarker>();
  readonly #lastAsked = new Map<string, number>();
  readonly #lastInvalid = new Map<string, string>();
  #loaded = false;
  #loop: Promise<void> | null = null;
  checks = 0;

  constructor(o: ResolutionWatcherOptions) {
    this.#o = o;
  }

  get #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  /** Markers of the markets held at start (a restart must not settle them again). */
  async #load(): Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    const ids = new Set<string>();
    for (const p of this.#o.engine.positions.values()) ids.add(p.marketId.toLowerCase());
    for (const id of ids) {
      const raw = await this.#o.store.getKv(resolutionKey(id));
      if (raw === undefined) continue;
      const m = JSON.parse(raw) as ResolutionMarker;
      this.#markers.set(id, m);
      // Live positions awaiting redemption are valued at their payout, not at the last trade.
      if (m.status === "awaiting_redeem") this.#markAtPayout(id, m.winnerIndex);
    }
  }

  #markAtPayout(marketId: string, winnerIndex: number): string[] {
    const tokens: string[] = [];
    for (const p of this.#o.engine.positions.values()) {
      if (p.marketId.toLowerCase() !== marketId) continue;
      this.#o.engine.prices.resolve(p.tokenId, p.outcomeIndex === winnerIndex ? 1 : 0);
      tokens.push(p.tokenId);
    }
    return tokens;
  }

  /** Held markets to ask about now: past their end date every time, others every openMarketIntervalMs. */
  #due(): string[] {
    const now = this.#now;
    const marketNow = this.#o.marketNow?.() ?? now;
    const openEvery = this.#o.openMarketIntervalMs ?? DEFAULT_OPEN_MARKET_CHECK_MS;
    const out = new Set<string>();
    for (const p of this.#o.engine.positions.values()) {
      if (p.qty <= 0) continue;
      const id = p.marketId.toLowerCase();
      if (out.has(id) || this.#markers.get(id)?.status === "awaiting_redeem") continue;
      const end = this.#o.engine.o.markets.get(p.marketId)?.endTs ?? null;
      const last = this.#lastAsked.get(id);
      if (end === null || end <= marketNow || last === undefined || now - last >= openEvery) out.add(id);
    }
    return [...out];
  }

  /** One pass: look up the held markets that are due and settle the resolved ones. */
  async checkOnce(signal?: AbortSignal): Promise<CheckReport> {
    const r = await this.#check(signal);
    log.debug(r, "resolution check");
    return r;
  }

  async #check(signal?: AbortSignal): Promise<CheckReport> {
    await this.#load();
    this.checks++;
    const report: CheckReport = {
      asked: 0,
      settled: [],
      awaitingRedeem: [],
      redeemed: [],
      pending: [],
      invalid: [],
      failed: null,
    };
    // A position bought after its market's resolution was handled: settle it from the marker.
    for (const [id, m] of this.#markers) {
      if (m.status === "settled" && this.#heldIn(id)) await this.#settle(id, m.winnerIndex, report);
    }
    await this.#bookRedeemed(report);
    const ids = this.#due();
    if (ids.length === 0) return report;
    report.asked = ids.length;
    let answers: Map<string, MarketStateAnswer>;
    try {
      answers = await this.#o.lookup(ids, signal);
    } catch (err) {
      if (signal?.aborted) return report;
      report.failed = err instanceof Error ? err.message : String(err);
      log.warn({ err: report.failed, markets: ids.length }, "resolution lookup failed; will retry");
      return report;
    }
    const now = this.#now;
    for (const id of ids) {
      this.#lastAsked.set(id, now);
      const a = answers.get(id) ?? { kind: "missing" as const };
      if (a.kind === "invalid") {
        report.invalid.push({ marketId: id, error: a.error });
        // Said once per distinct error: the same bad payload is asked about again next time.
        if (this.#lastInvalid.get(id) !== a.error) {
          this.#lastInvalid.set(id, a.error);
          this.#alert("error", `market ${id}: resolution payload rejected, not settled: ${a.error}`);
        }
        continue;
      }
      if (a.kind !== "resolved") {
        report.pending.push(id);
        continue;
      }
      if (signal?.aborted) break;
      await this.#settle(id, a.winnerIndex, report);
    }
    return report;
  }

  #heldIn(marketId: string): boolean {
    for (const p of this.#o.engine.positions.values())
      if (p.qty > 0 && p.marketId.toLowerCase() === marketId) return true;
    return false;
  }

  #alert(level: "info" | "warn" | "error", message: string): void {
    this.#o.engine.o.bus?.emit({ type: "alert", level, message, ts: this.#now });
  }

  async #settle(marketId: string, winnerIndex: number, report: CheckReport): Promise<void> {
    const { engine, store, recorder } = this.#o;
    await this.#o.lock.run(async () => {
      const held = [...engine.positions.values()].filter(
        (p) => p.qty > 0 && p.marketId.toLowerCase() === marketId,
      );
      if (held.length === 0) return;
      const prior = this.#markers.get(marketId);
      if (prior && prior.status === "awaiting_redeem") return;
      const market = engine.o.markets.get(held[0]!.marketId);
      const outcome = market?.outcomes[winnerIndex]?.name;
      const label = `outcome ${winnerIndex}${outcome ? ` (${outcome})` : ""}`;
      const ts = Math.max(this.#now, engine.o.clock.now());
      const tokens = held.map((p) => ({
        tokenId: p.tokenId,
        qty: p.qty,
        won: p.outcomeIndex === winnerIndex,
      }));
      // 1 share of the winner pays 1 USD: micro-shares = micro-USD.
      const payout = tokens.reduce((s, t) => s + (t.won ? t.qty : 0), 0);
      const cost = held.reduce((s, p) => s + p.cost, 0);
      let marker: ResolutionMarker;
      let message: string;
      if (this.#o.mode === "paper") {
        const before = engine.cash;
        engine.resolve(held[0]!.marketId, winnerIndex, ts);
        const paid = engine.cash - before;
        if (paid !== payout)
          this.#alert(
            "error",
            `settling ${marketId}: the paper venue paid ${fromMicros(paid)} USD, the ledger's positions say ${fromMicros(payout)}: check the ledger`,
          );
        marker = { winnerIndex, payoutMicros: paid, status: "settled", ts };
        message = `market ${marketId} resolved, ${label} won, paid $${fromMicros(paid).toFixed(2)} (PnL ${fromMicros(paid - cost).toFixed(2)} USD)`;
      } else {
        // Live: the tokens are still in the wallet; only the user's redemption turns them into cash.
        this.#onLiveResolved(marketId, winnerIndex);
        marker = { winnerIndex, payoutMicros: payout, status: "awaiting_redeem", ts, tokens };
        message = `market ${marketId} resolved, ${label} won; redeem it on Polymarket: $${fromMicros(payout).toFixed(2)} payable (redemption is not automated)`;
        engine.o.bus?.emit({
          type: "alert",
          level: "warn",
          message: `redeem needed: ${message}`,
          ts,
        });
      }
      const entry: AuditEntry = {
        ts,
        kind: "resolution",
        subject: marketId,
        message,
        data: { ...marker, costMicros: cost, tokens },
      };
      const step = recorder.take({ source: "live:resolutions", value: String(ts) }, engine.breakers, {
        [this.#o.cashKey]: String(engine.cash),
        [resolutionKey(marketId)]: JSON.stringify(marker),
      });
      if (this.#o.crashAtSettle === "before-commit") process.kill(process.pid, "SIGKILL");
      try {
        await store.commitStep({ ...step, audit: [...step.audit, entry] });
      } catch (err) {
        // The engine already paid out in memory: trading on would commit that cash without the
        // zeroed positions and the marker, and a restart would pay again.
        this.#o.lock.poison(err);
        throw err;
      }
      if (this.#o.crashAtSettle === "after-commit") process.kill(process.pid, "SIGKILL");
      this.#markers.set(marketId, marker);
      this.#o.onStatus?.(message);
      if (marker.status === "settled") report.settled.push(marketId);
      else report.awaitingRedeem.push(marketId);
    });
  }

  #onLiveResolved(marketId: string, winnerIndex: number): void {
    const tokens = this.#markAtPayout(marketId, winnerIndex);
    this.#o.onResolved?.(marketId, tokens);
  }

  /** Live: books the markets awaiting redemption whose tokens the wallet no longer holds. */
  async #bookRedeemed(report: CheckReport): Promise<void> {
    const ask = this.#o.tokenBalances;
    if (!ask) return;
    const waiting = [...this.#markers]
      .filter(([id, m]) => m.status === "awaiting_redeem" && this.#heldIn(id))
      .map(([id]) => id);
    if (waiting.length === 0) return;
    const tokens = [...this.#o.engine.positions.values()]
      .filter((p) => p.qty > 0 && waiting.includes(p.marketId.toLowerCase()))
      .map((p) => p.tokenId);
    let held: Readonly<Record<string, Micros>>;
    try {
      held = await ask(tokens);
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, "balance check failed; will retry");
      return;
    }
    const { engine, store, recorder } = this.#o;
    for (const id of waiting) {
      await this.#o.lock.run(async () => {
        const marker = this.#markers.get(id);
        if (marker?.status !== "awaiting_redeem") return;
        const positions = [...engine.positions.values()].filter(
          (p) => p.qty > 0 && p.marketId.toLowerCase() === id,
        );
        if (positions.length === 0 || positions.some((p) => (held[p.tokenId] ?? 0) > 0)) return;
        const ts = Math.max(this.#now, engine.o.clock.now());
        const done = bookRedemption(engine, positions[0]!.marketId, marker, ts, "running");
        const step = recorder.take({ source: "live:resolutions", value: String(ts) }, engine.breakers, {
          [this.#o.cashKey]: String(engine.cash),
          [resolutionKey(id)]: JSON.stringify(done.marker),
        });
        try {
          await store.commitStep({ ...step, audit: [...step.audit, done.entry] });
        } catch (err) {
          this.#o.lock.poison(err); // the payout is in memory only: stop rather than trade on it
          throw err;
        }
        this.#markers.set(id, done.marker);
        this.#o.onStatus?.(done.entry.message);
        report.redeemed.push(id);
      });
    }
  }

  /** Checks at once, then every intervalMs until `signal` aborts. Errors never stop the run. */
  start(signal: AbortSignal): void {
    const every = this.#o.intervalMs ?? DEFAULT_RESOLUTION_CHECK_MS;
    const sleep = this.#o.sleep ?? defaultSleep;
    this.#loop = (async () => {
      while (!signal.aborted) {
        try {
          await this.checkOnce(signal);
        } catch (err) {
          if (signal.aborted) break;
          const msg = err instanceof Error ? err.message : String(err);
          log.error({ err: msg }, "resolution check failed");
          this.#alert("error", `resolution check failed: ${msg}`);
        }
        try {
          await sleep(every, signal);
        } catch {
          break; // aborted
        }
      }
    })();
  }

  /** Waits for the loop to finish (after its signal aborted): no commit is cut off at shutdown. */
  async stopped(): Promise<void> {
    await this.#loop;
  }
}

/**
 * Books a live market the user redeemed (its tokens are gone from the wallet): the engine pays 1 USD
 * per winning share and closes the positions. Returns the settled marker and the audit entry, which
 * the caller commits together with the engine's step.
 */
export function bookRedemption(
  engine: CopyEngine,
  marketId: string,
  marker: ResolutionMarker,
  ts: number,
  when: "stopped" | "running",
): { marker: ResolutionMarker; entry: AuditEntry; paid: Micros } {
  const before = engine.cash;
  engine.resolve(marketId, marker.winnerIndex, ts, true);
  const paid = engine.cash - before;
  return {
    marker: { ...marker, status: "settled", ts },
    paid,
    entry: {
      ts,
      kind: "resolution",
      subject: marketId,
      message: `market ${marketId} was redeemed on the venue while the bot was ${when}: booked $${fromMicros(paid).toFixed(2)} for outcome ${marker.winnerIndex}`,
      data: { ...marker, paidMicros: paid },
    },
  };
}
