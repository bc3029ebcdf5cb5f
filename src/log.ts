import { type Logger, pino } from "pino";
import { redactSecrets, redactText } from "./domain/redact.ts";

/**
 * The process logger (pino, JSON lines on stderr so stdout stays clean for command output).
 * Level from POLYCOPY_LOG_LEVEL (default "info"; tests use "silent"). Secrets are redacted by path,
 * and every logged object and message goes through the one redaction helper (URLs with
 * credentials, secret query parameters and path tokens, secret-named fields at any depth).
 */
export const logger: Logger = pino(
  {
    level: process.env.POLYCOPY_LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
    base: undefined,
    formatters: { log: (obj) => redactSecrets(obj) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === "string" ? redactText(a) : a)) as typeof args);
      },
    },
    redact: {
      paths: [
        "privateKey",
        "*.privateKey",
        "apiKey",
        "*.apiKey",
        "secret",
        "*.secret",
        "passphrase",
        "*.passphrase",
        "token",
        "*.token",
      ],
      censor: "[redacted]",
    },
  },
  pino.destination(2),
);

export function childLogger(component: string): Logger {
  return logger.child({ component });
}
