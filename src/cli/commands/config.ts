import type { Command } from "commander";

/** `polycopy config`: validates the config and prints the effective settings (defaults + file + env). */
export function register(program: Command): void {
  program
    .command("config")
    .description("validate the configuration and print the effective settings as JSON")
    .option("-c, --config <file>", "config file (default: polycopy.config.json if present)")
    .action(async (opts: { config?: string }) => {
      const { loadConfig } = await import("../../config/config.ts");
      const { redactSecrets } = await import("../../domain/redact.ts");
      const cfg = loadConfig(opts.config === undefined ? {} : { file: opts.config });
      // URLs may embed credentials (database password, webhook user:password@ or token, RPC key).
      const shown = redactSecrets(cfg);
      process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    });
}
