import { createHash, timingSafeEqual } from "node:crypto";
import { MIN_TOKEN_LENGTH } from "../config/config.ts";
import { PolycopyError } from "../domain/errors.ts";

export { MIN_TOKEN_LENGTH };

export function assertUsableToken(token: string): void {
  if (typeof token !== "string" || token.length < MIN_TOKEN_LENGTH) {
    throw new PolycopyError(
      "SECRET_MISSING",
      `POLYCOPY_API_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters (the dashboard requires it for state changes)`,
      { userFacing: true },
    );
  }
}

/**
 * Checks an `Authorization: Bearer <token>` header in constant time. Both sides are hashed first so
 * the comparison neither leaks the token's length nor fails on unequal lengths.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  const m = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
  const given = m?.[1] ?? "";
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}

/** Audit data served over HTTP goes through the one redaction helper. */
export { redactSecrets } from "../domain/redact.ts";
