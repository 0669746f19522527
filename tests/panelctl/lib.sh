# Helpers shared by the panelctl shell tests (sourced, not run): reporting, running a command
# with its exit status captured in $work/out and $work/err, and reading JSON with php.
# shellcheck shell=bash disable=SC2016
fail() { echo "not ok - $*"; exit 1; }
ok() { echo "ok - $*"; }
out() { cat "$work/out"; }
err() { cat "$work/err"; }
run() {
	set +e
	"$@" >"$work/out" 2>"$work/err"
	echo $?
	set -e
}
expect_rc() {
	local want=$1 what=$2 rc
	shift 2
	rc=$(run "$@")
	[[ $rc == "$want" ]] || fail "$what: exit $rc, want $want; stdout: $(out) stderr: $(err)"
}
# jget PATH: the value at a dotted path (items.0.domain) of the JSON on stdin.
jget() {
	php -r '
		$v = json_decode(stream_get_contents(STDIN), true);
		if ($v === null) { fwrite(STDERR, "jget: not JSON\n"); exit(1); }
		foreach (explode(".", $argv[1]) as $k) {
			if ($k === "") continue;
			if (!is_array($v) || !array_key_exists($k, $v)) { echo "<missing>"; exit(0); }
			$v = $v[$k];
		}
		if (is_bool($v)) echo $v ? "true" : "false";
		elseif ($v === null) echo "null";
		elseif (is_array($v)) echo json_encode($v);
		else echo $v;' "$1"
}
