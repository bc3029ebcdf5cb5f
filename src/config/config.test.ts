import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isPolycopyError } from "../domain/errors.ts";
import { loadConfig } from "./config.ts";

function dirWith(content: string | null): string {
  const d = mkdtempSync(join(tmpdir(), "polycopy-cfg-"));
  if (content !== null) writeFileSync(join(d, "polycopy.config.json"), content);
  return d;
}

describe("loadConfig", () => {
  it("uses safe defaults with no file: localhost server, 90-day backfill", () => {
    const c = loadConfig({ cwd: dirWith(null), env: {} });
    assert.equal(c.server.host, "127.0.0.1");
    assert.equal(c.polymarket.backfillDays, 90);
    assert.deepEqual(c.wallets, []);
    assert.equal(c.risk.profiles.market_maker.maxOrderUsd, 50);
  });
  it("merges a partial risk section over the defaults per wallet class", () => {
    const c = loadConfig({
      cwd: dirWith(
        JSON.stringify({ risk: { startingCashUsd: 5000, profiles: { uncertain: { enabled: false } } } }),
      ),
      env: {},
    });
    assert.equal(c.risk.startingCashUsd, 5000);
    assert.equal(c.risk.profiles.uncertain.enabled, false);
    assert.equal(c.risk.profiles.uncertain.maxOrderUsd, 25, "untouched keys keep their defaults");
    assert.equal(c.risk.profiles.directional.enabled, true);
  });
  it("normalizes wallet addresses and applies env overrides", () => {
    const d = dirWith(
      JSON.stringify({ wallets: [{ address: "0xABCDEFabcdef0123456789012345678901234567" }] }),
    );
    const c = loadConfig({
      cwd: d,
      env: { DATABASE_URL: "postgres://u@127.0.0.1/db", POLYCOPY_PORT: "9000" },
    });
    assert.equal(c.wallets[0]?.address, "0xabcdefabcdef0123456789012345678901234567");
    assert.equal(c.databaseUrl, "postgres://u@127.0.0.1/db");
    assert.equal(c.server.port, 9000);
  });
  it("rejects malformed JSON, unknown keys, bad values and missing files with one-line errors", () => {
    const cases: Array<[string, RegExp]> = [
      ["{not json", /not valid JSON/],
      ['{"walets": []}', /walets/],
      ['{"wallets": [{"address": "0x12"}]}', /wallets\.0\.address: must be a 0x-prefixed/],
      ['{"server": {"port": "80"}}', /server\.port/],
      ["[]", /must be a JSON object/],
      [
        '{"risk": {"profiles": {"directional": {"maxOrderUsd": -5}}}}',
        /risk\.profiles\.directional\.maxOrderUsd/,
      ],
      [
        '{"risk": {"breakers": {"drawdownHalted": 0.01}}}',
        /risk\.breakers\.drawdownHalted: must be ≥ drawdownReduced/,
      ],
      ['{"risk": {"sizing": {"kellyFraction": "half"}}}', /risk\.sizing\.kellyFraction/],
      ['{"risk": {"bogus": 1}}', /risk: Unrecognized key: "bogus"/],
      ['{"risk": 5}', /risk: must be an object/],
    ];
    for (const [text, re] of cases) {
      assert.throws(
        () => loadConfig({ cwd: dirWith(text), env: {} }),
        (e: unknown) =>
          isPolycopyError(e, "CONFIG_INVALID") &&
          e.userFacing &&
          re.test(e.message) &&
          !e.message.includes("\n"),
        text,
      );
    }
    assert.throws(
      () => loadConfig({ cwd: dirWith(null), file: "nope.json", env: {} }),
      /config file not found: nope\.json/,
    );
  });
});
