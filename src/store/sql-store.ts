import type { Insertable, Kysely, Selectable, Transaction } from "kysely";
import { PolycopyError } from "../domain/errors.ts";
import type { BreakerState } from "../domain/events.ts";
import type { LeaderEvent, NonTradeType, Role, Side, SourceKind } from "../domain/fill.ts";
import type { Market } from "../domain/market.ts";
import type { Order, OrderStatus, OurFill, TimeInForce } from "../domain/order.ts";
import type { Position } from "../domain/position.ts";
import type { WalletClass, WalletRecord } from "../domain/wallet.ts";
import {
  fencedError,
  type InstanceLease,
  type LockBackend,
  type LockHolder,
  lockedError,
  TRADING_LOCK,
  thisHolder,
} from "./instance-lock.ts";
import type { Dialect } from "./migrations.ts";
import type { Database } from "./schema.ts";
import type {
  AuditEntry,
  BreakerRecord,
  EngineStep,
  LeaderEventQuery,
  Store,
  WalletScoreQuery,
  WalletScoreRecord,
} from "./store.ts";

type Db = Kysely<Database> | Transaction<Database>;

/** Rows per multi-row INSERT: 14 columns × 1,000 stays under both databases' parameter limits. */
const CHUNK = 1000;

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const json = (v: Record<string, unknown> | null): string | null => (v === null ? null : JSON.stringify(v));
const unjson = (v: string | null): Record<string, unknown> | null => (v === null ? null : JSON.parse(v));

function eventToRow(e: LeaderEvent): Insertable<Database["leader_events"]> {
  if (e.type === "TRADE") {
    return {
      key: e.key,
      type: e.type,
      wallet: e.wallet,
      market_id: e.marketId,
      token_id: e.tokenId,
      outcome_index: e.outcomeIndex,
      side: e.side,
      price: e.price,
      size: e.size,
      usdc_size: null,
      ts: e.ts,
      role: e.role,
      tx_hash: e.txHash,
      source: e.source,
    };
  }
  return {
    key: e.key,
    type: e.type,
    wallet: e.wallet,
    market_id: e.marketId,
    token_id: null,
    outcome_index: null,
    side: null,
    price: null,
    size: e.size,
    usdc_size: e.usdcSize,
    ts: e.ts,
    role: null,
    tx_hash: e.txHash,
    source: e.source,
  };
}

function rowToEvent(r: Selectable<Database["leader_events"]>): LeaderEvent {
  if (r.type === "TRADE") {
    return {
      type: "TRADE",
      key: r.key,
      wallet: r.wallet,
      marketId: r.market_id,
      tokenId: r.token_id ?? "",
      outcomeIndex: num(r.outcome_index),
      side: r.side as Side,
      price: num(r.price),
      size: num(r.size),
      ts: num(r.ts),
      role: (r.role as Role | null) ?? null,
      txHash: r.tx_hash,
      source: r.source as SourceKind,
    };
  }
  return {
    type: r.type as NonTradeType,
    key: r.key,
    wallet: r.wallet,
    marketId: r.market_id,
    size: num(r.size),
    usdcSize: num(r.usdc_size ?? 0),
    ts: num(r.ts),
    txHash: r.tx_hash,
    source: r.source as SourceKind,
  };
}

function orderToRow(o: Order): Insertable<Database["orders"]> {
  return {
    key: o.key,
    market_id: o.marketId,
    token_id: o.tokenId,
    outcome_index: o.outcomeIndex,
    side: o.side,
    price: o.price,
    qty: o.qty,
    tif: o.tif,
    purpose: o.purpose,
    leader: o.leader,
    leader_fill_key: o.leaderFillKey,
    reason: o.reason,
    status: o.status,
    venue_order_id: o.venueOrderId,
    filled_qty: o.filledQty,
    created_ts: o.createdTs,
    updated_ts: o.updatedTs,
    error: o.error,
  };
}

function rowToOrder(r: Selectable<Database["orders"]>): Order {
  return {
    key: r.key,
    marketId: r.market_id,
    tokenId: r.token_id,
    outcomeIndex: num(r.outcome_index),
    side: r.side as Side,
    price: num(r.price),
    qty: num(r.qty),
    tif: r.tif as TimeInForce,
    purpose: r.purpose as Order["purpose"],
    leader: r.leader,
    leaderFillKey: r.leader_fill_key,
    reason: r.reason,
    status: r.status as OrderStatus,
    venueOrderId: r.venue_order_id,
    filledQty: num(r.filled_qty),
    createdTs: num(r.created_ts),
    updatedTs: num(r.updated_ts),
    error: r.error,
  };
}

function rowToFill(r: Selectable<Database["fills"]>): OurFill {
  return {
    key: r.key,
    orderKey: r.order_key,
    marketId: r.market_id,
    tokenId: r.token_id,
    outcomeIndex: num(r.outcome_index),
    side: r.side as Side,
    price: num(r.price),
    qty: num(r.qty),
    fee: num(r.fee),
    ts: num(r.ts),
    role: r.role as OurFill["role"],
  };
}

function positionToRow(p: Position): Insertable<Database["positions"]> {
  return {
    market_id: p.marketId,
    token_id: p.tokenId,
    outcome_index: p.outcomeIndex,
    qty: p.qty,
    cost: p.cost,
    realized: p.realized,
    opened_ts: p.openedTs,
    updated_ts: p.updatedTs,
  };
}

function rowToPosition(r: Selectable<Database["positions"]>): Position {
  return {
    marketId: r.market_id,
    tokenId: r.token_id,
    outcomeIndex: num(r.outcome_index),
    qty: num(r.qty),
    cost: num(r.cost),
    realized: num(r.realized),
    openedTs: numOrNull(r.opened_ts),
    updatedTs: num(r.updated_ts),
  };
}

/**
 * The Store over Kysely. Both dialects share every query; the differences (driver, id columns)
 * live in `open.ts` and `migrations.ts`.
 */
export class SqlStore implements Store {
  readonly dialect: Dialect;
  readonly #db: Kysely<Database>;
  readonly #onClose: () => Promise<void>;
  readonly #lock: LockBackend | undefined;
  /** Set once this store took the trading lock: order writes then check the fencing epoch. */
  #fence: { epoch: number; lost: () => string | null } | null = null;

  constructor(
    db: Kysely<Database>,
    dialect: Dialect,
    onClose: () => Promise<void> = async () => {},
    lock?: LockBackend,
  ) {
    this.#db = db;
    this.dialect = dialect;
    this.#onClose = onClose;
    this.#lock = lock;
  }

  async acquireInstanceLock(): Promise<InstanceLease> {
    if (!this.#lock) throw new PolycopyError("STORE_ERROR", "this store has no instance lock");
    const handle = await this.#lock.tryLock();
    if (!handle) {
      // The holder writes its row just after taking the lock: give a racing start a moment, so
      // the message names it rather than nobody or the holder before it.
      let row: LockHolder | null = null;
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 150));
        row = await this.#holderRow();
        if (row && i >= 1) break;
      }
      throw lockedError(row);
    }
    let previous: LockHolder | null;
    let holder: LockHolder;
    try {
      ({ previous, holder } = await this.#db.transaction().execute(async (tx) => {
        const prev = await this.#holderRow(tx);
        const next = thisHolder((prev?.epoch ?? 0) + 1);
        await tx
          .insertInto("instance_lock")
          .values({ name: TRADING_LOCK, ...next })
          .onConflict((oc) =>
            oc
              .column("name")
              .doUpdateSet({ epoch: next.epoch, pid: next.pid, host: next.host, since: next.since }),
          )
          .execute();
        return { previous: prev, holder: next };
      }));
    } catch (e) {
      await handle.release();
      throw e;
    }
    const fence = { epoch: holder.epoch, lost: handle.lost };
    this.#fence = fence;
    return {
      holder,
      previous,
      lost: handle.lost,
      check: () => this.#checkFence(this.#db, fence),
      release: () => handle.release(),
    };
  }

  async #holderRow(db: Db = this.#db): Promise<LockHolder | null> {
    const r = await db
      .selectFrom("instance_lock")
      .selectAll()
      .where("name", "=", TRADING_LOCK)
      .executeTakeFirst();
    return r ? { pid: num(r.pid), host: r.host, since: num(r.since), epoch: num(r.epoch) } : null;
  }

  /**
   * Throws FENCED unless `fence` still holds the lock. Inside an order write's transaction; on
   * PostgreSQL the row is read FOR SHARE, so a takeover's epoch bump waits for this write to commit
   * and every later write of the old holder fails.
   */
  async #checkFence(db: Db, fence: { epoch: number; lost: () => string | null } | null = this.#fence) {
    if (!fence) return;
    const why = fence.lost();
    if (why) throw fencedError(why);
    let q = db.selectFrom("instance_lock").select("epoch").where("name", "=", TRADING_LOCK);
    if (this.dialect === "postgres") q = q.forShare();
    const r = await q.executeTakeFirst();
    const epoch = r ? num(r.epoch) : 0;
    if (epoch !== fence.epoch) throw fencedError(`epoch ${epoch} took over from ours, ${fence.epoch}`);
  }

  async upsertMarkets(markets: readonly Market[]): Promise<void> {
    if (markets.length === 0) return;
    await this.#db.transaction().execute(async (tx) => {
      for (let i = 0; i < markets.length; i += CHUNK) {
        const rows = markets.slice(i, i + CHUNK).map((m) => ({
          id: m.id,
          slug: m.slug,
          event_id: m.eventId,
          end_ts: m.endTs,
          closed: m.closed ? 1 : 0,
          winner_index: m.winnerIndex,
          data: JSON.stringify(m),
        }));
        await tx
          .insertInto("markets")
          .values(rows)
          .onConflict((oc) =>
            oc.column("id").doUpdateSet((eb) => ({
              slug: eb.ref("excluded.slug"),
              event_id: eb.ref("excluded.event_id"),
              end_ts: eb.ref("excluded.end_ts"),
              closed: eb.ref("excluded.closed"),
              winner_index: eb.ref("excluded.winner_index"),
              data: eb.ref("excluded.data"),
            })),
          )
          .execute();
      }
    });
  }

  async getMarket(id: string): Promise<Market | undefined> {
    const r = await this.#db.selectFrom("markets").select("data").where("id", "=", id).executeTakeFirst();
    return r ? (JSON.parse(r.data) as Market) : undefined;
  }

  async listMarkets(): Promise<Market[]> {
    const rows = await this.#db.selectFrom("markets").select("data").orderBy("id").execute();
    return rows.map((r) => JSON.parse(r.data) as Market);
  }

  async upsertWallet(w: WalletRecord): Promise<void> {
    const row = {
      address: w.address,
      alias: w.alias,
      class: w.class,
      p_mm: w.pMm,
      score: w.score,
      followed: w.followed ? 1 : 0,
      updated_ts: w.updatedTs,
    };
    await this.#db
      .insertInto("wallets")
      .values(row)
      .onConflict((oc) => oc.column("address").doUpdateSet({ ...row, address: undefined }))
      .execute();
  }

  async getWallet(address: string): Promise<WalletRecord | undefined> {
    const r = await this.#db
      .selectFrom("wallets")
      .selectAll()
      .where("address", "=", address)
      .executeTakeFirst();
    return r ? rowToWallet(r) : undefined;
  }

  async listWallets(): Promise<WalletRecord[]> {
    const rows = await this.#db.selectFrom("wallets").selectAll().orderBy("address").execute();
    return rows.map(rowToWallet);
  }

  async insertLeaderEvents(events: readonly LeaderEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    return this.#db.transaction().execute((tx) => insertEvents(tx, events));
  }

  async ingestBatch(source: string, events: readonly LeaderEvent[], cursor: string): Promise<number> {
    return this.#db.transaction().execute(async (tx) => {
      const n = await insertEvents(tx, events);
      await upsertCursor(tx, source, cursor);
      return n;
    });
  }

  async listLeaderEvents(q: LeaderEventQuery = {}): Promise<LeaderEvent[]> {
    let query = this.#db.selectFrom("leader_events").selectAll();
    if (q.wallet !== undefined) query = query.where("wallet", "=", q.wallet);
    if (q.marketId !== undefined) query = query.where("market_id", "=", q.marketId);
    if (q.sinceTs !== undefined) query = query.where("ts", ">=", q.sinceTs);
    if (q.untilTs !== undefined) query = query.where("ts", "<", q.untilTs);
    query = query.orderBy("ts").orderBy("key");
    if (q.limit !== undefined) query = query.limit(q.limit);
    return (await query.execute()).map(rowToEvent);
  }

  async countLeaderEvents(q: LeaderEventQuery = {}): Promise<number> {
    let query = this.#db.selectFrom("leader_events").select((eb) => eb.fn.countAll().as("n"));
    if (q.wallet !== undefined) query = query.where("wallet", "=", q.wallet);
    if (q.marketId !== undefined) query = query.where("market_id", "=", q.marketId);
    if (q.sinceTs !== undefined) query = query.where("ts", ">=", q.sinceTs);
    if (q.untilTs !== undefined) query = query.where("ts", "<", q.untilTs);
    const r = await query.executeTakeFirstOrThrow();
    return num(r.n);
  }

  async getCursor(source: string): Promise<string | undefined> {
    const r = await this.#db
      .selectFrom("source_cursors")
      .select("cursor")
      .where("source", "=", source)
      .executeTakeFirst();
    return r?.cursor;
  }

  async setCursor(source: string, cursor: string): Promise<void> {
    await upsertCursor(this.#db, source, cursor);
  }

  async insertOrder(order: Order): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      await this.#checkFence(tx);
      const r = await tx
        .insertInto("orders")
        .values(orderToRow(order))
        .onConflict((oc) => oc.column("key").doNothing())
        .executeTakeFirst();
      return num(r.numInsertedOrUpdatedRows ?? 0) > 0;
    });
  }

  async updateOrder(
    key: string,
    patch: Partial<Pick<Order, "status" | "venueOrderId" | "filledQty" | "updatedTs" | "error">>,
  ): Promise<void> {
    const set: Partial<Insertable<Database["orders"]>> = {};
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.venueOrderId !== undefined) set.venue_order_id = patch.venueOrderId;
    if (patch.filledQty !== undefined) set.filled_qty = patch.filledQty;
    if (patch.updatedTs !== undefined) set.updated_ts = patch.updatedTs;
    if (patch.error !== undefined) set.error = patch.error;
    if (Object.keys(set).length === 0) return;
    await this.#db.transaction().execute(async (tx) => {
      await this.#checkFence(tx);
      const r = await tx.updateTable("orders").set(set).where("key", "=", key).executeTakeFirst();
      if (num(r.numUpdatedRows) === 0) {
        throw new PolycopyError("NOT_FOUND", `order ${key} does not exist`);
      }
    });
  }

  async getOrder(key: string): Promise<Order | undefined> {
    const r = await this.#db.selectFrom("orders").selectAll().where("key", "=", key).executeTakeFirst();
    return r ? rowToOrder(r) : undefined;
  }

  async listOrders(q: { status?: readonly OrderStatus[]; limit?: number } = {}): Promise<Order[]> {
    let query = this.#db.selectFrom("orders").selectAll();
    if (q.status !== undefined) {
      if (q.status.length === 0) return [];
      query = query.where("status", "in", [...q.status]);
    }
    query = query.orderBy("created_ts").orderBy("key");
    if (q.limit !== undefined) query = query.limit(q.limit);
    return (await query.execute()).map(rowToOrder);
  }

  async recordFill(fill: OurFill, position: Position): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      await this.#checkFence(tx);
      if (!(await insertFillRow(tx, fill))) return false;
      await upsertPositionRow(tx, position);
      return true;
    });
  }

  async listFills(q: { orderKey?: string; limit?: number } = {}): Promise<OurFill[]> {
    let query = this.#db.selectFrom("fills").selectAll();
    if (q.orderKey !== undefined) query = query.where("order_key", "=", q.orderKey);
    query = query.orderBy("ts").orderBy("key");
    if (q.limit !== undefined) query = query.limit(q.limit);
    return (await query.execute()).map(rowToFill);
  }

  async upsertPosition(p: Position): Promise<void> {
    await upsertPositionRow(this.#db, p);
  }

  async listPositions(): Promise<Position[]> {
    const rows = await this.#db
      .selectFrom("positions")
      .selectAll()
      .orderBy("market_id")
      .orderBy("token_id")
      .execute();
    return rows.map(rowToPosition);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.#db
      .insertInto("audit_log")
      .values({
        ts: entry.ts,
        kind: entry.kind,
        subject: entry.subject,
        message: entry.message,
        data: json(entry.data),
      })
      .execute();
  }

  async listAudit(
    q: { kind?: string; subject?: string; limit?: number; sinceTs?: number } = {},
  ): Promise<AuditEntry[]> {
    let query = this.#db.selectFrom("audit_log").selectAll();
    if (q.kind !== undefined) query = query.where("kind", "=", q.kind);
    if (q.subject !== undefined) query = query.where("subject", "=", q.subject);
    if (q.sinceTs !== undefined) query = query.where("ts", ">=", q.sinceTs);
    // Newest first: the audit log is read as "what happened lately".
    query = query.orderBy("id", "desc");
    if (q.limit !== undefined) query = query.limit(q.limit);
    const rows = await query.execute();
    return rows.map((r) => ({
      id: num(r.id),
      ts: num(r.ts),
      kind: r.kind,
      subject: r.subject,
      message: r.message,
      data: unjson(r.data),
    }));
  }

  async commitStep(step: EngineStep): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await this.#checkFence(tx);
      for (const o of step.orders) {
        const row = orderToRow(o);
        await tx
          .insertInto("orders")
          .values(row)
          .onConflict((oc) =>
            oc.column("key").doUpdateSet({
              status: row.status,
              venue_order_id: row.venue_order_id,
              filled_qty: row.filled_qty,
              updated_ts: row.updated_ts,
              error: row.error,
            }),
          )
          .execute();
      }
      for (const fill of step.fills) await insertFillRow(tx, fill);
      for (const p of step.positions) await upsertPositionRow(tx, p);
      for (const a of step.audit) {
        await tx
          .insertInto("audit_log")
          .values({ ts: a.ts, kind: a.kind, subject: a.subject, message: a.message, data: json(a.data) })
          .execute();
      }
      for (const b of step.breakers) await upsertBreakerRow(tx, b);
      for (const [k, v] of Object.entries(step.kv ?? {})) await upsertKvRow(tx, k, v);
      await upsertCursor(tx, step.cursor.source, step.cursor.value);
    });
  }

  async saveBreaker(b: BreakerRecord): Promise<void> {
    await upsertBreakerRow(this.#db, b);
  }

  async listBreakers(): Promise<BreakerRecord[]> {
    const rows = await this.#db.selectFrom("breakers").selectAll().orderBy("scope").execute();
    return rows.map((r) => ({
      scope: r.scope,
      state: r.state as BreakerState,
      reason: r.reason,
      since: num(r.since),
      cooldownUntil: num(r.cooldown_until),
      data: unjson(r.data),
    }));
  }

  async getKv(key: string): Promise<string | undefined> {
    const r = await this.#db.selectFrom("kv").select("value").where("key", "=", key).executeTakeFirst();
    return r?.value;
  }

  async setKv(key: string, value: string): Promise<void> {
    await upsertKvRow(this.#db, key, value);
  }

  async appendWalletScore(s: WalletScoreRecord): Promise<void> {
    await this.#db
      .insertInto("wallet_scores")
      .values({
        wallet: s.wallet,
        ts: s.ts,
        class: s.class,
        p_mm: s.pMm,
        p_mm_low: s.pMmLow,
        p_mm_high: s.pMmHigh,
        score: s.score,
        score_low: s.scoreLow,
        score_high: s.scoreHigh,
        data: json(s.data),
      })
      .execute();
  }

  async listWalletScores(q: WalletScoreQuery = {}): Promise<WalletScoreRecord[]> {
    let query = this.#db.selectFrom("wallet_scores").selectAll();
    if (q.wallet !== undefined) query = query.where("wallet", "=", q.wallet);
    query = query.orderBy("ts").orderBy("id");
    if (q.limit !== undefined) query = query.limit(q.limit);
    const rows = await query.execute();
    return rows.map((r) => ({
      wallet: r.wallet,
      ts: num(r.ts),
      class: r.class as WalletClass,
      pMm: num(r.p_mm),
      pMmLow: num(r.p_mm_low),
      pMmHigh: num(r.p_mm_high),
      score: num(r.score),
      scoreLow: num(r.score_low),
      scoreHigh: num(r.score_high),
      data: unjson(r.data),
    }));
  }

  async close(): Promise<void> {
    await this.#db.destroy();
    await this.#onClose();
  }
}

function rowToWallet(r: Selectable<Database["wallets"]>): WalletRecord {
  return {
    address: r.address,
    alias: r.alias,
    class: (r.class as WalletClass | null) ?? null,
    pMm: numOrNull(r.p_mm),
    score: numOrNull(r.score),
    followed: num(r.followed) === 1,
    updatedTs: num(r.updated_ts),
  };
}

async function insertEvents(db: Db, events: readonly LeaderEvent[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < events.length; i += CHUNK) {
    const rows = events.slice(i, i + CHUNK).map(eventToRow);
    const r = await db
      .insertInto("leader_events")
      .values(rows)
      .onConflict((oc) => oc.column("key").doNothing())
      .executeTakeFirst();
    inserted += num(r.numInsertedOrUpdatedRows ?? 0);
  }
  return inserted;
}

/** Inserts one of our fills unless its key exists; true when it was new. */
async function insertFillRow(db: Db, fill: OurFill): Promise<boolean> {
  const r = await db
    .insertInto("fills")
    .values({
      key: fill.key,
      order_key: fill.orderKey,
      market_id: fill.marketId,
      token_id: fill.tokenId,
      outcome_index: fill.outcomeIndex,
      side: fill.side,
      price: fill.price,
      qty: fill.qty,
      fee: fill.fee,
      ts: fill.ts,
      role: fill.role,
    })
    .onConflict((oc) => oc.column("key").doNothing())
    .executeTakeFirst();
  return num(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

async function upsertKvRow(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto("kv")
    .values({ key, value })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value }))
    .execute();
}

async function upsertBreakerRow(db: Db, b: BreakerRecord): Promise<void> {
  const row = {
    scope: b.scope,
    state: b.state,
    reason: b.reason,
    since: b.since,
    cooldown_until: b.cooldownUntil,
    data: json(b.data),
  };
  await db
    .insertInto("breakers")
    .values(row)
    .onConflict((oc) => oc.column("scope").doUpdateSet({ ...row, scope: undefined }))
    .execute();
}

async function upsertCursor(db: Db, source: string, cursor: string): Promise<void> {
  await db
    .insertInto("source_cursors")
    .values({ source, cursor, updated_ts: Date.now() })
    .onConflict((oc) => oc.column("source").doUpdateSet({ cursor, updated_ts: Date.now() }))
    .execute();
}

async function upsertPositionRow(db: Db, p: Position): Promise<void> {
  const row = positionToRow(p);
  await db
    .insertInto("positions")
    .values(row)
    .onConflict((oc) =>
      oc.columns(["market_id", "token_id"]).doUpdateSet({
        outcome_index: row.outcome_index,
        qty: row.qty,
        cost: row.cost,
        realized: row.realized,
        opened_ts: row.opened_ts,
        updated_ts: row.updated_ts,
      }),
    )
    .execute();
}
