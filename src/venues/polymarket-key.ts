import { readFileSync } from "node:fs";
import { PolycopyError } from "../domain/errors.ts";
import { looksLikeKeyMaterial } from "../domain/redact.ts";

export interface KeySource {
  /** Environment to read POLYCOPY_PRIVATE_KEY from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Path of a file holding the hex private key (config polymarket.keyFile). */
  keyFile?: string | undefined;
}

const KEY_RE = /^(0x)?[0-9a-fA-F]{64}$/;

/**
 * The signing key, from POLYCOPY_PRIVATE_KEY or a key file and nowhere else. Errors name the source,
 * never the content: a malformed key must not end up in a log or a terminal scrollback.
 */
export function loadPrivateKey(src: KeySource = {}): `0x${string}` {
  const env = src.env ?? process.env;
  const fromEnv = env.POLYCOPY_PRIVATE_KEY;
  let raw: string;
  let where: string;
  if (fromEnv !== undefined && fromEnv !== "") {
    raw = fromEnv.trim();
    where = "POLYCOPY_PRIVATE_KEY";
  } else if (src.keyFile) {
    // A key pasted where its file's path belongs must not be echoed back.
    if (looksLikeKeyMaterial(src.keyFile))
      throw new PolycopyError(
        "CONFIG_INVALID",
        "polymarket.keyFile: this looks like key material, not a file path; put the key in a file (mode 0600) and give its path, or set POLYCOPY_PRIVATE_KEY; the value is not shown",
        { userFacing: true },
      );
    where = `polymarket.keyFile (${src.keyFile})`;
    try {
      raw = readFileSync(src.keyFile, "utf8").trim();
    } catch (e) {
      throw new PolycopyError(
        "SECRET_MISSING",
        `${where}: cannot read the key file (${(e as NodeJS.ErrnoException).code ?? "error"})`,
        { userFacing: true },
      );
    }
  } else {
    throw new PolycopyError(
      "SECRET_MISSING",
      "no signing key: set POLYCOPY_PRIVATE_KEY or polymarket.keyFile (a file holding the hex private key)",
      { userFacing: true },
    );
  }
  if (!KEY_RE.test(raw)) {
    throw new PolycopyError(
      "CONFIG_INVALID",
      `${where}: expected a 32-byte hex private key (64 hex digits, optional 0x); the value is not shown`,
      { userFacing: true },
    );
  }
  return (raw.startsWith("0x") ? raw : `0x${raw}`) as `0x${string}`;
}
