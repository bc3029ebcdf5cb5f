import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { WebhookAlerts } from "./alerts.ts";
import { EventBus } from "./bus.ts";

describe("webhook alerts", () => {
  it("posts alerts as JSON, suppresses repeats within the interval, and survives a failing endpoint", async () => {
    const got: Record<string, unknown>[] = [];
    let fail = false;
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        if (fail) {
          res.writeHead(500).end();
          return;
        }
        got.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    let now = 1_000_000;
    const bus = new EventBus();
    const alerts = new WebhookAlerts(bus, { url, minIntervalSec: 60, minLevel: "info", now: () => now });
    const alert = (message: string, level: "info" | "warn" = "warn") =>
      bus.emit({ type: "alert", level, message, ts: now });
    alert("breaker wallet:0xabc: NORMAL → HALTED (loss streak 10 ≥ 10)");
    alert("breaker wallet:0xabc: NORMAL → HALTED (loss streak 11 ≥ 10)"); // same alert, other numbers
    alert("kill switch ON: manual");
    await alerts.flush();
    assert.equal(got.length, 2);
    assert.equal(got[0]!.level, "warn");
    assert.match(String(got[0]!.message), /HALTED/);
    assert.equal(alerts.suppressed, 1);
    now += 61_000;
    fail = true;
    alert("breaker wallet:0xabc: NORMAL → HALTED (loss streak 12 ≥ 10)");
    await alerts.flush();
    assert.equal(alerts.failed, 1, "a failing webhook is counted, not thrown");
    alerts.close();
    alert("kill switch ON: after close");
    await alerts.flush();
    assert.equal(got.length, 2);
    await new Promise((r) => server.close(r));
  });
});
