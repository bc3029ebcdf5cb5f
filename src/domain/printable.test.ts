import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { printable, quoted } from "./printable.ts";

describe("printable", () => {
  it("removes terminal escapes, control characters and bidi overrides", () => {
    assert.equal(printable("\u001b[2J\u001b[1;31mred\u001b[0m"), "red");
    assert.equal(printable("a\u001b]0;title\u0007b\u001b]8;;http://x\u001b\\c"), "abc");
    assert.equal(printable("x\r\ny\u0000z\u007f\u009b\u202eq\u2066"), "xyzq");
  });

  it("caps the length and marks the cut", () => {
    assert.equal(printable("A".repeat(100), 10), `${"A".repeat(10)}…`);
    assert.equal(printable("short", 10), "short");
  });

  it("quotes strings and prints other values as they are", () => {
    assert.equal(quoted("\u001b[31mBUY"), '"BUY"');
    assert.equal(quoted(12.5), "12.5");
    assert.equal(quoted(undefined), "undefined");
  });
});
