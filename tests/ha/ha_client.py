#!/usr/bin/env python3
# The members' side of the HA platform tests: a client load through the balancer (accounts
# created with an Idempotency-Key each, a ledger of acknowledged creates, reads) and the report
# of how long it saw errors. Used by tests/ha/test_ha_platform.sh and tests/bench/ha-platform.sh.
#
#   ha_client.py load URL TOKEN OUT PREFIX   runs until OUT/stop exists; writes OUT/requests
#                                            (start end op status, one request a line) and
#                                            OUT/ledger (each acknowledged login)
#   ha_client.py window OUT FROM TO          for the requests under way in [FROM, TO) (one in
#                                            flight when the fault began counts): the longest
#                                            error window (s), errors, requests, slowest answer,
#                                            the errors by kind (2xcreate:503; status 0: no answer)
#   ha_client.py missing OUT URL TOKEN       the ledger's logins the API does not know (one a line)
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

TIMEOUT = 20  # seconds: longer than HAProxy's retries, so its answer is what we see
# Seconds of failed attempts before a create moves on unacknowledged: more than panel-api's wait
# for a key's first request (10 s), which a first request that died never ends.
GIVE_UP = 12


class Api:
    def __init__(self, url, token):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.token = token

    def call(self, method, path, body=None, key=None):
        """(status, parsed body or None); status 0 for no answer at all."""
        headers = {"Authorization": "Bearer " + self.token}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = None
            return resp.status, parsed
        except (OSError, http.client.HTTPException):
            return 0, None
        finally:
            conn.close()


class Recorder:
    def __init__(self, out):
        self.lock = threading.Lock()
        self.requests = open(os.path.join(out, "requests"), "a", buffering=1)
        self.ledger = open(os.path.join(out, "ledger"), "a", buffering=1)
        self.acked = []

    def request(self, start, end, op, status):
        with self.lock:
            self.requests.write("%.3f %.3f %s %d\n" % (start, end, op, status))

    def ack(self, login):
        with self.lock:
            self.ledger.write(login + "\n")
            self.acked.append(login)


def creator(api, rec, prefix, stop):
    n = 0
    while not os.path.exists(stop):
        n += 1
        login = "ha%s%05d" % (prefix, n)
        body = {"login": login, "password": "Ha-pass-%05d-ok" % n, "mail": login + "@example.net"}
        key = "ha-create-" + login
        first = time.time()
        while True:
            start = time.time()
            status, answer = api.call("POST", "/api/v1/accounts", body, key)
            rec.request(start, time.time(), "create", status)
            if status == 201:
                rec.ack(login)
                break
            if status == 409:
                # idempotency_conflict: the first request with this key never finished (its
                # panel-api died holding the claim); the key stays "running", so move on.
                err = answer.get("error") if isinstance(answer, dict) else None
                code = err.get("code") if isinstance(err, dict) else None
                print("abandoned %s: 409 %s after %.1f s" % (login, code, time.time() - first), flush=True)
                break
            if time.time() - first > GIVE_UP or os.path.exists(stop):
                print("gave up on %s after %.1f s (last status %d)" % (login, time.time() - first, status),
                      flush=True)
                break
            time.sleep(0.05)


def reader(api, rec, stop):
    i = 0
    while not os.path.exists(stop):
        i += 1
        with rec.lock:
            login = rec.acked[i % len(rec.acked)] if rec.acked else None
        path = "/api/v1/accounts/" + login if login else "/api/v1/accounts?limit=5"
        start = time.time()
        status, _ = api.call("GET", path)
        rec.request(start, time.time(), "read", status)
        time.sleep(0.02)


def load(url, token, out, prefix):
    api = Api(url, token)
    rec = Recorder(out)
    stop = os.path.join(out, "stop")
    threads = [threading.Thread(target=creator, args=(api, rec, prefix, stop)),
               threading.Thread(target=reader, args=(api, rec, stop))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def window(out, t_from, t_to):
    """The longest time from a failed request's start to the end of the last failure before
    the next success of the same kind (one that started after the failure): reads that work
    do not hide creates that fail."""
    reqs = []
    with open(os.path.join(out, "requests")) as f:
        for line in f:
            s, e, op, st = line.split()
            s, e, st = float(s), float(e), int(st)
            if s < t_to and e > t_from:
                reqs.append((s, e, op, st))
    ok = lambda st: st in (200, 201)
    errors = [r for r in reqs if not ok(r[3])]
    longest = 0.0
    for kind in set(r[2] for r in reqs):
        failed = sorted(r for r in errors if r[2] == kind)
        successes = sorted(r[0] for r in reqs if r[2] == kind and ok(r[3]))
        for s, e, _, _ in failed:
            # the window this failure opens ends with the last failure that started before
            # the first success that started after it
            nxt = next((x for x in successes if x > s), float("inf"))
            end = max(x[1] for x in failed if s <= x[0] < nxt)
            longest = max(longest, end - s)
    slowest = max((r[1] - r[0] for r in reqs if ok(r[3])), default=0.0)
    kinds = {}
    for _, _, op, st in errors:
        kinds["%s:%d" % (op, st)] = kinds.get("%s:%d" % (op, st), 0) + 1
    detail = ",".join("%dx%s" % (n, k) for k, n in sorted(kinds.items())) or "-"
    print("%.2f %d %d %.2f %s" % (longest, len(errors), len(reqs), slowest, detail))


def missing(out, url, token):
    api = Api(url, token)
    with open(os.path.join(out, "ledger")) as f:
        for login in (line.strip() for line in f):
            if not login:
                continue
            for _ in range(20):
                status, body = api.call("GET", "/api/v1/accounts/" + login)
                if status in (200, 404):
                    break
                time.sleep(0.25)
            if status != 200 or not body or body.get("login") != login:
                print(login)


def main(argv):
    if len(argv) == 6 and argv[1] == "load":
        load(argv[2], argv[3], argv[4], argv[5])
    elif len(argv) == 5 and argv[1] == "window":
        window(argv[2], float(argv[3]), float(argv[4]))
    elif len(argv) == 5 and argv[1] == "missing":
        missing(argv[2], argv[3], argv[4])
    else:
        sys.stderr.write(__doc__ or "usage: see the comment at the top of ha_client.py\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
