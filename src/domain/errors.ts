/**
 * The one structured error class of polycopy (viem style). `code` is stable and machine-readable;
 * `message` is one line a user can act on; `userFacing` errors are printed without a stack trace.
 */
export type ErrorCode =
  | "CONFIG_INVALID"
  | "CLI_INVALID"
  | "PAYLOAD_INVALID"
  | "PRICE_INVALID"
  | "SIZE_INVALID"
  | "INPUT_INVALID"
  | "NOT_FOUND"
  | "CONFLICT"
  | "RATE_LIMITED"
  | "UPSTREAM_ERROR"
  | "NETWORK_ERROR"
  | "ORDER_REJECTED"
  | "RISK_BLOCKED"
  | "RECONCILE_FAILED"
  | "STORE_ERROR"
  /** Another live instance holds the ledger's trading lock. */
  | "LOCKED"
  /** This instance lost the ledger's trading lock (a newer epoch holds it): it must stop trading. */
  | "FENCED"
  | "SECRET_MISSING"
  | "INTERNAL";

export interface PolycopyErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
  /** true when the error is the user's to fix (bad config, file, argument): print one line, no stack. */
  userFacing?: boolean;
}

export class PolycopyError extends Error {
  override readonly name = "PolycopyError";
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly userFacing: boolean;

  constructor(code: ErrorCode, message: string, options: PolycopyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.userFacing = options.userFacing ?? false;
  }
}

export function isPolycopyError(e: unknown, code?: ErrorCode): e is PolycopyError {
  return e instanceof PolycopyError && (code === undefined || e.code === code);
}
