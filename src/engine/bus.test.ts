import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EngineEvent } from "../domain/events.ts";
import { EventBus } from "./bus.ts";

describe("EventBus", () => {
  it("delivers typed events to typed and catch-all subscribers, and unsubscribes", () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const off = bus.on("alert", (e) => seen.push(`alert:${e.message}`));
    bus.onAny((e) => seen.push(`any:${e.type}`));
    const alert: EngineEvent = { type: "alert", level: "warn", message: "x", ts: 1 };
    bus.emit(alert);
    off();
    bus.emit(alert);
    assert.deepEqual(seen, ["alert:x", "any:alert", "any:alert"]);
  });
  it("isolates a throwing subscriber and reports it", () => {
    const errors: unknown[] = [];
    const bus = new EventBus((err) => errors.push(err));
    let reached = false;
    bus.on("alert", () => {
      throw new Error("boom");
    });
    bus.on("alert", () => {
      reached = true;
    });
    bus.emit({ type: "alert", level: "info", message: "m", ts: 0 });
    assert.equal(reached, true);
    assert.equal(errors.length, 1);
  });
});
