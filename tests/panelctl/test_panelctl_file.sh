#!/usr/bin/env bash
# panelctl file ls|cat|put|mv|cp|rm|mkdir|prefs against a database of the shared test cluster and
# a hosting root in the test's folder: contents byte for byte, tables, JSON, exit codes, a
# hostile member's links and paths refused with the files outside untouched, and who may see
# whose space.
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ctl_setup file

hosting=$work/root
mkdir -p "$hosting/html/c/carol" "$hosting/html/d/dora" "$work/outside"
echo secret >"$work/outside/secret"
cat >>"$work/panel.conf" <<CONF

[hosting]
root = $hosting

[files]
max_size = 2048
upload_max_size = 100000
CONF
ctl schema migrate >/dev/null || fail "migrate"
printf 'Admin-pass-1\n' >"$work/pw"
ctl account add admin --mail root@example.com --admin --password-file "$work/pw" >/dev/null ||
	fail "bootstrap admin"
ctl --admin admin account add bob --mail bob@example.com --admin --password-file "$work/pw" \
	>/dev/null || fail "add bob"
ctl --admin bob account add carol --mail carol@example.com --password-file "$work/pw" \
	>/dev/null || fail "add carol"
ctl --admin admin account add dora --mail dora@example.com --password-file "$work/pw" \
	>/dev/null || fail "add dora"
space=$hosting/html/c/carol

# ---------------------------------------------------------------- the operations
expect_rc 0 "mkdir" ctl file mkdir carol /www
[[ -d $space/www ]] || fail "no folder www"
expect_rc 4 "mkdir again" ctl file mkdir carol /www
printf 'hello\n' >"$work/hello"
expect_rc 0 "put" ctl --json file put carol www/index.html --from "$work/hello"
[[ $(out | jget created) == true && $(out | jget size) == 6 ]] || fail "put: $(out)"
printf 'a\0b' | ctl file put carol www/b.bin --upload >"$work/out" || fail "put from stdin"
cmp <(printf 'a\0b') "$space/www/b.bin" || fail "the uploaded bytes differ"
expect_rc 0 "cat" ctl file cat carol www/b.bin
cmp <(printf 'a\0b') "$work/out" || fail "cat: the bytes differ"
expect_rc 0 "cat --json of bytes with a NUL" ctl --json file cat carol www/b.bin
[[ $(out | jget size) == 3 ]] || fail "cat --json: $(out)"
printf '\xff\xfe' | ctl file put carol www/c.bin --upload >/dev/null || fail "put c.bin"
expect_rc 2 "cat --json of bytes that are not UTF-8" ctl --json file cat carol www/c.bin
expect_rc 0 "cat --json" ctl --json file cat carol www/index.html
[[ $(out | jget content) == hello ]] || fail "cat --json: $(out)"
expect_rc 0 "ls" ctl file ls carol www
head -n 1 "$work/out" | grep -Eq '^TYPE +MODE +SIZE +MODIFIED \(UTC\) +NAME$' || fail "ls header: $(out)"
grep -Eq '^file +0660 +6 .* index\.html$' "$work/out" || fail "ls row: $(out)"
[[ $(stat -c %u:%g "$space/www/index.html") == "33:$(sql "SELECT uid FROM membres WHERE login = 'carol'")" ]] ||
	fail "owner of index.html: $(stat -c %u:%g "$space/www/index.html")"
expect_rc 0 "ls --json" ctl --json file ls carol /
[[ $(out | jget total) == 1 && $(out | item name www type) == folder ]] || fail "ls json: $(out)"
expect_rc 0 "cp" ctl file cp carol www www2
cmp "$space/www/index.html" "$space/www2/index.html" || fail "cp: the copy differs"
expect_rc 4 "cp onto an existing name" ctl file cp carol www www2
expect_rc 0 "mv" ctl --json file mv carol www2/index.html www/moved.html
[[ $(out | jget to) == www/moved.html && -f $space/www/moved.html ]] || fail "mv: $(out)"
expect_rc 2 "rm without --yes" ctl file rm carol www2
[[ -d $space/www2 ]] || fail "rm without --yes removed"
expect_rc 0 "rm" ctl file rm carol www2 --yes
[[ ! -e $space/www2 ]] || fail "www2 still there"
expect_rc 3 "rm of nothing" ctl file rm carol www2 --yes
expect_rc 2 "an edit past max_size" ctl --json file put carol big --from <(head -c 3000 /dev/zero)
[[ $(out | jget error.field) == size ]] || fail "max_size: $(out)"
expect_rc 0 "an upload within upload_max_size" ctl file put carol big --upload --from <(head -c 3000 /dev/zero)
expect_rc 0 "chmod" ctl --json file chmod carol www/index.html --writable no
[[ $(out | jget mode) == 0460 && $(stat -c %a "$space/www/index.html") == 460 ]] || fail "chmod: $(out)"
expect_rc 0 "chmod back" ctl file chmod carol www/index.html --writable yes
[[ $(stat -c %a "$space/www/index.html") == 660 ]] || fail "chmod back"
expect_rc 2 "chmod without --writable" ctl file chmod carol www/index.html
ok "mkdir, put (file, stdin, --upload), cat, ls, cp, mv, rm, chmod, the size limits"

# ---------------------------------------------------------------- a hostile member
ln -s "$work/outside" "$space/out"
ln -s "$work/outside/secret" "$space/sec"
ln -s "$hosting/html/d/dora" "$space/dora"
ln "$work/outside/secret" "$space/hard"
mkfifo "$space/fifo"
before=$(stat -c %Y "$work/outside/secret")
expect_rc 2 "cat through a link" ctl --json file cat carol out/secret
[[ $(out | jget error.field) == path && $(out | jget error.message) == *"symbolic link"* ]] ||
	fail "link refusal: $(out)"
expect_rc 2 "cat a link to a file" ctl file cat carol sec
expect_rc 2 "cat a hard link" ctl file cat carol hard
expect_rc 2 "cat a FIFO" timeout 10 "$panelctl" -c "$work/panel.conf" file cat carol fifo
expect_rc 2 "put through a link" ctl file put carol out/x --from "$work/hello"
expect_rc 2 "put onto a link" ctl file put carol sec --from "$work/hello"
expect_rc 2 "ls into another member's space" ctl file ls carol dora
expect_rc 2 "mkdir through a link" ctl file mkdir carol out/new
expect_rc 2 "rm through a link" ctl file rm carol out/secret --yes
expect_rc 2 "cp a hard link" ctl file cp carol hard copy
expect_rc 2 "chmod a hard link" ctl file chmod carol hard --writable no
expect_rc 2 "chmod through a link" ctl file chmod carol sec --writable no
for bad in .. ../dora "www/../../dora" $'a\nb' -rf; do
	expect_rc 2 "the path '$bad'" ctl file cat carol "$bad"
done
expect_rc 0 "rm of a link" ctl file rm carol out --yes
expect_rc 0 "ls shows links as links" ctl --json file ls carol /
[[ $(out | item name sec type) == link ]] || fail "sec is not listed as a link: $(out)"
[[ $(cat "$work/outside/secret") == secret && $(stat -c %Y "$work/outside/secret") == "$before" ]] ||
	fail "the outside file changed"
[[ -e $work/outside/secret && ! -e $work/outside/x && ! -e $work/outside/new ]] ||
	fail "something was written outside"
ok "links, hard links, FIFOs and bad paths refused; nothing outside touched"

# ---------------------------------------------------------------- who
expect_rc 0 "bob, carol's admin" ctl --admin bob file ls carol
expect_rc 0 "--as carol" ctl --admin bob --as carol file cat carol www/index.html
expect_rc 3 "bob cannot see dora's space" ctl --admin bob file ls dora
expect_rc 3 "carol cannot see dora's space" ctl --admin bob --as carol file ls dora
expect_rc 3 "a login nobody has" ctl file ls nobody
ok "the member and its admin only"

# ---------------------------------------------------------------- preferences
expect_rc 0 "prefs (defaults)" ctl --json file prefs carol
[[ $(out | jget editsizex) == 70 && $(out | jget editor_size) == 12px && $(out | jget golastdir) == false ]] ||
	fail "defaults: $(out)"
[[ $(sql "SELECT COUNT(*) FROM browser") == 0 ]] || fail "reading the defaults wrote a row"
expect_rc 0 "prefs set" ctl --json file prefs carol --listmode 2 --golastdir yes --lastdir /www
[[ $(out | jget listmode) == 2 && $(out | jget golastdir) == true ]] || fail "set: $(out)"
[[ $(sql "SELECT CONCAT(listmode, golastdir, lastdir) FROM browser") == 21/www ]] ||
	fail "browser row: $(sql 'SELECT * FROM browser')"
expect_rc 0 "prefs (text)" ctl file prefs carol
grep -qx 'listmode: 2' "$work/out" || fail "prefs text: $(out)"
expect_rc 2 "prefs out of range" ctl file prefs carol --listmode 9
expect_rc 2 "prefs bad boolean" ctl file prefs carol --showicons maybe
expect_rc 3 "prefs of another member" ctl --admin bob --as carol file prefs dora
ok "file prefs: 1.0's defaults without a row, set, read back, refused values"
