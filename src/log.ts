import { type Logger, pino } from "pino";

/**
 * The process logger (pino, JSON lines on stderr so stdout stays clean for command output).
 * Level from POLYCOPY_LOG_LEVEL (default "info"; tests use "silent"). Secrets are redacted by path.
 */
export const logger: Logger = pino(
  {
    level: process.env.POLYCOPY_LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
    base: undefined,
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
