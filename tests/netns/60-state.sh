#!/bin/sh
# The state directory and the transaction's edges, against the real kernel
# in a throwaway namespace; each case is a reproducer of a defect that once
# was: a hostile or planted state is refused and nothing in it is run; a
# commit whose answers are lost is found out, not undone; a journal that
# cannot be retired does not turn an applied change into a failure; undo
# leaves unchanged files alone; a reload that starts a background process
# is not waited on; a recovery's warning is not replayed; temporary files
# of killed runs go; a FIFO site is read once; damaged state and a managed
# path that is a directory are exit 1, not 65; an invalid site creates no
# state; a no-op refreshes the recorded generation; undo reloads only what
# was reloaded; the record's file hashes are sha256sum's; and an apply
# that changes one network opens the record once and one netlink socket.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
# shellcheck source=tests/netns/lib.sh
. "$here/lib.sh"
FTPCFG=${FTPCFG:-$here/../../ftpcfg}

snapshot() {
	{ nft list ruleset | strip_counters; find "$root/etc" -type f -exec sha256sum {} + 2>/dev/null | sort; } >"$1"
}

same() {
	cmp -s "$1" "$2" || { diff -u "$1" "$2"; fail "$3"; }
}

# A fresh root and namespace state for the next case.
fresh() {
	nft flush ruleset
	rm -rf "$root"
	mkdir -p "$root"
}

inner() {
	tmp=$1
	root=$tmp/root
	state=$root/var/lib/ftpcfg
	F="$FTPCFG --root $root"
	site "$tmp/a.xml" 10.200.0.0/25
	site "$tmp/b.xml" 10.200.0.0/25 10.200.0.192/26
	fresh

	echo "# an invalid site creates no state directory (17)"
	printf '<site name="t" version="1"><server name="s" daemon="nope"/></site>' >"$tmp/bad.xml"
	expect_rc 65 $F apply "$tmp/bad.xml"
	[ ! -e "$state" ] || fail "an invalid site created the state directory"

	echo "# a journal planted in a state directory writable by others is never run (2)"
	mkdir -p "$state"
	chmod 0777 "$state"
	printf 'garbage' >"$state/journal"
	expect_rc 77 $F apply "$tmp/a.xml"
	grep -q "chmod go-w $state" "$tmp/err" || { cat "$tmp/err"; fail "no fixing command for a world-writable state directory"; }
	expect_rc 77 $F rollback
	expect_rc 77 $F status
	chmod 0700 "$state"
	echo "# ... and in ftpcfg's own directory a journal it did not write is refused, exit 1 (2, 13)"
	printf 'touch %s/ran' "$tmp" >"$state/journal"
	expect_rc 1 $F apply "$tmp/a.xml"
	grep -q "cannot trust it" "$tmp/err" || { cat "$tmp/err"; fail "a planted journal was not refused"; }
	[ ! -e "$tmp/ran" ] || fail "a planted journal was run"
	expect_rc 0 $F status
	grep -q 'left a journal' "$tmp/err" || { cat "$tmp/err"; fail "status does not mention the leftover journal"; }
	rm "$state/journal"
	echo "# a symlink as the state directory is refused"
	rm -rf "$state"
	mkdir -p "$tmp/elsewhere"
	ln -s "$tmp/elsewhere" "$state"
	expect_rc 77 $F apply "$tmp/a.xml"
	grep -q "is a symlink" "$tmp/err" || { cat "$tmp/err"; fail "a symlinked state directory was used"; }
	[ -z "$(ls -A "$tmp/elsewhere")" ] || fail "ftpcfg wrote through a symlinked state directory"
	rm "$state"

	echo "# the record's hashes are sha256sum's"
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	expect_rc 0 $F --json status
	want=$(sha256sum "$root/etc/vsftpd.conf" | cut -d' ' -f1)
	[ "$(jq -r '.files[0].sha256' "$tmp/out")" = "$want" ] || { cat "$tmp/out"; fail "status --json does not report sha256sum's hash"; }
	[ "$(jq -r '.last_apply.site_sha256' "$tmp/out")" = "$(sha256sum "$tmp/a.xml" | cut -d' ' -f1)" ] || fail "the site's hash is not sha256sum's"

	echo "# strace: a one-network change opens the record and its ruleset file once, and one netlink socket"
	if command -v strace >/dev/null 2>&1; then
		# (LeakSanitizer cannot run under ptrace)
		ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=openat,socket -o "$tmp/trace" $F apply --no-reload "$tmp/b.xml" >/dev/null 2>&1 ||
			fail "apply under strace failed"
		n=$(grep -c 'openat(.*"record", O_RDONLY' "$tmp/trace" || true)
		[ "$n" = 1 ] || { grep record "$tmp/trace"; fail "the record was opened $n times"; }
		n=$(grep -c 'openat(.*"rs\.[0-9a-f]*", O_RDONLY' "$tmp/trace" || true)
		[ "$n" = 1 ] || { grep 'rs\.' "$tmp/trace"; fail "the ruleset file was read $n times"; }
		n=$(grep -c 'socket(AF_NETLINK' "$tmp/trace" || true)
		[ "$n" = 1 ] || { grep AF_NETLINK "$tmp/trace"; fail "$n netlink sockets"; }
		echo "# ... and reads the managed file at most twice (the survey, the no-op check's hash)"
		n=$(grep -c -E 'openat\([^"]*"([^"]*/)?vsftpd\.conf", O_RDONLY' "$tmp/trace" || true)
		[ "$n" -ge 1 ] && [ "$n" -le 2 ] || { grep vsftpd.conf "$tmp/trace"; fail "the managed file was opened $n times"; }
	else
		fail "strace is not installed (scripts/install-deps.sh installs it)"
	fi

	echo "# a no-op refreshes the recorded generation (17)"
	run nft add table ip other
	run nft delete table ip other
	expect_rc 0 $F -v apply --no-reload "$tmp/b.xml"
	said_v '^input unchanged since the last apply; the ruleset generation moved (now [0-9]*): the table was read' \
		"the generation moved, yet the table was not read"
	expect_rc 0 $F -v diff "$tmp/b.xml"
	said_v '^live: from the record' "a no-op apply did not record the current generation"

	echo "# the kernel's answers lost: the table says the batch went in; applied, not undone (4)"
	expect_rc 0 env FTPCFG_FAULT=lostreply $F apply --no-reload "$tmp/a.xml"
	grep -q 'the table shows the batch was committed' "$tmp/err" || { cat "$tmp/err"; fail "no word of the lost answers"; }
	expect_rc 0 $F diff "$tmp/a.xml"
	[ ! -e "$state/journal" ] || fail "a journal stayed after a found-out commit"

	echo "# a journal that cannot be retired: the change stands, the next run retires it (5)"
	# (its renames: the journal, the record, the generation, then journal -> last, which fails)
	expect_rc 0 env ASAN_OPTIONS=detect_leaks=0 strace -o /dev/null -e trace=renameat -e inject=renameat:error=EIO:when=4 $F apply --no-reload "$tmp/b.xml"
	grep -q 'the change is applied, but its journal' "$tmp/err" || { cat "$tmp/err"; fail "no warning for an unretired journal"; }
	[ -f "$state/journal" ] || fail "the journal that could not be retired is gone"
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	grep -q 'interrupted' "$tmp/err" && { cat "$tmp/err"; fail "a completed change was taken for an interrupted one"; }
	said 'No changes' "the completed change was reverted"
	[ ! -e "$state/journal" ] || fail "the journal was not retired"
	[ -f "$state/last" ] || fail "the journal did not become the last one"

	echo "# undo leaves the files this run did not change alone (6)"
	ino=$(stat -c %i "$root/etc/vsftpd.conf")
	expect_rc 1 env FTPCFG_FAULT=commit $F apply --no-reload "$tmp/a.xml"
	[ "$(stat -c %i "$root/etc/vsftpd.conf")" = "$ino" ] || fail "undo rewrote a file the run had not changed"
	grep -q 'could not put' "$tmp/err" && { cat "$tmp/err"; fail "a false undo warning"; }

	echo "# a recovery's warning is not replayed by later no-ops (9)"
	expect_rc 137 env FTPCFG_FAULT=commit:kill $F apply --no-reload "$tmp/a.xml"
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	grep -q 'interrupted' "$tmp/err" || { cat "$tmp/err"; fail "no recovery"; }
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	grep -q 'interrupted' "$tmp/err" && { cat "$tmp/err"; fail "a recovery warning was replayed"; }

	echo "# temporary files of killed runs are removed (10)"
	touch "$state/.record.ftpcfg-tmp-99999" "$root/etc/.vsftpd.conf.ftpcfg-tmp-99999"
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	[ ! -e "$state/.record.ftpcfg-tmp-99999" ] || fail "a killed run's temporary state file stayed"
	[ ! -e "$root/etc/.vsftpd.conf.ftpcfg-tmp-99999" ] || fail "a killed run's temporary file stayed"

	echo "# the new ruleset's file is written by a thread beside the journal and the commit"
	# Sites no run here applied yet: their ruleset files are new.
	site "$tmp/c.xml" 10.200.0.0/25 10.200.0.160/27
	site "$tmp/d.xml" 10.200.0.0/25 10.200.0.224/27
	site "$tmp/e.xml" 10.200.0.0/25 10.200.0.128/27
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$tmp/trace" -e trace=openat $F apply --no-reload "$tmp/c.xml" >/dev/null 2>&1 ||
		fail "apply under strace -f failed"
	jt=$(grep '"\.journal\.ftpcfg-tmp-' "$tmp/trace" | head -n 1 | cut -d' ' -f1)
	rt=$(grep '"\.rs\.[0-9a-f]*\.ftpcfg-tmp-' "$tmp/trace" | head -n 1 | cut -d' ' -f1)
	[ -n "$jt" ] && [ -n "$rt" ] && [ "$jt" != "$rt" ] || { cat "$tmp/trace"; fail "the ruleset file was not written by a thread of its own ($jt, $rt)"; }
	echo "# ... which failing undoes the change and leaves no file behind"
	snapshot "$tmp/before"
	find "$state" -maxdepth 1 -name 'rs.*' | sort >"$tmp/rs.before"
	expect_rc 1 env FTPCFG_FAULT=ruleset-file $F apply --no-reload "$tmp/d.xml"
	grep -q "cannot write the ruleset of the record in '$state': Input/output error" "$tmp/err" ||
		{ cat "$tmp/err"; fail "no word of the ruleset file that could not be written"; }
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "a failed ruleset file left the host changed"
	[ ! -e "$state/journal" ] || fail "the journal stayed after the undo"
	find "$state" -maxdepth 1 -name 'rs.*' | sort >"$tmp/rs.after"
	same "$tmp/rs.before" "$tmp/rs.after" "the ruleset file of an undone change stayed"
	echo "# ... and without a thread (clone refused) it is written in line"
	expect_rc 0 env ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$tmp/trace" -e trace=clone,clone3,openat \
		-e inject=clone,clone3:error=EAGAIN $F apply --no-reload "$tmp/e.xml"
	grep -q 'clone3\{0,1\}(.*= -1 EAGAIN' "$tmp/trace" || { cat "$tmp/trace"; fail "no thread creation was refused"; }
	[ "$(grep -c '^[0-9]* openat' "$tmp/trace")" = "$(grep -c "^$(head -n 1 "$tmp/trace" | cut -d' ' -f1) openat" "$tmp/trace")" ] ||
		fail "a thread ran although none could be made"
	grep -q '"\.rs\.[0-9a-f]*\.ftpcfg-tmp-' "$tmp/trace" || fail "no ruleset file was written without a thread"
	expect_rc 0 $F status
	expect_rc 0 $F diff "$tmp/e.xml"
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"

	echo "# a FIFO as the site is read once (12)"
	mkfifo "$tmp/fifo.xml"
	for i in 1 2 3; do
		# (the writer ends when apply has read the site, or when apply is gone)
		cat "$tmp/a.xml" >"$tmp/fifo.xml" &
		writer=$!
		expect_rc 0 $F apply --no-reload "$tmp/fifo.xml"
		kill "$writer" 2>/dev/null || true
		wait "$writer" 2>/dev/null || true
		cat "$tmp/b.xml" >"$tmp/fifo.xml" &
		writer=$!
		expect_rc 0 $F apply --no-reload "$tmp/fifo.xml"
		kill "$writer" 2>/dev/null || true
		wait "$writer" 2>/dev/null || true
	done
	expect_rc 0 $F diff "$tmp/b.xml"

	echo "# a journal that cannot be looked for is not taken for no journal"
	expect_rc 137 env FTPCFG_FAULT=files:kill $F apply --no-reload "$tmp/a.xml"
	ASAN_OPTIONS=detect_leaks=0 strace -o "$tmp/trace" -e trace=newfstatat $F status >/dev/null 2>&1 || fail "status under strace failed"
	# (the last look: the first is the check for an older ftpcfg's journal/ directory)
	k=$(grep '^newfstatat(' "$tmp/trace" | grep -n '"journal", ' | tail -n 1 | cut -d: -f1)
	[ -n "$k" ] || fail "status did not look for the journal"
	expect_rc 1 env ASAN_OPTIONS=detect_leaks=0 strace -o /dev/null -e trace=newfstatat -e "inject=newfstatat:error=EIO:when=$k" $F status
	grep -q "cannot look for a journal in '$state': Input/output error" "$tmp/err" || { cat "$tmp/out" "$tmp/err"; fail "a journal that could not be looked for was taken for none"; }
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	grep -q interrupted "$tmp/err" || { cat "$tmp/err"; fail "the journal was not recovered"; }

	echo "# a damaged journal is exit 1 with what to do, never 65 (13)"
	expect_rc 137 env FTPCFG_FAULT=files:kill $F apply --no-reload "$tmp/a.xml"
	printf 'X' | dd of="$state/journal" bs=1 seek=40 conv=notrunc 2>/dev/null
	expect_rc 1 $F apply --no-reload "$tmp/b.xml"
	grep -q "rm $state/journal" "$tmp/err" || { cat "$tmp/err"; fail "no way out of a damaged journal"; }
	rm "$state/journal"
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"

	echo "# a managed path that is a directory is exit 1, not 65, and says what to do (13)"
	fresh
	mkdir -p "$root/etc/vsftpd.conf"
	expect_rc 1 $F apply --no-reload "$tmp/a.xml"
	grep -q "not a regular file.*; remove it or point the site elsewhere" "$tmp/err" || { cat "$tmp/err"; fail "no way out of a managed path that is a directory"; }
	expect_rc 1 $F diff "$tmp/a.xml"
	grep -q "not a regular file.*; remove it" "$tmp/err" || { cat "$tmp/err"; fail "diff does not say what to do"; }
	rmdir "$root/etc/vsftpd.conf"

	echo "# an oversized state file is damaged state, exit 1 with what to do, never 65 (13)"
	fresh
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	expect_rc 137 env FTPCFG_FAULT=files:kill $F apply --no-reload "$tmp/b.xml"
	truncate -s 300M "$state/journal"
	expect_rc 1 $F apply --no-reload "$tmp/b.xml"
	grep -q "rm $state/journal" "$tmp/err" || { cat "$tmp/err"; fail "no way out of an oversized journal"; }
	expect_rc 1 $F rollback --no-reload
	rm "$state/journal"
	truncate -s 300M "$state/record"
	expect_rc 1 $F status
	grep -q "record.*damaged.*writes it anew" "$tmp/err" || { cat "$tmp/err"; fail "status does not say what to do with an oversized record"; }
	# (diff compares the site with the live state; the record is not needed)
	expect_rc 0 $F diff "$tmp/a.xml"
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	grep -q "record.*damaged" "$tmp/err" || { cat "$tmp/err"; fail "apply does not say the record was damaged"; }
	[ "$(stat -c %s "$state/record")" -lt 1000000 ] || fail "the oversized record was not written anew"
	expect_rc 0 $F status

	echo "# a journal that cannot be written: said so, nothing changed, nothing claimed put back (11)"
	fresh
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	snapshot "$tmp/before"
	# The journal is the run's first state file: its rename is the first renameat, the
	# directory's fsync after that rename the second fsync (the journal is then in place).
	for inject in renameat:error=EIO:when=1 fsync:error=EIO:when=2; do
		expect_rc 1 env ASAN_OPTIONS=detect_leaks=0 strace -o /dev/null -e trace="${inject%%:*}" -e inject="$inject" $F apply --no-reload "$tmp/b.xml"
		grep -q "cannot write the journal in '$state': Input/output error; nothing was changed" "$tmp/err" || { cat "$tmp/err"; fail "no word of the journal that could not be written ($inject)"; }
		grep -q -E "damaged|put back|puts it back" "$tmp/err" && { cat "$tmp/err"; fail "an untrue message after a failed journal write ($inject)"; }
		snapshot "$tmp/after"
		same "$tmp/before" "$tmp/after" "a failed journal write changed the host ($inject)"
		[ ! -e "$state/journal" ] || fail "a journal that could not be written stayed ($inject)"
	done
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	grep -q interrupted "$tmp/err" && { cat "$tmp/err"; fail "a run that changed nothing was recovered"; }

	echo "# read failures are worded as reads, not writes nor damage (11)"
	# Which openat reads the record (status) and the rollback point (rollback): counted from clean runs.
	ASAN_OPTIONS=detect_leaks=0 strace -o "$tmp/trace" -e trace=openat $F status >/dev/null 2>&1 || fail "status under strace failed"
	k=$(grep '^openat(' "$tmp/trace" | grep -n '"record", O_RDONLY' | head -n 1 | cut -d: -f1)
	[ -n "$k" ] || fail "status did not open the record"
	expect_rc 1 env ASAN_OPTIONS=detect_leaks=0 strace -o /dev/null -e trace=openat -e "inject=openat:error=EIO:when=$k" $F status
	grep -q "cannot read the record '$state/record': Input/output error" "$tmp/err" || { cat "$tmp/err"; fail "a failed read of the record is not said to be one"; }
	grep -q -E "writ|damaged" "$tmp/err" && { cat "$tmp/err"; fail "a failed read of the record worded as a write or damage"; }
	ASAN_OPTIONS=detect_leaks=0 strace -o "$tmp/trace" -e trace=openat $F rollback --no-reload >/dev/null 2>&1 || fail "rollback under strace failed"
	k=$(grep '^openat(' "$tmp/trace" | grep -n '"last", O_RDONLY' | head -n 1 | cut -d: -f1)
	[ -n "$k" ] || fail "rollback did not open the rollback point"
	expect_rc 0 $F apply --no-reload "$tmp/b.xml"
	snapshot "$tmp/before"
	expect_rc 1 env ASAN_OPTIONS=detect_leaks=0 strace -o /dev/null -e trace=openat -e "inject=openat:error=EIO:when=$k" $F rollback --no-reload
	grep -q "cannot read the journal '$state/last': Input/output error" "$tmp/err" || { cat "$tmp/err"; fail "a failed read of the rollback point is not said to be one"; }
	grep -q -E "writ|damaged" "$tmp/err" && { cat "$tmp/err"; fail "a failed read of the rollback point worded as a write or damage"; }
	snapshot "$tmp/after"
	same "$tmp/before" "$tmp/after" "a rollback that could not read its journal changed the host"

	echo "# a rollback whose journal cannot be retired, or whose retiring cannot be synced, stands"
	# (journal -> last is the rollback's last rename, the directory's fsync after it its last fsync)
	ASAN_OPTIONS=detect_leaks=0 strace -o "$tmp/trace" -e trace=fsync,renameat $F rollback --no-reload >/dev/null 2>&1 || fail "rollback under strace failed"
	for inject in "renameat:error=EIO:when=$(grep -c '^renameat(' "$tmp/trace")" "fsync:error=EIO:when=$(grep -c '^fsync(' "$tmp/trace")"; do
		expect_rc 0 $F apply --no-reload "$tmp/b.xml"
		expect_rc 0 env ASAN_OPTIONS=detect_leaks=0 strace -o /dev/null -e trace="${inject%%:*}" -e "inject=$inject" $F rollback --no-reload
		case $inject in
		renameat*) grep -q "rolled back, but its journal in '$state' could not be retired (Input/output error); the next run retires it" "$tmp/err" || { cat "$tmp/err"; fail "no word of the journal that could not be retired"; } ;;
		esac
		expect_rc 0 $F apply --no-reload "$tmp/a.xml"
		grep -q interrupted "$tmp/err" && { cat "$tmp/err"; fail "a completed rollback was undone ($inject)"; }
		said 'No changes' "the rollback did not stand ($inject)"
		[ ! -e "$state/journal" ] || fail "the rollback's journal was not retired ($inject)"
	done

	echo "# an older ftpcfg's state directory: nothing read, exit 1, the exact rm -r that clears it"
	fresh
	mkdir -p "$state/journal/files" "$state/last"
	chmod 0700 "$state"
	echo '{}' >"$state/journal/meta.json"
	echo '{"site": "x"}' >"$state/applied.json"
	echo '{}' >"$state/applied-ruleset.json"
	for cmd in "apply --no-reload $tmp/a.xml" "rollback --no-reload" status "diff $tmp/a.xml"; do
		# shellcheck disable=SC2086
		expect_rc 1 $F $cmd
		grep -q "holds files of an older ftpcfg (journal/, last/, applied.json, applied-ruleset.json)" "$tmp/err" || { cat "$tmp/err"; fail "$cmd: the older state is not named"; }
		grep -q "an apply of that ftpcfg was interrupted" "$tmp/err" || { cat "$tmp/err"; fail "$cmd: no word of the interrupted older apply"; }
		grep -q "(rm -r $state/journal $state/last $state/applied.json $state/applied-ruleset.json)" "$tmp/err" || { cat "$tmp/err"; fail "$cmd: not the rm -r that clears it"; }
	done
	[ -f "$state/journal/meta.json" ] && [ -f "$state/applied.json" ] || fail "the older state was touched"
	[ ! -e "$root/etc/vsftpd.conf" ] || fail "apply went on over an older state"
	# The command it gives, run as given, clears the way.
	sed -n 's/.*(\(rm -r [^)]*\)).*/\1/p' "$tmp/err" >"$tmp/rm.sh"
	sh "$tmp/rm.sh"
	expect_rc 0 $F apply --no-reload "$tmp/a.xml"
	expect_rc 0 $F diff "$tmp/a.xml"

	echo "# a reload that leaves a background process is not waited on (7)"
	fresh
	RELOAD="sleep 600 &amp; echo \$! &gt;$tmp/bg.pid" site "$tmp/bg.xml" 10.200.0.0/25
	expect_rc 0 env FTPCFG_CHILD_TIMEOUT_MS=20000 $F apply "$tmp/bg.xml"
	bg=$(cat "$tmp/bg.pid")
	kill "$bg" 2>/dev/null || true
	echo "# ... and a reload that outlives its time is killed with its whole group"
	RELOAD="sleep 600 &amp; echo \$! &gt;$tmp/bg2.pid; wait" PASV_MAX=40048 site "$tmp/slow.xml" 10.200.0.0/25
	expect_rc 1 env FTPCFG_CHILD_TIMEOUT_MS=1000 $F apply "$tmp/slow.xml"
	grep -q 'did not finish' "$tmp/err" || { cat "$tmp/err"; fail "no timeout"; }
	bg2=$(cat "$tmp/bg2.pid")
	i=0
	while kill -0 "$bg2" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 "$bg2" 2>/dev/null; then kill "$bg2"; fail "the reload's child outlived the timeout"; fi

	echo "# after a failed reload, undo reloads only the servers whose reload ran (17)"
	fresh
	cat >"$tmp/two.xml" <<-EOF2
	<site name="t" version="1">
	  <server name="one" daemon="vsftpd">
	    <config path="/etc/vsftpd.conf" reload="touch $tmp/one.reloaded; exit 3"/>
	    <listen address="10.200.0.1" port="21"/>
	    <passive min-port="40000" max-port="40049"/>
	  </server>
	  <server name="two" daemon="proftpd">
	    <config path="/etc/proftpd/proftpd.conf" reload="touch $tmp/two.reloaded"/>
	    <listen address="10.200.0.1" port="2121"/>
	    <passive min-port="41000" max-port="41049"/>
	  </server>
	</site>
	EOF2
	expect_rc 1 $F apply "$tmp/two.xml"
	[ -e "$tmp/one.reloaded" ] || fail "the first reload did not run"
	[ ! -e "$tmp/two.reloaded" ] || fail "undo reloaded a server whose reload never ran"
	echo "PASS"
}

netns_inner "$@"

need_netns
command -v jq >/dev/null 2>&1 || skip "jq is not installed"
netns_run
