/**
 * Renders verdicts as JSON, CSV, Markdown or a self-contained HTML page (Chart.js inlined, no
 * network needed to view it): class vs confidence, scores with intervals, feature distributions by
 * class, correlation between wallets' positions, concentration notes and recommendations.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { WalletAccumulator } from "./accumulator.ts";
import type { WalletVerdict } from "./analyze.ts";

export type ReportFormat = "json" | "csv" | "md" | "html";

export interface ReportContext {
  title: string;
  generatedTs: number;
  /** Aliases from config, by wallet. */
  aliases?: ReadonlyMap<string, string>;
  /** Accumulators, for position correlation and concentration. */
  accs?: ReadonlyMap<string, WalletAccumulator>;
  /** Spearman rank correlation of scores between the two halves of the window. */
  stability?: { rho: number; wallets: number } | null;
  wallets_screened?: number;
}

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");

/** The summary object each wallet is exported as (JSON/CSV). */
export function summary(v: WalletVerdict) {
  return {
    wallet: v.wallet,
    class: v.class,
    p_mm: v.p_mm,
    p_mm_low: v.p_mm_low,
    p_mm_high: v.p_mm_high,
    score: v.score,
    score_low: v.score_low,
    score_high: v.score_high,
    recommendation: v.recommendation,
    reasons: v.reasons,
    fills: v.fills,
    markets: v.markets,
    pnl: round(v.quality.pnl, 2),
    realized_pnl: round(v.features.realized_pnl, 2),
    maker_share: v.features.maker_share,
    markout_5m: v.features.markout_5m,
    markout_1h: v.features.markout_1h,
    markout_1d: v.features.markout_1d,
    roi: round(v.quality.roi, 4),
    sharpe: round(v.quality.sharpe, 3),
    sortino: round(v.quality.sortino, 3),
    calmar: round(v.quality.calmar, 3),
    max_drawdown: round(v.quality.max_drawdown, 2),
    psr: round(v.quality.psr, 3),
    dsr: v.quality.dsr,
    edge_per_share: round(v.quality.edge_per_share, 4),
    alpha_per_share: round(v.quality.alpha_per_share, 4),
    brier: round(v.quality.brier, 4),
    win_rate: round(v.quality.win_rate.value, 3),
    win_rate_low: round(v.quality.win_rate.low, 3),
    win_rate_high: round(v.quality.win_rate.high, 3),
    min_track_record_days: v.quality.min_track_record_days,
    trend: v.quality.trend.direction,
    features: v.features,
  };
}

function round(x: number, d: number): number {
  if (!Number.isFinite(x)) return 0;
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

const CSV_COLS = [
  "wallet",
  "class",
  "p_mm",
  "p_mm_low",
  "p_mm_high",
  "score",
  "score_low",
  "score_high",
  "recommendation",
  "fills",
  "markets",
  "pnl",
  "realized_pnl",
  "roi",
  "sharpe",
  "psr",
  "dsr",
  "edge_per_share",
  "alpha_per_share",
  "brier",
  "markout_5m",
  "markout_1h",
  "markout_1d",
  "maker_share",
  "win_rate",
  "trend",
  "reasons",
] as const;

function csvCell(v: unknown): string {
  const s = Array.isArray(v) ? v.join("; ") : String(v ?? "");
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Pearson correlation of wallets' net YES-equivalent inventory (scaled by volume) across markets. */
export function positionCorrelation(
  wallets: readonly string[],
  accs: ReadonlyMap<string, WalletAccumulator>,
): number[][] {
  const markets = new Set<string>();
  for (const w of wallets) for (const m of accs.get(w)?.markets.keys() ?? []) markets.add(m);
  const ids = [...markets];
  const vec = wallets.map((w) => {
    const acc = accs.get(w);
    return ids.map((m) => {
      const a = acc?.markets.get(m);
      return a && a.vol > 0 ? a.inv / a.vol : 0;
    });
  });
  const corr = (x: number[], y: number[]) => {
    const n = x.length;
    if (n < 2) return 0;
    const mx = x.reduce((s, v) => s + v, 0) / n;
    const my = y.reduce((s, v) => s + v, 0) / n;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < n; i++) {
      sxy += (x[i]! - mx) * (y[i]! - my);
      sxx += (x[i]! - mx) ** 2;
      syy += (y[i]! - my) ** 2;
    }
    return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
  };
  return vec.map((a) => vec.map((b) => round(corr(a, b), 3)));
}

function concentrationNotes(verdicts: readonly WalletVerdict[], ctx: ReportContext): string[] {
  const notes: string[] = [];
  const copyable = verdicts.filter(
    (v) => v.recommendation === "copy" || v.recommendation === "copy_mm_rules",
  );
  const mm = verdicts.filter((v) => v.class === "market_maker").length;
  notes.push(
    `${verdicts.length} wallets: ${mm} market makers, ${verdicts.filter((v) => v.class === "directional").length} directional, ${verdicts.filter((v) => v.class === "uncertain").length} uncertain; ${copyable.length} recommended to copy.`,
  );
  for (const v of verdicts) {
    if (v.features.hhi >= 0.5)
      notes.push(
        `${label(v.wallet, ctx)} is concentrated: HHI ${fmt(v.features.hhi, 2)} across ${v.markets} markets.`,
      );
  }
  if (ctx.accs && copyable.length >= 2) {
    const ws = copyable.map((v) => v.wallet);
    const c = positionCorrelation(ws, ctx.accs);
    let sum = 0;
    let n = 0;
    for (let i = 0; i < ws.length; i++) {
      for (let j = i + 1; j < ws.length; j++) {
        sum += c[i]![j]!;
        n++;
        if (c[i]![j]! >= 0.5)
          notes.push(
            `${label(ws[i]!, ctx)} and ${label(ws[j]!, ctx)} hold correlated positions (ρ=${fmt(c[i]![j]!, 2)}): copying both doubles the same bets.`,
          );
      }
    }
    if (n > 0)
      notes.push(
        `Mean position correlation among recommended wallets: ${fmt(sum / n, 2)} (lower diversifies better).`,
      );
  }
  if (ctx.stability)
    notes.push(
      `Score stability: Spearman ρ = ${fmt(ctx.stability.rho, 2)} between the two halves of the window over ${ctx.stability.wallets} wallets.`,
    );
  return notes;
}

function label(w: string, ctx: ReportContext): string {
  const a = ctx.aliases?.get(w);
  return a ? `${a} (${w.slice(0, 8)}…)` : `${w.slice(0, 10)}…`;
}

export function renderReport(
  verdicts: readonly WalletVerdict[],
  format: ReportFormat,
  ctx: ReportContext,
): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(verdicts.map(summary), null, 1)}\n`;
    case "csv": {
      const lines = [CSV_COLS.join(",")];
      for (const v of verdicts) {
        const s = summary(v) as Record<string, unknown>;
        lines.push(CSV_COLS.map((c) => csvCell(s[c])).join(","));
      }
      return `${lines.join("\n")}\n`;
    }
    case "md":
      return renderMarkdown(verdicts, ctx);
    case "html":
      return renderHtml(verdicts, ctx);
  }
}

function renderMarkdown(verdicts: readonly WalletVerdict[], ctx: ReportContext): string {
  const out = [
    `# ${ctx.title}`,
    "",
    `Generated ${new Date(ctx.generatedTs).toISOString()}. Classes: market maker at P(MM) ≥ 0.7, directional at ≤ 0.3, otherwise uncertain; intervals are 90% cluster-bootstrap intervals over each wallet's markets. Scores (0–100) rank on their lower bound.`,
    "",
    "## Notes on concentration and diversification",
    "",
    ...concentrationNotes(verdicts, ctx).map((n) => `- ${n}`),
    "",
    "## Wallets",
    "",
    "| wallet | class | P(MM) [90% CI] | score [CI] | PnL | Sharpe | PSR | DSR | win rate | trend | recommendation |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const v of verdicts) {
    const q = v.quality;
    out.push(
      `| ${label(v.wallet, ctx)} | ${v.class} | ${fmt(v.p_mm, 2)} [${fmt(v.p_mm_low, 2)}–${fmt(v.p_mm_high, 2)}] | ${fmt(v.score, 0)} [${fmt(v.score_low, 0)}–${fmt(v.score_high, 0)}] | ${fmt(q.pnl, 0)} | ${fmt(q.sharpe, 2)} | ${fmt(q.psr, 2)} | ${q.dsr === null ? "n/a" : fmt(q.dsr, 2)} | ${fmt(q.win_rate.value, 2)} | ${q.trend.direction} | **${v.recommendation}** |`,
    );
  }
  out.push("", "## Reasons", "");
  for (const v of verdicts) {
    out.push(`### ${label(v.wallet, ctx)}: ${v.recommendation}`, "", ...v.reasons.map((r) => `- ${r}`), "");
  }
  return `${out.join("\n")}\n`;
}

function chartJs(): string {
  // The UMD bundle is not in chart.js's "exports"; locate the package root through its main entry.
  const req = createRequire(import.meta.url);
  const main = req.resolve("chart.js");
  return readFileSync(join(dirname(main), "chart.umd.min.js"), "utf8");
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function renderHtml(verdicts: readonly WalletVerdict[], ctx: ReportContext): string {
  const data = verdicts.map((v) => ({ ...summary(v), label: label(v.wallet, ctx) }));
  const ws = verdicts.slice(0, 30).map((v) => v.wallet);
  const corr = ctx.accs ? positionCorrelation(ws, ctx.accs) : [];
  const md = renderMarkdown(verdicts, ctx);
  const rows = verdicts
    .map(
      (v) =>
        `<tr data-wallet="${esc(v.wallet)}"><td>${esc(label(v.wallet, ctx))}</td><td class="${v.class}">${v.class}</td><td>${fmt(v.p_mm, 2)} [${fmt(v.p_mm_low, 2)}–${fmt(v.p_mm_high, 2)}]</td><td>${fmt(v.score, 0)} [${fmt(v.score_low, 0)}–${fmt(v.score_high, 0)}]</td><td>${fmt(v.quality.pnl, 0)}</td><td><b>${v.recommendation}</b></td><td>${v.reasons.map(esc).join("<br>")}</td></tr>`,
    )
    .join("\n");
  const corrTable = corr.length
    ? `<table class="corr"><tr><th></th>${ws.map((_, i) => `<th>${i + 1}</th>`).join("")}</tr>${corr
        .map(
          (r, i) =>
            `<tr><th title="${esc(ws[i]!)}">${i + 1}. ${esc(label(ws[i]!, ctx))}</th>${r
              .map(
                (c) =>
                  `<td style="background:${c >= 0 ? `rgba(200,60,60,${Math.abs(c)})` : `rgba(60,90,200,${Math.abs(c)})`}">${fmt(c, 2)}</td>`,
              )
              .join("")}</tr>`,
        )
        .join("")}</table>`
    : "<p>No position data.</p>";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(ctx.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1200px}table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ddd;padding:4px 6px;font-size:12px;vertical-align:top}.market_maker{color:#b35c00}.directional{color:#0a6b2f}.uncertain{color:#666}.charts{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:16px}.chart{position:relative;height:360px}.scroll{overflow-x:auto}.corr td{text-align:center}</style>
<script>${chartJs()}</script></head><body>
<h1>${esc(ctx.title)}</h1>
<p>Generated ${new Date(ctx.generatedTs).toISOString()} · ${verdicts.length} wallets${ctx.wallets_screened ? ` · ${ctx.wallets_screened} screened (DSR deflates for this many)` : ""}</p>
<h2>Notes</h2><ul>${concentrationNotes(verdicts, ctx)
    .map((n) => `<li>${esc(n)}</li>`)
    .join("")}</ul>
<div class="charts">
<div><h3>Class vs confidence</h3><div class="chart"><canvas id="scatter"></canvas></div></div>
<div><h3>Score with 80% interval</h3><div class="chart"><canvas id="scores"></canvas></div></div>
<div><h3>Feature distributions by class</h3><div class="chart"><canvas id="features"></canvas></div></div>
</div>
<h3>Correlation between wallets' positions (net YES-equivalent inventory per market)</h3>
<div class="scroll">${corrTable}</div>
<h2>Wallets</h2>
<table id="wallets"><tr><th>wallet</th><th>class</th><th>P(MM) [90% CI]</th><th>score [CI]</th><th>PnL</th><th>recommendation</th><th>reasons</th></tr>
${rows}</table>
<details><summary>Markdown version</summary><pre>${esc(md)}</pre></details>
<script>
(() => {
const D=${JSON.stringify(data).replace(/</g, "\\u003c")};
const colors={market_maker:'#d9822b',directional:'#1f9d55',uncertain:'#888'};
new Chart(document.getElementById('scatter'),{type:'scatter',data:{datasets:Object.keys(colors).map(c=>({label:c,backgroundColor:colors[c],data:D.filter(d=>d.class===c).map(d=>({x:d.p_mm,y:d.score,w:d.label}))}))},options:{animation:false,maintainAspectRatio:false,scales:{x:{title:{display:true,text:'P(market maker)'},min:0,max:1},y:{title:{display:true,text:'score'}}},plugins:{tooltip:{callbacks:{label:c=>c.raw.w+': P='+c.raw.x+' score='+c.raw.y}}}}});
const topRows=D.slice(0,40);
new Chart(document.getElementById('scores'),{type:'bar',data:{labels:topRows.map(d=>d.label),datasets:[{label:'score interval',data:topRows.map(d=>[d.score_low,d.score_high]),backgroundColor:topRows.map(d=>colors[d.class])},{type:'line',label:'score',data:topRows.map(d=>d.score),showLine:false,pointRadius:3,borderColor:'#000'}]},options:{animation:false,maintainAspectRatio:false,indexAxis:'y',scales:{x:{min:0,max:100}}}});
const feats=['both_outcome_buying','balanced_market_share','share_closed_under_1h','two_sidedness','reducing_fill_share'];
new Chart(document.getElementById('features'),{type:'bar',data:{labels:feats,datasets:Object.keys(colors).map(c=>{const g=D.filter(d=>d.class===c);return{label:c+' (mean, n='+g.length+')',backgroundColor:colors[c],data:feats.map(f=>g.length?g.reduce((s,d)=>s+d.features[f],0)/g.length:0)}})},options:{animation:false,maintainAspectRatio:false,scales:{y:{min:0,max:1}}}});
window.__chartsReady = true;
})();
</script>
</body></html>
`;
}
