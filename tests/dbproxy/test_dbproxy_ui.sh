#!/usr/bin/env bash
# test_dbproxy_ui.sh: dbproxy's status page in a real browser (headless Chromium) against a
# primary and a replica, before and after a crash failover. What is checked is the page as the
# browser built it after running its script (--dump-dom, read with an HTML parser): the writer,
# the servers' rows, the failover's timeline of phases. The page's files need no token, its
# data does: without a token the page shows the token form and no server. A screenshot of the
# page after the failover is kept in BUILD/artifacts/dbproxy-ui-failover.png. Skipped when
# chromium is not installed (make deps installs it).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${PANEL_BUILD:-build/release}
dbproxy_bin=$root/$build/bin/dbproxy
cluster_cmd=$root/tests/harness/mariadb-cluster
fail() { echo "not ok - $*"; [[ -f ${work:-}/dbproxy.log ]] && tail -n 30 "$work/dbproxy.log"; exit 1; }

browser=$(command -v chromium || command -v chromium-browser || true)
[[ -n $browser ]] || { echo "skipped: chromium is not installed (make deps)"; exit 0; }

work=$(mktemp -d /tmp/panel-dpui-XXXXXX)
cleanup() {
	[[ -f $work/dbproxy.pid ]] && kill "$(cat "$work/dbproxy.pid")" 2>/dev/null
	"$cluster_cmd" stop "$work/c" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
"$cluster_cmd" start "$work/c" --replicas 1 --semisync --owner-pid $$ >/dev/null || fail "cluster"
port_of() { "$cluster_cmd" status "$work/c" | awk -v i="$1" '$1 == i {print $2}'; }
mariadb --no-defaults -S "$work/c/server0/sock" -u root -e "
	CREATE USER dpmon@'127.0.0.1' IDENTIFIED BY 'mon-pw';
	GRANT SLAVE MONITOR, BINLOG MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN,
	READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, RELOAD ON *.* TO dpmon@'127.0.0.1'"

printf 'mon-pw\n' >"$work/mon.pw"
od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$work/token"
chmod 600 "$work/mon.pw" "$work/token"
token=$(cat "$work/token")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dport=$(free_port)
aport=$(free_port)
"$dbproxy_bin" --listen "127.0.0.1:$dport" --server "s0=127.0.0.1:$(port_of 0)" \
	--server "s1=127.0.0.1:$(port_of 1)" --monitor-user dpmon \
	--monitor-password-file "$work/mon.pw" --admin "127.0.0.1:$aport" \
	--admin-token-file "$work/token" >"$work/dbproxy.log" 2>&1 &
echo $! >"$work/dbproxy.pid"

status() { curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$aport/status"; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
wait_for() { # wait_for SECONDS DESCRIPTION CMD...
	local limit=$1 what=$2
	shift 2
	for ((i = 0; i < limit * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	fail "$what"
}
writer_is() { [[ $(status 2>/dev/null | field primary 2>/dev/null) == "$1" ]]; }
wait_for 30 "dbproxy never routed to s0" writer_is s0

# page URL [FILE]: the DOM Chromium built for URL after its scripts ran (a few seconds of
# virtual time: the first poll and some more).
page() {
	"$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
		--user-data-dir="$work/chrome" --virtual-time-budget=4000 --dump-dom "$1" \
		2>>"$work/chrome.log"
}
# dom_query DOM_FILE: prints what the page shows, one "key value" a line: writer, epoch,
# routing, error, login_hidden, a "server NAME ROLE HEALTH" line per row and an
# "event KIND RESULT PHASE,PHASE..." line per operation.
dom_query() {
	python3 - "$1" <<'PY'
import sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.text, self.attrs = [], {}, {}
        self.rows, self.events, self.cell = [], [], None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append((tag, a))
        if 'id' in a:
            self.attrs[a['id']] = a
            self.text[a['id']] = ''
        if tag == 'tr' and 'data-name' in a:
            self.rows.append([a['data-name']])
        if tag == 'td' and self.rows:
            self.cell = ''
        if tag == 'li' and 'data-kind' in a:
            self.events.append([a['data-kind'], a.get('data-result', ''), []])
        if tag == 'li' and 'data-phase' in a and self.events:
            self.events[-1][2].append(a['data-phase'])
    def handle_endtag(self, tag):
        if tag == 'td' and self.cell is not None and self.rows:
            self.rows[-1].append(self.cell.strip())
            self.cell = None
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
    def handle_data(self, data):
        for _, a in self.stack:
            if 'id' in a:
                self.text[a['id']] += data
        if self.cell is not None:
            self.cell += data

p = Page()
p.feed(open(sys.argv[1], encoding='utf-8').read())
for key in ('writer', 'epoch', 'routing', 'error'):
    print(key, p.text.get(key, '').strip() or '-')
print('login_hidden', 'hidden' in p.attrs.get('login', {}))
for r in p.rows:
    print('server', r[0], r[2] if len(r) > 2 else '-', r[3] if len(r) > 3 else '-')
for kind, result, phases in p.events:
    print('event', kind, result, ','.join(phases) or '-')
PY
}
get() { awk -v k="$2" '$1 == k {$1 = ""; sub(/^ /, ""); print; exit}' "$1"; }

# Without a token: the form, and no data.
page "http://127.0.0.1:$aport/ui" >"$work/dom0.html" || fail "chromium could not load the page"
dom_query "$work/dom0.html" >"$work/q0"
[[ $(get "$work/q0" login_hidden) == False ]] || fail "no token form without a token: $(cat "$work/q0")"
grep '^server ' "$work/q0" >/dev/null && fail "servers shown without a token: $(cat "$work/q0")"
headers=$(curl -sfI "http://127.0.0.1:$aport/ui")
grep -i '^content-security-policy: default-src .none.' <<<"$headers" >/dev/null ||
	fail "no restrictive Content-Security-Policy: $headers"
echo "ok - without a token the page shows the token form and no server; CSP default-src 'none'"

# With the token (in the fragment, never sent to the server): s0 writes, s1 replicates.
url="http://127.0.0.1:$aport/ui#token=$token"
page "$url" >"$work/dom1.html" || fail "chromium could not load the page"
dom_query "$work/dom1.html" >"$work/q1"
[[ $(get "$work/q1" writer) == s0 ]] || fail "before: writer shown is not s0: $(cat "$work/q1")"
grep -x 'server s0 primary up' "$work/q1" >/dev/null || fail "before: s0's row: $(cat "$work/q1")"
grep -x 'server s1 replica up' "$work/q1" >/dev/null || fail "before: s1's row: $(cat "$work/q1")"
echo "ok - the page shows s0 as the writer and s1 as an up replica"

# A crash of the primary: the page shows the new writer and the failover's phases.
epoch_before=$(get "$work/q1" epoch)
"$cluster_cmd" kill "$work/c" 0 KILL >/dev/null
wait_for 30 "no failover to s1" writer_is s1
page "$url" >"$work/dom2.html" || fail "chromium could not load the page after the failover"
dom_query "$work/dom2.html" >"$work/q2"
[[ $(get "$work/q2" writer) == s1 ]] || fail "after: writer shown is not s1: $(cat "$work/q2")"
[[ $(get "$work/q2" epoch) -gt $epoch_before ]] || fail "after: epoch did not grow: $(cat "$work/q2")"
grep -x 'server s1 primary up' "$work/q2" >/dev/null || fail "after: s1's row: $(cat "$work/q2")"
grep -E '^server s0 [a-z]+ down$' "$work/q2" >/dev/null || fail "after: s0 not down: $(cat "$work/q2")"
ev=$(grep '^event failover done ' "$work/q2" || true)
[[ $ev == *promote* && $ev == *route* ]] || fail "after: no failover timeline: $(cat "$work/q2")"
echo "ok - after kill -9 of s0 the page shows s1 as the writer, s0 down, and the failover's phases (${ev#event failover done })"

mkdir -p "$root/$build/artifacts"
shot=$root/$build/artifacts/dbproxy-ui-failover.png
rm -f "$shot"
"$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
	--user-data-dir="$work/chrome" --virtual-time-budget=4000 --window-size=1280,900 \
	--screenshot="$shot" "$url" >/dev/null 2>>"$work/chrome.log" || fail "screenshot"
[[ -s $shot ]] || fail "no screenshot written"
echo "ok - screenshot of the page after the failover: $build/artifacts/dbproxy-ui-failover.png"
