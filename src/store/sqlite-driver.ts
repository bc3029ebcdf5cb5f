import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/**
 * Adapts Node's built-in `node:sqlite` (no native addon to compile) to the better-sqlite3-like
 * shape Kysely's SqliteDialect expects. A statement is a reader when it returns columns.
 */
export function wrapNodeSqlite(db: DatabaseSync): SqliteDatabase {
  return {
    close: () => db.close(),
    prepare(sqlText: string): SqliteStatement {
      const stmt: StatementSync = db.prepare(sqlText);
      const reader = stmt.columns().length > 0;
      return {
        reader,
        all: (params) => stmt.all(...(params as never[])) as unknown[],
        run: (params) => {
          const r = stmt.run(...(params as never[]));
          return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
        },
        iterate: (params) => stmt.iterate(...(params as never[])) as IterableIterator<unknown>,
      };
    },
  };
}

export function openSqliteFile(filename: string): DatabaseSync {
  const db = new DatabaseSync(filename);
  // First: the WAL switch below needs a moment of exclusive access, which another process opening
  // the same new ledger may hold (two `run`s started together): wait for it instead of failing.
  db.exec("PRAGMA busy_timeout = 5000");
  // WAL: readers don't block the writer; NORMAL sync survives a process crash (kill -9), which is
  // the failure the ledger must tolerate; FULL would only add power-loss safety at a large cost.
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  return db;
}
