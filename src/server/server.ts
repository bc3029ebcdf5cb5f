import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { isLoopbackHost } from "../config/config.ts";
import { PolycopyError } from "../domain/errors.ts";
import { childLogger } from "../log.ts";
import { createApp } from "./app.ts";
import { assertUsableToken } from "./auth.ts";
import { createMetrics } from "./metrics.ts";
import { EventStreamHub } from "./stream.ts";
import type { DashboardDeps, RunningServer } from "./types.ts";

const log = childLogger("server");

export { isLoopbackHost };

/**
 * Starts the dashboard: HTML page, JSON API, live event stream, Prometheus metrics. Binds 127.0.0.1
 * unless told otherwise. Resolves once listening; `close()` ends live streams and frees the port.
 */
export async function startServer(deps: DashboardDeps): Promise<RunningServer> {
  assertUsableToken(deps.token);
  const host = deps.host ?? "127.0.0.1";
  const port = deps.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PolycopyError("CONFIG_INVALID", `server.port: expected an integer 0..65535, got ${port}`, {
      userFacing: true,
    });
  }

  const metrics = createMetrics(deps.bus);
  const hub = new EventStreamHub(deps.bus, deps.stream, {
    onClients: (n) => metrics.setSseClients(n),
    onDropped: (n) => metrics.addSseDropped(n),
  });
  const cleanup = (): void => {
    hub.close();
    metrics.close();
  };

  let server: ReturnType<typeof createAdaptorServer>;
  let bound: AddressInfo;
  // Host headers are checked against the real port, known only after listen; the set is filled then.
  const loopback = isLoopbackHost(host);
  const allowedHosts = loopback ? new Set<string>() : undefined;
  try {
    // Off loopback anyone on the network can connect: positions, cash, the audit log and the
    // live decisions are then as private as the controls, so reads need the token too.
    const app = createApp({ deps, metrics, hub, allowedHosts, protectReads: !loopback });
    server = createAdaptorServer({ fetch: app.fetch });
    bound = await new Promise<AddressInfo>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve(server.address() as AddressInfo);
      });
    });
  } catch (err) {
    cleanup();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      throw new PolycopyError(
        "CONFIG_INVALID",
        `server: cannot listen on ${host}:${port} (${code}); choose another server.host/server.port`,
        { userFacing: true, cause: err },
      );
    }
    throw err;
  }
  if (allowedHosts) {
    for (const h of ["127.0.0.1", "localhost", "[::1]"]) allowedHosts.add(`${h}:${bound.port}`);
  }
  server.on("error", (err) => log.error({ err }, "dashboard server error"));

  const urlHost = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
  const url = `http://${urlHost}:${bound.port}/`;
  log.info({ url }, "dashboard listening");
  if (!loopback)
    log.warn(
      { host },
      "dashboard bound to a non-loopback address: every API read (snapshot, audit, events, metrics) needs the bearer token",
    );

  let closed: Promise<void> | undefined;
  return {
    url,
    close() {
      closed ??= new Promise<void>((resolve) => {
        cleanup();
        server.close(() => resolve());
        // Open event streams and keep-alive sockets would hold close() forever.
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      return closed;
    },
  };
}
