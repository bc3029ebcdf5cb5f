import { MARKET, startRig, YES } from "../../test/venue.fixture.ts";
import { systemClock } from "../domain/clock.ts";
import { SimulatedVenue } from "./simulated.ts";
import { CONTRACT_BOOK, runVenueContract } from "./venue.contract.ts";

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
  if (s.yesShares > 0) venue.restore(Math.round(s.cash * 1e6), { [YES]: Math.round(s.yesShares * 1e6) });
  return { venue, market: MARKET, close: async () => {} };
});

runVenueContract("polymarket (SDK + local stand-in)", async (s) => {
  const rig = await startRig({
    clob: { cash: s.cash, tokens: s.yesShares > 0 ? { [YES]: s.yesShares } : {} },
  });
  return { venue: rig.venue, market: MARKET, close: rig.close };
});
