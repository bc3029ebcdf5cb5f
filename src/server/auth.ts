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

const SECRET_KEY_RE = /(private.?key|secret|passphrase|password|token|api.?key|mnemonic|seed)/i;

/** Deep copy of a JSON-like value with secret-looking fields replaced, for audit data served over HTTP. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[depth]";
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY_RE.test(k) ? "[redacted]" : redactSecrets(v, depth + 1);
    }
    return out;
  }
  if (typeof value === "string") {
    // Credentials inside URLs (postgres://user:pass@host) never leave the process.
    return value.replace(/\/\/[^@/\s]*@/g, "//***@");
  }
  return value;
}
