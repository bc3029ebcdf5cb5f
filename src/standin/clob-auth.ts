import { createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { recoverTypedDataAddress } from "viem";
import { POLYGON_CHAIN_ID } from "../venues/polymarket-eip712.ts";

/**
 * The CLOB's L1 authentication, as @polymarket/client 0.2 calls it when it has no API
 * credentials yet (src/actions/auth.ts and src/authentication.ts in the SDK):
 *
 *   POST /auth/api-key          create credentials  → 200 {apiKey, secret, passphrase}, or 400 when
 *                               the address already has a key for that nonce (the SDK then derives)
 *   GET  /auth/derive-api-key   the existing credentials for (address, nonce) → 200 {apiKey, secret, passphrase}
 *
 * both with the L1 headers POLY_ADDRESS, POLY_SIGNATURE, POLY_TIMESTAMP, POLY_NONCE. The signature
 * is EIP-712 over domain {name "ClobAuthDomain", version "1", chainId 137} and
 * ClobAuth {address, timestamp (string), nonce (uint256), message}; it is checked here with viem's
 * typed-data recovery, and must recover POLY_ADDRESS. Credentials are derived from the address and
 * nonce with a per-stand-in secret, so the same wallet gets the same key for the life of the stand-in.
 */
export const CLOB_AUTH_PATHS = ["/auth/api-key", "/auth/derive-api-key"] as const;

export const CLOB_AUTH_MESSAGE = "This message attests that I control the given wallet";

/** The ClobAuth typed data an L1 login signs (the SDK's createApiKeyAuthTypedDataPayload). */
export function clobAuthTypedData(address: `0x${string}`, timestamp: string, nonce: bigint) {
  return {
    domain: { name: "ClobAuthDomain", version: "1", chainId: POLYGON_CHAIN_ID },
    types: {
      ClobAuth: [
        { name: "address", type: "address" },
        { name: "timestamp", type: "string" },
        { name: "nonce", type: "uint256" },
        { name: "message", type: "string" },
      ],
    },
    primaryType: "ClobAuth",
    message: { address, timestamp, nonce, message: CLOB_AUTH_MESSAGE },
  } as const;
}

export interface ApiCreds {
  apiKey: string;
  secret: string;
  passphrase: string;
}

export interface IssuedKey extends ApiCreds {
  address: string;
  nonce: string;
}

export interface StandinClobAuth {
  /** Answers an L1 request (one of CLOB_AUTH_PATHS). */
  handle(req: IncomingMessage, path: string): Promise<{ status: number; body: unknown }>;
  /** Keys issued, by API key (tests check the SDK logged in through L1). */
  readonly issued: ReadonlyMap<string, IssuedKey>;
  /** For an L2 request: false when the key was issued here for another address or passphrase. */
  l2Matches(apiKey: string, address: string, passphrase: string): boolean;
}

const header = (req: IncomingMessage, k: string): string => {
  const v = req.headers[k];
  return Array.isArray(v) ? (v[0] ?? "") : (v ?? "");
};

export function createClobAuth(): StandinClobAuth {
  const seed = randomBytes(32);
  const issued = new Map<string, IssuedKey>();
  const created = new Set<string>();

  const credsFor = (address: string, nonce: string): IssuedKey => {
    const h = (label: string) =>
      createHmac("sha256", seed).update(`${label}:${address.toLowerCase()}:${nonce}`).digest();
    const id = h("key").toString("hex");
    return {
      address: address.toLowerCase(),
      nonce,
      apiKey: `${id.slice(0, 8)}-${id.slice(8, 12)}-4${id.slice(13, 16)}-a${id.slice(17, 20)}-${id.slice(20, 32)}`,
      secret: h("secret").toString("base64url"),
      passphrase: h("passphrase").toString("hex"),
    };
  };

  async function verifyL1(req: IncomingMessage): Promise<{ address: string; nonce: string } | string> {
    const address = header(req, "poly_address");
    const signature = header(req, "poly_signature");
    const timestamp = header(req, "poly_timestamp");
    const nonce = header(req, "poly_nonce") || "0";
    if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return "POLY_ADDRESS must be a 0x address";
    if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return "POLY_SIGNATURE must be a 65-byte hex signature";
    if (!/^\d{1,12}$/.test(timestamp)) return "POLY_TIMESTAMP must be unix seconds";
    if (!/^\d{1,30}$/.test(nonce)) return "POLY_NONCE must be a non-negative integer";
    let signer: string;
    try {
      signer = await recoverTypedDataAddress({
        ...clobAuthTypedData(address as `0x${string}`, timestamp, BigInt(nonce)),
        signature: signature as `0x${string}`,
      });
    } catch {
      return "Invalid L1 Request headers";
    }
    if (signer.toLowerCase() !== address.toLowerCase()) return "Invalid L1 Request headers";
    return { address, nonce };
  }

  return {
    issued,
    async handle(req, path) {
      const who = await verifyL1(req);
      if (typeof who === "string") return { status: 401, body: { error: who } };
      const creds = credsFor(who.address, who.nonce);
      const slot = `${creds.address}:${creds.nonce}`;
      const answer = { apiKey: creds.apiKey, secret: creds.secret, passphrase: creds.passphrase };
      if (path === "/auth/api-key" && req.method === "POST") {
        if (created.has(slot)) return { status: 400, body: { error: "Could not create api key" } };
        created.add(slot);
        issued.set(creds.apiKey, creds);
        return { status: 200, body: answer };
      }
      if (path === "/auth/derive-api-key" && req.method === "GET") {
        if (!created.has(slot)) return { status: 400, body: { error: "Could not derive api key!" } };
        return { status: 200, body: answer };
      }
      return { status: 405, body: { error: "method not allowed" } };
    },
    l2Matches(apiKey, address, passphrase) {
      const k = issued.get(apiKey);
      return k === undefined || (k.address === address.toLowerCase() && k.passphrase === passphrase);
    },
  };
}
