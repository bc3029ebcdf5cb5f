import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Decision, EngineEvent } from "../domain/events.ts";
import type { LeaderFill } from "../domain/fill.ts";
import { EventBus } from "../engine/bus.ts";
import { EventStreamHub, type StreamMessage } from "./stream.ts";
import type { StreamOptions } from "./types.ts";

type Msg = StreamMessage & Record<string, unknown>;

/** A hub whose timers never fire during the test (flushes are driven by hand) and one connected client. */
async function setup(opts: Partial<StreamOptions>) {
  const bus = new EventBus();
  const hub = new EventStreamHub(bus, { flushMs: 3_600_000, heartbeatMs: 3_600_000, ...opts });
  const reader = hub.response().body!.pipeThrough(new TextDecoderStream()).getReader();
  /** Reads what one flush wrote (each flush writes one chunk); [] when it wrote nothing. */
  // A read that timed out stays pending and receives the next chunk, so it is kept for the next call.
  let pending: ReturnType<typeof reader.read> | null = null;
  const chunk = async (): Promise<{ msgs: Msg[]; bytes: number }> => {
    pending ??= reader.read();
    const r = await Promise.race([
      pending,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 30)),
    ]);
    if (r === null) return { msgs: [], bytes: 0 };
    pending = null;
    if (r.done) return { msgs: [], bytes: 0 };
    const msgs = r.value
      .split("\n\n")
      .flatMap((block) => block.split("\n").filter((l) => l.startsWith("data: ")))
      .map((l) => JSON.parse(l.slice(6)) as Msg);
    return { msgs, bytes: Buffer.byteLength(r.value) };
  };
  const hello = await chunk();
  assert.equal(hello.msgs[0]?.type, "hello");
  return { bus, hub, reader, chunk };
}

const decision = (i: number): Decision => ({
  leaderFillKey: `k${i}`,
  wallet: "0x1111111111111111111111111111111111111111",
  walletClass: "directional",
  action: "copied",
  rule: null,
  reason: "directional leader with a positive edge lower bound, sized at quarter Kelly",
  orderKey: `o${i}`,
  ts: 1_700_000_000_000 + i,
});

const leaderFill = (i: number): EngineEvent => {
  const fill: LeaderFill = {
    type: "TRADE",
    key: `lf${i}`,
    wallet: "0x2222222222222222222222222222222222222222",
    marketId: "0xmarket",
    tokenId: "1",
    outcomeIndex: 0,
    side: "BUY",
    price: 0.5,
    size: 10,
    ts: i,
    role: null,
    txHash: null,
    source: "sim",
  };
  return { type: "leader_fill", fill };
};

describe("EventStreamHub", () => {
  it("coalesces pnl to the latest value and sends it at most once per interval", async () => {
    const { bus, hub, chunk } = await setup({ pnlIntervalMs: 1000 });
    for (let i = 1; i <= 1000; i++) bus.emit({ type: "pnl", equity: i, realized: 0, unrealized: 0, ts: i });
    hub.flush(10_000);
    const first = await chunk();
    assert.deepEqual(
      first.msgs.map((m) => [m.type, m.equity]),
      [["pnl", 1000]],
    );
    bus.emit({ type: "pnl", equity: 1001, realized: 0, unrealized: 0, ts: 1001 });
    bus.emit({ type: "pnl", equity: 1002, realized: 0, unrealized: 0, ts: 1002 });
    hub.flush(10_500); // within the interval: held back, not dropped
    assert.deepEqual((await chunk()).msgs, []);
    hub.flush(11_000);
    assert.deepEqual(
      (await chunk()).msgs.map((m) => m.equity),
      [1002],
    );
    hub.close();
  });

  it("keeps decisions within the byte budget, delaying (never dropping) them, in order", async () => {
    const { bus, hub, chunk } = await setup({ maxBytesPerSec: 2000 });
    for (let i = 0; i < 30; i++) bus.emit({ type: "decision", decision: decision(i) });
    const got: string[] = [];
    let t = Date.now();
    let flushes = 0;
    while (got.length < 30 && flushes < 100) {
      hub.flush(t);
      const c = await chunk();
      assert.ok(c.bytes <= 2000 + 100, `one flush sent ${c.bytes} bytes with a 2000 B/s budget`);
      for (const m of c.msgs) {
        assert.notEqual(m.type, "dropped");
        got.push((m.decision as Decision).leaderFillKey);
      }
      t += 500;
      flushes++;
    }
    assert.deepEqual(
      got,
      Array.from({ length: 30 }, (_, i) => `k${i}`),
    );
    // ~350 bytes each at 1000 B per 500 ms: the 30 decisions need several flushes.
    assert.ok(flushes >= 8, `sent in ${flushes} flushes`);
    hub.close();
  });

  it("drops leader fills beyond the budget and reports the count", async () => {
    const { bus, hub, chunk } = await setup({ maxBytesPerSec: 4096 });
    for (let i = 0; i < 500; i++) bus.emit(leaderFill(i));
    bus.emit({ type: "decision", decision: decision(1) });
    hub.flush(Date.now());
    const { msgs } = await chunk();
    assert.equal(msgs[0]?.type, "decision", "decisions go before leader fills");
    const fills = msgs.filter((m) => m.type === "leader_fill").length;
    const dropped = msgs.find((m) => m.type === "dropped");
    assert.ok(fills > 0 && fills < 20, `${fills} leader fills fit 4 KB`);
    assert.equal(fills + (dropped?.count as number), 500);
    hub.close();
  });

  it("coalesces positions to the latest per token", async () => {
    const { bus, hub, chunk } = await setup({});
    const pos = (tokenId: string, qty: number): EngineEvent => ({
      type: "position",
      position: {
        marketId: "m",
        tokenId,
        outcomeIndex: 0,
        qty,
        cost: qty / 2,
        realized: 0,
        openedTs: 1,
        updatedTs: 1,
      },
    });
    bus.emit(pos("a", 1));
    bus.emit(pos("b", 5));
    bus.emit(pos("a", 2));
    bus.emit(pos("a", 3));
    hub.flush(Date.now());
    const { msgs } = await chunk();
    assert.deepEqual(
      msgs.map((m) => {
        const p = (m as { position: { tokenId: string; qty: number } }).position;
        return [p.tokenId, p.qty];
      }),
      [
        ["b", 5],
        ["a", 3],
      ],
    );
    hub.close();
  });

  it("queues nothing while no client is connected, and close() ends client streams", async () => {
    const bus = new EventBus();
    const hub = new EventStreamHub(bus, { flushMs: 3_600_000, heartbeatMs: 3_600_000 });
    for (let i = 0; i < 10; i++) bus.emit({ type: "decision", decision: decision(i) });
    const reader = hub.response().body!.pipeThrough(new TextDecoderStream()).getReader();
    const hello = await reader.read();
    assert.match(hello.value ?? "", /"hello"/);
    hub.flush(Date.now());
    bus.emit({ type: "decision", decision: decision(99) });
    hub.flush(Date.now());
    const next = await reader.read();
    assert.doesNotMatch(next.value ?? "", /"k0"/);
    assert.match(next.value ?? "", /"k99"/);
    assert.equal(hub.clientCount, 1);
    hub.close();
    assert.equal(hub.clientCount, 0);
    assert.equal((await reader.read()).done, true);
  });
});
