/**
 * A small stand-in for the engine behind the dashboard in tests: a real EventBus, a real SQLite store,
 * and a snapshot built from mutable state that the control functions change (as the engine would).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PolycopyError } from "../src/domain/errors.ts";
import type { Decision } from "../src/domain/events.ts";
import { EventBus } from "../src/engine/bus.ts";
import type { DashboardDeps, DashboardSnapshot } from "../src/server/types.ts";
import { openStore } from "../src/store/open.ts";
import type { Store } from "../src/store/store.ts";

export const TOKEN = "test-token-0123456789abcdef";
export const WALLET = "0x1111111111111111111111111111111111111111";
export const MM_WALLET = "0x2222222222222222222222222222222222222222";

export interface FakeEngine {
  bus: EventBus;
  store: Store;
  state: DashboardSnapshot;
  calls: string[];
  deps(extra?: Partial<DashboardDeps>): DashboardDeps;
}

export function decision(key: string, extra: Partial<Decision> = {}): Decision {
  return {
    leaderFillKey: key,
    wallet: WALLET,
    walletClass: "directional",
    action: "copied",
    rule: null,
    reason: "directional leader, edge above threshold",
    orderKey: `o:${key}`,
    ts: Date.now(),
    ...extra,
  };
}

export async function fakeEngine(): Promise<FakeEngine> {
  const dir = mkdtempSync(join(tmpdir(), "polycopy-dashboard-"));
  const store = await openStore({ dataDir: dir });
  const bus = new EventBus();
  const calls: string[] = [];
  const state: DashboardSnapshot = {
    mode: "paper",
    startedTs: Date.UTC(2026, 4, 1, 12, 0, 0),
    equity: 1_234_560_000, // $1,234.56
    cash: 1_000_000_000,
    realized: 12_500_000,
    unrealized: -3_250_000,
    killSwitch: false,
    wallets: [
      {
        wallet: WALLET,
        alias: "sharp-one",
        class: "directional",
        pMm: 0.12,
        pMmLow: 0.05,
        pMmHigh: 0.2,
        score: 0.8,
        scoreLow: 0.41,
        scoreHigh: 1.2,
        recommendation: "copy",
        copied: 7,
        skipped: 2,
      },
      {
        wallet: MM_WALLET,
        class: "market_maker",
        pMm: 0.93,
        score: 0.1,
        scoreLow: -0.3,
        scoreHigh: 0.5,
        recommendation: "copy_mm_rules",
        copied: 1,
        skipped: 40,
      },
    ],
    positions: [
      {
        marketId: "0xmarket1",
        tokenId: "111",
        outcomeIndex: 0,
        qty: 20_000_000,
        cost: 9_000_000,
        realized: 0,
        openedTs: Date.UTC(2026, 4, 1, 12, 5, 0),
        updatedTs: Date.UTC(2026, 4, 1, 12, 5, 0),
      },
    ],
    breakers: [],
    recentDecisions: [decision("seed-1", { ts: Date.UTC(2026, 4, 1, 12, 1, 0) })],
    counters: { leaderFills: 52, ordersSent: 8 },
  };
  return {
    bus,
    store,
    state,
    calls,
    deps: (extra = {}) => ({
      bus,
      store,
      token: TOKEN,
      snapshot: async () => ({ ...state, breakers: await store.listBreakers() }),
      control: {
        async setKillSwitch(on, reason) {
          calls.push(`kill:${on}:${reason}`);
          state.killSwitch = on;
        },
        async resetBreaker(scope) {
          const list = await store.listBreakers();
          const b = list.find((x) => x.scope === scope);
          if (!b) throw new PolycopyError("NOT_FOUND", `no breaker with scope ${scope}`);
          calls.push(`reset:${scope}`);
          await store.saveBreaker({
            ...b,
            state: "NORMAL",
            reason: "reset from dashboard",
            since: Date.now(),
          });
        },
      },
      ...extra,
    }),
  };
}
