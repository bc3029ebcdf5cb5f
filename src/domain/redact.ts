/**
 * The one redaction helper: everything that prints, logs or serves a value that may carry a secret
 * goes through it (`polycopy config`, the logger, the dashboard's audit log, error messages).
 *
 * - URLs lose `user:password@`, the values of secret-looking query parameters (`?key=`, `token`,
 *   `apikey`, `secret`, `signature`, …) and secret-looking path segments: a Telegram `bot<token>`
 *   segment, and any long random segment (a Slack/Discord webhook token, an RPC provider's API key
 *   in `/v2/<key>`), since a webhook URL's path often *is* its credential.
 * - Object fields whose name says secret (privateKey, secret, passphrase, password, token, apiKey,
 *   mnemonic, credentials) are replaced whole.
 * - Hex private keys (64 hex digits) are replaced only where a value is known to be key material
 *   (`looksLikeKeyMaterial`): elsewhere 64 hex digits are transaction hashes and market ids.
 */

export const REDACTED = "[redacted]";

// "tokenId" is an outcome token, not a credential.
const SECRET_FIELD_RE =
  /(private.?key|secret|passphrase|password|passwd|token(?!_?ids?$)|api.?key|mnemonic|seed.?phrase|credential)/i;
const SECRET_PARAM_RE =
  /^(.*(key|token|secret|password|passwd|pass|auth|signature|sig|credential).*|code|pwd)$/i;
const URL_RE = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

/** A path segment that is a credential rather than a name: long, random-looking. */
function secretSegment(seg: string): boolean {
  if (/^bot\d+:[A-Za-z0-9_-]{20,}$/.test(seg)) return true; // Telegram bot token
  if (seg.length < 20 || !/^[A-Za-z0-9_\-.~%]+$/.test(seg)) return false;
  return /[0-9]/.test(seg) && /[A-Za-z]/.test(seg);
}

/** One URL without credentials. Not a URL (or not parseable): returned with only `user:pass@` removed. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(/\/\/[^@/\s]*@/g, "//***@");
  }
  const hadUser = u.username !== "" || u.password !== "";
  u.username = "";
  u.password = "";
  for (const k of [...u.searchParams.keys()]) if (SECRET_PARAM_RE.test(k)) u.searchParams.set(k, "***");
  if (u.pathname !== "/" && u.pathname !== "") {
    u.pathname = u.pathname
      .split("/")
      .map((s) => (secretSegment(s) ? "***" : s))
      .join("/");
  }
  let out = u.toString().replaceAll("%2A%2A%2A", "***");
  if (hadUser) out = out.replace("://", "://***@");
  // new URL() adds a trailing slash to a bare origin; keep the user's spelling otherwise.
  if (!url.endsWith("/") && out.endsWith("/") && u.pathname === "/" && !u.search) out = out.slice(0, -1);
  return out;
}

/** Every URL inside a free text (an error message, a log line) redacted. */
export function redactText(text: string): string {
  return text.includes("://") ? text.replace(URL_RE, (m) => redactUrl(m)) : text;
}

/** True when a string is, or contains, a raw private key (64 hex digits) or a seed phrase. */
export function looksLikeKeyMaterial(s: string): boolean {
  const t = s.trim();
  if (/(^|[^0-9a-fA-F])(0x)?[0-9a-fA-F]{64}([^0-9a-fA-F]|$)/.test(t)) return true;
  // 12 or 24 lowercase words: a BIP-39 mnemonic.
  const words = t.split(/\s+/);
  return (words.length === 12 || words.length === 24) && words.every((w) => /^[a-z]{3,8}$/.test(w));
}

/** Deep copy of a JSON-like value with secret fields replaced and every URL inside a string redacted. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[depth]";
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value instanceof Error)
    return {
      type: value.name,
      message: redactText(value.message),
      ...(value.stack ? { stack: redactText(value.stack) } : {}),
    };
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        SECRET_FIELD_RE.test(k) && v !== null && v !== undefined ? REDACTED : redactSecrets(v, depth + 1);
    }
    return out;
  }
  if (typeof value === "string") return redactText(value);
  return value;
}
