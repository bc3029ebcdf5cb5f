import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { PolycopyError } from "../domain/errors.ts";
import { looksLikeKeyMaterial } from "../domain/redact.ts";
import { parseWith } from "../domain/validation.ts";
import { isAddress, normalizeAddress } from "../domain/wallet.ts";
import { DEFAULT_RISK_CONFIG, riskConfigSchema } from "../risk/config.ts";

/**
 * The application config: one JSON file (default `polycopy.config.json` in the working directory,
 * else built-in defaults), then environment overrides, validated at the boundary. Unknown keys are
 * errors so a typo never silently falls back to a default. Secrets are NOT config: the private key
 * comes from POLYCOPY_PRIVATE_KEY or a key file, the API token from POLYCOPY_API_TOKEN.
 */
const walletSchema = z
  .object({
    address: z
      .string()
      .refine(isAddress, "must be a 0x-prefixed 40-hex-digit address")
      .transform(normalizeAddress),
    alias: z.string().min(1).optional(),
  })
  .strict();

const httpUrl = z.url({ protocol: /^https?$/ });
const wsUrl = z.url({ protocol: /^wss?$/ });

export const polymarketConfigSchema = z
  .object({
    gammaUrl: httpUrl.default("https://gamma-api.polymarket.com"),
    dataUrl: httpUrl.default("https://data-api.polymarket.com"),
    clobUrl: httpUrl.default("https://clob.polymarket.com"),
    rtdsUrl: wsUrl.default("wss://ws-live-data.polymarket.com"),
    rpcUrl: httpUrl.optional(),
    backfillDays: z.number().int().positive().max(3650).default(90),
    /** Seconds between resolution checks of held markets past their end date (live feeds). */
    resolutionCheckSec: z.number().positive().max(86_400).default(60),
    /** Live: seconds an order the CLOB answered `live`/`delayed` gets before it is looked up (and cancelled if it rests). */
    workingOrderWaitSec: z.number().nonnegative().max(60).default(2),
    /** Seconds between resolution checks of held markets before their end date (early resolutions). */
    openMarketCheckSec: z.number().positive().max(86_400).default(600),
    /** "auto" infers it from the funder (no funder: EOA; the key's proxy, Safe or deposit wallet). */
    signatureType: z.enum(["auto", "EOA", "POLY_PROXY", "GNOSIS_SAFE", "POLY_1271"]).default("auto"),
    funder: z
      .string()
      .refine(isAddress, "must be a 0x-prefixed 40-hex-digit address")
      .transform(normalizeAddress)
      .optional(),
    /** Path of a file holding the hex private key; the key itself is refused here (never echoed). */
    keyFile: z
      .string()
      .min(1)
      .refine(
        (v) => !looksLikeKeyMaterial(v),
        "looks like key material, not a file path: put the key in a file (mode 0600) and give its path, or set POLYCOPY_PRIVATE_KEY; the value is not shown",
      )
      .optional(),
  })
  .strict();

export const serverConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().default("127.0.0.1"),
    port: z.number().int().min(0).max(65535).default(8787),
  })
  .strict();

export const alertsConfigSchema = z
  .object({
    webhookUrl: httpUrl.optional(),
    minIntervalSec: z.number().finite().nonnegative().max(86_400).default(60),
  })
  .strict();

export const appConfigSchema = z
  .object({
    dataDir: z.string().min(1).default("./data"),
    databaseUrl: z.string().min(1).optional(),
    wallets: z.array(walletSchema).default([]),
    polymarket: polymarketConfigSchema.default(polymarketConfigSchema.parse({})),
    server: serverConfigSchema.default(serverConfigSchema.parse({})),
    alerts: alertsConfigSchema.default(alertsConfigSchema.parse({})),
    /**
     * Risk profiles, breakers, sizing and filters (src/risk/config.ts). Any subset may be given:
     * it is merged key by key over the defaults, and the result is validated as a whole.
     */
    risk: z
      .unknown()
      .optional()
      .transform((v, ctx) => {
        if (v !== undefined && (v === null || typeof v !== "object" || Array.isArray(v))) {
          ctx.addIssue({ code: "custom", message: "must be an object" });
          return z.NEVER;
        }
        const merged = deepMerge(
          DEFAULT_RISK_CONFIG as unknown as Record<string, unknown>,
          (v ?? {}) as Record<string, unknown>,
        );
        const r = riskConfigSchema.safeParse(merged);
        if (!r.success) {
          for (const i of r.error.issues)
            ctx.addIssue({ code: "custom", path: i.path as PropertyKey[], message: i.message });
          return z.NEVER;
        }
        return r.data;
      }),
  })
  .strict();

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (PROTOTYPE_KEYS.has(k)) continue; // refused by loadConfig already; never assigned
    const b = base[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b)
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Keys that would reach an object's prototype when merged or assigned: refused anywhere in a config. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** The path of the first prototype key in a parsed JSON value, e.g. "risk.__proto__", or undefined. */
export function findPrototypeKey(value: unknown, path: string[] = []): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (PROTOTYPE_KEYS.has(k)) return [...path, k].join(".");
    const inner = findPrototypeKey(v, [...path, k]);
    if (inner) return inner;
  }
  return undefined;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** True for the hosts only this machine can reach; anything else exposes the dashboard to a network. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase());
}

/**
 * A dashboard bound off loopback serves positions, cash and the audit log to a network: it needs a
 * token the user chose (POLYCOPY_API_TOKEN), not a random one printed in a link. Returns the one
 * warning line to print at start, or null on loopback / when the dashboard is off.
 */
export function checkDashboardBind(cfg: AppConfig, env: NodeJS.ProcessEnv = process.env): string | null {
  if (!cfg.server.enabled || isLoopbackHost(cfg.server.host)) return null;
  if (!env.POLYCOPY_API_TOKEN)
    throw new PolycopyError(
      "CONFIG_INVALID",
      `server.host ${cfg.server.host} is not a loopback address: set POLYCOPY_API_TOKEN (off loopback every read needs it), or bind 127.0.0.1`,
      { userFacing: true },
    );
  return `warning: the dashboard on ${cfg.server.host} is reachable from the network; every API read (snapshot, audit log, events, metrics) needs the token`;
}

/** Shortest POLYCOPY_API_TOKEN accepted: shorter ones are guessable by a local process in little time. */
export const MIN_TOKEN_LENGTH = 12;

/**
 * The environment's secrets and settings, checked with the config before any command does work
 * (a short token used to be refused only after `demo` had written its ledger). Messages never
 * include the values.
 */
export function checkEnv(env: NodeJS.ProcessEnv): void {
  const token = env.POLYCOPY_API_TOKEN || undefined; // set but empty = unset
  if (token !== undefined && (token.length < MIN_TOKEN_LENGTH || /\s/.test(token))) {
    throw new PolycopyError(
      "SECRET_MISSING",
      `POLYCOPY_API_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters without spaces (the dashboard requires it for state changes); the value is not shown`,
      { userFacing: true },
    );
  }
  const port = env.POLYCOPY_PORT;
  if (port !== undefined && !/^\d{1,5}$/.test(port.trim())) {
    throw new PolycopyError(
      "CONFIG_INVALID",
      `POLYCOPY_PORT must be an integer 0..65535, got "${port.slice(0, 20)}"`,
      {
        userFacing: true,
      },
    );
  }
}

export type AppConfig = z.output<typeof appConfigSchema>;
export type AppConfigInput = z.input<typeof appConfigSchema>;

export const DEFAULT_CONFIG_FILE = "polycopy.config.json";

export interface LoadConfigOptions {
  /** Explicit file; must exist. Without it, DEFAULT_CONFIG_FILE is used when present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function loadConfig(opts: LoadConfigOptions = {}): AppConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  let raw: unknown = {};
  let where = "built-in defaults";
  const explicit = opts.file ?? env.POLYCOPY_CONFIG;
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, DEFAULT_CONFIG_FILE);
  if (explicit && !existsSync(file)) {
    throw new PolycopyError("CONFIG_INVALID", `config file not found: ${explicit}`, { userFacing: true });
  }
  if (existsSync(file)) {
    where = `config ${explicit ?? DEFAULT_CONFIG_FILE}`;
    const text = readFileSync(file, "utf8");
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new PolycopyError("CONFIG_INVALID", `${where}: not valid JSON (${(e as Error).message})`, {
        userFacing: true,
      });
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new PolycopyError("CONFIG_INVALID", `${where}: must be a JSON object`, { userFacing: true });
    }
    const proto = findPrototypeKey(raw);
    if (proto !== undefined) {
      throw new PolycopyError(
        "CONFIG_INVALID",
        `${where}: ${proto}: key "${proto.split(".").at(-1)}" is not allowed (it would reach an object prototype)`,
        { userFacing: true },
      );
    }
  }
  checkEnv(env);
  const withEnv = applyEnv(raw as Record<string, unknown>, env);
  return parseWith(appConfigSchema, withEnv, where, "CONFIG_INVALID");
}

/** Environment overrides for deployment-specific settings. */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  if (env.DATABASE_URL) out.databaseUrl = env.DATABASE_URL;
  if (env.POLYCOPY_DATA_DIR) out.dataDir = env.POLYCOPY_DATA_DIR;
  if (env.POLYCOPY_PORT) {
    const port = Number(env.POLYCOPY_PORT);
    out.server = { ...((raw.server as object | undefined) ?? {}), port };
  }
  return out;
}
