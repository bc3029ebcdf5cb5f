import { Command, CommanderError } from "commander";
import { isPolycopyError } from "../domain/errors.ts";
import { redactText } from "../domain/redact.ts";
import { registerCommands } from "./commands/index.ts";
import { userFacingSystemError } from "./system-error.ts";

/**
 * polycopy's command line. Every command has --help; user mistakes (bad arguments, config, input
 * files) print one line starting with "error:" and exit 2, never a stack trace.
 */
export function buildProgram(): Command {
  const program = new Command("polycopy")
    .description("Copy-trading for Polymarket that knows whom it is copying.")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // Everything the bot writes (ledger, exports, reports) is owner-only: positions, cash and order
  // history are nobody else's business on a shared machine.
  process.umask(0o077);
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    return reportError(e);
  }
}

export function reportError(err: unknown): number {
  let e = err;
  if (e instanceof CommanderError) {
    // Commander already printed its message (or help/version, which exit 0).
    return e.exitCode === 0 ? 0 : 2;
  }
  // A path the user gave that the file system refused (missing or unwritable directory, a directory
  // where a file was expected): their mistake, so one line, not a stack.
  const sys = userFacingSystemError(e);
  if (sys) e = sys;
  if (isPolycopyError(e) && e.userFacing) {
    // Messages may quote a URL the user configured (RPC, database, webhook): never its credentials.
    process.stderr.write(`error: ${redactText(e.message)}\n`);
    return 2;
  }
  if (isPolycopyError(e)) {
    process.stderr.write(`error [${e.code}]: ${redactText(e.message)}\n`);
    if (process.env.POLYCOPY_DEBUG) process.stderr.write(`${redactText(e.stack ?? "")}\n`);
    return 1;
  }
  process.stderr.write(
    `internal error: ${redactText(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`,
  );
  return 1;
}

// Run when this file is the entry point (`node src/cli/main.ts`); bin/polycopy.js calls main itself.
if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
}
