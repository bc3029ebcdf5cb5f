/**
 * Shared by the entry-point tests: the Data API fixture corpus (test/fixtures/data-api/) and Gamma
 * market objects for its markets, so a stand-in can serve both.
 */
import { readFileSync } from "node:fs";

export const FIXTURES = new URL("./fixtures/data-api/", import.meta.url).pathname;
export const REAL = "real-activity-directional-whale-2026-04.json";
export const MM = "mm-activity-pages.json";
export const TRADES = "trades-response.json";
export const WHALE = "0x6a72f61820b26b1fe4d956e17b6dc2a1ea3033ee";
export const MM_WALLET = "0x2e3b1c00c57b5fe4b1e9ae9f40bd8e3d93f1a6c7";

export type Rec = Record<string, unknown>;

export function fixture(name: string): Rec[] {
  return JSON.parse(readFileSync(`${FIXTURES}${name}`, "utf8")) as Rec[];
}

/** The malformed fixtures (line 1 good, line 2 bad) and what their one-line error must name. */
export const MALFORMED: [string, RegExp][] = [
  ["bad-nan.jsonl", /bad-nan\.jsonl line 2: price: /],
  ["bad-negative-size.jsonl", /bad-negative-size\.jsonl line 2: size: must not be negative/],
  ["bad-price-1.2.jsonl", /bad-price-1\.2\.jsonl line 2: price: must be strictly between 0 and 1/],
  ["bad-size-1e300.jsonl", /bad-size-1e300\.jsonl line 2: size: must be at most 1e\+9 shares/],
  ["bad-missing-wallet.jsonl", /bad-missing-wallet\.jsonl line 2: proxyWallet: /],
  ["bad-escape-in-field.jsonl", /bad-escape-in-field\.jsonl line 2: side: must be BUY or SELL/],
  ["bad-escape-raw.jsonl", /bad-escape-raw\.jsonl line 2: not valid JSON/],
  ["bad-array-index.json", /bad-array-index\.json\[2\]: usdcSize: must not be negative/],
];

/** Gamma market objects for every market the fixtures trade in (two outcomes, tokens from the rows). */
export function gammaMarketsFor(records: readonly Rec[]): Rec[] {
  const tokens = new Map<string, string[]>();
  for (const r of records) {
    const cid = String(r.conditionId ?? "");
    if (!/^0x[0-9a-f]{64}$/i.test(cid)) continue;
    const t = tokens.get(cid) ?? ["", ""];
    const i = Number(r.outcomeIndex);
    if ((i === 0 || i === 1) && typeof r.asset === "string" && r.asset !== "") t[i] = r.asset;
    tokens.set(cid, t);
  }
  return [...tokens].map(([cid, t], n) => ({
    id: String(n + 1),
    slug: `fixture-${n}`,
    question: `Fixture market ${n}?`,
    conditionId: cid,
    outcomes: '["Yes","No"]',
    outcomePrices: '["0.5","0.5"]',
    clobTokenIds: JSON.stringify(t.map((x, i) => x || `${9_000_000 + 10 * n + i}`)),
    closed: false,
    negRisk: false,
    orderPriceMinTickSize: 0.01,
    orderMinSize: 5,
    feesEnabled: false,
    endDate: "2027-12-31T00:00:00Z",
  }));
}
