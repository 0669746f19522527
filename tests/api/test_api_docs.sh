#!/usr/bin/env bash
# panel-api's documentation matches the daemon: the OpenAPI paths and methods are exactly the
# route table (both ways), docs/api.md lists every route and carries the generated error table,
# and the man page documents every option.
set -uo pipefail
build=${PANEL_BUILD:-build/release}
api=$build/bin/panel-api
fail=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; fail=1; }

[[ -x $api ]] || { echo "not ok - $api not built"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$api" --list-routes | sort >"$work/routes"
(($(wc -l <"$work/routes") >= 20)) || not_ok "--list-routes printed $(wc -l <"$work/routes") routes"

# The OpenAPI document, read line by line: "  /path:" under "paths:", then "    method:".
awk '
	/^paths:/ { inpaths = 1; next }
	/^[^ #]/ { inpaths = 0 }
	inpaths && /^  \/[^ ]*:[ ]*$/ { path = $1; sub(/:$/, "", path); next }
	inpaths && /^    (get|put|post|patch|delete|head|options):/ {
		m = $1; sub(/:$/, "", m); print toupper(m), path
	}
' docs/openapi.yaml | sort >"$work/documented"

missing=$(comm -23 "$work/routes" "$work/documented")
extra=$(comm -13 "$work/routes" "$work/documented")
[[ -z $missing ]] && ok "every route is in docs/openapi.yaml" ||
	not_ok "routes missing from docs/openapi.yaml: $(echo $missing)"
[[ -z $extra ]] && ok "docs/openapi.yaml describes no route the daemon lacks" ||
	not_ok "docs/openapi.yaml describes routes the daemon does not have: $(echo $extra)"
grep -q '^openapi: 3\.0' docs/openapi.yaml && ok "OpenAPI 3.0 document" || not_ok "not OpenAPI 3.0"

# docs/api.md: a section per route ("### METHOD PATH").
while read -r method path; do
	grep -qF "### $method $path" docs/api.md || not_ok "docs/api.md has no section '### $method $path'"
done <"$work/routes"
grep '^### [A-Z]* /' docs/api.md | sed 's/^### //' | sort >"$work/api_md"
extra=$(comm -13 "$work/routes" "$work/api_md")
[[ -z $extra ]] && ok "docs/api.md documents exactly the routes" ||
	not_ok "docs/api.md documents routes the daemon does not have: $(echo $extra)"

# The error table between the markers is what papi_errors.def generates.
"$api" --list-errors >"$work/errors"
sed -n '/<!-- errors:begin -->/,/<!-- errors:end -->/p' docs/api.md | sed '1d;$d' >"$work/errors_md"
if diff -u "$work/errors" "$work/errors_md" >"$work/errors.diff"; then
	ok "docs/api.md error table matches papi_errors.def"
else
	not_ok "docs/api.md error table differs from papi_errors.def (run panel-api/update-docs.sh)"
	cat "$work/errors.diff"
fi
# Every code in the registry is unique.
dups=$(cut -d'|' -f2 "$work/errors" | sort | uniq -d)
[[ -z $dups ]] && ok "error codes are unique" || not_ok "duplicate error codes: $dups"

# The man page documents every long option of --help.
man=docs/man/panel-api.8
if [[ -f $man ]]; then
	for opt in $("$api" --help | grep -o -- '--[a-z-]*' | sort -u); do
		grep -qF -- "${opt//-/\\-}" "$man" || grep -qF -- "$opt" "$man" ||
			not_ok "$man does not document $opt"
	done
	ok "man page documents the options"
else
	not_ok "$man is missing"
fi
exit $fail
