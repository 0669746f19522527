#!/usr/bin/env bash
# docs/openapi.yaml as a contract, offline: the document passes the lint (the official OpenAPI 3.0
# JSON Schema from Debian's openapi-specification, and the project's rules), and the checker of
# recorded answers (tests/api/openapi-check.py, run by tests/run-tests after the API tests)
# fails on what it must catch: an undocumented status, a body off its schema, a wrong content
# type, an error code of another status. A checker that cannot fail would prove nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; fail=1; }

python=/usr/bin/python3
[[ -x $python ]] || python=python3
if ! "$python" -c 'import yaml, jsonschema' 2>/dev/null; then
	echo "not ok - $python lacks yaml or jsonschema (make deps: python3-yaml python3-jsonschema)"
	exit 1
fi
check=(env "$python" tests/api/openapi-check.py)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The document itself.
if "${check[@]}" lint >"$work/lint.out" 2>&1; then
	ok "docs/openapi.yaml passes the lint"
else
	not_ok "docs/openapi.yaml fails the lint:"
	sed 's/^/    /' "$work/lint.out"
fi

# The lint fails on a broken document: an operationId removed, a shared error answer dropped,
# a dangling $ref, a required name that is no property.
lint_must_fail() {
	local what=$1 expect=$2
	shift 2
	sed "$@" docs/openapi.yaml >"$work/broken.yaml"
	if "${check[@]}" lint --spec "$work/broken.yaml" >"$work/broken.out" 2>&1; then
		not_ok "the lint accepts a document with $what"
	elif grep -F -- "$expect" "$work/broken.out" >/dev/null; then
		ok "the lint refuses a document with $what"
	else
		not_ok "the lint refuses a document with $what, but not for that reason:"
		sed 's/^/    /' "$work/broken.out" | head -n 5
	fi
}
lint_must_fail "an operation without operationId" "no operationId" '/operationId: accountGet$/d'
lint_must_fail "an operation without 414" "does not list 414" \
	'/operationId: accountsList/,/default:/{/UriTooLong/d}'
lint_must_fail "a dangling \$ref" "does not resolve" 's|schemas/AccountList|schemas/AccountLists|'
lint_must_fail "a required name that is no property" "is not among the properties" \
	's/required: \[name, total, used, measured_at\]/required: [name, total, used, measured_at, spare]/'
lint_must_fail "a field of the wrong type for OpenAPI" "openapi" 's/^openapi: 3.0.3/openapi: 3/'

# The checker of recorded answers: good answers pass, each bad one fails for its reason.
account='{"uid":2001,"login":"alice","mail":"a@example.net","nom":"","prenom":"","type":"default","notes":"","enabled":true,"admin":false,"canpass":true,"creator":"admin","created":"2026-01-01 00:00:00","renewed":null,"duration":0,"expiry":null,"expired":false,"lastlogin":null,"lastip":"","lastfail":0,"etag":"abc"}'
error() { # status code
	printf '{"error":{"code":"%s","message":"m","field":null,"request_id":"0123456789abcdef"}}' "$1"
}
record() { # method path status content-type body
	"$python" -c 'import json, sys
m, p, s, c, b = sys.argv[1:6]
print(json.dumps({"test": "self-test", "method": m, "path": p, "status": int(s),
                  "content_type": c, "body": b or None, "request_id": "r"}))' "$@"
}
checker_must_pass() {
	local what=$1
	shift
	record "$@" >"$work/one.jsonl"
	if "${check[@]}" check "$work/one.jsonl" >"$work/one.out" 2>&1; then
		ok "the checker accepts $what"
	else
		not_ok "the checker refuses $what:"
		sed 's/^/    /' "$work/one.out"
	fi
}
checker_must_fail() {
	local what=$1 expect=$2
	shift 2
	record "$@" >"$work/one.jsonl"
	if "${check[@]}" check "$work/one.jsonl" >"$work/one.out" 2>&1; then
		not_ok "the checker accepts $what"
	elif grep -F -- "$expect" "$work/one.out" >/dev/null; then
		ok "the checker refuses $what"
	else
		not_ok "the checker refuses $what, but not for that reason:"
		sed 's/^/    /' "$work/one.out"
	fi
}
json=application/json
checker_must_pass "an account" GET /api/v1/accounts/alice 200 $json "$account"
checker_must_pass "a 304 without a body" GET /api/v1/accounts/alice 304 "" ""
checker_must_pass "a documented error" GET "/api/v1/accounts/alice?x=1" 400 $json "$(error invalid_parameter)"
checker_must_pass "an unknown path answered 404 no_route" GET /api/v1/nothing 404 $json "$(error no_route)"
checker_must_pass "a zone as text/dns" GET /api/v1/domains/a.fr/zone 200 "text/dns" '$TTL 3600'
checker_must_fail "an undocumented status" "status 412 is not documented" \
	GET /api/v1/accounts/alice 412 $json "$(error precondition_failed)"
checker_must_fail "a missing required property" "'etag' is a required property" \
	GET /api/v1/accounts/alice 200 $json "${account/,\"etag\":\"abc\"/}"
checker_must_fail "a property the document lacks" "Additional properties are not allowed" \
	GET /api/v1/accounts/alice 200 $json "${account/\"uid\":2001,/\"uid\":2001,\"password\":\"x\",}"
checker_must_fail "a property of the wrong type" "is not of type 'integer'" \
	GET /api/v1/accounts/alice 200 $json "${account/\"uid\":2001/\"uid\":\"2001\"}"
checker_must_fail "null where the document says never" "None is not of type 'string'" \
	GET /api/v1/accounts/alice 200 $json "${account/\"lastip\":\"\"/\"lastip\":null}"
checker_must_fail "an error code of another status" "is HTTP 404 in docs/api.md" \
	GET /api/v1/accounts/alice 400 $json "$(error not_found)"
checker_must_fail "an error without its shape" "'request_id' is a required property" \
	GET /api/v1/accounts/alice 404 $json '{"error":{"code":"not_found","message":"m","field":null}}'
checker_must_fail "a wrong content type" "content type 'text/html' is not among" \
	GET /api/v1/accounts/alice 200 text/html "<p>hi</p>"
checker_must_fail "a body on a 204" "documented without a body" \
	DELETE /api/v1/accounts/alice 204 $json '{}'
checker_must_fail "a method the path lacks answered 200" "has no PUT" \
	PUT /api/v1/accounts 200 $json '{}'
checker_must_fail "an unknown path answered 200" "no path template matches" \
	GET /api/v1/nothing 200 $json '{}'
# A run that recorded nothing proves nothing.
: >"$work/empty.jsonl"
if "${check[@]}" check "$work/empty.jsonl" >/dev/null 2>&1; then
	not_ok "the checker accepts an empty record"
else
	ok "the checker refuses an empty record"
fi
exit $fail
