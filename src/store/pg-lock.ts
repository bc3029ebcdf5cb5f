import pg from "pg";
import { PolycopyError } from "../domain/errors.ts";
import type { LockBackend, LockHandle } from "./instance-lock.ts";

/**
 * PostgreSQL's trading lock: a session advisory lock held on a connection of its own (not the
 * pool's), keyed by the schema so isolated schemas do not share it. The server drops it when the
 * session ends (crash, kill -9, network loss); the lease then reports itself lost, and the fencing
 * epoch refuses this instance's writes once a newer one takes over.
 */
export function pgLockBackend(config: pg.ClientConfig, heartbeatMs = 5_000): LockBackend {
  return {
    async tryLock(): Promise<LockHandle | null> {
      const client = new pg.Client({ ...config, keepAlive: true });
      let lost: string | null = null;
      client.on("error", (e) => {
        lost ??= `lock session failed: ${e.message}`;
      });
      client.on("end", () => {
        lost ??= "lock session ended";
      });
      try {
        await client.connect();
        const r = await client.query<{ ok: boolean }>(
          "SELECT pg_try_advisory_lock(hashtext(current_schema() || ':polycopy:trading')) AS ok",
        );
        if (!r.rows[0]?.ok) {
          await client.end().catch(() => {});
          return null;
        }
      } catch (e) {
        await client.end().catch(() => {});
        throw new PolycopyError("STORE_ERROR", `cannot take the ledger lock: ${(e as Error).message}`, {
          userFacing: true,
          cause: e,
        });
      }
      // A quiet connection may die unnoticed (network loss): ping it so `lost()` turns true.
      const beat = setInterval(() => {
        client.query("SELECT 1").catch((e: Error) => {
          lost ??= `lock session failed: ${e.message}`;
        });
      }, heartbeatMs);
      beat.unref();
      let released = false;
      return {
        lost: () => (released ? null : lost),
        release: async () => {
          if (released) return;
          released = true;
          clearInterval(beat);
          await client.end().catch(() => {});
        },
      };
    },
  };
}
