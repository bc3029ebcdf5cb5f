/**
 * external-world: a second, independently written synthetic Polymarket, used only to check that the
 * market-maker classifier generalises beyond polycopy's own simulator (issue 3: "it will also be
 * judged on Data API-shaped trade files from sources other than this project's simulator").
 *
 * It shares no code with src/sim and imports nothing from src/: it was written from first
 * principles of how Polymarket participants behave, without reading the simulator, so that its
 * quirks are different ones. Its output is what a crawler of the Data API would store: one
 * `/activity` record per line, exactly the fields the API returns (trades, splits, merges, redeems,
 * rewards, rebates, yield), each wallet's records newest first as the API pages them, plus
 * `labels.csv` (`wallet,label,kind`; kind names the behaviour the wallet was generated with).
 *
 * The records have the real API's quirks (issue 8): a taker order that walks several levels is one
 * TRADE row at the volume-weighted average price (≈ usdcSize / size, off the tick grid); REWARD,
 * MAKER_REBATE, TAKER_REBATE and YIELD rows carry `conditionId ""`, `asset ""`, `side ""`,
 * `outcomeIndex 999`, `price 0` and size = usdcSize; a redemption of losing tokens has size 0; a row
 * on a page boundary appears twice.
 *
 * The world: binary markets (long-running, event, daily) whose fair value is a random walk in
 * log-odds with news jumps, resolved by a draw from the last fair value. Makers rest quotes around
 * fair value, skewed by inventory and capped by inventory limits, and are filled when takers arrive
 * (more takers in the evening and after news; takers right after a jump hit stale quotes on the
 * jump's side). Directional traders of several kinds take views and mostly cross the spread.
 *
 * Run: node scripts/external-world.ts --seed N --out DIR [--wallets 320] [--days 21]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

// ---------------------------------------------------------------------------------------------
// Randomness (deterministic from the seed)

class Rng {
  private s: number;
  constructor(seed: number) {
    // splitmix32-style scramble so nearby seeds give unrelated streams
    let h = (seed ^ 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    this.s = (h ^ (h >>> 16)) >>> 0 || 1;
  }
  /** mulberry32 */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uni(a: number, b: number): number {
    return a + (b - a) * this.next();
  }
  int(a: number, b: number): number {
    return Math.floor(this.uni(a, b + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
  poisson(lambda: number): number {
    if (lambda > 40) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > l);
    return k - 1;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  weighted<T>(xs: readonly T[], w: (x: T) => number): T {
    const total = xs.reduce((t, x) => t + w(x), 0);
    let r = this.next() * total;
    for (const x of xs) {
      r -= w(x);
      if (r <= 0) return x;
    }
    return xs[xs.length - 1]!;
  }
  /** k distinct items, weighted without replacement. */
  sample<T>(xs: readonly T[], k: number, w: (x: T) => number = () => 1): T[] {
    const pool = [...xs];
    const out: T[] = [];
    while (out.length < k && pool.length > 0) {
      const x = this.weighted(pool, w);
      out.push(x);
      pool.splice(pool.indexOf(x), 1);
    }
    return out;
  }
  hex(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += Math.floor(this.next() * 16).toString(16);
    return s;
  }
  digits(n: number): string {
    let s = String(1 + Math.floor(this.next() * 9));
    for (let i = 1; i < n; i++) s += String(Math.floor(this.next() * 10));
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Markets

const HOUR = 3600;
const DAY = 86400;
const STEP = 300; // fair value is kept on a 5-minute grid

interface Jump {
  t: number;
  /** +1: YES became more likely. */
  dir: 1 | -1;
  before: number;
}

interface Market {
  conditionId: string;
  tokens: [string, string];
  outcomes: [string, string];
  title: string;
  slug: string;
  eventSlug: string;
  icon: string;
  kind: "long" | "event" | "daily";
  open: number;
  end: number;
  /** Winning outcome index when the market resolves inside the window, else null. */
  winner: 0 | 1 | null;
  /** When redemption becomes possible (end + oracle delay). */
  redeemable: number;
  /** Taker orders per hour at the busiest time of day. */
  flow: number;
  /** Quoted spread in ticks of 0.01. */
  spreadTicks: number;
  /** USDC resting within a couple of ticks of the touch. */
  depth: number;
  /** Taker fee rate (fee = rate · size · p(1−p)); makers get a share back as MAKER_REBATE. */
  feeRate: number;
  path: Float64Array;
  pathStart: number;
  jumps: Jump[];
}

const clampP = (p: number) => Math.min(0.995, Math.max(0.005, p));
const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

function fair(m: Market, t: number): number {
  const i = Math.floor((t - m.pathStart) / STEP);
  return m.path[Math.min(m.path.length - 1, Math.max(0, i))]!;
}

/** Polymarket's tick: 0.01, or 0.001 once the price is beyond 0.96 / below 0.04. */
function tickAt(p: number): number {
  return p > 0.96 || p < 0.04 ? 0.001 : 0.01;
}
function onTick(p: number, dir: "down" | "up" | "near"): number {
  const tick = tickAt(p);
  const k = p / tick;
  const n = dir === "down" ? Math.floor(k + 1e-9) : dir === "up" ? Math.ceil(k - 1e-9) : Math.round(k);
  const q = Math.min(1 - tick, Math.max(tick, n * tick));
  return Number(q.toFixed(tick < 0.01 ? 3 : 2));
}
const shares = (x: number) => Math.max(0.01, Math.round(x * 100) / 100);

const TEAMS = [
  "Lakers",
  "Celtics",
  "Knicks",
  "Nuggets",
  "Arsenal",
  "Chelsea",
  "Real Madrid",
  "Inter",
  "Yankees",
  "Dodgers",
  "Chiefs",
  "Eagles",
  "T1",
  "G2",
  "Navi",
  "Vitality",
  "Sinner",
  "Alcaraz",
];
const LONG_TOPICS = [
  "Will the Fed cut rates in {m}?",
  "Will {p} win the {c} election?",
  "Will {p} be out as leader of {c} by {m}?",
  "Will inflation exceed {n}% in {m}?",
  "Will {c} and {c2} sign a ceasefire by {m}?",
  "Will a new AI model top the leaderboard by {m}?",
  "Will gold close above {g} in {m}?",
];
const PEOPLE = ["Mercer", "Okafor", "Lindqvist", "Tanaka", "Duarte", "Novak", "Haddad", "Brennan"];
const COUNTRIES = ["Chile", "Poland", "Kenya", "Canada", "Japan", "Peru", "Norway", "Ghana", "Spain"];
const MONTHS = ["March", "April", "May", "June", "July", "September"];
const CRYPTO = ["Bitcoin", "Ethereum", "Solana", "XRP"];

function slugify(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 70);
}

function makeMarket(rng: Rng, t0: number, t1: number): Market {
  const r = rng.next();
  const kind: Market["kind"] = r < 0.35 ? "long" : r < 0.85 ? "event" : "daily";
  let title: string;
  let outcomes: [string, string] = ["Yes", "No"];
  let open: number;
  let end: number;
  if (kind === "long") {
    title = rng
      .pick(LONG_TOPICS)
      .replace("{m}", rng.pick(MONTHS))
      .replace("{p}", rng.pick(PEOPLE))
      .replace("{c2}", rng.pick(COUNTRIES))
      .replace("{c}", rng.pick(COUNTRIES))
      .replace("{n}", String(rng.int(2, 6)))
      .replace("{g}", `$${rng.int(20, 40) * 100}`);
    open = t0 - rng.int(5, 60) * DAY;
    end = rng.chance(0.25) ? rng.int(t0 + 5 * DAY, t1 - DAY) : t1 + rng.int(5, 120) * DAY;
  } else if (kind === "event") {
    const [a, b] = rng.sample(TEAMS, 2);
    const head = rng.chance(0.5);
    title = head ? `${a} vs. ${b}` : `Will ${a} beat ${b}?`;
    if (head) outcomes = [a!, b!];
    end = rng.int(t0 + DAY, t1 + 3 * DAY);
    open = end - rng.int(2, 7) * DAY;
  } else {
    const coin = rng.pick(CRYPTO);
    end = rng.int(t0 / DAY + 1, t1 / DAY + 1) * DAY + 16 * HOUR;
    open = end - DAY - rng.int(0, 12) * HOUR;
    title = `${coin} Up or Down on ${new Date(end * 1000).toISOString().slice(0, 10)}?`;
    outcomes = ["Up", "Down"];
  }
  const slug = `${slugify(title)}-${rng.hex(4)}`;
  const eventSlug = kind === "long" ? slugify(title).split("-").slice(0, 5).join("-") : slug.slice(0, -5);
  const flow = rng.logNormal(kind === "long" ? 6 : kind === "event" ? 10 : 14, 0.9);
  // Fair value path over [max(open, t0), min(end, t1)]
  const pathStart = Math.max(open, t0);
  const pathEnd = Math.min(end, t1);
  const n = Math.max(1, Math.ceil((pathEnd - pathStart) / STEP) + 1);
  const path = new Float64Array(n);
  const dailyVol = kind === "long" ? rng.uni(0.08, 0.35) : rng.uni(0.3, 0.9);
  const jumpRate = kind === "long" ? rng.uni(0.1, 0.6) : rng.uni(0.4, 2.5); // per day
  let x = kind === "daily" ? rng.normal() * 0.2 : rng.normal() * 1.3;
  const jumps: Jump[] = [];
  const sd = dailyVol * Math.sqrt(STEP / DAY);
  const pj = (jumpRate * STEP) / DAY;
  for (let i = 0; i < n; i++) {
    const t = pathStart + i * STEP;
    x += sd * rng.normal();
    if (rng.chance(pj)) {
      const before = logistic(x);
      const dx = rng.normal() * 0.9;
      x += dx;
      jumps.push({ t: t + rng.int(0, STEP - 1), dir: dx > 0 ? 1 : -1, before });
    }
    x = Math.max(-5, Math.min(5, x));
    path[i] = clampP(logistic(x));
  }
  let winner: Market["winner"] = null;
  if (end <= t1) {
    // Resolution: the outcome is a draw from the last fair value; the final stretch (a game's last
    // quarter, the daily close) converges to it.
    const pEnd = path[n - 1]!;
    winner = rng.chance(pEnd) ? 0 : 1;
    const target = winner === 0 ? 0.995 : 0.005;
    const tail = Math.min(n, Math.ceil((kind === "long" ? rng.uni(2, 24) : rng.uni(0.5, 3)) * (HOUR / STEP)));
    const start = path[n - tail]!;
    for (let k = 0; k < tail; k++) {
      const w = (k + 1) / tail;
      path[n - tail + k] = clampP(logistic(logit(start) * (1 - w) + logit(target) * w));
    }
  }
  return {
    conditionId: `0x${rng.hex(64)}`,
    tokens: [rng.digits(77), rng.digits(77)],
    outcomes,
    title,
    slug,
    eventSlug,
    icon: `https://polymarket-upload.s3.us-east-2.amazonaws.com/${slug.slice(0, 24)}.png`,
    kind,
    open,
    end,
    winner,
    redeemable: end + rng.int(2 * HOUR, 30 * HOUR),
    flow,
    spreadTicks: rng.weighted([1, 2, 3, 4], (k) => [5, 3, 1.5, 1][k - 1]!),
    depth: rng.logNormal(kind === "long" ? 4000 : 1500, 0.8),
    feeRate:
      kind === "daily" ? 0.07 : kind === "event" ? (rng.chance(0.6) ? 0.03 : 0) : rng.chance(0.3) ? 0.04 : 0,
    path,
    pathStart,
    jumps,
  };
}

/** Share of takers active at this hour (UTC): busiest in the US evening, quiet in the US night. */
function diurnal(t: number): number {
  const h = (t % DAY) / HOUR;
  return 0.55 + 0.45 * Math.cos((2 * Math.PI * (h - 1)) / 24);
}

// ---------------------------------------------------------------------------------------------
// Wallets and records

interface Profile {
  address: string;
  name: string;
  pseudonym: string;
}

interface Rec {
  proxyWallet: string;
  timestamp: number;
  conditionId: string;
  type: string;
  size: number;
  usdcSize: number;
  transactionHash: string;
  price: number;
  asset: string;
  side: string;
  outcomeIndex: number;
  title: string;
  slug: string;
  icon: string;
  eventSlug: string;
  outcome: string;
  name: string;
  pseudonym: string;
  bio: string;
  profileImage: string;
  profileImageOptimized: string;
}

const ADJ = ["Quiet", "Lucky", "Brave", "Sharp", "Mellow", "Rapid", "Silent", "Golden", "Rusty", "Witty"];
const NOUN = ["Otter", "Falcon", "Lantern", "Comet", "Badger", "Harbor", "Maple", "Pixel", "Tundra"];

/** One wallet's book: token holdings per market, and the records it produced. */
class Book {
  readonly recs: Rec[] = [];
  readonly hold = new Map<Market, [number, number]>();
  /** Taker fees the other side paid on this wallet's maker fills, per UTC day (the rebate base). */
  readonly makerFees = new Map<number, number>();
  /** USDC this wallet paid as taker, per UTC day. */
  readonly takerUsd = new Map<number, number>();
  readonly rng: Rng;
  readonly who: Profile;
  constructor(rng: Rng, who: Profile) {
    this.rng = rng;
    this.who = who;
  }
  h(m: Market): [number, number] {
    let x = this.hold.get(m);
    if (!x) {
      x = [0, 0];
      this.hold.set(m, x);
    }
    return x;
  }
  /** A record with the fields in the order the Data API returns them. */
  private rec(
    m: Market,
    t: number,
    tx: string,
    f: Pick<Rec, "type" | "size" | "usdcSize" | "price" | "asset" | "side" | "outcomeIndex" | "outcome">,
  ): Rec {
    return {
      proxyWallet: this.who.address,
      timestamp: Math.floor(t),
      conditionId: m.conditionId,
      type: f.type,
      size: f.size,
      usdcSize: f.usdcSize,
      transactionHash: tx,
      price: f.price,
      asset: f.asset,
      side: f.side,
      outcomeIndex: f.outcomeIndex,
      title: m.title,
      slug: m.slug,
      icon: m.icon,
      eventSlug: m.eventSlug,
      outcome: f.outcome,
      name: this.who.name,
      pseudonym: this.who.pseudonym,
      bio: "",
      profileImage: "",
      profileImageOptimized: "",
    };
  }
  tx(): string {
    return `0x${this.rng.hex(64)}`;
  }
  /** A resting order of ours filled (maker): at a tick price; the taker's fee earns us a rebate. */
  trade(m: Market, t: number, oi: 0 | 1, side: "BUY" | "SELL", price: number, size: number, tx = this.tx()) {
    const got = this.record(m, t, oi, side, price, size, tx);
    if (got > 0 && m.feeRate > 0) {
      const d = Math.floor(t / DAY);
      this.makerFees.set(d, (this.makerFees.get(d) ?? 0) + m.feeRate * got * price * (1 - price));
    }
    return got;
  }
  private record(
    m: Market,
    t: number,
    oi: 0 | 1,
    side: "BUY" | "SELL",
    price: number,
    size: number,
    tx: string,
  ) {
    size = shares(size);
    const h = this.h(m);
    if (side === "SELL") {
      size = Math.min(size, Math.floor(h[oi] * 100) / 100);
      if (size < 0.01) return 0;
    }
    h[oi] += side === "BUY" ? size : -size;
    this.recs.push(
      this.rec(m, t, tx, {
        type: "TRADE",
        size,
        usdcSize: Number((size * price).toFixed(6)),
        price,
        asset: m.tokens[oi],
        side,
        outcomeIndex: oi,
        outcome: m.outcomes[oi],
      }),
    );
    return size;
  }
  /** A taker order for `usd` dollars: sweeps more than one level when it is larger than the touch. */
  take(m: Market, t: number, oi: 0 | 1, side: "BUY" | "SELL", usdOrShares: number, inShares = false) {
    const f = oi === 0 ? fair(m, t) : 1 - fair(m, t);
    const half = (m.spreadTicks * 0.01) / 2;
    let px = side === "BUY" ? onTick(f + half, "up") : onTick(f - half, "down");
    let remaining = inShares ? usdOrShares : usdOrShares / px;
    if (side === "SELL") remaining = Math.min(remaining, Math.floor(this.h(m)[oi] * 100) / 100);
    let q = 0;
    let usd = 0;
    for (let level = 0; level < 5 && remaining >= 0.01; level++) {
      const levelShares = (m.depth * this.rng.uni(0.3, 1.2)) / px;
      const take = level === 4 ? remaining : Math.min(remaining, levelShares);
      q += take;
      usd += take * px;
      remaining -= take;
      px = onTick(side === "BUY" ? px + tickAt(px) : px - tickAt(px), "near");
    }
    if (q < 0.01) return 0;
    // One row per order at the average price of the levels walked, as the Data API reports a taker.
    const got = this.record(m, t, oi, side, usd / q, q, this.tx());
    if (got > 0) {
      const d = Math.floor(t / DAY);
      this.takerUsd.set(d, (this.takerUsd.get(d) ?? 0) + (got * usd) / q);
    }
    return got;
  }
  /** A payment with no market (REWARD, MAKER_REBATE, TAKER_REBATE, YIELD), as the API sends it. */
  income(t: number, type: "REWARD" | "MAKER_REBATE" | "TAKER_REBATE" | "YIELD", usd: number) {
    const amount = Number(usd.toFixed(6));
    if (amount < 0.000001) return;
    this.recs.push({
      proxyWallet: this.who.address,
      timestamp: Math.floor(t),
      conditionId: "",
      type,
      size: amount,
      usdcSize: amount,
      transactionHash: this.tx(),
      price: 0,
      asset: "",
      side: "",
      outcomeIndex: 999,
      title: "",
      slug: "",
      icon: "",
      eventSlug: "",
      outcome: "",
      name: this.who.name,
      pseudonym: this.who.pseudonym,
      bio: "",
      profileImage: "",
      profileImageOptimized: "",
    });
  }
  /** Maker rebates: a fifth of the taker fees on this wallet's maker fills, paid the next day. */
  payRebates(t1: number) {
    for (const [d, fee] of this.makerFees) {
      const t = (d + 1) * DAY + this.rng.int(3600, 5 * 3600);
      if (t <= t1) this.income(t, "MAKER_REBATE", fee * 0.2);
    }
  }
  other(m: Market, t: number, type: "SPLIT" | "MERGE" | "REDEEM", size: number, usdc: number) {
    this.recs.push(
      this.rec(m, t, this.tx(), {
        type,
        size: size === 0 ? 0 : shares(size),
        usdcSize: Number(usdc.toFixed(6)),
        price: 0,
        asset: "",
        side: "",
        outcomeIndex: 999,
        outcome: "",
      }),
    );
  }
  split(m: Market, t: number, n: number) {
    n = Math.ceil(n);
    const h = this.h(m);
    h[0] += n;
    h[1] += n;
    this.other(m, t, "SPLIT", n, n);
  }
  merge(m: Market, t: number) {
    const h = this.h(m);
    const n = Math.floor(Math.min(h[0], h[1]) * 100) / 100;
    if (n < 1) return;
    h[0] -= n;
    h[1] -= n;
    this.other(m, t, "MERGE", n, n);
  }
  /** Redeems resolved positions once the oracle has settled, as most (not all) holders do. */
  redeemAll(t1: number) {
    for (const [m, h] of this.hold) {
      if (m.winner === null || m.redeemable > t1) continue;
      const win = h[m.winner];
      const total = h[0] + h[1];
      if (total < 0.01) continue;
      if (win >= 0.01 ? this.rng.chance(0.9) : this.rng.chance(0.25)) {
        const t = Math.min(t1, m.redeemable + this.rng.exp(DAY));
        // Winning tokens pay $1 each; losing tokens are burned in a REDEEM row of size 0.
        if (win >= 0.01) this.other(m, t, "REDEEM", win, win);
        if (total - win >= 0.01) this.other(m, t, "REDEEM", 0, 0);
        h[0] = 0;
        h[1] = 0;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Market makers

type MakerKind = "mm_bot_broad" | "mm_niche" | "mm_lean" | "mm_parttime" | "mm_sparse" | "mm_adverse";

interface MakerParams {
  /** "bids": buys both outcomes and merges sets; "asks": splits and sells both; "mixed": either. */
  mode: "bids" | "asks" | "mixed";
  /** Share of a market's taker flow this maker fills. */
  share: number;
  halfSpreadTicks: number;
  quoteUsd: number;
  /** Inventory limit, in quote sizes. */
  limit: number;
  /** Price skew per quote size of inventory, in ticks. */
  skewTicks: number;
  /** Fixed view added to the reservation price (a maker with a lean), probability units. */
  lean: number;
  /** Merge once this many complete sets are held (in quote sizes), checked every so often. */
  mergeAt: number;
  mergeEverySec: number;
  /** Stop quoting this long before the market ends (0: quotes into resolution). */
  pullBeforeEnd: number;
  /** Seconds a quote stays stale after news. */
  staleSec: number;
  /** Hours of the day (UTC) the maker is on; null: always. */
  hours: [number, number] | null;
  rewards: boolean;
  /** Occasionally crosses the spread to cut inventory near its limit. */
  hedges: boolean;
  /** Share of ordinary takers who know the next half hour's move (a maker that is picked off). */
  pickedOff: number;
}

function runMaker(book: Book, kind: MakerKind, markets: Market[], t0: number, t1: number) {
  const rng = book.rng;
  const base: MakerParams = {
    mode: rng.weighted(["bids", "asks", "mixed"] as const, (x) => ({ bids: 5, asks: 2, mixed: 3 })[x]),
    share: rng.uni(0.05, 0.3),
    halfSpreadTicks: rng.int(1, 2),
    quoteUsd: rng.logNormal(60, 0.6),
    limit: rng.uni(4, 14),
    skewTicks: rng.uni(0.2, 0.8),
    lean: 0,
    mergeAt: rng.uni(1, 6),
    mergeEverySec: rng.pick([10 * 60, HOUR, 6 * HOUR, DAY]),
    pullBeforeEnd: rng.chance(0.75) ? rng.uni(0.5, 8) * HOUR : 0,
    staleSec: rng.uni(2, 40),
    hours: null,
    rewards: rng.chance(0.7),
    hedges: rng.chance(0.35),
    pickedOff: 0,
  };
  let nMarkets: number;
  let start = t0 + (rng.chance(0.7) ? 0 : rng.uni(0, 0.4) * (t1 - t0));
  let stop = rng.chance(0.85) ? t1 : start + rng.uni(0.4, 0.9) * (t1 - start);
  switch (kind) {
    case "mm_bot_broad":
      nMarkets = rng.int(8, 30);
      base.share = rng.uni(0.04, 0.15);
      break;
    case "mm_niche":
      nMarkets = rng.int(1, 3);
      base.share = rng.uni(0.15, 0.45);
      base.quoteUsd = rng.logNormal(120, 0.6);
      break;
    case "mm_lean":
      nMarkets = rng.int(2, 8);
      base.skewTicks = rng.uni(0.1, 0.3);
      base.limit = rng.uni(10, 25);
      break;
    case "mm_parttime":
      nMarkets = rng.int(1, 6);
      base.hours = [rng.int(12, 17), rng.int(21, 26)];
      base.staleSec = rng.uni(20, 180);
      base.mergeEverySec = DAY;
      base.rewards = rng.chance(0.4);
      break;
    case "mm_adverse":
      // Slow to pull stale quotes and facing sharp flow: flat or negative short markouts.
      nMarkets = rng.int(2, 12);
      base.staleSec = rng.uni(60, 900);
      base.pickedOff = rng.uni(0.3, 0.7);
      break;
    case "mm_sparse":
      nMarkets = rng.int(2, 6);
      base.share = rng.uni(0.02, 0.08);
      start = t0 + rng.uni(0, 0.5) * (t1 - t0);
      stop = Math.min(t1, start + rng.uni(3, 10) * DAY);
      break;
  }
  const alive = markets.filter((m) => m.open < stop && Math.min(m.end, t1) > start + HOUR);
  // Makers go where there is flow and (for the broad bots) rotate into new markets as they list.
  const chosen = rng.sample(alive, nMarkets, (m) => Math.sqrt(m.flow));
  for (const m of chosen) {
    const p: MakerParams = { ...base };
    if (kind === "mm_lean") p.lean = (rng.chance(0.5) ? 1 : -1) * rng.uni(0.01, 0.04);
    const from = Math.max(start, m.pathStart);
    const to = Math.min(stop, m.end - p.pullBeforeEnd, t1);
    if (to - from < HOUR) continue;
    makeMarketIn(book, m, p, from, to);
  }
  // Liquidity rewards are paid once a day, summed over the markets where the maker rested quotes
  // near the midpoint (one row, no market).
  if (base.rewards) payRewards(book, [...book.hold.keys()], start, stop, t1, 1.5);
  book.payRebates(t1);
}

function payRewards(book: Book, ms: Market[], start: number, stop: number, t1: number, perMarket: number) {
  const rng = book.rng;
  for (let d = Math.ceil(start / DAY) * DAY; d < Math.min(stop, t1); d += DAY) {
    let usd = 0;
    for (const m of ms)
      if (m.pathStart <= d && d < m.end && rng.chance(0.8)) usd += rng.logNormal(perMarket, 1);
    if (usd > 0 && d + 600 <= t1) book.income(d + rng.int(0, 600), "REWARD", usd);
  }
}

function active(p: MakerParams, t: number): boolean {
  if (!p.hours) return true;
  const h = (t % DAY) / HOUR;
  const [a, b] = p.hours;
  return b <= 24 ? h >= a && h < b : h >= a || h < b - 24;
}

function makeMarketIn(book: Book, m: Market, p: MakerParams, from: number, to: number) {
  const rng = book.rng;
  const tick = 0.01;
  // Takers arrive hour by hour (Poisson), more in the evening and in the hour after news; right
  // after a jump a few informed takers hit the stale quote on the jump's side.
  const arrivals: { t: number; informed: Jump | null }[] = [];
  for (let h = Math.floor(from / HOUR) * HOUR; h < to; h += HOUR) {
    const news = m.jumps.some((j) => j.t >= h - HOUR && j.t < h + HOUR) ? rng.uni(1.5, 4) : 1;
    const k = rng.poisson(m.flow * p.share * diurnal(h) * news);
    for (let i = 0; i < k; i++) {
      const t = h + rng.next() * HOUR;
      if (t >= from && t < to) arrivals.push({ t, informed: null });
    }
  }
  for (const j of m.jumps) {
    if (j.t < from || j.t >= to) continue;
    const k = rng.chance(0.75) ? rng.int(1, 3) : 0;
    for (let i = 0; i < k; i++) arrivals.push({ t: j.t + rng.uni(0, p.staleSec), informed: j });
  }
  arrivals.sort((a, b) => a.t - b.t);
  const h = book.h(m);
  const unit = () => p.quoteUsd / Math.max(0.05, fair(m, from));
  let lastMergeCheck = from;
  // A maker that sells needs inventory: it splits USDC into sets first.
  if (p.mode === "asks") book.split(m, from - rng.int(5, 600), unit() * rng.uni(2, 5));
  for (const a of arrivals) {
    const t = a.t;
    if (!active(p, t)) continue;
    const f = a.informed && t - a.informed.t < p.staleSec ? a.informed.before : fair(m, t);
    const q = h[0] - h[1]; // YES-equivalent inventory
    const quoteShares = p.quoteUsd / Math.max(0.05, Math.min(f, 1 - f) + 0.2);
    const r = f + p.lean - (q / quoteShares) * p.skewTicks * tick;
    const half = (p.halfSpreadTicks + (m.spreadTicks > 2 ? 1 : 0)) * tick;
    const bid = onTick(r - half, "down");
    const ask = onTick(r + half, "up");
    if (bid <= 0.001 || ask >= 0.999 || bid >= ask) continue;
    // Informed takers trade with the jump; the rest lean slightly toward the coming move.
    let takerBuysYes: boolean;
    if (a.informed) takerBuysYes = a.informed.dir > 0;
    else if (p.pickedOff > 0 && rng.chance(p.pickedOff))
      takerBuysYes =
        fair(m, t + 30 * 60) > fair(m, t) || (fair(m, t + 30 * 60) === fair(m, t) && rng.chance(0.5));
    else {
      const drift = fair(m, t + HOUR) - fair(m, t);
      takerBuysYes = rng.chance(0.5 + Math.max(-0.15, Math.min(0.15, drift * 3)));
    }
    const takerShares = Math.min(rng.logNormal(quoteShares * 0.4, 1), quoteShares * rng.uni(0.5, 1.5));
    const lim = quoteShares * p.limit;
    if (takerBuysYes) {
      // Our ask is lifted: we go short YES (sell YES, or buy NO at 1 - ask).
      if (q - takerShares < -lim) continue;
      const canSell = h[0] >= takerShares;
      const sell = p.mode === "asks" ? true : p.mode === "bids" ? false : canSell && rng.chance(0.6);
      if (sell) {
        if (!canSell) book.split(m, t - rng.int(1, 30), Math.max(takerShares, quoteShares * rng.uni(2, 5)));
        book.trade(m, t, 0, "SELL", ask, takerShares);
      } else {
        book.trade(m, t, 1, "BUY", onTick(1 - ask, "near"), takerShares);
      }
    } else {
      if (q + takerShares > lim) continue;
      const canSell = h[1] >= takerShares;
      const sell = p.mode === "asks" ? true : p.mode === "bids" ? false : canSell && rng.chance(0.6);
      if (sell) {
        if (!canSell) book.split(m, t - rng.int(1, 30), Math.max(takerShares, quoteShares * rng.uni(2, 5)));
        book.trade(m, t, 1, "SELL", onTick(1 - bid, "near"), takerShares);
      } else {
        book.trade(m, t, 0, "BUY", bid, takerShares);
      }
    }
    // Cut inventory near the limit by crossing the spread (some makers do, most just skew).
    const q2 = h[0] - h[1];
    if (p.hedges && Math.abs(q2) > 0.8 * lim && rng.chance(0.3)) {
      const cut = Math.abs(q2) * rng.uni(0.3, 0.6);
      if (q2 > 0)
        h[0] >= cut ? book.take(m, t + 2, 0, "SELL", cut, true) : book.take(m, t + 2, 1, "BUY", cut, true);
      else h[1] >= cut ? book.take(m, t + 2, 1, "SELL", cut, true) : book.take(m, t + 2, 0, "BUY", cut, true);
    }
    if (p.mode !== "asks" && t - lastMergeCheck >= p.mergeEverySec) {
      lastMergeCheck = t;
      if (Math.min(h[0], h[1]) >= quoteShares * p.mergeAt) book.merge(m, t + rng.int(5, 300));
    }
  }
  // At the end of its run a maker merges what it can; the rest rides to resolution.
  if (p.mode !== "asks" && rng.chance(0.7)) book.merge(m, to + rng.int(60, 3600));
}

// ---------------------------------------------------------------------------------------------
// Directional traders

type TakerKind =
  | "dir_news"
  | "dir_longshot"
  | "dir_favourite"
  | "dir_scalper"
  | "dir_dca"
  | "dir_whale"
  | "dir_swing"
  | "dir_sniper"
  | "acc_patient"
  | "dir_switcher";

/** A human's trading moments: mostly in their waking hours, in bursts. */
function humanTime(rng: Rng, lo: number, hi: number, tz: number): number {
  for (let i = 0; i < 20; i++) {
    const t = rng.uni(lo, hi);
    const local = (((t / HOUR + tz) % 24) + 24) % 24;
    if (local >= 8 && local < 24 && rng.chance(local >= 18 ? 1 : 0.6)) return t;
  }
  return rng.uni(lo, hi);
}

function tradable(m: Market, t: number): boolean {
  return t >= m.pathStart && t < m.end - 60;
}

function runTaker(book: Book, kind: TakerKind, markets: Market[], t0: number, t1: number) {
  const rng = book.rng;
  const tz = rng.pick([-8, -5, -5, -4, 0, 1, 2, 8]);
  const byFlow = (m: Market) => m.flow;
  switch (kind) {
    case "dir_news": {
      const mine = rng.sample(markets, rng.int(3, 15), byFlow);
      const react = rng.uni(0.3, 0.8);
      for (const m of mine) {
        for (const j of m.jumps) {
          if (j.t < t0 || j.t > t1 || !rng.chance(react)) continue;
          const t = j.t + rng.exp(8 * 60);
          if (!tradable(m, t)) continue;
          const oi = j.dir > 0 ? 0 : 1;
          book.take(m, t, oi, "BUY", rng.logNormal(250, 1));
          // Take profit later if the move ran on, otherwise hold to resolution.
          const later = t + rng.exp(2 * DAY);
          if (tradable(m, later) && later < t1) {
            const p0 = oi === 0 ? fair(m, t) : 1 - fair(m, t);
            const p1 = oi === 0 ? fair(m, later) : 1 - fair(m, later);
            if (p1 - p0 > 0.08 || (p0 - p1 > 0.15 && rng.chance(0.5))) {
              book.take(m, later, oi, "SELL", book.h(m)[oi] * rng.uni(0.5, 1), true);
            }
          }
        }
      }
      break;
    }
    case "dir_longshot": {
      const n = rng.int(8, 50);
      const limitUser = rng.chance(0.4);
      for (let i = 0; i < n; i++) {
        const t = humanTime(rng, t0, t1, tz);
        const live = markets.filter((m) => tradable(m, t));
        if (live.length === 0) continue;
        const m = rng.pick(live);
        const f = fair(m, t);
        const oi = f < 0.5 ? 0 : 1;
        const p = oi === 0 ? f : 1 - f;
        if (p > 0.18) continue;
        const usd = rng.logNormal(15, 0.8);
        if (limitUser) {
          // A resting bid below the ask, filled in pieces as sellers arrive.
          const px = onTick(p - 0.01, "down");
          let left = usd / px;
          let tf = t;
          while (left > 0.5) {
            tf += rng.exp(3 * HOUR);
            if (!tradable(m, tf) || tf > t1) break;
            const q = Math.min(left, rng.uni(0.2, 1) * left + 1);
            book.trade(m, tf, oi, "BUY", px, q);
            left -= q;
          }
        } else book.take(m, t, oi, "BUY", usd);
      }
      break;
    }
    case "dir_favourite": {
      const n = rng.int(5, 35);
      for (let i = 0; i < n; i++) {
        const t = humanTime(rng, t0, t1, tz);
        const live = markets.filter((m) => tradable(m, t) && m.end - t < 3 * DAY);
        if (live.length === 0) continue;
        const m = rng.pick(live);
        const f = fair(m, t);
        const oi = f >= 0.5 ? 0 : 1;
        const p = oi === 0 ? f : 1 - f;
        if (p < 0.8 || p > 0.985) continue;
        book.take(m, t, oi, "BUY", rng.logNormal(600, 0.9));
        if (rng.chance(0.3)) {
          const t2 = t + rng.exp(6 * HOUR);
          if (tradable(m, t2) && t2 < t1) book.take(m, t2, oi, "BUY", rng.logNormal(300, 0.9));
        }
      }
      break;
    }
    case "dir_scalper": {
      const mine = rng.sample(
        markets.filter((m) => m.kind !== "long" || rng.chance(0.3)),
        rng.int(1, 6),
        byFlow,
      );
      const sessions = rng.int(3, 14);
      const usd = rng.logNormal(150, 0.8);
      const holdMean = rng.uni(10 * 60, 3 * HOUR);
      for (let s = 0; s < sessions; s++) {
        const m = rng.pick(mine);
        let t = humanTime(rng, Math.max(t0, m.pathStart), Math.min(t1, m.end), tz);
        const stop = t + rng.uni(1, 5) * HOUR;
        let pos: { oi: 0 | 1; t: number } | null = null;
        while (t < stop && tradable(m, t)) {
          if (!pos) {
            // Momentum entry: the side that rose over the last half hour.
            const up = fair(m, t) >= fair(m, t - 30 * 60);
            const oi: 0 | 1 = rng.chance(0.7) === up ? 0 : 1;
            book.take(m, t, oi, "BUY", usd * rng.uni(0.5, 1.5));
            pos = { oi, t };
            t += rng.exp(holdMean);
          } else {
            book.take(m, t, pos.oi, "SELL", book.h(m)[pos.oi], true);
            const flip = rng.chance(0.3);
            pos = null;
            if (flip) continue;
            t += rng.exp(holdMean / 2);
          }
        }
        if (pos && rng.chance(0.7) && tradable(m, t))
          book.take(m, t, pos.oi, "SELL", book.h(m)[pos.oi], true);
      }
      break;
    }
    case "dir_dca": {
      const mine = rng.sample(
        markets.filter((m) => m.kind === "long"),
        rng.int(1, 3),
        byFlow,
      );
      for (const m of mine) {
        const oi: 0 | 1 = rng.chance(0.5) ? 0 : 1;
        let t = humanTime(rng, t0, t0 + 4 * DAY, tz);
        const usd = rng.logNormal(60, 0.6);
        const every = rng.uni(0.7, 3) * DAY;
        while (t < t1 && tradable(m, t)) {
          book.take(m, t, oi, "BUY", usd * rng.uni(0.7, 1.3));
          t += every * rng.uni(0.6, 1.4);
        }
        if (rng.chance(0.2)) {
          const te = rng.uni(t1 - 2 * DAY, t1);
          if (tradable(m, te)) book.take(m, te, oi, "SELL", book.h(m)[oi] * rng.uni(0.3, 1), true);
        }
      }
      break;
    }
    case "dir_whale": {
      const n = rng.int(1, 6);
      for (let i = 0; i < n; i++) {
        const t = humanTime(rng, t0, t1, tz);
        const live = markets.filter((m) => tradable(m, t));
        if (live.length === 0) continue;
        const m = rng.weighted(live, (x) => x.depth);
        const f = fair(m, t);
        const oi: 0 | 1 = rng.chance(f) ? 0 : 1;
        book.take(m, t, oi, "BUY", rng.logNormal(25000, 0.8));
        if (rng.chance(0.3)) {
          const t2 = t + rng.exp(3 * DAY);
          if (tradable(m, t2) && t2 < t1) book.take(m, t2, oi, "SELL", book.h(m)[oi] * rng.uni(0.3, 1), true);
        }
      }
      break;
    }
    case "dir_sniper": {
      // Knows the news a few minutes early: buys the side about to jump, as taker, just before it.
      const mine = rng.sample(markets, rng.int(4, 20), byFlow);
      const react = rng.uni(0.4, 0.9);
      const lead = rng.uni(30, 600);
      const usd = rng.logNormal(300, 0.9);
      for (const m of mine) {
        for (const j of m.jumps) {
          if (!rng.chance(react)) continue;
          const t = j.t - rng.uni(5, lead);
          if (t < t0 || t > t1 || !tradable(m, t)) continue;
          const oi = j.dir > 0 ? 0 : 1;
          book.take(m, t, oi, "BUY", usd * rng.uni(0.5, 1.5));
          const later = j.t + rng.exp(6 * HOUR);
          if (rng.chance(0.65) && tradable(m, later) && later < t1)
            book.take(m, later, oi, "SELL", book.h(m)[oi] * rng.uni(0.5, 1), true);
        }
      }
      break;
    }
    case "acc_patient": {
      // Rests a bid on the side it believes in, filled over days by sellers; holds to resolution.
      const mine = rng.sample(
        markets.filter((m) => m.end - t0 > 3 * DAY),
        rng.int(1, 6),
        byFlow,
      );
      for (const m of mine) {
        const f0 = fair(m, Math.max(t0, m.pathStart));
        const oi: 0 | 1 = rng.chance(m.winner === null ? f0 : m.winner === 0 ? 0.7 : 0.3) ? 0 : 1;
        const budget = rng.logNormal(2500, 0.8);
        const fillsPerDay = rng.uni(2, 12);
        let spent = 0;
        let t = Math.max(t0, m.pathStart) + rng.uni(0, 3) * DAY;
        while (spent < budget && tradable(m, t) && t < t1) {
          const f = oi === 0 ? fair(m, t) : 1 - fair(m, t);
          // The bid rests a tick or two under fair value; a seller arriving fills part of it.
          const px = onTick(f - rng.int(1, 2) * 0.01, "down");
          if (px > 0.02) spent += px * book.trade(m, t, oi, "BUY", px, rng.logNormal(40 / px, 0.7) * 0.2);
          t += rng.exp(DAY / fillsPerDay);
        }
      }
      // Resting orders near the mid can earn liquidity rewards, one-sided ones far less.
      if (rng.chance(0.5)) payRewards(book, mine, t0, t1, t1, 0.3);
      book.payRebates(t1);
      break;
    }
    case "dir_switcher": {
      // Takes a side, changes its mind: sells it (or not) and buys the other outcome.
      const n = rng.int(3, 12);
      for (let i = 0; i < n; i++) {
        let t = humanTime(rng, t0, t1 - DAY, tz);
        const live = markets.filter((m) => tradable(m, t) && m.end - t > 2 * DAY);
        if (live.length === 0) continue;
        const m = rng.weighted(live, byFlow);
        let oi: 0 | 1 = rng.chance(0.5) ? 0 : 1;
        const switches = rng.int(1, 3);
        for (let k = 0; k <= switches && tradable(m, t) && t < t1; k++) {
          book.take(m, t, oi, "BUY", rng.logNormal(180, 0.8));
          t += rng.uni(0.2, 3) * DAY;
          if (k === switches || !tradable(m, t) || t >= t1) break;
          if (rng.chance(0.65)) book.take(m, t, oi, "SELL", book.h(m)[oi], true);
          oi = oi === 0 ? 1 : 0;
          t += rng.uni(60, 3600);
        }
      }
      break;
    }
    case "dir_swing": {
      const n = rng.int(3, 15);
      const mergeExit = rng.chance(0.3);
      for (let i = 0; i < n; i++) {
        const t = humanTime(rng, t0, t1, tz);
        const live = markets.filter((m) => tradable(m, t));
        if (live.length === 0) continue;
        const m = rng.weighted(live, byFlow);
        const oi: 0 | 1 = rng.chance(0.5) ? 0 : 1;
        book.take(m, t, oi, "BUY", rng.logNormal(200, 0.9));
        if (rng.chance(0.4)) {
          const ta = t + rng.exp(DAY);
          if (tradable(m, ta) && ta < t1) book.take(m, ta, oi, "BUY", rng.logNormal(150, 0.9));
        }
        const te = t + rng.exp(3 * DAY);
        if (!tradable(m, te) || te > t1) continue; // held to resolution or still open
        const held = book.h(m)[oi];
        if (mergeExit) {
          // Exit by buying the other outcome and merging the sets back into USDC.
          book.take(m, te, oi === 0 ? 1 : 0, "BUY", held, true);
          book.merge(m, te + rng.int(30, 1800));
        } else book.take(m, te, oi, "SELL", held, true);
      }
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The world

/** Kinds ending in `_thin` are the same behaviours seen for only 15–40 fills. */
const MAKER_KINDS: [MakerKind | "mm_thin", number][] = [
  ["mm_bot_broad", 0.25],
  ["mm_niche", 0.2],
  ["mm_lean", 0.12],
  ["mm_parttime", 0.12],
  ["mm_sparse", 0.11],
  ["mm_adverse", 0.12],
  ["mm_thin", 0.08],
];
const TAKER_KINDS: [TakerKind | "dir_thin", number][] = [
  ["dir_news", 0.09],
  ["dir_longshot", 0.09],
  ["dir_favourite", 0.08],
  ["dir_scalper", 0.1],
  ["dir_dca", 0.09],
  ["dir_whale", 0.06],
  ["dir_swing", 0.11],
  ["dir_sniper", 0.1],
  ["acc_patient", 0.1],
  ["dir_switcher", 0.1],
  ["dir_thin", 0.08],
];

/**
 * Besides trading, some takers are paid taker rebates (a fee programme) and some holding yield on
 * their positions: weekly rows with no market.
 */
function takerExtras(book: Book, t0: number, t1: number) {
  const rng = book.rng;
  const rebates = rng.chance(0.2);
  const yieldy = rng.chance(0.25);
  if (!rebates && !yieldy) return;
  for (let w = t0 + 7 * DAY; w <= t1; w += 7 * DAY) {
    let paid = 0;
    for (const [d, usd] of book.takerUsd) if (d * DAY < w && d * DAY >= w - 7 * DAY) paid += usd;
    let held = 0;
    for (const [m, h] of book.hold) held += h[0] * fair(m, w) + h[1] * (1 - fair(m, w));
    if (rebates && paid > 0) book.income(w - rng.int(0, 3 * HOUR), "TAKER_REBATE", paid * 0.0004);
    if (yieldy && held > 0) book.income(w - rng.int(0, 3 * HOUR), "YIELD", (held * 0.04 * 7) / 365);
  }
}

/** Keeps 15–40 consecutive fills of a wallet's history, and what else it did in that stretch. */
function thinOut(recs: Rec[], rng: Rng): Rec[] {
  const sorted = [...recs].sort((a, b) => a.timestamp - b.timestamp);
  const trades = sorted.filter((r) => r.type === "TRADE");
  const n = rng.int(15, 40);
  if (trades.length <= n) return sorted;
  const i = rng.int(0, trades.length - n);
  const from = trades[i]!.timestamp;
  const to = trades[i + n - 1]!.timestamp;
  const kept = new Set(trades.slice(i, i + n));
  return sorted.filter(
    (r) => kept.has(r) || (r.type !== "TRADE" && r.timestamp >= from && r.timestamp <= to + 2 * DAY),
  );
}

export interface ExternalWorldOptions {
  seed: number;
  wallets?: number;
  days?: number;
  makerShare?: number;
}

export interface ExternalWorld {
  /** JSON Lines, one Data API /activity record per line, each wallet's records newest first. */
  activity: string;
  /** `wallet,label,kind` CSV. */
  labels: string;
  wallets: { address: string; label: "market_maker" | "directional"; kind: string; records: number }[];
  records: number;
}

export function generateExternalWorld(o: ExternalWorldOptions): ExternalWorld {
  const rng = new Rng(o.seed);
  const nWallets = o.wallets ?? 320;
  const days = o.days ?? 21;
  const t0 = Math.floor(Date.UTC(2026, 1, 2) / 1000) + rng.int(0, 60) * DAY;
  const t1 = t0 + days * DAY;
  const markets = Array.from({ length: Math.max(25, Math.round(nWallets * 0.3)) }, () =>
    makeMarket(rng, t0, t1),
  );
  const nMakers = Math.round(nWallets * (o.makerShare ?? 0.45));
  const out: string[] = [];
  const labelRows = ["wallet,label,kind"];
  const wallets: ExternalWorld["wallets"] = [];
  let records = 0;
  const assign = <K>(kinds: [K, number][], n: number): K[] => {
    const xs: K[] = [];
    for (const [k, w] of kinds) for (let i = 0; i < Math.round(w * n); i++) xs.push(k);
    while (xs.length < n) xs.push(kinds[0]![0]);
    return xs.slice(0, n);
  };
  const roster: { kind: MakerKind | TakerKind | "mm_thin" | "dir_thin"; maker: boolean }[] = [
    ...assign(MAKER_KINDS, nMakers).map((kind) => ({ kind, maker: true })),
    ...assign(TAKER_KINDS, nWallets - nMakers).map((kind) => ({ kind, maker: false })),
  ];
  // Shuffle so file order says nothing about the label.
  for (let i = roster.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [roster[i], roster[j]] = [roster[j]!, roster[i]!];
  }
  for (const w of roster) {
    const wrng = new Rng(Math.floor(rng.next() * 2 ** 31));
    const pseudonym = `${wrng.pick(ADJ)}-${wrng.pick(NOUN)}`;
    const who: Profile = {
      address: `0x${wrng.hex(40)}`,
      name: wrng.chance(0.3) ? pseudonym.toLowerCase().replace("-", "") : "",
      pseudonym,
    };
    const book = new Book(wrng, who);
    const thin = w.kind === "mm_thin" || w.kind === "dir_thin";
    const kind =
      w.kind === "mm_thin"
        ? wrng.pick(["mm_bot_broad", "mm_niche", "mm_lean", "mm_adverse"] as const)
        : w.kind === "dir_thin"
          ? wrng.pick([
              "dir_news",
              "dir_scalper",
              "dir_swing",
              "dir_sniper",
              "dir_switcher",
              "dir_longshot",
            ] as const)
          : w.kind;
    if (w.maker) runMaker(book, kind as MakerKind, markets, t0, t1);
    else {
      runTaker(book, kind as TakerKind, markets, t0, t1);
      takerExtras(book, t0, t1);
    }
    book.redeemAll(t1);
    let recs = book.recs.filter((r) => r.timestamp <= t1);
    if (thin) recs = thinOut(recs, wrng);
    recs.sort((a, b) => b.timestamp - a.timestamp);
    if (recs.length === 0) continue;
    for (const r of recs) {
      const line = JSON.stringify(r);
      out.push(line);
      // A row on a page boundary is served twice.
      if (wrng.chance(0.01)) out.push(line);
    }
    records += recs.length;
    const label = w.maker ? "market_maker" : "directional";
    labelRows.push(`${who.address},${label},${w.kind}`);
    wallets.push({ address: who.address, label, kind: w.kind, records: recs.length });
  }
  return { activity: `${out.join("\n")}\n`, labels: `${labelRows.join("\n")}\n`, wallets, records };
}

function main() {
  const { values } = parseArgs({
    options: {
      seed: { type: "string", default: "1" },
      out: { type: "string" },
      wallets: { type: "string", default: "320" },
      days: { type: "string", default: "21" },
    },
  });
  const seed = Number(values.seed);
  const wallets = Number(values.wallets);
  const days = Number(values.days);
  if (!values.out || !Number.isInteger(seed) || !(wallets > 0) || !(days > 0)) {
    console.error("usage: node scripts/external-world.ts --seed N --out DIR [--wallets 320] [--days 21]");
    process.exit(2);
  }
  const w = generateExternalWorld({ seed, wallets, days });
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, "activity.jsonl"), w.activity);
  writeFileSync(join(values.out, "labels.csv"), w.labels);
  const mm = w.wallets.filter((x) => x.label === "market_maker").length;
  console.log(
    `external world seed ${seed}: ${w.wallets.length} wallets (${mm} market makers), ${w.records} records -> ${values.out}`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
