/** The HTML report opened in a real browser (Debian chromium via playwright-core): charts render, no errors. */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { chromium } from "playwright-core";
import { accumulate, analyzeWallets } from "../src/analytics/analyze.ts";
import { renderReport } from "../src/analytics/report.ts";
import { simulate } from "../src/sim/simulate.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

describe("HTML classification report in chromium", () => {
  it("renders the three charts and the correlation table without script errors, offline", async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `chromium not found at ${CHROMIUM}: run npm test (installs it) or set CHROMIUM_PATH`,
    );
    const sim = simulate({ seed: 3, days: 20, walletsPerStyle: 2, markets: 30 });
    const { accs, prices } = accumulate(sim.events);
    const verdicts = analyzeWallets(accs, prices);
    const file = join(mkdtempSync(join(tmpdir(), "polycopy-report-")), "report.html");
    writeFileSync(file, renderReport(verdicts, "html", { title: "test report", generatedTs: 0, accs }));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      // Self-contained: any network request would be a bug (the report must open offline).
      const requests: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith("file:")) requests.push(r.url());
      });
      await page.goto(`file://${file}`);
      await page.waitForFunction("window.__chartsReady === true", undefined, { timeout: 10_000 });
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, []);
      for (const id of ["scatter", "scores", "features"]) {
        const box = await page.locator(`#${id}`).boundingBox();
        assert.ok(box && box.width > 100 && box.height > 100, `${id} has a drawn size`);
      }
      assert.equal(await page.locator("#wallets tr[data-wallet]").count(), verdicts.length);
      assert.ok((await page.locator("table.corr td").count()) > 0);
    } finally {
      await browser.close();
    }
  });
});
