import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isPolycopyError } from "../domain/errors.ts";
import { userFacingSystemError } from "./system-error.ts";

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

describe("userFacingSystemError", () => {
  it("turns a real file-system failure into one user-facing line naming the path and the flag", () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-syserr-"));
    const file = join(dir, "f");
    writeFileSync(file, "x");
    const e = userFacingSystemError(
      thrown(() => writeFileSync(join(file, "out.json"), "y")),
      "--out",
    );
    assert.ok(isPolycopyError(e) && e.userFacing);
    assert.equal(
      e.message,
      `--out: cannot open ${file}/out.json: a part of the path is a file, not a directory`,
    );
    const d = userFacingSystemError(thrown(() => readFileSync(dir)));
    assert.match(d!.message, /^cannot read: it is a directory, not a file$/);
  });
  it("maps permission errors (as the kernel reports them to a non-root user)", () => {
    // Root ignores file modes, so the errno is built as fs would throw it.
    const err = Object.assign(new Error("EACCES: permission denied, mkdir '/srv/data'"), {
      code: "EACCES",
      syscall: "mkdir",
      path: "/srv/data",
      errno: -13,
    });
    assert.equal(userFacingSystemError(err)?.message, "cannot create directory /srv/data: permission denied");
  });
  it("leaves other errors alone", () => {
    assert.equal(userFacingSystemError(new Error("boom")), undefined);
    assert.equal(userFacingSystemError(Object.assign(new Error("x"), { code: "ECONNREFUSED" })), undefined);
    assert.equal(userFacingSystemError("a string"), undefined);
  });
});
