/**
 * One trading instance per ledger. `Store.acquireInstanceLock()` takes a lock that lives as long
 * as the process (SQLite: an OS file lock; PostgreSQL: a session advisory lock) and bumps a
 * fencing epoch stored in the ledger. Every order write of the store and every venue post checks
 * that epoch: an instance whose lock was lost and taken over by a newer one is refused (FENCED)
 * instead of trading twice. The operations work builds active/passive failover on this.
 */
import { hostname } from "node:os";
import { PolycopyError } from "../domain/errors.ts";

/** Who holds (or last held) the trading lock. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ms epoch the holder acquired the lock. */
  since: number;
  /** Fencing epoch taken at acquire: strictly greater than every earlier holder's. */
  epoch: number;
}

export interface InstanceLease {
  readonly holder: LockHolder;
  /** The holder before us, when the ledger had one (e.g. a kill -9'd process whose lock the OS freed). */
  readonly previous: LockHolder | null;
  /** Throws FENCED when this lease no longer holds the lock (lost session, newer epoch). */
  check(): Promise<void>;
  /** Why the lock was lost (PostgreSQL session ended), or null while it is held. */
  lost(): string | null;
  /** Gives the lock up; idempotent. */
  release(): Promise<void>;
}

/** The OS/session-level part of the lock, one per dialect (sqlite-lock.ts, pg-lock.ts). */
export interface LockBackend {
  /** Takes the lock without waiting; null when another live holder has it. */
  tryLock(): Promise<LockHandle | null>;
}

export interface LockHandle {
  lost(): string | null;
  release(): Promise<void>;
}

/** The lock name of the trading instance (one row in `instance_lock`). */
export const TRADING_LOCK = "trading";

export function thisHolder(epoch: number, now: number = Date.now()): LockHolder {
  return { pid: process.pid, host: hostname(), since: now, epoch };
}

export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on host ${h.host}, since ${new Date(h.since).toISOString()}`;
}

export function lockedError(h: LockHolder | null): PolycopyError {
  return new PolycopyError(
    "LOCKED",
    `another polycopy instance is trading on this ledger (${h ? describeHolder(h) : "holder unknown"}); stop it first, or use another data directory or database`,
    { userFacing: true, ...(h ? { details: { ...h } } : {}) },
  );
}

export function fencedError(why: string): PolycopyError {
  return new PolycopyError(
    "FENCED",
    `this instance no longer holds the ledger's trading lock (${why}): it stops trading`,
    {
      userFacing: true,
    },
  );
}

/** What `run` prints once it holds the lock. */
export function lockLine(l: Pick<InstanceLease, "holder" | "previous">): string {
  const prev =
    l.previous && (l.previous.pid !== l.holder.pid || l.previous.host !== l.holder.host)
      ? `; previous holder ${describeHolder(l.previous)} is gone`
      : "";
  return `ledger lock: this instance trades (epoch ${l.holder.epoch}, pid ${l.holder.pid})${prev}`;
}
