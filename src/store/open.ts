import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { PolycopyError } from "../domain/errors.ts";
import { redactText, redactUrl } from "../domain/redact.ts";
import { migrateToLatest } from "./migrations.ts";
import { pgLockBackend } from "./pg-lock.ts";
import type { Database } from "./schema.ts";
import { SqlStore } from "./sql-store.ts";
import { openSqliteFile, wrapNodeSqlite } from "./sqlite-driver.ts";
import { sqliteLockBackend } from "./sqlite-lock.ts";
import type { Store } from "./store.ts";

export interface OpenStoreOptions {
  /** postgres:// or postgresql:// selects PostgreSQL; otherwise SQLite. */
  databaseUrl?: string;
  /** Directory for the SQLite file (default ./data). */
  dataDir?: string;
  /** SQLite file name inside dataDir, an absolute path, or ":memory:". Default polycopy.db. */
  filename?: string;
  /** PostgreSQL schema to use (created if missing); lets tests isolate themselves. */
  pgSchema?: string;
}

const INT8_OID = 20;

export function isPostgresUrl(url: string | undefined): boolean {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

/**
 * `?schema=name` on a PostgreSQL URL keeps the ledger in that schema (several ledgers in one
 * database, e.g. one per test or per bot). It is ours, not libpq's, so it is taken off the URL.
 */
function splitSchema(url: string): { url: string; schema: string | undefined } {
  const m = /[?&]schema=([^&]*)/.exec(url);
  if (!m) return { url, schema: undefined };
  const rest = url.replace(/([?&])schema=[^&]*&?/, "$1").replace(/[?&]$/, "");
  return { url: rest, schema: decodeURIComponent(m[1]!) };
}

/** Opens the configured database, runs migrations, and returns the Store. */
export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  const url = opts.databaseUrl;
  if (url !== undefined && isPostgresUrl(url)) {
    const { url: base, schema } = splitSchema(url);
    return openPostgres(base, opts.pgSchema ?? schema);
  }
  if (url !== undefined && url !== "") {
    throw new PolycopyError(
      "STORE_ERROR",
      `databaseUrl must start with postgres:// or postgresql:// (got "${url.split(":")[0]}:…"); leave it unset for SQLite`,
      { userFacing: true },
    );
  }
  const name = opts.filename ?? "polycopy.db";
  const file = name === ":memory:" ? name : resolve(opts.dataDir ?? "./data", name);
  if (file !== ":memory:") prepareDataFile(file);
  let raw: ReturnType<typeof openSqliteFile>;
  try {
    raw = openSqliteFile(file);
  } catch (e) {
    throw new PolycopyError("STORE_ERROR", `cannot open SQLite database ${file}: ${(e as Error).message}`, {
      userFacing: true,
      cause: e,
    });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: wrapNodeSqlite(raw) }) });
  // Kysely has no migration lock on SQLite: two processes opening a new ledger at once can both
  // try to create it ("table … already exists"). Migrations commit in one transaction, so the
  // loser retries and finds them done.
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateToLatest(db as Kysely<unknown>, "sqlite");
      break;
    } catch (e) {
      if (attempt >= 5 || !/already exists|locked|busy/i.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
  return new SqlStore(db, "sqlite", async () => {}, sqliteLockBackend(file));
}

/**
 * The ledger holds positions, cash and order history: owner-only. The directory is created 0700
 * and the database file 0600 before SQLite opens it, because SQLite gives its -wal and -shm files
 * the database file's mode. A file or directory left world-readable by an older version is tightened.
 * A data directory that cannot be created (under a file, no permission) is one line naming it.
 */
function prepareDataFile(file: string): void {
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = openSync(file, "a", 0o600);
    closeSync(fd);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === "ENOTDIR" || err.code === "EEXIST"
        ? "a part of the path is a file, not a directory"
        : err.code === "EACCES" || err.code === "EPERM"
          ? "permission denied"
          : err.code === "EROFS"
            ? "read-only file system"
            : err.message;
    throw new PolycopyError(
      "STORE_ERROR",
      `data directory ${dir}: cannot create the database there (${why}); set dataDir in the config or POLYCOPY_DATA_DIR`,
      { userFacing: true, cause: e },
    );
  }
}

async function openPostgres(url: string, schema: string | undefined): Promise<Store> {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new PolycopyError("STORE_ERROR", `invalid PostgreSQL schema name: ${schema}`, { userFacing: true });
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    connectionTimeoutMillis: 5000,
    // int8 → JS number: every bigint the ledger stores is below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as never)) as never,
    },
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  try {
    const client = await pool.connect();
    try {
      if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw new PolycopyError(
      "STORE_ERROR",
      `cannot connect to PostgreSQL at ${redactUrl(url)}: ${redactText((e as Error).message)}`,
      {
        userFacing: true,
        cause: e,
      },
    );
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db as Kysely<unknown>, "postgres", schema);
  return new SqlStore(
    db,
    "postgres",
    async () => {},
    pgLockBackend({
      connectionString: url,
      connectionTimeoutMillis: 5000,
      ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    }),
  );
}
