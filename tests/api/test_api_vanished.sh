#!/usr/bin/env bash
# Clients that vanish in the middle of a request (headers cut, a body announced and cut, a
# refused write whose answer is not read) must not hold panel-api's descriptors and connection
# slots until a timeout: with libmicrohttpd's epoll mode, a close that arrived with the request's
# last bytes went unseen until idle_timeout, so each such client held a slot for a minute.
set -uo pipefail
# shellcheck source=tests/api/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fail() { # SIGKILL: a SIGTERM would wait for the held connections' requests
	echo "not ok - $*"
	[[ -f ${work:-/nonexistent}/api.log ]] && tail -n 20 "$work/api.log"
	[[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
	exit 1
}
api_setup api_vanished

# Timeouts far above the wait below: what closes the connections must be their clients' close.
api_write_conf "$SERVER0_PORT" $'header_timeout = 120\nidle_timeout = 120'
api_start

fds() { find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l; }
# Every worker has answered once (a request without a route needs no database).
for _ in 1 2 3 4; do curl -s -o /dev/null "http://127.0.0.1:$port/nope"; done
base=$(fds)

n=20
python3 - "$port" "$n" <<'PY' || fail "the clients could not connect"
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
head = "PATCH /api/v1/accounts/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
kinds = [
    b"GET /api/v1/accounts HTTP/1.1\r\nHost: x\r\n",        # headers cut
    (head + "Content-Length: 50\r\n\r\n").encode(),          # a body announced, none sent
    (head + "Content-Length: 50\r\n\r\n{\"no").encode(),     # a body cut
    (head + "Authorization: Bearer x\r\nContent-Length: 50\r\n\r\n").encode(),
]
for i in range(n):
    for k in kinds:
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(k)
        s.close()
PY
# Each vanished client's descriptor is given back, at most 20 s after (not 120).
now=$(fds)
for _ in $(seq 1 200); do
	now=$(fds)
	((now <= base)) && break
	sleep 0.1
done
((now <= base)) || fail "$((now - base)) of $((4 * n)) vanished clients' descriptors still held ($now, $base before)"
ok "$((4 * n)) clients gone mid-request: panel-api holds $now descriptors, $base before"
kill -0 "$pid" 2>/dev/null || fail "panel-api died"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope" | grep -q 404 ||
	fail "panel-api no longer answers"
ok "panel-api still answers"
