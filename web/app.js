// polycopy dashboard: plain JS, no build step. Reads /api/snapshot, follows /api/events (SSE) and
// posts state changes with the bearer token the user types (or passes as #token=… in the URL; the
// fragment never reaches the server and is removed from the address bar at once).
// All data is written with textContent, never as HTML.

const MICROS = 1_000_000;
const FEED_MAX = 200;
const CHART_MAX = 500;

const $ = (id) => document.getElementById(id);

const state = {
  token: "",
  snapshot: null,
  /** Orders snapshot requests and pnl events, so a stale snapshot never overwrites newer money. */
  pnlSeq: 0,
  lastPnlSeq: 0,
  feedKeys: new Set(),
  equityPoints: [],
  refreshTimer: null,
};

// ---- formatting -------------------------------------------------------------------------------

function usd(micros) {
  if (typeof micros !== "number" || !Number.isFinite(micros)) return "–";
  const v = micros / MICROS;
  const s = Math.abs(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${v < 0 ? "-" : ""}$${s}`;
}
function signedUsd(micros) {
  if (typeof micros !== "number" || !Number.isFinite(micros)) return "–";
  return micros > 0 ? `+${usd(micros)}` : usd(micros);
}
function shares(micro) {
  return (micro / MICROS).toLocaleString("en-US", { maximumFractionDigits: 2 });
}
function num(x, digits = 2) {
  return typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "–";
}
function pct(x) {
  return typeof x === "number" && Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "–";
}
function time(ts) {
  if (typeof ts !== "number" || !ts) return "–";
  return new Date(ts).toLocaleTimeString("en-GB", { hour12: false });
}
function dateTime(ts) {
  if (typeof ts !== "number" || !ts) return "–";
  return new Date(ts).toISOString().replace("T", " ").slice(0, 19);
}
function short(addr) {
  return typeof addr === "string" && addr.length > 14
    ? `${addr.slice(0, 8)}…${addr.slice(-4)}`
    : String(addr);
}
function signClass(el, v) {
  el.classList.toggle("pos", v > 0);
  el.classList.toggle("neg", v < 0);
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}
function row(cells, attrs = {}) {
  const tr = document.createElement("tr");
  for (const [k, v] of Object.entries(attrs)) tr.setAttribute(k, v);
  for (const c of cells) tr.append(c);
  return tr;
}

// ---- rendering --------------------------------------------------------------------------------

function renderHeader(s, moneyIsFresh = true) {
  $("mode").textContent = s.mode;
  // A pnl event that arrived while this snapshot was in flight is newer: keep it.
  if (moneyIsFresh) setMoney(s.equity, s.realized, s.unrealized);
  $("cash").textContent = usd(s.cash);
  setKillSwitch(s.killSwitch);
  setUpstream(s.upstream);
  $("started").textContent = `started ${dateTime(s.startedTs)}`;
}

function setMoney(equity, realized, unrealized) {
  $("equity").textContent = usd(equity);
  const pnl = realized + unrealized;
  $("pnl").textContent = signedUsd(pnl);
  signClass($("pnl"), pnl);
  $("realized").textContent = signedUsd(realized);
  signClass($("realized"), realized);
  $("unrealized").textContent = signedUsd(unrealized);
  signClass($("unrealized"), unrealized);
}

/** The outage indicator: which upstream is down since when; entries are paused meanwhile. */
function setUpstream(u) {
  const el = $("upstream-state");
  if (!u) {
    el.dataset.state = "none";
    el.textContent = "–";
    el.title = "";
    return;
  }
  const down = (u.sources ?? []).filter((x) => x.stale);
  el.dataset.state = down.length ? "stale" : "ok";
  el.textContent = down.length
    ? `DOWN: ${down.map((x) => `${x.source} since ${dateTime(x.since)}`).join(", ")} (entries paused)`
    : "ok";
  el.title = u.entriesPaused ?? "";
}

function setKillSwitch(on) {
  const el = $("kill-switch-state");
  el.dataset.state = on ? "on" : "off";
  el.textContent = on ? "ON (entries blocked)" : "off";
  const btn = $("kill-switch-toggle");
  btn.dataset.action = on ? "release" : "engage";
  btn.textContent = on ? "Release kill switch" : "Engage kill switch";
  btn.classList.toggle("danger", !on);
}

function renderWallets(wallets) {
  const body = $("wallets-body");
  body.replaceChildren(
    ...wallets.map((w) => {
      const name = w.alias ? `${w.alias} (${short(w.wallet)})` : short(w.wallet);
      const nameCell = cell(name);
      nameCell.title = w.wallet;
      const pmm =
        typeof w.pMmLow === "number" && typeof w.pMmHigh === "number"
          ? `${num(w.pMm)} [${num(w.pMmLow)}, ${num(w.pMmHigh)}]`
          : num(w.pMm);
      return row(
        [
          nameCell,
          cell(w.class, "class"),
          cell(pmm, "pmm"),
          cell(`${num(w.score)} [${num(w.scoreLow)}, ${num(w.scoreHigh)}]`, "score"),
          cell(w.recommendation, "recommendation"),
          cell(String(w.copied), "copied"),
          cell(String(w.skipped), "skipped"),
        ],
        { "data-testid": "wallet-row", "data-wallet": w.wallet, "data-class": w.class },
      );
    }),
  );
}

function renderPositions(positions) {
  const body = $("positions-body");
  const open = positions.filter((p) => p.qty !== 0 || p.realized !== 0);
  body.replaceChildren(
    ...open.map((p) => {
      const avg = p.qty > 0 ? p.cost / p.qty : Number.NaN;
      const realized = cell(signedUsd(p.realized));
      signClass(realized, p.realized);
      const market = cell(short(p.marketId));
      market.title = p.marketId;
      const token = cell(short(p.tokenId));
      token.title = p.tokenId;
      return row(
        [
          market,
          token,
          cell(String(p.outcomeIndex)),
          cell(shares(p.qty)),
          cell(num(avg, 3)),
          cell(usd(p.cost)),
          realized,
          cell(p.openedTs ? dateTime(p.openedTs) : "flat"),
        ],
        { "data-testid": "position-row", "data-token": p.tokenId },
      );
    }),
  );
}

function renderBreakers(breakers) {
  const body = $("breakers-body");
  body.replaceChildren(
    ...breakers.map((b) => {
      const st = cell(b.state);
      st.dataset.state = b.state;
      const btnCell = document.createElement("td");
      if (b.state !== "NORMAL") {
        const btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = "reset";
        btn.setAttribute("data-testid", "breaker-reset");
        btn.addEventListener("click", () => resetBreaker(b.scope));
        btnCell.append(btn);
      }
      return row(
        [
          cell(b.scope),
          st,
          cell(b.reason, "reason"),
          cell(dateTime(b.since)),
          cell(dateTime(b.cooldownUntil)),
          btnCell,
        ],
        { "data-testid": "breaker-row", "data-scope": b.scope, "data-state": b.state },
      );
    }),
  );
}

function renderComparison(rows) {
  const section = $("comparison-section");
  if (!Array.isArray(rows) || rows.length === 0) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  $("comparison-body").replaceChildren(
    ...rows.map((r) => {
      const ret = cell(pct(r.return));
      signClass(ret, r.return);
      return row([cell(r.name), ret, cell(num(r.sharpe)), cell(pct(r.maxDrawdown)), cell(String(r.trades))], {
        "data-testid": "comparison-row",
        "data-name": r.name,
      });
    }),
  );
}

function renderCounters(counters) {
  const dl = $("counters");
  const items = [];
  for (const [k, v] of Object.entries(counters ?? {})) {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = String(v);
    dd.dataset.counter = k;
    items.push(dt, dd);
  }
  dl.replaceChildren(...items);
}

function decisionKey(d) {
  return `${d.leaderFillKey}|${d.ts}|${d.action}`;
}

/** Adds a decision to the feed (newest on top); `atEnd` appends older ones from a snapshot. */
function addDecision(d, atEnd = false) {
  const key = decisionKey(d);
  if (state.feedKeys.has(key)) return;
  state.feedKeys.add(key);
  const action = cell(d.action, "action");
  action.dataset.action = d.action;
  const wallet = cell(short(d.wallet));
  wallet.title = d.wallet;
  const tr = row(
    [cell(time(d.ts)), wallet, cell(d.walletClass), action, cell(d.rule ?? "–"), cell(d.reason, "reason")],
    {
      "data-testid": "decision-row",
      "data-key": d.leaderFillKey,
      "data-action": d.action,
      "data-feed-key": key,
    },
  );
  const body = $("feed-body");
  if (atEnd) body.append(tr);
  else body.prepend(tr);
  while (body.children.length > FEED_MAX) {
    const last = body.lastElementChild;
    state.feedKeys.delete(last.dataset.feedKey);
    last.remove();
  }
}

function addAlert(a) {
  const li = document.createElement("li");
  li.dataset.level = a.level;
  li.textContent = `${time(a.ts)} [${a.level}] ${a.message}`;
  const list = $("alerts");
  list.prepend(li);
  while (list.children.length > 50) list.lastElementChild.remove();
}

function addEquityPoint(ts, equity) {
  if (typeof equity !== "number" || !Number.isFinite(equity)) return;
  state.equityPoints.push({ ts, equity });
  if (state.equityPoints.length > CHART_MAX) state.equityPoints.shift();
  drawChart();
}

function drawChart() {
  const pts = state.equityPoints;
  const line = $("equity-line");
  if (pts.length < 2) {
    line.setAttribute("points", "");
    return;
  }
  const t0 = pts[0].ts;
  const t1 = pts[pts.length - 1].ts;
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of pts) {
    lo = Math.min(lo, p.equity);
    hi = Math.max(hi, p.equity);
  }
  const span = hi - lo;
  const dt = t1 - t0 || 1;
  // A flat series is drawn through the middle rather than along the bottom edge.
  const y = (e) => (span === 0 ? 60 : 115 - ((e - lo) / span) * 110);
  $("equity-range").textContent = `range ${usd(lo)} – ${usd(hi)} over ${Math.round(dt / 1000)} s`;
  const coords = pts.map((p) => `${(((p.ts - t0) / dt) * 600).toFixed(1)},${y(p.equity).toFixed(1)}`);
  line.setAttribute("points", coords.join(" "));
}

function render(s, moneyIsFresh = true) {
  state.snapshot = s;
  renderHeader(s, moneyIsFresh);
  renderWallets(s.wallets ?? []);
  renderPositions(s.positions ?? []);
  renderBreakers(s.breakers ?? []);
  renderComparison(s.comparison);
  renderCounters(s.counters);
  // recentDecisions is newest first: append in order under whatever live rows are already shown.
  for (const d of s.recentDecisions ?? []) addDecision(d, true);
  if (moneyIsFresh) addEquityPoint(Date.now(), s.equity);
}

// ---- data -------------------------------------------------------------------------------------

async function refresh() {
  const requested = ++state.pnlSeq;
  try {
    // Off loopback the server wants the token for reads too; on loopback it is ignored.
    const token = currentToken();
    const headers = { accept: "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch("/api/snapshot", { headers });
    if (res.status === 401) throw new Error("this dashboard needs the API token: enter it above");
    if (!res.ok) throw new Error(`snapshot: HTTP ${res.status}`);
    render(await res.json(), state.lastPnlSeq < requested);
  } catch (err) {
    message(`cannot load snapshot: ${err.message}`, true);
  }
}

/** Coalesces many events (fills, positions, breakers) into one snapshot reload. */
function refreshSoon() {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(() => {
    state.refreshTimer = null;
    refresh();
  }, 500);
}

function onEvent(ev) {
  switch (ev.type) {
    case "decision":
      addDecision(ev.decision);
      break;
    case "pnl":
      state.lastPnlSeq = ++state.pnlSeq;
      setMoney(ev.equity, ev.realized, ev.unrealized);
      addEquityPoint(ev.ts, ev.equity);
      break;
    case "alert":
      addAlert(ev);
      refreshSoon(); // an upstream going stale or coming back is an alert: show it in the header
      break;
    case "status":
      $("mode").textContent = ev.mode;
      $("engine-state").textContent = ev.state;
      break;
    case "breaker":
    case "fill":
    case "position":
      refreshSoon();
      break;
    case "dropped":
      addAlert({ ts: ev.ts, level: "info", message: `live feed skipped ${ev.count} events (rate limit)` });
      break;
    default:
      break;
  }
}

function connect() {
  // EventSource cannot send headers: the token (needed off loopback) goes in the query string.
  const token = currentToken();
  const es = token
    ? new EventSource(`/api/events?token=${encodeURIComponent(token)}`)
    : new EventSource("/api/events");
  const conn = $("conn-state");
  es.onopen = () => {
    conn.dataset.state = "open";
    conn.textContent = "connected";
  };
  es.onerror = () => {
    conn.dataset.state = es.readyState === EventSource.CLOSED ? "closed" : "connecting";
    conn.textContent = es.readyState === EventSource.CLOSED ? "disconnected" : "reconnecting";
  };
  es.onmessage = (m) => {
    let ev;
    try {
      ev = JSON.parse(m.data);
    } catch {
      return;
    }
    if (ev.type === "hello") {
      conn.dataset.state = "open";
      conn.textContent = "connected";
      // Events between the last snapshot and this connection are not replayed: reload once.
      refreshSoon();
      return;
    }
    onEvent(ev);
  };
}

// ---- controls ---------------------------------------------------------------------------------

function message(text, isError = false) {
  const el = $("control-message");
  el.textContent = text;
  el.dataset.error = isError ? "true" : "false";
}

function currentToken() {
  const typed = $("token-input").value.trim();
  return typed || state.token;
}

async function post(path, body) {
  const token = currentToken();
  if (!token) {
    message("enter the API token first", true);
    return false;
  }
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body ?? {}),
  });
  let payload = {};
  try {
    payload = await res.json();
  } catch {
    // not JSON: keep the status line
  }
  if (!res.ok) {
    message(`${res.status}: ${payload.error ?? res.statusText}`, true);
    return false;
  }
  return true;
}

async function toggleKillSwitch() {
  const on = $("kill-switch-toggle").dataset.action !== "release";
  const input = $("kill-reason");
  const reason = input.value.trim() || (on ? "manual stop from dashboard" : "manual release from dashboard");
  try {
    if (await post("/api/kill-switch", { on, reason })) {
      input.value = "";
      message(on ? "kill switch engaged" : "kill switch released");
      await refresh();
    }
  } catch (err) {
    message(`kill switch request failed: ${err.message}`, true);
  }
}

async function resetBreaker(scope) {
  try {
    if (await post(`/api/breakers/${encodeURIComponent(scope)}/reset`, {})) {
      message(`breaker ${scope} reset`);
      await refresh();
    }
  } catch (err) {
    message(`reset failed: ${err.message}`, true);
  }
}

function takeTokenFromFragment() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const token = params.get("token");
  if (token) {
    state.token = token;
    $("token-input").value = token;
    history.replaceState(null, "", location.pathname + location.search);
  }
}

takeTokenFromFragment();
window.addEventListener("hashchange", takeTokenFromFragment);
$("kill-switch-toggle").addEventListener("click", toggleKillSwitch);
$("control-form").addEventListener("submit", (e) => e.preventDefault());
refresh();
connect();
setInterval(refresh, 10_000);
