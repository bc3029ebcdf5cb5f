import type { ColumnDefinitionBuilder, Kysely, Migration, MigrationProvider } from "kysely";
import { Migrator } from "kysely";

export type Dialect = "sqlite" | "postgres";

/** Auto-increment id: SQLite's rowid alias vs PostgreSQL's identity column. */
function idColumn(dialect: Dialect) {
  return (c: ColumnDefinitionBuilder) =>
    dialect === "sqlite" ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity();
}

/**
 * Migrations in code, identical for SQLite and PostgreSQL. `bigint` maps to INTEGER affinity in
 * SQLite (64-bit) and int8 in PostgreSQL; `double precision` to REAL / float8.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    "0001_initial": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("markets")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("slug", "text", (c) => c.notNull())
          .addColumn("event_id", "text")
          .addColumn("end_ts", "bigint")
          .addColumn("closed", "integer", (c) => c.notNull())
          .addColumn("winner_index", "integer")
          .addColumn("data", "text", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("wallets")
          .addColumn("address", "text", (c) => c.primaryKey())
          .addColumn("alias", "text")
          .addColumn("class", "text")
          .addColumn("p_mm", "double precision")
          .addColumn("score", "double precision")
          .addColumn("followed", "integer", (c) => c.notNull())
          .addColumn("updated_ts", "bigint", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("leader_events")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("type", "text", (c) => c.notNull())
          .addColumn("wallet", "text", (c) => c.notNull())
          .addColumn("market_id", "text", (c) => c.notNull())
          .addColumn("token_id", "text")
          .addColumn("outcome_index", "integer")
          .addColumn("side", "text")
          .addColumn("price", "double precision")
          .addColumn("size", "double precision", (c) => c.notNull())
          .addColumn("usdc_size", "double precision")
          .addColumn("ts", "bigint", (c) => c.notNull())
          .addColumn("role", "text")
          .addColumn("tx_hash", "text")
          .addColumn("source", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("leader_events_wallet_ts")
          .on("leader_events")
          .columns(["wallet", "ts"])
          .execute();
        await db.schema.createIndex("leader_events_ts").on("leader_events").column("ts").execute();

        await db.schema
          .createTable("source_cursors")
          .addColumn("source", "text", (c) => c.primaryKey())
          .addColumn("cursor", "text", (c) => c.notNull())
          .addColumn("updated_ts", "bigint", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("orders")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("market_id", "text", (c) => c.notNull())
          .addColumn("token_id", "text", (c) => c.notNull())
          .addColumn("outcome_index", "integer", (c) => c.notNull())
          .addColumn("side", "text", (c) => c.notNull())
          .addColumn("price", "double precision", (c) => c.notNull())
          .addColumn("qty", "bigint", (c) => c.notNull())
          .addColumn("tif", "text", (c) => c.notNull())
          .addColumn("purpose", "text", (c) => c.notNull())
          .addColumn("leader", "text")
          .addColumn("leader_fill_key", "text")
          .addColumn("reason", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("venue_order_id", "text")
          .addColumn("filled_qty", "bigint", (c) => c.notNull())
          .addColumn("created_ts", "bigint", (c) => c.notNull())
          .addColumn("updated_ts", "bigint", (c) => c.notNull())
          .addColumn("error", "text")
          .execute();
        await db.schema.createIndex("orders_status").on("orders").column("status").execute();

        await db.schema
          .createTable("fills")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("order_key", "text", (c) => c.notNull())
          .addColumn("market_id", "text", (c) => c.notNull())
          .addColumn("token_id", "text", (c) => c.notNull())
          .addColumn("outcome_index", "integer", (c) => c.notNull())
          .addColumn("side", "text", (c) => c.notNull())
          .addColumn("price", "double precision", (c) => c.notNull())
          .addColumn("qty", "bigint", (c) => c.notNull())
          .addColumn("fee", "bigint", (c) => c.notNull())
          .addColumn("ts", "bigint", (c) => c.notNull())
          .addColumn("role", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("fills_order_key").on("fills").column("order_key").execute();

        await db.schema
          .createTable("positions")
          .addColumn("market_id", "text", (c) => c.notNull())
          .addColumn("token_id", "text", (c) => c.notNull())
          .addColumn("outcome_index", "integer", (c) => c.notNull())
          .addColumn("qty", "bigint", (c) => c.notNull())
          .addColumn("cost", "bigint", (c) => c.notNull())
          .addColumn("realized", "bigint", (c) => c.notNull())
          .addColumn("opened_ts", "bigint")
          .addColumn("updated_ts", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("positions_pk", ["market_id", "token_id"])
          .execute();

        await db.schema
          .createTable("audit_log")
          .addColumn("id", "integer", idColumn(dialect))
          .addColumn("ts", "bigint", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("subject", "text")
          .addColumn("message", "text", (c) => c.notNull())
          .addColumn("data", "text")
          .execute();
        await db.schema.createIndex("audit_log_kind_ts").on("audit_log").columns(["kind", "ts"]).execute();

        await db.schema
          .createTable("breakers")
          .addColumn("scope", "text", (c) => c.primaryKey())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("reason", "text", (c) => c.notNull())
          .addColumn("since", "bigint", (c) => c.notNull())
          .addColumn("cooldown_until", "bigint", (c) => c.notNull())
          .addColumn("data", "text")
          .execute();

        await db.schema
          .createTable("kv")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("value", "text", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("wallet_scores")
          .addColumn("id", "integer", idColumn(dialect))
          .addColumn("wallet", "text", (c) => c.notNull())
          .addColumn("ts", "bigint", (c) => c.notNull())
          .addColumn("class", "text", (c) => c.notNull())
          .addColumn("p_mm", "double precision", (c) => c.notNull())
          .addColumn("p_mm_low", "double precision", (c) => c.notNull())
          .addColumn("p_mm_high", "double precision", (c) => c.notNull())
          .addColumn("score", "double precision", (c) => c.notNull())
          .addColumn("score_low", "double precision", (c) => c.notNull())
          .addColumn("score_high", "double precision", (c) => c.notNull())
          .addColumn("data", "text")
          .execute();
        await db.schema
          .createIndex("wallet_scores_wallet_ts")
          .on("wallet_scores")
          .columns(["wallet", "ts"])
          .execute();
      },
    },
    "0002_instance_lock": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("instance_lock")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("epoch", "bigint", (c) => c.notNull())
          .addColumn("pid", "integer", (c) => c.notNull())
          .addColumn("host", "text", (c) => c.notNull())
          .addColumn("since", "bigint", (c) => c.notNull())
          .execute();
      },
    },
  };
}

/**
 * `schema`: the PostgreSQL schema the ledger lives in. Kysely looks for its migration tables in
 * every schema unless told which, so a second ledger schema in one database would find the first
 * one's tables and fail ("relation kysely_migration_lock does not exist").
 */
export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect, schema?: string): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
