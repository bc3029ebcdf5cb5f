import { MARKET, startRig, walletVenue, YES } from "../../test/venue.fixture.ts";
import { systemClock } from "../domain/clock.ts";
import { SimulatedVenue } from "./simulated.ts";
import { CONTRACT_BOOK, contractOrder, runVenueContract } from "./venue.contract.ts";

runVenueContract("simulated", async (s) => {
  const venue = new SimulatedVenue({
    clock: systemClock,
    latencyMs: 0,
    startingCash: Math.round(s.cash * 1e6),
    book: (tokenId, ts) => ({
      tokenId,
      ts,
      tickSize: 0.01,
      bids: tokenId === YES ? CONTRACT_BOOK.bids.map((l) => ({ ...l })) : [],
      asks: tokenId === YES ? CONTRACT_BOOK.asks.map((l) => ({ ...l })) : [],
    }),
  });
  // Holdings at start: bought at the contract book (the suite checks token counts, not cash, when holding).
  if (s.yesShares > 0) venue.execute(contractOrder(MARKET, "BUY", 0.55, s.yesShares, "FOK", "seed"), MARKET);
  return { venue, market: MARKET, close: async () => {} };
});

// The same contract for each signature type the SDK trades: the signing key's own address (EOA), its
// proxy wallet (POLY_PROXY) and its Safe (GNOSIS_SAFE) as the funder; the stand-in verifies each order
// like the exchange (signer = API key address, maker = the signer's wallet of that type).
for (const [signatureType, name] of [
  [0, "EOA"],
  [1, "POLY_PROXY"],
  [2, "GNOSIS_SAFE"],
] as const) {
  runVenueContract(`polymarket ${name} (SDK + local stand-in)`, async (s) => {
    const rig = await startRig({
      clob: { cash: s.cash, tokens: s.yesShares > 0 ? { [YES]: s.yesShares } : {} },
      venue: walletVenue(signatureType),
    });
    return { venue: rig.venue, market: MARKET, close: rig.close };
  });
}
