/** Shared by `run` and `demo`: the verdicts a run copies by are what `polycopy wallets` shows. */
import type { WalletVerdict } from "../../analytics/analyze.ts";
import type { LeaderProfile } from "../../engine/engine.ts";
import type { Store } from "../../store/store.ts";

/**
 * Stores each followed wallet with the class, P(MM) and score this run uses, marks it followed,
 * and unmarks wallets an earlier run followed but this one does not. Aliases are kept.
 */
export async function recordLeaders(
  store: Store,
  leaders: ReadonlyMap<string, LeaderProfile>,
  verdicts: ReadonlyMap<string, WalletVerdict> = new Map(),
  aliases: ReadonlyMap<string, string | undefined> = new Map(),
): Promise<void> {
  const now = Date.now();
  for (const w of await store.listWallets()) {
    if (w.followed && !leaders.has(w.address))
      await store.upsertWallet({ ...w, followed: false, updatedTs: now });
  }
  for (const [address, p] of leaders) {
    const old = await store.getWallet(address);
    const v = verdicts.get(address);
    await store.upsertWallet({
      address,
      alias: aliases.get(address) ?? old?.alias ?? null,
      class: p.class,
      pMm: v?.p_mm ?? old?.pMm ?? null,
      score: v?.score ?? p.score,
      followed: true,
      updatedTs: now,
    });
  }
}
