import type { Command } from "commander";
import { intOption, numberOption } from "../options.ts";

/**
 * `polycopy standin`: a local server speaking Polymarket's Gamma, Data API and CLOB shapes, fed by
 * the simulator, to try `polycopy ingest --from standin` and `polycopy run --source standin`
 * offline. It serves the first part of the history at once and then publishes the rest as if it
 * were happening now.
 */
export function register(program: Command): void {
  program
    .command("standin")
    .description("serve a simulated Polymarket (Gamma, Data API, CLOB) on 127.0.0.1 for offline runs")
    .option("--seed <n>", "simulator seed", intOption("--seed"), 7)
    .option("--days <n>", "days of simulated history", intOption("--days"), 60)
    .option("--wallets-per-style <n>", "simulated wallets per style", intOption("--wallets-per-style"), 6)
    .option(
      "--served-days <n>",
      "days of history served at start; the rest is published over time",
      intOption("--served-days"),
      40,
    )
    .option("--speed <x>", "simulated seconds published per real second", numberOption("--speed"), 3600)
    .option("--port <n>", "port (0 = any free port)", intOption("--port"), 8790)
    .option(
      "--faults <rate>",
      "probability of each injected fault per request (429, 5xx, dropped socket, malformed JSON)",
      numberOption("--faults"),
      0,
    )
    .action(
      async (o: {
        seed: number;
        days: number;
        walletsPerStyle: number;
        servedDays: number;
        speed: number;
        port: number;
        faults: number;
      }) => {
        const { PolycopyError } = await import("../../domain/errors.ts");
        if (o.servedDays >= o.days)
          throw new PolycopyError("CLI_INVALID", `--served-days must be less than --days (${o.days})`, {
            userFacing: true,
          });
        if (!(o.speed > 0))
          throw new PolycopyError("CLI_INVALID", "--speed must be positive", { userFacing: true });
        if (!(o.faults >= 0 && o.faults <= 0.5))
          throw new PolycopyError("CLI_INVALID", "--faults must be between 0 and 0.5", { userFacing: true });
        const { simulate } = await import("../../sim/simulate.ts");
        const { standinDataFromSim } = await import("../../standin/from-sim.ts");
        const { startStandin } = await import("../../standin/server.ts");
        const sim = simulate({ seed: o.seed, days: o.days, walletsPerStyle: o.walletsPerStyle });
        // Shift simulated time so that the served history ends now and the rest happens from now on
        // (a backfill of N days then finds it, as it would on Polymarket).
        const simCut = (sim.params.startTs + o.servedDays * 86_400_000) / 1000;
        const shift = Math.floor(Date.now() / 1000 - simCut);
        const cut = simCut + shift;
        const t0 = Date.now();
        /** Simulated seconds, shifted: the cut is now and time runs at --speed. */
        const simNowSec = () => cut + ((Date.now() - t0) / 1000) * o.speed;
        // Markets still trading at the cut are served open, with books at the simulated time, and
        // resolve (closed, winner priced at 1) when the simulation resolves them.
        const data = standinDataFromSim(sim, {
          openAt: simCut * 1000,
          bookTs: () => (simNowSec() - shift) * 1000,
        });
        const moveIso = (v: unknown) =>
          typeof v === "string" ? new Date(Date.parse(v) + shift * 1000).toISOString() : v;
        for (const m of data.markets) {
          m.startDate = moveIso(m.startDate);
          m.endDate = moveIso(m.endDate);
        }
        for (const r of data.activity) r.timestamp = Number(r.timestamp) + shift;
        const served = data.activity.filter((r) => Number(r.timestamp) < cut);
        const later = data.activity.filter((r) => Number(r.timestamp) >= cut);
        const resolutions = data.resolutions
          .filter((r) => r.ts > simCut * 1000)
          .map((r) => ({ ...r, ts: r.ts + shift * 1000 }));
        const f = o.faults;
        const standin = await startStandin({
          markets: data.markets,
          activity: served,
          // Books carry the stand-in's (shifted) time, like the activity.
          book: (tokenId) => {
            const b = data.book(tokenId);
            if (b) b.timestamp = String(Math.floor(simNowSec() * 1000));
            return b;
          },
          port: o.port,
          seed: o.seed,
          websocket: true,
          resolutions,
          // Gamma's clock is the simulated one, so markets resolve as fast as history is published.
          now: () => simNowSec() * 1000,
          ...(f > 0
            ? {
                faults: {
                  rateLimit: f,
                  retryAfterSec: 1,
                  serverError: f,
                  drop: f,
                  malformed: f,
                  duplicate: f,
                  shuffle: f,
                },
              }
            : {}),
        });
        process.stdout.write(
          `stand-in: ${standin.url} (websocket ${standin.wsUrl}) serving ${data.markets.length} markets (${resolutions.length} resolve later) and ${served.length} activity records; publishing ${later.length} more at ${o.speed}× (Ctrl-C to stop)\n`,
        );
        const stop = new Promise<void>((resolve) => {
          process.once("SIGINT", () => resolve());
          process.once("SIGTERM", () => resolve());
        });
        let i = 0;
        const timer = setInterval(() => {
          const simNow = simNowSec();
          while (i < later.length && Number(later[i]!.timestamp) <= simNow) standin.publish(later[i++]!);
        }, 250);
        await stop;
        clearInterval(timer);
        await standin.close();
        process.stdout.write(`stand-in stopped after publishing ${i} records\n`);
      },
    );
}
