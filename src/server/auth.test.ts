import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isPolycopyError } from "../domain/errors.ts";
import { assertUsableToken, bearerMatches, redactSecrets } from "./auth.ts";

const TOKEN = "s3cret-token-value";

describe("bearerMatches", () => {
  it("accepts only the exact token after the Bearer scheme", () => {
    assert.equal(bearerMatches(`Bearer ${TOKEN}`, TOKEN), true);
    assert.equal(bearerMatches(`bearer ${TOKEN}`, TOKEN), true);
    assert.equal(bearerMatches(undefined, TOKEN), false);
    assert.equal(bearerMatches("", TOKEN), false);
    assert.equal(bearerMatches(TOKEN, TOKEN), false);
    assert.equal(bearerMatches(`Basic ${TOKEN}`, TOKEN), false);
    assert.equal(bearerMatches(`Bearer ${TOKEN}x`, TOKEN), false);
    assert.equal(bearerMatches(`Bearer ${TOKEN.slice(1)}`, TOKEN), false);
    assert.equal(bearerMatches(`Bearer ${TOKEN} extra`, TOKEN), false);
    assert.equal(bearerMatches("Bearer ", ""), false);
  });
});

describe("assertUsableToken", () => {
  it("rejects empty and short tokens with a user-facing error", () => {
    for (const t of ["", "abc", "12345678901"]) {
      assert.throws(
        () => assertUsableToken(t),
        (e: unknown) => isPolycopyError(e, "SECRET_MISSING") && e.userFacing,
      );
    }
    assert.doesNotThrow(() => assertUsableToken("123456789012"));
  });
});

describe("redactSecrets", () => {
  it("replaces secret-looking fields at any depth and hides URL credentials", () => {
    const out = redactSecrets({
      wallet: "0xabc",
      privateKey: "0xdead",
      nested: [{ api_key: "k", passphrase: "p", note: "see https://user:pw@host/x" }],
      signer: { secret: { deep: 1 } },
      count: 3,
    });
    assert.deepEqual(out, {
      wallet: "0xabc",
      privateKey: "[redacted]",
      nested: [{ api_key: "[redacted]", passphrase: "[redacted]", note: "see https://***@host/x" }],
      signer: { secret: "[redacted]" },
      count: 3,
    });
    assert.equal(redactSecrets(null), null);
  });
});
