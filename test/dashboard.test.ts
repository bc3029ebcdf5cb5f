/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core, against a real server,
 * EventBus and SQLite store. Fails (never skips) when chromium is missing: `npm test` installs it
 * through scripts/chromium-ensure.sh and passes its path as CHROMIUM_PATH.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { startServer } from "../src/server/server.ts";
import type { RunningServer } from "../src/server/types.ts";
import { decision, type FakeEngine, fakeEngine, MM_WALLET, TOKEN, WALLET } from "./dashboard.fixture.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

describe("dashboard in chromium", () => {
  let eng: FakeEngine;
  let srv: RunningServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  // Setup errors are rethrown by every test so a missing browser shows as failures, not cancellations.
  let setupError: unknown;
  before(async () => {
    try {
      await setup();
    } catch (e) {
      setupError = e;
    }
  });
  const ready = (): void => {
    if (setupError !== undefined) throw setupError;
  };

  async function setup(): Promise<void> {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `chromium not found at ${CHROMIUM}: run \`npm test\` (installs it as root) or apt-get install chromium, or set CHROMIUM_PATH`,
      );
    }
    eng = await fakeEngine();
    await eng.store.saveBreaker({
      scope: "class:market_maker",
      state: "HALTED",
      reason: "drawdown 9% > 8%",
      since: Date.UTC(2026, 4, 1, 12, 30),
      cooldownUntil: Date.UTC(2026, 4, 1, 13, 30),
      data: null,
    });
    srv = await startServer(eng.deps({ stream: { flushMs: 50, pnlIntervalMs: 100 } }));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root in a container has no user namespaces for chromium's sandbox.
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    });
    page = await browser.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => {
      // The 401s this test provokes on purpose are logged by chromium as failed resources.
      if (m.type() === "error" && !/status of 401/.test(m.text())) pageErrors.push(m.text());
    });
  }

  after(async () => {
    await browser?.close();
    await srv?.close();
    await eng?.store.close();
  });

  // Generous waits: they wait for the page on a loaded machine, they do not time it.
  const WAIT = 15_000;
  const text = (sel: string) => page.locator(sel).first().textContent({ timeout: WAIT });
  // Playwright's own selector engine does the polling: the page's CSP forbids evaluating strings, and
  // this project's TypeScript has no DOM types for function predicates.
  const waitForAttr = (sel: string, attr: string, value: string) =>
    page
      .locator(`${sel}[${attr}=${JSON.stringify(value)}]`)
      .first()
      .waitFor({ timeout: WAIT });
  const waitForText = (id: string, re: RegExp) =>
    page.locator(`#${id}`).filter({ hasText: re }).waitFor({ timeout: WAIT });

  it("loads the page and shows mode, equity, PnL and the wallets", async () => {
    ready();
    await page.goto(srv.url);
    await waitForText("equity", /^\$/);
    assert.equal(await text("#equity"), "$1,234.56");
    assert.equal(await text("#mode"), "paper");
    assert.equal(await text("#pnl"), "+$9.25"); // 12.50 realized − 3.25 unrealized
    assert.equal(await text("#kill-switch-state"), "off");

    const row = page.locator(`[data-testid="wallet-row"][data-wallet="${WALLET}"]`);
    await row.waitFor({ timeout: WAIT });
    assert.equal(await row.locator(".class").textContent(), "directional");
    assert.equal(await row.locator(".pmm").textContent(), "0.12 [0.05, 0.20]");
    assert.equal(await row.locator(".score").textContent(), "0.80 [0.41, 1.20]");
    assert.equal(await row.locator(".recommendation").textContent(), "copy");
    assert.match((await row.textContent()) ?? "", /sharp-one/);
    const mm = page.locator(`[data-testid="wallet-row"][data-wallet="${MM_WALLET}"]`);
    assert.equal(await mm.locator(".recommendation").textContent(), "copy_mm_rules");

    assert.equal(await page.locator('[data-testid="position-row"]').count(), 1);
    assert.match((await text('[data-testid="position-row"]')) ?? "", /20.*0\.450/);
    await page.locator('[data-testid="decision-row"][data-key="seed-1"]').waitFor({ timeout: WAIT });
    assert.equal(await page.locator("#comparison-section").isHidden(), true);
  });

  it("shows a decision emitted on the bus in the live feed, and pnl updates the header", async () => {
    ready();
    await waitForAttr("#conn-state", "data-state", "open");
    eng.bus.emit({
      type: "decision",
      decision: decision("live-1", {
        wallet: MM_WALLET,
        walletClass: "market_maker",
        action: "skipped",
        rule: "filter.rebalancing",
        reason: "maker rebalancing fill",
        orderKey: null,
      }),
    });
    const row = page.locator('[data-testid="decision-row"][data-key="live-1"]');
    await row.waitFor({ timeout: WAIT });
    assert.equal(await row.getAttribute("data-action"), "skipped");
    assert.match((await row.textContent()) ?? "", /filter\.rebalancing.*maker rebalancing fill/);
    // Newest on top.
    assert.equal(
      await page.locator('[data-testid="decision-row"]').first().getAttribute("data-key"),
      "live-1",
    );

    // The engine's snapshot agrees with the event (as a real engine's would): a snapshot reload that
    // lands after it (say, the page reconnecting on a loaded machine) shows the same money.
    Object.assign(eng.state, { equity: 2_000_000_000, realized: 5_000_000, unrealized: 0 });
    eng.bus.emit({ type: "pnl", equity: 2_000_000_000, realized: 5_000_000, unrealized: 0, ts: Date.now() });
    await waitForText("equity", /^\$2,000\.00$/);
    // The equity chart got the new point: a polyline of at least two points, the last one at the top.
    const points = ((await page.getAttribute("#equity-line", "points")) ?? "").trim().split(" ");
    assert.ok(points.length >= 2, `chart points: ${points.join(" ")}`);
    assert.equal(points.at(-1)?.split(",")[1], "5.0");
    assert.match((await text("#equity-range")) ?? "", /\$2,000\.00/);
  });

  it("refuses the kill switch without a valid token, then engages and releases it with one", async () => {
    ready();
    await page.click("#kill-switch-toggle");
    await waitForText("control-message", /enter the API token/);
    assert.equal(eng.state.killSwitch, false);

    await page.fill("#token-input", "wrong-token-wrong-token");
    await page.click("#kill-switch-toggle");
    await waitForText("control-message", /^401: missing or wrong bearer token/);
    assert.equal(eng.state.killSwitch, false);
    assert.deepEqual(eng.calls, []);

    // The token can come in the URL fragment (never sent to the server), which the page then hides.
    await page.goto("about:blank");
    await page.goto(`${srv.url}#token=${encodeURIComponent(TOKEN)}`);
    await waitForAttr("#kill-switch-state", "data-state", "off");
    assert.equal(new URL(page.url()).hash, "");
    assert.equal(await page.inputValue("#token-input"), TOKEN);
    await page.fill("#kill-reason", "browser test stop");
    await page.click("#kill-switch-toggle");
    await waitForAttr("#kill-switch-state", "data-state", "on");
    assert.equal(eng.state.killSwitch, true);
    assert.deepEqual(eng.calls, ["kill:true:browser test stop"]);
    assert.equal(await text("#kill-switch-toggle"), "Release kill switch");

    await page.click("#kill-switch-toggle");
    await waitForAttr("#kill-switch-state", "data-state", "off");
    assert.equal(eng.state.killSwitch, false);
    assert.equal(eng.calls[1], "kill:false:manual release from dashboard");
  });

  it("lists breakers and resets one with the token", async () => {
    ready();
    const row = page.locator('[data-testid="breaker-row"][data-scope="class:market_maker"]');
    await row.waitFor({ timeout: WAIT });
    assert.equal(await row.getAttribute("data-state"), "HALTED");
    await row.locator('[data-testid="breaker-reset"]').click();
    await waitForAttr('[data-testid="breaker-row"][data-scope="class:market_maker"]', "data-state", "NORMAL");
    assert.ok(eng.calls.includes("reset:class:market_maker"));
    const stored = (await eng.store.listBreakers()).find((b) => b.scope === "class:market_maker");
    assert.equal(stored?.state, "NORMAL");
  });

  it("shows a comparison table when present and renders hostile text as text", async () => {
    ready();
    eng.state.comparison = [
      { name: "copy-all", return: -0.042, sharpe: -0.3, maxDrawdown: 0.11, trades: 120 },
      { name: "mm-aware", return: 0.087, sharpe: 1.4, maxDrawdown: 0.05, trades: 48 },
    ];
    eng.state.wallets[0] = { ...eng.state.wallets[0]!, alias: '<img src=x onerror="window.pwned=1">' };
    await page.reload();
    const cmp = page.locator('[data-testid="comparison-row"][data-name="mm-aware"]');
    await cmp.waitFor({ timeout: WAIT });
    assert.match((await cmp.textContent()) ?? "", /8\.7%.*1\.40.*5\.0%.*48/);
    assert.equal(await page.locator('[data-testid="comparison-row"]').count(), 2);
    const row = page.locator(`[data-testid="wallet-row"][data-wallet="${WALLET}"]`);
    assert.match((await row.textContent()) ?? "", /<img src=x/);
    assert.equal(await page.evaluate("typeof window.pwned"), "undefined");
    assert.equal(await page.locator("#wallets-body img").count(), 0);
  });

  it("shows an upstream outage in the header when an alert says so, and its end", async () => {
    ready();
    await waitForAttr("#upstream-state", "data-state", "none");
    const since = Date.now() - 20_000;
    eng.state.upstream = {
      stale: true,
      entriesPaused: "leader feed poll:run:standin stale since … (ECONNREFUSED)",
      sources: [
        {
          source: "poll:run:standin",
          kind: "feed",
          stale: true,
          since,
          lastOk: since - 1000,
          error: "ECONNREFUSED",
          failures: 3,
          retryInMs: 4000,
        },
      ],
    };
    eng.bus.emit({
      type: "alert",
      level: "warn",
      message: "leader feed poll:run:standin is stale",
      ts: Date.now(),
    });
    await waitForAttr("#upstream-state", "data-state", "stale");
    assert.match(
      (await text("#upstream-state")) ?? "",
      /^DOWN: poll:run:standin since .*\(entries paused\)$/,
    );
    eng.state.upstream = {
      stale: false,
      entriesPaused: null,
      sources: [{ ...eng.state.upstream.sources[0]!, stale: false, since: null }],
    };
    eng.bus.emit({
      type: "alert",
      level: "info",
      message: "leader feed poll:run:standin is back",
      ts: Date.now(),
    });
    await waitForAttr("#upstream-state", "data-state", "ok");
    assert.equal(await text("#upstream-state"), "ok");
  });

  it("ran without page errors", () => {
    ready();
    assert.deepEqual(pageErrors, []);
  });
});
