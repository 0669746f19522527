#!/usr/bin/env bash
# AlternC 1.0's domain cron beside the library's domain writes. The cron (update_domains.sh at
# tag 1.0) writes its pid to its lock file, reads the domains marked dns_action = 'UPDATE' and
# the entries marked enable = 'ENABLE'/'DISABLE', works (zone files, vhosts, reloads: seconds),
# then marks each one done with a plain UPDATE by name. A change made between its read and its
# "done" is overwritten. Here a stand-in cron runs that same SQL sequence, with a pause where
# the real one regenerates, while panelctl changes the same domain:
#   1. a write that starts while the cron runs waits for it, and its marks survive;
#   2. a write that was under way when the cron started (held on a row lock) is marked again
#      once the cron is done;
#   3. a deletion and a disabled entry survive the same race;
#   4. a cron that runs longer than [alternc] cron_wait: the write fails with "unavailable"
#      (exit 7) and changes nothing; a stale lock file (dead pid, or not the cron) is ignored.
set -euo pipefail
# shellcheck source=tests/panelctl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../panelctl/lib.sh"

ctl_setup coexcron stop_crons
lock=$work/cron.lock
cat >>"$work/panel.conf" <<CONF

[alternc]
cron_lock = $lock
cron_wait = 20
CONF

# The stand-in cron: update_domains.sh by name (the library checks the lock's pid is the cron),
# run as: update_domains.sh PAUSE_SECONDS. Its SQL is 1.0's, on the test database.
cat >"$work/update_domains.sh" <<CRON
#!/usr/bin/env bash
set -eu
q() { mariadb -S "$SERVER0_SOCKET" -u root -N "$db" -e "\$1"; }
echo \$\$ >"$lock"
doms=\$(q "select domaine from domaines where dns_action = 'UPDATE'")
subs=\$(q "select concat_ws(' ', lower(sd.type), if(length(sd.sub)>0, concat_ws('.', sd.sub, sd.domaine), sd.domaine), sd.valeur, sd.enable) from sub_domaines sd where sd.enable in ('ENABLE', 'DISABLE')")
echo read >"$work/cron.state"
sleep "\$1" # dns_regenerate, host_enable, reloads
while read -r type fqdn valeur enable; do
	[ -n "\$type" ] || continue
	done=ENABLED; [ "\$enable" = DISABLE ] && done=DISABLED
	q "update sub_domaines sd set enable='\$done' where lower(sd.type)='\$type' and if(length(sd.sub)>0,concat_ws('.',sd.sub,sd.domaine),sd.domaine)='\$fqdn' and sd.valeur='\$valeur'"
done <<<"\$subs"
for dom in \$doms; do
	q "update domaines set dns_action = 'OK', dns_result = '0' where domaine = '\$dom'"
done
echo done >"$work/cron.state"
rm -f "$lock"
CRON
chmod 755 "$work/update_domains.sh"
stop_crons() { pkill -f "$work/update_domains.sh" || true; }

# start_cron PAUSE: runs the cron in the background and returns once it has read the rows.
start_cron() {
	rm -f "$work/cron.state"
	"$work/update_domains.sh" "$1" &
	cron_pid=$!
	for _ in $(seq 100); do
		[[ -f $work/cron.state ]] && return 0
		sleep 0.1
	done
	fail "the stand-in cron did not start"
}
dns_action() { sql "SELECT dns_action FROM domaines WHERE domaine = '$1'"; }
mark_done() { sql "UPDATE domaines SET dns_action = 'OK' WHERE domaine = '$1'"; }

ctl schema migrate >/dev/null || fail "migrate"
printf 'Member-pass-2026\n' >"$work/member.pw"
ctl account add croner --mail croner@example.org --password-file "$work/member.pw" >/dev/null ||
	fail "account"
ctl quota set croner dom 5 >/dev/null || fail "quota set"
ctl domain add cron-race.org --login croner >/dev/null || fail "domain"
ctl domain add cron-gone.org --login croner >/dev/null || fail "second domain"

# 1. The cron read cron-race.org (marked for an earlier change); a new entry meanwhile.
start_cron 2
expect_rc 0 "an entry while the cron runs" ctl sub set cron-race.org www2 ip 192.0.2.10
[[ $(cat "$work/cron.state") == done ]] || fail "the write did not wait for the cron"
wait "$cron_pid"
[[ $(dns_action cron-race.org) == UPDATE ]] ||
	fail "the new entry's mark was lost: dns_action $(dns_action cron-race.org)"
ok "a write during the cron waits for it; its mark survives"

# 2. A write under way when the cron starts: held on the domain's row, it commits while the
# cron works, and the cron's "done" comes after it.
mark_done cron-race.org
sql "UPDATE domaines SET dns_action = 'UPDATE' WHERE domaine = 'cron-race.org'"
root "$db" -e "BEGIN; SELECT 1 FROM domaines WHERE domaine = 'cron-race.org' FOR UPDATE;
	DO SLEEP(2); COMMIT" >/dev/null &
holder=$!
sleep 0.5
ctl sub set cron-race.org www3 ip 192.0.2.11 >"$work/held.out" 2>&1 &
writer=$!
sleep 0.5
start_cron 3
wait "$holder"
wait "$writer" || fail "the held write failed: $(cat "$work/held.out")"
wait "$cron_pid"
[[ $(dns_action cron-race.org) == UPDATE ]] ||
	fail "the held write's mark was lost: dns_action $(dns_action cron-race.org)"
ok "a write committed while the cron works is marked again after it"

# 3. A disabled entry and a deleted domain, while the cron handles them.
mark_done cron-race.org
sql "UPDATE sub_domaines SET enable = 'ENABLE' WHERE domaine = 'cron-race.org' AND sub = 'www2'"
start_cron 2
expect_rc 0 "disable during the cron" ctl sub disable cron-race.org www2 ip
wait "$cron_pid"
got=$(sql "SELECT enable FROM sub_domaines WHERE domaine = 'cron-race.org' AND sub = 'www2'")
[[ $got == DISABLE ]] || fail "the disable was lost: enable $got"
sql "UPDATE domaines SET dns_action = 'UPDATE' WHERE domaine = 'cron-gone.org'"
start_cron 2
expect_rc 0 "delete during the cron" ctl domain del cron-gone.org --yes
wait "$cron_pid"
[[ $(dns_action cron-gone.org) == DELETE ]] ||
	fail "the deletion was lost: dns_action $(dns_action cron-gone.org)"
ok "a disable and a deletion during the cron survive it"

# 4. A cron longer than cron_wait; stale locks.
sed -i 's/^cron_wait = 20$/cron_wait = 1/' "$work/panel.conf"
before=$(sql "SELECT COUNT(*) FROM sub_domaines WHERE domaine = 'cron-race.org'")
start_cron 4
expect_rc 7 "a write while the cron runs too long" ctl sub set cron-race.org www4 ip 192.0.2.12
grep update_domains "$work/err" >/dev/null || fail "the error does not name the cron: $(err)"
[[ $(sql "SELECT COUNT(*) FROM sub_domaines WHERE domaine = 'cron-race.org'") == "$before" ]] ||
	fail "the refused write changed something"
wait "$cron_pid"
echo 999999 >"$lock"
expect_rc 0 "a lock of a dead pid is stale" ctl sub set cron-race.org www4 ip 192.0.2.12
sleep 30 &
echo $! >"$lock"
expect_rc 0 "a lock of another program is stale" ctl sub set cron-race.org www5 ip 192.0.2.13
kill %% 2>/dev/null || true
rm -f "$lock"
ok "a cron longer than cron_wait refuses the write cleanly; stale locks are ignored"
