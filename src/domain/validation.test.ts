import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { isPolycopyError } from "./errors.ts";
import { parseWith } from "./validation.ts";

describe("parseWith", () => {
  const schema = z.object({ risk: z.object({ maxOrderUsd: z.number().positive() }) }).strict();
  it("returns parsed data", () => {
    assert.deepEqual(parseWith(schema, { risk: { maxOrderUsd: 5 } }, "cfg"), { risk: { maxOrderUsd: 5 } });
  });
  it("throws a one-line user-facing error naming the field", () => {
    try {
      parseWith(schema, { risk: { maxOrderUsd: "5" } }, "config x.json", "CONFIG_INVALID");
      assert.fail("should throw");
    } catch (e) {
      assert.ok(isPolycopyError(e, "CONFIG_INVALID"));
      assert.equal(e.userFacing, true);
      assert.match(e.message, /^config x\.json: risk\.maxOrderUsd: /);
      assert.doesNotMatch(e.message, /\n/);
    }
  });
  it("names unknown keys", () => {
    assert.throws(() => parseWith(schema, { risk: { maxOrderUsd: 1 }, typo: 1 }, "cfg"), /typo/);
  });
});
