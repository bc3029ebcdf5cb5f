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
  it("refuses numbers outside the documented ranges (no 'cash Infinity USD')", () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ startingCashUsd: 1e308 }, /risk\.startingCashUsd: Too big/],
      [{ startingCashUsd: 2e9 }, /risk\.startingCashUsd/],
      [{ profiles: { directional: { maxOrderUsd: 1e300 } } }, /risk\.profiles\.directional\.maxOrderUsd/],
      [{ profiles: { uncertain: { maxEntriesPerHour: 1e12 } } }, /maxEntriesPerHour/],
      [{ filters: { latencyMs: 1e15 } }, /risk\.filters\.latencyMs/],
      [{ filters: { minEdge: 5 } }, /risk\.filters\.minEdge/],
      [{ sizing: { targetVolPerHour: 1e6 } }, /risk\.sizing\.targetVolPerHour/],
      [{ breakers: { windowHours: 1e9 } }, /risk\.breakers\.windowHours/],
    ];
    for (const [risk, re] of cases) {
      assert.throws(
        () => loadConfig({ cwd: dirWith(JSON.stringify({ risk })), env: {} }),
        (e: unknown) => isPolycopyError(e, "CONFIG_INVALID") && e.userFacing && re.test(e.message),
        JSON.stringify(risk),
      );
    }
    assert.throws(
      () => loadConfig({ cwd: dirWith('{"alerts": {"minIntervalSec": 1e308}}'), env: {} }),
      /alerts\.minIntervalSec/,
    );
    // The edges of the ranges are accepted.
    const c = loadConfig({ cwd: dirWith(JSON.stringify({ risk: { startingCashUsd: 1e9 } })), env: {} });
    assert.equal(c.risk.startingCashUsd, 1e9);
  });
  it("refuses a minimum above its maximum for every min/max pair", () => {
    const cases: Array<[unknown, RegExp]> = [
      [
        { sizing: { minVolFactor: 2, maxVolFactor: 1 } },
        /risk\.sizing\.minVolFactor: must be ≤ maxVolFactor/,
      ],
      [
        { profiles: { directional: { maxOrderUsd: 700 } } },
        /risk\.profiles\.directional\.maxOrderUsd: must be ≤ maxPositionPerMarketUsd/,
      ],
      [
        { profiles: { market_maker: { walletBudgetUsd: 2000 } } },
        /risk\.profiles\.market_maker\.walletBudgetUsd: must be ≤ classBudgetUsd/,
      ],
      [
        { profiles: { uncertain: { maxEntriesPerHour: 7 } } },
        /risk\.profiles\.uncertain\.maxEntriesPerHour: must be ≤ maxClassEntriesPerHour/,
      ],
      [
        { breakers: { correlationReduced: 0.9 } },
        /risk\.breakers\.correlationHalted: must be ≥ correlationReduced/,
      ],
      [
        { breakers: { lossStreakReduced: 20 } },
        /risk\.breakers\.lossStreakHalted: must be ≥ lossStreakReduced/,
      ],
    ];
    for (const [risk, re] of cases) {
      assert.throws(
        () => loadConfig({ cwd: dirWith(JSON.stringify({ risk })), env: {} }),
        (e: unknown) => isPolycopyError(e, "CONFIG_INVALID") && re.test(e.message),
        JSON.stringify(risk),
      );
    }
  });
  it("refuses prototype keys anywhere in the file", () => {
    const cases: Array<[string, RegExp]> = [
      ['{"__proto__": {"dataDir": "/tmp/x"}}', /__proto__: key "__proto__" is not allowed/],
      ['{"risk": {"__proto__": {"startingCashUsd": 1}}}', /risk\.__proto__: key "__proto__"/],
      ['{"risk": {"profiles": {"constructor": {}}}}', /risk\.profiles\.constructor: key "constructor"/],
      [
        '{"wallets": [{"address": "0x1111111111111111111111111111111111111111", "prototype": 1}]}',
        /wallets\.0\.prototype/,
      ],
      ['{"server": {"prototype": {"host": "0.0.0.0"}}}', /server\.prototype/],
    ];
    for (const [text, re] of cases) {
      assert.throws(
        () => loadConfig({ cwd: dirWith(text), env: {} }),
        (e: unknown) => isPolycopyError(e, "CONFIG_INVALID") && e.userFacing && re.test(e.message),
        text,
      );
    }
    assert.equal(({} as Record<string, unknown>).startingCashUsd, undefined, "no prototype was polluted");
  });
  it("checks the environment's token and port with the config, without echoing the token", () => {
    const d = dirWith(null);
    assert.throws(
      () => loadConfig({ cwd: d, env: { POLYCOPY_API_TOKEN: "short-s3cr" } }),
      (e: unknown) =>
        isPolycopyError(e, "SECRET_MISSING") && e.userFacing && !e.message.includes("short-s3cr"),
    );
    assert.throws(() => loadConfig({ cwd: d, env: { POLYCOPY_PORT: "80x" } }), /POLYCOPY_PORT/);
    assert.doesNotThrow(() => loadConfig({ cwd: d, env: { POLYCOPY_API_TOKEN: "a-long-enough-token" } }));
  });
});
