/* dbproxy's status page: three static files served by the admin endpoint (GET /ui, /ui.js,
 * /ui.css). They carry no data and need no token; the page asks for the admin token (or reads
 * it from the URL's #token= fragment, which browsers never send), keeps it in sessionStorage,
 * and polls /status and /history with it every second. Everything is drawn with textContent:
 * a server name or an error message is never parsed as HTML. No external asset: it works
 * offline, and the Content-Security-Policy allows only these files and calls to this origin. */
#include <string.h>

#include "dp_ui.h"

static const char page_html[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>dbproxy status</title>\n"
    "<link rel=\"stylesheet\" href=\"/ui.css\">\n"
    "</head><body>\n"
    "<header><h1>dbproxy</h1>\n"
    "<p id=\"summary\">writer <b id=\"writer\">?</b> &middot; epoch <b id=\"epoch\">?</b>"
    " &middot; routing <b id=\"routing\">?</b> &middot; sessions <b id=\"sessions\">?</b>"
    " &middot; <span id=\"updated\">not loaded</span></p>\n"
    "<p id=\"operation\"></p></header>\n"
    "<form id=\"login\" hidden><label>Admin token <input id=\"token\" type=\"password\""
    " autocomplete=\"off\"></label> <button>Show</button></form>\n"
    "<p id=\"error\" role=\"alert\"></p>\n"
    "<h2>Servers</h2>\n"
    "<table id=\"servers\"><thead><tr><th>server</th><th>role</th><th>health</th>"
    "<th>read_only</th><th>lag (s)</th><th>replication</th><th>GTID position</th>"
    "<th>notes</th></tr></thead><tbody></tbody></table>\n"
    "<h2>Operations</h2>\n"
    "<ol id=\"history\" reversed></ol>\n"
    "<script src=\"/ui.js\"></script>\n"
    "</body></html>\n";

static const char page_css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222;background:#fff}\n"
    "h1{margin:0;font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}\n"
    "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.25em .6em;"
    "text-align:left;vertical-align:top}\n"
    "tr.writer td{background:#e8f5e9;font-weight:600}\n"
    ".h-up{color:#1b5e20}.h-suspect{color:#e65100}.h-down{color:#b71c1c}\n"
    "td.gtid{font-family:monospace;max-width:28em;overflow-wrap:anywhere}\n"
    "#error{color:#b71c1c}\n"
    "#history li{margin-bottom:1em}.ev-failed{color:#b71c1c}.ev-done{color:#1b5e20}\n"
    ".phases{list-style:none;padding:0;margin:.3em 0}\n"
    ".phase{display:flex;align-items:center;gap:.6em;font-size:.92em}\n"
    ".bar{background:#90caf9;height:.8em;min-width:2px}\n"
    ".phase .name{width:7em;font-weight:600}.phase .ms{width:6em;text-align:right}\n";

static const char page_js[] =
    "'use strict';\n"
    "(function () {\n"
    "  const $ = (id) => document.getElementById(id);\n"
    "  const el = (tag, text, cls) => { const e = document.createElement(tag);\n"
    "    if (text !== undefined && text !== null) e.textContent = String(text);\n"
    "    if (cls) e.className = cls; return e; };\n"
    "  let token = '';\n"
    "  const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);\n"
    "  if (m) { token = decodeURIComponent(m[1]); sessionStorage.setItem('dbproxy-token', token);\n"
    "    history.replaceState(null, '', location.pathname); }\n"
    "  else token = sessionStorage.getItem('dbproxy-token') || '';\n"
    "  $('login').addEventListener('submit', (ev) => { ev.preventDefault();\n"
    "    token = $('token').value; sessionStorage.setItem('dbproxy-token', token);\n"
    "    $('login').hidden = true; poll(); });\n"
    "  async function get(path) {\n"
    "    const r = await fetch(path, {headers: {Authorization: 'Bearer ' + token},\n"
    "                                 cache: 'no-store'});\n"
    "    if (r.status === 401) { $('login').hidden = false; throw new Error('token refused'); }\n"
    "    if (!r.ok) throw new Error(path + ': HTTP ' + r.status);\n"
    "    return r.json();\n"
    "  }\n"
    "  function replication(s) {\n"
    "    const r = s.replication; if (!r) return '';\n"
    "    let t = 'from ' + r.master + ' IO ' + r.io_running + ' SQL ' + (r.sql_running ? 'Yes' : "
    "'No');\n"
    "    if (r.last_io_errno) t += ' IO error ' + r.last_io_errno + ': ' + r.last_io_error;\n"
    "    if (r.last_sql_errno) t += ' SQL error ' + r.last_sql_errno + ': ' + r.last_sql_error;\n"
    "    return t;\n"
    "  }\n"
    "  function drawStatus(st) {\n"
    "    $('writer').textContent = st.primary || 'none';\n"
    "    $('epoch').textContent = st.epoch;\n"
    "    $('routing').textContent = st.routing;\n"
    "    $('sessions').textContent = st.sessions.total + ' (' + st.sessions.waiting + ' "
    "waiting)';\n"
    "    const op = st.operation;\n"
    "    $('operation').textContent = op ? 'running: ' + op.kind + ' #' + op.id + ', phase ' +\n"
    "      (op.phases.length ? op.phases[op.phases.length - 1].phase : '-') : '';\n"
    "    const body = $('servers').tBodies[0];\n"
    "    body.replaceChildren();\n"
    "    for (const s of st.servers) {\n"
    "      const tr = el('tr'); tr.dataset.name = s.name; if (s.writer) tr.className = 'writer';\n"
    "      tr.append(el('td', s.name + (s.writer ? ' (writer)' : '')), el('td', s.role),\n"
    "        el('td', s.health, 'h-' + s.health), el('td', s.read_only ? 'ON' : 'OFF'),\n"
    "        el('td', s.lag_seconds === null ? '' : s.lag_seconds), el('td', replication(s)),\n"
    "        el('td', s.gtid_current_pos || s.gtid_binlog_pos, 'gtid'),\n"
    "        el('td', [s.maintenance ? 'maintenance' : '', s.quarantined ?\n"
    "          'quarantined: ' + s.quarantine_reason : ''].filter(Boolean).join('; ')));\n"
    "      body.append(tr);\n"
    "    }\n"
    "  }\n"
    "  function drawHistory(h) {\n"
    "    const list = $('history'); list.replaceChildren();\n"
    "    for (const ev of h.events.slice().reverse()) {\n"
    "      const li = el('li'); li.dataset.kind = ev.kind; li.dataset.result = ev.result;\n"
    "      const title = el('div', ev.kind + ' #' + ev.id + ' (' + ev.trigger + '): ' +\n"
    "        (ev.from || '?') + ' \\u2192 ' + (ev.to || '?') + ', ' + ev.result + ', epoch ' +\n"
    "        ev.epoch_before + ' \\u2192 ' + ev.epoch_after + ', started ' + ev.started,\n"
    "        'ev-' + ev.result);\n"
    "      li.append(title);\n"
    "      if (ev.error) li.append(el('div', ev.error, 'ev-failed'));\n"
    "      if (ev.gtid_gap) li.append(el('div', 'GTID gap: ' + ev.gtid_gap, 'ev-failed'));\n"
    "      const phases = el('ul', null, 'phases');\n"
    "      const total = Math.max(1, ...ev.phases.map((p) => p.elapsed_ms));\n"
    "      let prev = 0;\n"
    "      for (const p of ev.phases) {\n"
    "        const row = el('li', null, 'phase'); row.dataset.phase = p.phase;\n"
    "        const bar = el('span', null, 'bar');\n"
    "        bar.style.width = Math.max(0.2, 20 * (p.elapsed_ms - prev) / total) + 'em';\n"
    "        prev = p.elapsed_ms;\n"
    "        row.append(el('span', p.phase, 'name'), el('span', '+' + p.elapsed_ms + ' ms', "
    "'ms'),\n"
    "          bar, el('span', p.detail, 'detail'));\n"
    "        phases.append(row);\n"
    "      }\n"
    "      li.append(phases); list.append(li);\n"
    "    }\n"
    "  }\n"
    "  async function poll() {\n"
    "    if (!token) { $('login').hidden = false; return; }\n"
    "    try {\n"
    "      const [st, h] = await Promise.all([get('/status'), get('/history')]);\n"
    "      drawStatus(st); drawHistory(h);\n"
    "      $('error').textContent = '';\n"
    "      $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();\n"
    "    } catch (e) { $('error').textContent = String(e.message || e); }\n"
    "  }\n"
    "  poll();\n"
    "  setInterval(poll, 1000);\n"
    "})();\n";

static const struct {
	const char *path, *type, *body;
	size_t len;
} assets[] = {
    {"/ui", "text/html; charset=utf-8", page_html, sizeof(page_html) - 1},
    {"/ui.js", "text/javascript; charset=utf-8", page_js, sizeof(page_js) - 1},
    {"/ui.css", "text/css; charset=utf-8", page_css, sizeof(page_css) - 1},
};

const char dp_ui_csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
			 "connect-src 'self'; form-action 'none'; base-uri 'none'; "
			 "frame-ancestors 'none'";

int dp_ui_asset(const char *url, const char **type, const char **body, size_t *len)
{
	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++) {
		if (strcmp(url, assets[i].path) == 0) {
			*type = assets[i].type;
			*body = assets[i].body;
			*len = assets[i].len;
			return 1;
		}
	}
	return 0;
}
