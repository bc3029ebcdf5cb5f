/**
 * The shared contract of the ledger's trading lock (instance-lock.ts): SQLite and PostgreSQL run
 * exactly these tests. `open` opens another Store on the same ledger each call; `childOptions` is
 * what a separate process passes to openStore to reach that ledger.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, describe, it } from "node:test";
import { isPolycopyError } from "../domain/errors.ts";
import type { OpenStoreOptions } from "./open.ts";
import { order } from "./store.contract.ts";
import type { Store } from "./store.ts";

const OPEN_URL = new URL("./open.ts", import.meta.url).href;

/** A separate process that takes the lock, says so, then waits to be killed. */
function childHolder(opts: OpenStoreOptions): { pid: number; locked: Promise<void>; kill9(): Promise<void> } {
  const code = `import { openStore } from ${JSON.stringify(OPEN_URL)};
const s = await openStore(${JSON.stringify(opts)});
await s.acquireInstanceLock();
process.stdout.write("locked\\n");
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d) => String(d).includes("locked") && resolve());
    child.once("exit", (c) => reject(new Error(`lock holder exited (${c}): ${err}`)));
  });
  return {
    pid: child.pid!,
    locked,
    kill9: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

export function instanceLockContract(
  name: string,
  open: () => Promise<Store>,
  childOptions: OpenStoreOptions,
): void {
  describe(`instance lock contract: ${name}`, () => {
    const opened: Store[] = [];
    const openOne = async () => {
      const s = await open();
      opened.push(s);
      return s;
    };
    after(async () => {
      for (const s of opened) await s.close().catch(() => {});
    });

    it("a second instance is refused with one line naming the holder; after release the next takes a higher epoch", async () => {
      const a = await openOne();
      const b = await openOne();
      const la = await a.acquireInstanceLock();
      assert.equal(la.holder.pid, process.pid);
      assert.ok(la.holder.epoch >= 1);
      await assert.rejects(b.acquireInstanceLock(), (e: unknown) => {
        assert.ok(isPolycopyError(e, "LOCKED"), String(e));
        assert.equal(e.userFacing, true);
        assert.ok(!e.message.includes("\n"));
        assert.match(e.message, new RegExp(`pid ${process.pid} on host \\S+, since \\d{4}-\\d\\d-\\d\\dT`));
        return true;
      });
      await la.release();
      const lb = await b.acquireInstanceLock();
      assert.equal(lb.holder.epoch, la.holder.epoch + 1);
      assert.deepEqual(lb.previous, la.holder);
      await lb.release();
    });

    it("a fenced instance's order writes and its pre-post check fail with FENCED; the new holder's succeed", async () => {
      const a = await openOne();
      const b = await openOne();
      const la = await a.acquireInstanceLock();
      await a.insertOrder(order("fence-o1"));
      await la.check();
      // A loses the lock (its session or process ended, as the OS/server would do) and B takes over.
      await la.release();
      const lb = await b.acquireInstanceLock();
      const fenced = (e: unknown) => isPolycopyError(e, "FENCED") && e.userFacing && /epoch/.test(e.message);
      await assert.rejects(la.check(), fenced);
      await assert.rejects(a.insertOrder(order("fence-o2")), fenced);
      await assert.rejects(a.updateOrder("fence-o1", { status: "filled", updatedTs: 2 }), fenced);
      await assert.rejects(
        a.commitStep({
          cursor: { source: "live:engine", value: "1" },
          orders: [order("fence-o3")],
          fills: [],
          positions: [],
          audit: [],
          breakers: [],
        }),
        fenced,
      );
      assert.equal(await a.getOrder("fence-o2"), undefined, "nothing of a refused write is stored");
      assert.equal(await a.getOrder("fence-o3"), undefined);
      assert.equal((await a.getOrder("fence-o1"))?.status, "pending");
      await lb.check();
      assert.equal(await b.insertOrder(order("fence-o4")), true);
      await b.updateOrder("fence-o1", { status: "filled", updatedTs: 3 });
      await lb.release();
    });

    it("a kill -9'd holder never blocks a restart; a live one always blocks", async () => {
      const s = await openOne();
      const child = childHolder(childOptions);
      await child.locked;
      await assert.rejects(s.acquireInstanceLock(), (e: unknown) => {
        assert.ok(isPolycopyError(e, "LOCKED"));
        assert.match(e.message, new RegExp(`pid ${child.pid} `));
        return true;
      });
      await child.kill9();
      // The OS (SQLite file lock) or the server (session advisory lock) freed it with the process.
      let lease: Awaited<ReturnType<Store["acquireInstanceLock"]>> | undefined;
      for (let i = 0; i < 50 && !lease; i++) {
        lease = await s.acquireInstanceLock().catch((e: unknown) => {
          if (!isPolycopyError(e, "LOCKED")) throw e;
          return undefined;
        });
        if (!lease) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(lease, "the lock was taken after its holder was killed");
      assert.equal(lease.previous?.pid, child.pid);
      assert.ok(lease.holder.epoch > lease.previous!.epoch);
      await lease.release();
    });
  });
}
