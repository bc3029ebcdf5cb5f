import type { Command } from "commander";

/** `polycopy wallets`: the wallets the store knows (ingested or configured) with their event counts. */
export function register(program: Command): void {
  program
    .command("wallets")
    .description("list known wallets with their stored leader fill and activity counts")
    .option("--json", "print JSON instead of a table")
    .option("-c, --config <file>", "config file (default: polycopy.config.json if present)")
    .action(async (o: { json?: boolean; config?: string }) => {
      const { loadConfig } = await import("../../config/config.ts");
      const { openStore } = await import("../../store/open.ts");
      const cfg = loadConfig(o.config === undefined ? {} : { file: o.config });
      const store = await openStore({
        ...(cfg.databaseUrl === undefined ? {} : { databaseUrl: cfg.databaseUrl }),
        dataDir: cfg.dataDir,
      });
      try {
        const known = new Map((await store.listWallets()).map((w) => [w.address, w]));
        for (const w of cfg.wallets) {
          if (!known.has(w.address)) {
            known.set(w.address, {
              address: w.address,
              alias: w.alias ?? null,
              class: null,
              pMm: null,
              score: null,
              followed: false,
              updatedTs: 0,
            });
          }
        }
        const rows = [];
        for (const w of [...known.values()].sort((a, b) => a.address.localeCompare(b.address))) {
          // The Store has no per-type count; one read per wallet is fine at CLI scale.
          const list = await store.listLeaderEvents({ wallet: w.address });
          const fills = list.filter((e) => e.type === "TRADE").length;
          rows.push({
            address: w.address,
            alias: w.alias,
            class: w.class,
            followed: w.followed,
            fills,
            events: list.length,
          });
        }
        if (o.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write("no wallets known yet: run `polycopy ingest` or add wallets to the config\n");
          return;
        }
        const header = ["address", "alias", "class", "followed", "fills", "events"];
        const table = rows.map((r) => [
          r.address,
          r.alias ?? "-",
          r.class ?? "-",
          r.followed ? "yes" : "no",
          String(r.fills),
          String(r.events),
        ]);
        const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
        const line = (cells: string[]) =>
          cells
            .map((c, i) => c.padEnd(widths[i]!))
            .join("  ")
            .trimEnd();
        process.stdout.write(`${[line(header), ...table.map(line)].join("\n")}\n`);
      } finally {
        await store.close();
      }
    });
}
