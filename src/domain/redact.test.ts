import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { looksLikeKeyMaterial, redactSecrets, redactText, redactUrl } from "./redact.ts";

const KEY = `0x${"4f".repeat(32)}`;

describe("redactUrl", () => {
  it("drops user:password@ from any scheme", () => {
    assert.equal(
      redactUrl("https://alice:hunter2@hooks.example.com/alert"),
      "https://***@hooks.example.com/alert",
    );
    assert.equal(redactUrl("postgres://u:p@127.0.0.1:5432/db"), "postgres://***@127.0.0.1:5432/db");
    assert.equal(redactUrl("https://token-only@example.com/x"), "https://***@example.com/x");
  });
  it("hides secret query parameters and keeps the others", () => {
    const r = redactUrl("https://example.com/hook?apikey=abc123&channel=ops&access_token=zzz&sig=1");
    assert.equal(r, "https://example.com/hook?apikey=***&channel=ops&access_token=***&sig=***");
  });
  it("hides credential path segments (webhook tokens, RPC keys) and keeps the names", () => {
    assert.equal(
      redactUrl("https://hooks.slack.com/services/T0000/B0000/XXXXxxxxXXXX1234xxxxXXXX"),
      "https://hooks.slack.com/services/T0000/B0000/***",
    );
    assert.equal(
      redactUrl("https://api.telegram.org/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage"),
      "https://api.telegram.org/***/sendMessage",
    );
    assert.equal(
      redactUrl("https://polygon-mainnet.g.alchemy.com/v2/Ab12Cd34Ef56Gh78Ij90Kl12"),
      "https://polygon-mainnet.g.alchemy.com/v2/***",
    );
    assert.equal(redactUrl("https://clob.polymarket.com"), "https://clob.polymarket.com");
    assert.equal(
      redactUrl("https://data-api.polymarket.com/activity?user=0xabc"),
      "https://data-api.polymarket.com/activity?user=0xabc",
    );
  });
});

describe("redactText", () => {
  it("redacts every URL inside a message", () => {
    assert.equal(
      redactText("cannot connect to postgres://a:b@db/x (ECONNREFUSED); webhook https://u:p@h/y failed"),
      "cannot connect to postgres://***@db/x (ECONNREFUSED); webhook https://***@h/y failed",
    );
    assert.equal(redactText("no url here"), "no url here");
  });
});

describe("looksLikeKeyMaterial", () => {
  it("recognises a hex private key with or without 0x, and a mnemonic; not a path", () => {
    assert.equal(looksLikeKeyMaterial(KEY), true);
    assert.equal(looksLikeKeyMaterial(KEY.slice(2)), true);
    assert.equal(looksLikeKeyMaterial(`  ${KEY}\n`), true);
    assert.equal(looksLikeKeyMaterial("abandon ".repeat(11) + "about"), true);
    assert.equal(looksLikeKeyMaterial("/home/me/.polycopy/key.hex"), false);
    assert.equal(looksLikeKeyMaterial("keys/signer.txt"), false);
  });
});

describe("redactSecrets", () => {
  it("replaces secret fields, keeps token ids, and redacts URLs in strings at any depth", () => {
    const err = new Error("failed: postgres://a:b@h/db");
    const out = redactSecrets({
      tokenId: "123",
      token: "t-secret",
      nested: [{ apiKey: "k", url: "https://u:p@h/x" }],
      err,
    }) as Record<string, unknown>;
    assert.match(JSON.stringify(out.err), /"message":"failed: postgres:\/\/\*\*\*@h\/db"/);
    assert.doesNotMatch(JSON.stringify(out.err), /a:b@/);
    delete out.err;
    assert.deepEqual(out, {
      tokenId: "123",
      token: "[redacted]",
      nested: [{ apiKey: "[redacted]", url: "https://***@h/x" }],
    });
  });
});
