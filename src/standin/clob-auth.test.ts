import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { privateKeyToAccount } from "viem/accounts";
import { clobAuthTypedData } from "./clob-auth.ts";
import { type Standin, startStandin } from "./server.ts";

const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const OTHER = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const signer = privateKeyToAccount(KEY);

async function l1Headers(key: `0x${string}`, address: `0x${string}`, nonce = 0) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  // The SDK builds this payload itself (createApiKeyAuthTypedDataPayload); the field list is the same.
  const signature = await privateKeyToAccount(key).signTypedData(
    clobAuthTypedData(address, timestamp, BigInt(nonce)),
  );
  return {
    POLY_ADDRESS: address,
    POLY_SIGNATURE: signature,
    POLY_TIMESTAMP: timestamp,
    POLY_NONCE: String(nonce),
  };
}

describe("stand-in CLOB L1 authentication", () => {
  let standin: Standin;
  before(async () => {
    standin = await startStandin({ markets: [], activity: [] });
  });
  after(() => standin.close());
  const url = (p: string) => new URL(p, standin.url);

  it("creates credentials once for a valid ClobAuth signature, then derives the same ones", async () => {
    const created = await fetch(url("/auth/api-key"), {
      method: "POST",
      headers: await l1Headers(KEY, signer.address),
    });
    assert.equal(created.status, 200);
    const creds = (await created.json()) as { apiKey: string; secret: string; passphrase: string };
    assert.match(creds.apiKey, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(creds.secret.length >= 40 && creds.passphrase.length === 64);
    const again = await fetch(url("/auth/api-key"), {
      method: "POST",
      headers: await l1Headers(KEY, signer.address),
    });
    assert.equal(again.status, 400, "a second create is refused: the SDK then derives");
    const derived = await fetch(url("/auth/derive-api-key"), {
      headers: await l1Headers(KEY, signer.address),
    });
    assert.equal(derived.status, 200);
    assert.deepEqual(await derived.json(), creds);
    assert.equal(standin.clob.apiKeys.get(creds.apiKey)?.address, signer.address.toLowerCase());
    // L2 requests with the issued key must come from its address with its passphrase.
    const l2 = (address: string, passphrase: string) =>
      fetch(url("/auth/api-keys"), {
        headers: {
          POLY_ADDRESS: address,
          POLY_API_KEY: creds.apiKey,
          POLY_PASSPHRASE: passphrase,
          POLY_SIGNATURE: "sig",
          POLY_TIMESTAMP: "1",
        },
      });
    assert.equal((await l2(signer.address, creds.passphrase)).status, 200);
    assert.equal((await l2(signer.address, "wrong")).status, 401);
    assert.equal((await l2(privateKeyToAccount(OTHER).address, creds.passphrase)).status, 401);
  });
  it("refuses a signature by another key, a malformed header, and deriving a key never created", async () => {
    const forged = await fetch(url("/auth/api-key"), {
      method: "POST",
      headers: await l1Headers(OTHER, signer.address, 5),
    });
    assert.equal(forged.status, 401);
    assert.match(((await forged.json()) as { error: string }).error, /Invalid L1 Request headers/);
    const bad = await fetch(url("/auth/api-key"), {
      method: "POST",
      headers: { ...(await l1Headers(KEY, signer.address, 6)), POLY_SIGNATURE: "0x1234" },
    });
    assert.equal(bad.status, 401);
    const never = await fetch(url("/auth/derive-api-key"), {
      headers: await l1Headers(KEY, signer.address, 7),
    });
    assert.equal(never.status, 400);
  });
});
