import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { apiFillKey, isFill } from "../src/domain/fill.ts";
import { simulate } from "../src/sim/index.ts";
import { startChainRpc } from "../src/standin/chain-rpc.ts";
import { standinDataFromSim } from "../src/standin/from-sim.ts";
import { startStandin } from "../src/standin/server.ts";
import { openStore } from "../src/store/open.ts";

const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `killAfterMs` sends SIGINT then, or `interrupt()` on the result does it on demand. */
function run(args: string[], dataDir: string, killAfterMs?: number): Promise<Ran> & { interrupt(): void } {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: dataDir,
    env: { ...process.env, POLYCOPY_DATA_DIR: dataDir, POLYCOPY_LOG_LEVEL: "silent", DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const t = killAfterMs === undefined ? null : setTimeout(() => child.kill("SIGINT"), killAfterMs);
  const done = new Promise<Ran>((resolve) =>
    child.on("exit", (status) => {
      if (t) clearTimeout(t);
      resolve({ status, stdout, stderr });
    }),
  );
  return Object.assign(done, { interrupt: () => child.kill("SIGINT") });
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function storedFills(dataDir: string) {
  const store = await openStore({ dataDir });
  try {
    return (await store.listLeaderEvents()).filter(isFill);
  } finally {
    await store.close();
  }
}

const sim = simulate({ seed: 3, days: 3, walletsPerStyle: 1, markets: 6 });
const fills = sim.events.filter(isFill);
const wallets = [...new Set(fills.map((f) => f.wallet))].sort().slice(0, 5);

describe("polycopy ingest --from chain | ws", () => {
  it("--from chain stores the followed wallets' on-chain fills with roles; a second run adds nothing", async () => {
    const standin = await startStandin({ ...standinDataFromSim(sim), seed: 2 });
    const chain = await startChainRpc({
      fills,
      negRiskMarkets: new Set(sim.markets.filter((m) => m.negRisk).map((m) => m.id)),
      tailBlocks: 8,
      faults: { rateLimit: 0.05, serverError: 0.05, rpcError: 0.05 },
      seed: 6,
    });
    const dir = mkdtempSync(join(tmpdir(), "polycopy-src-cli-"));
    dirs.push(dir);
    try {
      const args = [
        "ingest",
        "--from",
        "chain",
        "--url",
        standin.url,
        "--rpc-url",
        chain.url,
        "--wallets",
        wallets.join(","),
        "--confirmations",
        "4",
        "--from-block",
        "60000000",
      ];
      const r = await run(args, dir);
      assert.equal(r.status, 0, r.stderr);
      const want = [...chain.leaderLogs(chain.head() - 4)].filter(([, f]) => wallets.includes(f.wallet));
      assert.ok(want.length > 20);
      assert.match(r.stdout, new RegExp(`ingested ${want.length} new events`));
      const got = await storedFills(dir);
      assert.deepEqual(got.map((f) => f.key).sort(), want.map(([k]) => k).sort());
      const byKey = new Map(want);
      for (const f of got) assert.equal(f.role, byKey.get(f.key)!.role, `role of ${f.key}`);
      const again = await run(args, dir);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /ingested 0 new events/);
    } finally {
      await chain.close();
      await standin.close();
    }
  });

  it("--from ws backfills, then takes live fills from the socket until interrupted", async () => {
    const data = standinDataFromSim(sim);
    const standin = await startStandin({ ...data, websocket: true, seed: 4 });
    const dir = mkdtempSync(join(tmpdir(), "polycopy-src-cli-"));
    dirs.push(dir);
    try {
      const child = run(
        ["ingest", "--from", "ws", "--url", standin.url, "--wallets", wallets.join(","), "--days", "3650"],
        dir,
      );
      // Live trades published once the command has subscribed (a loaded machine may take seconds to
      // start it); it is interrupted only after they are stored, so no fixed timer decides the test.
      await waitFor("the command to subscribe", () => standin.subscriberCount() > 0);
      const base = data.activity.find((a) => a.type === "TRADE" && wallets.includes(String(a.proxyWallet)))!;
      const live: Record<string, unknown>[] = [];
      for (let i = 0; i < 5; i++) {
        const rec = {
          ...base,
          timestamp: Math.floor(Date.now() / 1000),
          transactionHash: `0x${(0xfeed0 + i).toString(16).padStart(64, "0")}`,
        };
        live.push(rec);
        standin.publish(rec);
        await new Promise((r) => setTimeout(r, 50));
      }
      const liveKeys = live.map((rec) =>
        apiFillKey({
          txHash: String(rec.transactionHash),
          wallet: String(rec.proxyWallet),
          tokenId: String(rec.asset),
          side: rec.side as "BUY" | "SELL",
          size: Number(rec.size),
          price: Number(rec.price),
        }),
      );
      await waitFor("the live fills to be stored", async () => {
        const stored = new Set((await storedFills(dir)).map((f) => f.key));
        return liveKeys.every((k) => stored.has(k));
      });
      child.interrupt();
      const r = await child;
      assert.equal(r.status, 0, r.stderr);
      const keys = new Set((await storedFills(dir)).map((f) => f.key));
      const hist = sim.events.filter((e) => isFill(e) && wallets.includes(e.wallet));
      assert.ok(hist.length > 0);
      for (const e of hist) {
        if (!isFill(e)) continue;
        const k = apiFillKey({
          txHash: e.txHash!,
          wallet: e.wallet,
          tokenId: e.tokenId,
          side: e.side,
          size: e.size,
          price: e.price,
        });
        assert.ok(keys.has(k), `history fill ${k} stored`);
      }
      for (const k of liveKeys) assert.ok(keys.has(k), `live fill ${k} stored`);
    } finally {
      await standin.close();
    }
  });

  it("rejects a bad --from and a chain run without an RPC URL, in one line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "polycopy-src-cli-"));
    dirs.push(dir);
    const a = await run(["ingest", "--from", "nowhere"], dir);
    assert.notEqual(a.status, 0);
    assert.match(
      a.stderr,
      /--from must be standin, polymarket or file \(polling\), ws \(websocket\) or chain/,
    );
    const b = await run(["ingest", "--from", "chain", "--wallets", wallets[0]!], dir);
    assert.notEqual(b.status, 0);
    assert.match(b.stderr, /--from chain needs --rpc-url/);
  });
});
