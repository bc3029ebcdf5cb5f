import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StepLock } from "./resolutions.ts";

describe("StepLock", () => {
  it("runs steps one at a time, in call order, and a failed step does not block the next", async () => {
    const lock = new StepLock();
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) =>
      lock.run(async () => {
        log.push(`${name}:start`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${name}:end`);
        if (fail) throw new Error(`${name} failed`);
        return name;
      });
    const a = step("a", 20);
    const b = step("b", 1, true);
    const c = step("c", 1);
    assert.equal(await a, "a");
    await assert.rejects(b, /b failed/);
    assert.equal(await c, "c");
    assert.deepEqual(log, ["a:start", "a:end", "b:start", "b:end", "c:start", "c:end"]);
  });

  it("once poisoned, refuses every later step with the poisoning error", async () => {
    const lock = new StepLock();
    let ran = 0;
    await lock.run(async () => {
      ran++;
      lock.poison(new Error("commit failed"));
    });
    await assert.rejects(
      lock.run(async () => {
        ran++;
      }),
      /commit failed/,
    );
    lock.poison(new Error("another"));
    await assert.rejects(
      lock.run(async () => ran++),
      /commit failed/,
      "the first error is kept",
    );
    assert.equal(ran, 1);
  });
});
