/**
 * The dashboard server (hono on node:http), started by the engine with `startServer(deps)`.
 *
 *   GET  /                       dashboard page (web/index.html + web/app.js + web/style.css)
 *   GET  /healthz                { ok, sseClients }
 *   GET  /api/snapshot           deps.snapshot() as JSON (money in integer micro-USD)
 *   GET  /api/events             Server-Sent Events: one JSON bus event per `data:` line, byte-budgeted
 *                                (pnl and positions coalesced, leader fills dropped and counted first)
 *   GET  /api/audit?limit=&kind=&subject=   audit log, newest first, secret-looking fields redacted
 *   GET  /metrics                Prometheus text (decisions by action/rule, orders, fills, breaker
 *                                state per scope, equity, kill switch, engine counters, event-loop lag)
 *   POST /api/kill-switch        {on, reason}       needs Authorization: Bearer <token>
 *   POST /api/breakers/:scope/reset                  needs Authorization: Bearer <token>
 *
 * Binds 127.0.0.1 by default and, on a loopback bind, answers only loopback Host headers. The page
 * takes the token from its input field or from the URL fragment (`/#token=…`, never sent to the server).
 */
export { startServer } from "./server.ts";
export type {
  DashboardComparisonRow,
  DashboardControl,
  DashboardDeps,
  DashboardSnapshot,
  DashboardWallet,
  RunningServer,
  StreamOptions,
} from "./types.ts";
