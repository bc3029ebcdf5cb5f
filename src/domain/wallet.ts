/** What the classifier says a wallet is. */
export type WalletClass = "market_maker" | "directional" | "uncertain";

/** Ground-truth style labels the simulator writes; evaluation maps them to the two classes. */
export type SimLabel = "market_maker" | "directional" | "arbitrageur" | "wash";

export type Recommendation = "copy" | "copy_mm_rules" | "watch" | "avoid";

export interface WalletRecord {
  address: string;
  alias: string | null;
  /** Latest classification, or null if never classified. */
  class: WalletClass | null;
  pMm: number | null;
  score: number | null;
  /** Whether the bot currently follows (copies) this wallet. */
  followed: boolean;
  updatedTs: number;
}

export function normalizeAddress(a: string): string {
  return a.trim().toLowerCase();
}

const ADDRESS_RE = /^0x[0-9a-f]{40}$/;
export function isAddress(a: string): boolean {
  return ADDRESS_RE.test(a.trim().toLowerCase());
}
