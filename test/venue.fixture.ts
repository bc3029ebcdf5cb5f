/** Shared set-up for the venue tests: one binary market, its CLOB book, a stand-in and a connected venue. */
import type { Market } from "../src/domain/market.ts";
import { toMarket } from "../src/polymarket/convert.ts";
import type { StandinClobOptions } from "../src/standin/clob.ts";
import { type Standin, type StandinFaults, startStandin } from "../src/standin/server.ts";
import {
  PolymarketVenue,
  type PolymarketVenueOptions,
  type SignatureTypeCode,
} from "../src/venues/polymarket.ts";
import { walletOf } from "../src/venues/polymarket-wallets.ts";
import { CONTRACT_BOOK } from "../src/venues/venue.contract.ts";

/** Hardhat's first test account: a public, well-known key that holds nothing anywhere. */
export const TEST_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
export const TEST_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
export const TEST_CREDS = {
  key: "6f1c2a44-0000-4000-8000-000000000001",
  secret: "c3RhbmRpbi1zZWNyZXQ=",
  passphrase: "standin-pass",
};

/** Venue options that trade TEST_KEY's wallet of a signature type (its proxy, Safe or deposit wallet for 1–3). */
export function walletVenue(signatureType: SignatureTypeCode): {
  signatureType: SignatureTypeCode;
  funder: string;
} {
  return { signatureType, funder: walletOf(TEST_ADDRESS, signatureType)! };
}

export const YES = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
export const NO = "52114319501245915516055106046884209969926127482827954674443846427813813222426";

export const GAMMA_MARKET: Record<string, unknown> = {
  id: "501",
  slug: "venue-contract-market",
  question: "Will the venue contract hold?",
  conditionId: `0x${"5a".repeat(32)}`,
  outcomes: '["Yes","No"]',
  outcomePrices: '["0.5","0.5"]',
  clobTokenIds: JSON.stringify([YES, NO]),
  closed: false,
  negRisk: false,
  orderPriceMinTickSize: 0.01,
  orderMinSize: 5,
  feesEnabled: true,
  feeSchedule: { rate: 0.02, exponent: 1, takerOnly: true },
};

export const MARKET: Market = toMarket(GAMMA_MARKET, "fixture market");

/** CONTRACT_BOOK in the CLOB's wire shape (bids ascending, asks descending: best level last). */
export function clobBook(tokenId: string): Record<string, unknown> | undefined {
  if (tokenId !== YES) return undefined;
  return {
    market: GAMMA_MARKET.conditionId,
    asset_id: YES,
    timestamp: String(Date.now()),
    hash: "0".repeat(40),
    bids: [...CONTRACT_BOOK.bids].reverse().map((l) => ({ price: String(l.price), size: String(l.size) })),
    asks: [...CONTRACT_BOOK.asks].reverse().map((l) => ({ price: String(l.price), size: String(l.size) })),
    min_order_size: "5",
    tick_size: "0.01",
    neg_risk: false,
  };
}

export interface Rig {
  standin: Standin;
  venue: PolymarketVenue;
  close(): Promise<void>;
}

/** The test key's EOA venue on a stand-in at `url` (fast retries). */
export function connectTestVenue(
  url: string,
  o: Partial<PolymarketVenueOptions> = {},
): Promise<PolymarketVenue> {
  return PolymarketVenue.connect({
    clobUrl: url,
    gammaUrl: url,
    dataUrl: url,
    relayerUrl: url,
    signatureType: 0,
    env: { POLYCOPY_PRIVATE_KEY: TEST_KEY },
    credentials: TEST_CREDS,
    retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 30, timeoutMs: 5000 },
    ...o,
  });
}

export async function startRig(
  o: {
    clob?: StandinClobOptions;
    faults?: StandinFaults;
    seed?: number;
    /** Delay before each REST answer (a network round trip). */
    latencyMs?: number;
    venue?: Partial<PolymarketVenueOptions>;
  } = {},
): Promise<Rig> {
  const standin = await startStandin({
    markets: [GAMMA_MARKET],
    activity: [],
    book: clobBook,
    clob: o.clob ?? {},
    ...(o.faults ? { faults: o.faults } : {}),
    ...(o.latencyMs ? { latencyMs: o.latencyMs } : {}),
    seed: o.seed ?? 1,
  });
  try {
    const venue = await connectTestVenue(standin.url, o.venue);
    return { standin, venue, close: () => standin.close() };
  } catch (e) {
    await standin.close();
    throw e;
  }
}
