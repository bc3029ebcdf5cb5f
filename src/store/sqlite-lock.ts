import { DatabaseSync } from "node:sqlite";
import { PolycopyError } from "../domain/errors.ts";
import type { LockBackend, LockHandle } from "./instance-lock.ts";

/**
 * SQLite's trading lock: a small companion database `<ledger>.lock` opened in EXCLUSIVE locking
 * mode and written once, so this connection keeps SQLite's exclusive (POSIX fcntl) file lock until
 * it closes. The OS drops the lock when the process dies, kill -9 included, so a dead holder never
 * blocks a restart; a live one always does (another process gets SQLITE_BUSY at once). No pid files
 * to judge for staleness, no pid-reuse races.
 */
export function sqliteLockBackend(file: string): LockBackend {
  if (file === ":memory:") {
    // A private in-memory ledger cannot be shared: every store is its own only instance.
    return { tryLock: async () => ({ lost: () => null, release: async () => {} }) };
  }
  const path = `${file}.lock`;
  return {
    async tryLock(): Promise<LockHandle | null> {
      let db: DatabaseSync;
      try {
        db = new DatabaseSync(path);
      } catch (e) {
        throw new PolycopyError(
          "STORE_ERROR",
          `cannot open the ledger lock ${path}: ${(e as Error).message}`,
          {
            userFacing: true,
            cause: e,
          },
        );
      }
      try {
        db.exec("PRAGMA busy_timeout = 0");
        db.exec("PRAGMA locking_mode = EXCLUSIVE");
        db.exec("BEGIN IMMEDIATE");
        db.exec("CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY, pid INTEGER, ts INTEGER)");
        db.prepare("INSERT OR REPLACE INTO holder (id, pid, ts) VALUES (1, ?, ?)").run(
          process.pid,
          Date.now(),
        );
        db.exec("COMMIT");
      } catch (e) {
        db.close();
        if (/locked|busy/i.test((e as Error).message)) return null;
        throw new PolycopyError(
          "STORE_ERROR",
          `cannot take the ledger lock ${path}: ${(e as Error).message}`,
          {
            userFacing: true,
            cause: e,
          },
        );
      }
      let open = true;
      return {
        lost: () => null,
        release: async () => {
          if (!open) return;
          open = false;
          db.close();
        },
      };
    },
  };
}
