import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { z } from "zod";
import { isPolycopyError, PolycopyError } from "../domain/errors.ts";
import { parseWith } from "../domain/validation.ts";
import { childLogger } from "../log.ts";
import { bearerMatches, redactSecrets } from "./auth.ts";
import type { DashboardMetrics } from "./metrics.ts";
import type { EventStreamHub } from "./stream.ts";
import type { DashboardDeps } from "./types.ts";

const log = childLogger("server");

/** The dashboard's static files: an explicit list, so no request path ever reaches the file system. */
const WEB_DIR = fileURLToPath(new URL("../../web/", import.meta.url));
const STATIC: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};

export const killSwitchBodySchema = z
  .object({
    on: z.boolean(),
    reason: z.string().trim().min(1, "give a reason").max(500),
  })
  .strict();

export const auditQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    kind: z.string().max(64).optional(),
    subject: z.string().max(200).optional(),
  })
  .strict();

/** "global", "class:market_maker", "wallet:0x…", "market:0x…" */
const SCOPE_RE = /^[a-z_]{1,32}(:[A-Za-z0-9_.-]{1,128})?$/;

export interface AppParts {
  deps: DashboardDeps;
  metrics: DashboardMetrics;
  hub: EventStreamHub;
  /** Host headers accepted (DNS-rebinding guard); undefined accepts any. */
  allowedHosts: ReadonlySet<string> | undefined;
  /** Reads (snapshot, audit, events, metrics) need the token too: set on a non-loopback bind. */
  protectReads?: boolean;
}

/** The HTTP routes of the dashboard (hono). `startServer` binds it to a socket. */
export function createApp({ deps, metrics, hub, allowedHosts, protectReads = false }: AppParts): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    if (isPolycopyError(err, "NOT_FOUND")) return c.json({ error: err.message }, 404);
    if (isPolycopyError(err) && err.userFacing) return c.json({ error: err.message }, 400);
    log.error({ err, path: c.req.path }, "request failed");
    return c.json({ error: "internal error" }, 500);
  });
  app.notFound((c) => c.json({ error: "not found" }, 404));

  // A page on another origin could resolve its own name to 127.0.0.1 and read the API (DNS
  // rebinding); on a loopback bind only loopback Host headers are served.
  app.use("*", async (c, next) => {
    if (allowedHosts && !allowedHosts.has((c.req.header("host") ?? "").toLowerCase())) {
      return c.json({ error: "host not allowed" }, 403);
    }
    await next();
  });
  app.use(
    "*",
    secureHeaders({
      strictTransportSecurity: false, // plain HTTP on loopback
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'none'"],
      },
    }),
  );
  app.use("/api/*", async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  });

  for (const [path, { file, type }] of Object.entries(STATIC)) {
    app.get(path, async (c) => {
      const body = await readFile(WEB_DIR + file, "utf8");
      return c.body(body, 200, { "content-type": type, "cache-control": "no-cache" });
    });
  }

  app.get("/healthz", (c) => c.json({ ok: true, sseClients: hub.clientCount }));

  // State changes: bearer token, small JSON bodies only.
  const requireToken: MiddlewareHandler = async (c, next) => {
    if (!bearerMatches(c.req.header("authorization"), deps.token)) {
      c.header("www-authenticate", 'Bearer realm="polycopy"');
      return c.json(
        { error: "missing or wrong bearer token (Authorization: Bearer <POLYCOPY_API_TOKEN>)" },
        401,
      );
    }
    await next();
  };
  if (protectReads) {
    // EventSource cannot send headers: the page passes the token as ?token= on the stream only.
    app.use("/api/events", async (c, next) => {
      const q = c.req.query("token");
      if (q !== undefined && bearerMatches(`Bearer ${q}`, deps.token)) return next();
      return requireToken(c, next);
    });
    for (const path of ["/api/snapshot", "/api/audit", "/metrics"]) app.use(path, requireToken);
  }

  app.get("/api/snapshot", async (c) => {
    const snap = await takeSnapshot(deps, metrics);
    return c.json(snap);
  });

  app.get("/api/events", () => hub.response());

  app.get("/api/audit", async (c) => {
    const q = parseWith(auditQuerySchema, c.req.query(), "audit query");
    const entries = await deps.store.listAudit({
      limit: q.limit,
      ...(q.kind === undefined ? {} : { kind: q.kind }),
      ...(q.subject === undefined ? {} : { subject: q.subject }),
    });
    return c.json({ entries: entries.map((e) => ({ ...e, data: redactSecrets(e.data) })) });
  });

  app.get("/metrics", async (c) => {
    try {
      metrics.observeSnapshot(await deps.snapshot());
    } catch (err) {
      // Metrics must stay scrapeable when the engine is unwell; the failure is itself a metric.
      metrics.snapshotFailed();
      log.warn({ err }, "snapshot for /metrics failed");
    }
    try {
      metrics.observeBreakers(await deps.store.listBreakers());
    } catch (err) {
      log.warn({ err }, "breakers for /metrics failed");
    }
    return c.body(await metrics.render(), 200, { "content-type": metrics.contentType });
  });

  const smallBody = bodyLimit({
    maxSize: 16 * 1024,
    onError: (c) => c.json({ error: "body too large" }, 413),
  });

  app.post("/api/kill-switch", requireToken, smallBody, async (c) => {
    const raw = await readJson(c.req.raw);
    const body = parseWith(killSwitchBodySchema, raw, "kill-switch body");
    await deps.control.setKillSwitch(body.on, body.reason);
    metrics.setKillSwitch(body.on);
    await deps.store.appendAudit({
      ts: Date.now(),
      kind: "api",
      subject: "kill_switch",
      message: `dashboard API set kill switch ${body.on ? "on" : "off"}: ${body.reason}`,
      data: { on: body.on, reason: body.reason },
    });
    log.warn({ on: body.on, reason: body.reason }, "kill switch set through the API");
    return c.json({ ok: true, killSwitch: body.on });
  });

  app.post("/api/breakers/:scope/reset", requireToken, smallBody, async (c) => {
    const scope = c.req.param("scope");
    if (!SCOPE_RE.test(scope)) {
      throw new PolycopyError(
        "INPUT_INVALID",
        `scope: expected e.g. "global", "class:market_maker" or "wallet:0x…", got "${scope.slice(0, 80)}"`,
        { userFacing: true },
      );
    }
    await deps.control.resetBreaker(scope);
    await deps.store.appendAudit({
      ts: Date.now(),
      kind: "api",
      subject: scope,
      message: `dashboard API reset breaker ${scope}`,
      data: { scope },
    });
    log.warn({ scope }, "breaker reset through the API");
    return c.json({ ok: true, scope });
  });

  return app;
}

async function takeSnapshot(deps: DashboardDeps, metrics: DashboardMetrics) {
  try {
    const snap = await deps.snapshot();
    metrics.observeSnapshot(snap);
    return snap;
  } catch (err) {
    metrics.snapshotFailed();
    throw err;
  }
}

async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PolycopyError("PAYLOAD_INVALID", "body: expected a JSON object", { userFacing: true });
  }
}
