#!/usr/bin/env bash
# Regenerates the error table of docs/api.md (between <!-- errors:begin --> and
# <!-- errors:end -->) from papi_errors.def, through `panel-api --list-errors`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
api=${1:-$root/build/release/bin/panel-api}
doc=$root/docs/api.md
table=$(mktemp)
trap 'rm -f "$table"' EXIT
"$api" --list-errors >"$table"
awk -v table="$table" '
	/<!-- errors:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
	/<!-- errors:end -->/ { skip = 0 }
	!skip { print }
' "$doc" >"$doc.tmp"
mv "$doc.tmp" "$doc"
echo "updated the error table of $doc"
