/*
 * The page's script: the status table from POST /api, kept live by
 * GET /api/events, the actions (a JSON POST each, its result shown),
 * and the log view following GET /api/log/NAME/STREAM.  Whatever a
 * program writes or is named goes into the page as text (textContent),
 * never as HTML.  No framework, no library.
 */
"use strict";
(function () {
  /* The origin, never location.href: a URL with user:password@ in it
     would make every fetch() throw. */
  const ORIGIN = location.origin;
  const SIGNALS = ["HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM",
    "CONT", "STOP", "TSTP", "WINCH"];
  const LOG_KEEP = 256 * 1024;
  const $ = (id) => document.getElementById(id);
  const rows = new Map();           /* fullname -> row */
  const changed = new Set();        /* names to read again */
  let skew = 0;                     /* daemon clock - ours, seconds */
  let daemon = null;                /* {version, pid, start} */
  let refreshTimer = null;
  let logES = null;
  let log = null;                   /* {name, stream} */
  const page = window.supervisordPage = { renderMs: null, live: false,
    renders: 0, eventLag: null };

  function api(req) {
    return fetch(ORIGIN + "/api", { method: "POST", cache: "no-store",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(req) }).then((r) => r.json());
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function button(label, act, title) {
    const b = el("button", null, label);
    b.type = "button";
    b.dataset.act = act;
    if (title) b.title = title;
    return b;
  }

  function now() { return Date.now() / 1000 + skew; }

  function duration(s) {
    s = Math.max(0, Math.floor(s));
    const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24;
    const m = Math.floor(s / 60) % 60, sec = s % 60;
    const hms = h + ":" + String(m).padStart(2, "0") + ":" +
      String(sec).padStart(2, "0");
    return d > 0 ? d + " days, " + hms : hms;
  }

  /* What supctl status shows after the state, and a little more. */
  function describe(p) {
    /* RUNNING's "pid N, uptime T": the columns beside it, kept current. */
    let d = p.state === "RUNNING" ? "" : p.description || "";
    if (p.status_text && d.indexOf(p.status_text) < 0)
      d += (d ? " - " : "") + p.status_text;
    if (p.exit && p.exit.description && p.state !== "RUNNING" &&
        d.indexOf(p.exit.description) < 0)
      d += " (" + p.exit.description + ")";
    if (p.log_dropped_bytes > 0)
      d += " (log: " + p.log_dropped_bytes + " bytes dropped)";
    return d;
  }

  function uptimeOf(p) {
    return p.state === "RUNNING" && p.start > 0 ?
      duration(now() - p.start) : "";
  }

  function makeRow(p) {
    const tr = el("tr");
    const r = { tr: tr, p: p, name: el("td", "name", p.fullname),
      state: el("span", "state"), desc: el("td", "desc"),
      pid: el("td", "pid"), up: el("td", "up"), restarts: el("td") };
    const st = el("td");
    st.appendChild(r.state);
    const acts = el("td", "acts");
    acts.append(button("Start", "start"), button("Stop", "stop"),
      button("Restart", "restart"),
      button("Signal", "signal", "send the chosen signal"),
      button("Clear log", "clear"), button("Log", "log"));
    r.pid.dataset.label = "pid";
    r.up.dataset.label = "uptime";
    r.restarts.dataset.label = "restarts";
    tr.append(r.name, st, r.desc, r.pid, r.up, r.restarts, acts);
    tr.dataset.name = p.fullname;
    fill(r, p);
    return r;
  }

  function fill(r, p) {
    r.p = p;
    const state = /^[A-Z]+$/.test(p.state) ? p.state : "UNKNOWN";
    r.state.textContent = p.state;
    r.state.className = "state s-" + state;
    r.tr.dataset.state = state;
    r.desc.textContent = describe(p);
    r.pid.textContent = p.pid > 0 ? String(p.pid) : "";
    r.up.textContent = uptimeOf(p);
    r.restarts.textContent = String(p.restarts || 0);
  }

  function groupRow(group) {
    const tr = el("tr", "group");
    const name = el("td", "name", group + ":*");
    name.colSpan = 6;
    const acts = el("td", "acts");
    acts.append(button("Start", "start"), button("Stop", "stop"),
      button("Restart", "restart"), button("Signal", "signal"));
    tr.append(name, acts);
    tr.dataset.name = group + ":*";
    return tr;
  }

  /* The whole table, grouped and in the order status gives. */
  function renderAll(list) {
    const t0 = performance.now();
    const frag = document.createDocumentFragment();
    const size = new Map();
    for (const p of list) size.set(p.group, (size.get(p.group) || 0) + 1);
    rows.clear();
    let last = null;
    for (const p of list) {
      const grouped = size.get(p.group) > 1 || p.group !== p.name;
      if (grouped && p.group !== last) frag.appendChild(groupRow(p.group));
      last = p.group;
      const r = makeRow(p);
      rows.set(p.fullname, r);
      frag.appendChild(r.tr);
    }
    $("rows").replaceChildren(frag);
    page.renderMs = performance.now() - t0;
    page.renders++;
  }

  function header() {
    if (!daemon) return;
    $("daemon").textContent = "supervisord " + daemon.version + " \u00b7 pid " +
      daemon.pid + " \u00b7 up " + duration(now() - daemon.start);
  }

  function refreshAll() {
    return Promise.all([api({ cmd: "version" }), api({ cmd: "pid" }),
      api({ cmd: "status" })]).then(([v, pid, st]) => {
      if (pid.ok) {
        skew = pid.result.now - Date.now() / 1000;
        daemon = { version: v.ok ? v.result.version : "?",
          pid: pid.result.pid, start: pid.result.start };
        header();
      }
      if (st.ok) renderAll(st.result.processes);
    });
  }

  /* Details of the names events touched, in one request. */
  function refreshChanged() {
    refreshTimer = null;
    const names = Array.from(changed).filter((n) => rows.has(n));
    changed.clear();
    if (names.length === 0) return;
    api({ cmd: "status", names: names }).then((st) => {
      if (!st.ok) return;
      for (const p of st.result.processes) {
        const r = rows.get(p.fullname);
        if (r) fill(r, p);
      }
    });
  }

  function onEvent(e) {
    const r = rows.get(e.fullname);
    if (!r) {
      refreshAll();        /* a program added since */
      return;
    }
    const p = Object.assign({}, r.p, { state: e.to });
    if (typeof e.pid === "number")
      p.pid = e.to === "RUNNING" || e.to === "STARTING" ||
        e.to === "STOPPING" ? e.pid : 0;
    fill(r, p);
    /* How late the page shows it (the daemon's clock is ours here). */
    if (typeof e.time === "number") page.eventLag = Date.now() / 1000 - e.time;
    changed.add(e.fullname);
    if (!refreshTimer) refreshTimer = setTimeout(refreshChanged, 150);
  }

  function setLive(live) {
    page.live = live;
    const l = $("link");
    l.textContent = live ? "live" : "disconnected, reconnecting\u2026";
    l.className = live ? "link" : "link down";
  }

  /* EventSource comes back by itself after the daemon restarts; an
     HTTP error ends it for good, so it is made again. */
  function connectEvents() {
    const es = new EventSource(ORIGIN + "/api/events");
    es.onopen = () => { setLive(true); refreshAll(); };
    es.onerror = () => {
      setLive(false);
      if (es.readyState === EventSource.CLOSED)
        setTimeout(connectEvents, 2000);
    };
    es.onmessage = (m) => {
      let e;
      try { e = JSON.parse(m.data); } catch (_) { return; }
      if (e.stream === "event" && e.fullname) onEvent(e);
    };
  }

  /* "name: stopped", or "name: ERROR (why)", as supctl says it. */
  function showResult(reply, what) {
    const out = $("result");
    const lines = [];
    let bad = !reply.ok;
    const procs = reply.result && reply.result.processes;
    if (Array.isArray(procs) && procs.length > 0) {
      for (const p of procs) {
        /* The reply carries each process's status: show it now. */
        const r = rows.get(p.fullname);
        if (r && typeof p.state === "string") fill(r, p);
        if (p.ok === false) {
          bad = true;
          lines.push(p.fullname + ": ERROR (" + (p.error && p.error.message ||
            p.result) + ")");
        } else {
          lines.push(p.fullname + ": " + (p.cleared ? "cleared" :
            p.result || "ok"));
        }
      }
    } else if (!reply.ok) {
      lines.push(what + ": ERROR (" + reply.error.message + ")");
    } else {
      lines.push(what + ": ok");
    }
    out.textContent = lines.join("\n");
    out.className = bad ? "error" : "";
  }

  function act(cmd, name) {
    const req = { cmd: cmd, names: [name] };
    if (cmd === "signal") req.signal = $("allsig").value;
    $("result").textContent = name + ": " + cmd + "\u2026";
    $("result").className = "";
    api(req).then((reply) => showResult(reply, name),
      (err) => showResult({ ok: false, error: { message: String(err) } },
        name));
  }

  function stripAnsi(s) {
    return s.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "")
      .replace(/\x1b[\]PX^_][\s\S]*?(?:\x07|\x1b\\)/g, "")
      .replace(/\x1b[@-Z\\-_]/g, "");
  }

  function logAppend(text, replace) {
    const pre = $("logtext");
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    if (replace) pre.textContent = "";
    pre.appendChild(document.createTextNode(stripAnsi(text)));
    if (pre.textContent.length > LOG_KEEP)
      pre.textContent = pre.textContent.slice(-LOG_KEEP / 2);
    if ($("logfollow").checked && (atEnd || replace))
      pre.scrollTop = pre.scrollHeight;
  }

  function closeLog() {
    if (logES) logES.close();
    logES = null;
    log = null;
    $("logview").hidden = true;
  }

  function openLog(name, stream) {
    if (logES) logES.close();
    log = { name: name, stream: stream };
    $("logview").hidden = false;
    $("logtitle").textContent = name + " (" + stream + ")";
    $("logstdout").setAttribute("aria-pressed", stream === "stdout");
    $("logstderr").setAttribute("aria-pressed", stream === "stderr");
    $("logtext").textContent = "";
    const es = logES = new EventSource(ORIGIN + "/api/log/" +
      encodeURIComponent(name) + "/" + stream);
    es.onmessage = (m) => {
      let e;
      try { e = JSON.parse(m.data); } catch (_) { return; }
      if (e.ok === false && e.error) logAppend("[" + e.error.message + "]\n");
      else if (e.result && typeof e.result.data === "string")
        logAppend(e.result.data, true);    /* the start, again on reconnect */
      else if (typeof e.data === "string") logAppend(e.data);
      else if (e.error) logAppend("[" + e.error.message + "]\n");
    };
    es.onerror = () => {
      if (es.readyState !== EventSource.CLOSED || logES !== es) return;
      /* A 404: ask the socket's way for the reason. */
      api({ cmd: "tail", name: name, stream: stream, bytes: 0 }).then((r) => {
        if (!r.ok) logAppend("[" + r.error.message + "]\n");
      });
    };
    $("logtext").focus();
  }

  function onClick(ev) {
    const b = ev.target.closest("button");
    if (!b) return;
    if (b.dataset.all) {
      act(b.dataset.all, "all");
      return;
    }
    const tr = b.closest("tr");
    if (!tr || !b.dataset.act) return;
    const name = tr.dataset.name;
    if (b.dataset.act === "log") openLog(name, "stdout");
    else act(b.dataset.act, name);
  }

  function init() {
    for (const s of SIGNALS) $("allsig").appendChild(el("option", null, s));
    document.addEventListener("click", onClick);
    $("logclose").addEventListener("click", closeLog);
    $("logstdout").addEventListener("click", () => log &&
      openLog(log.name, "stdout"));
    $("logstderr").addEventListener("click", () => log &&
      openLog(log.name, "stderr"));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && log) closeLog();
    });
    setInterval(() => {
      if (document.hidden) return;
      header();
      for (const r of rows.values())
        if (r.p.state === "RUNNING") r.up.textContent = uptimeOf(r.p);
    }, 1000);
    setLive(false);
    connectEvents();
  }

  init();
})();
