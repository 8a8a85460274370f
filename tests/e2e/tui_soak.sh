#!/bin/sh
# tui_soak.sh — random use of the TUI on a 512x512 problem (issue 13): keys of every action,
# unknown keys, F2 edits with good and bad values, resizes (down to too-small), problem
# switches; SOAK_ACTIONS of them (300 in make check, 10000 in make soak), from SOAK_SEED.
# Afterwards q still quits with status 0 and the terminal is restored (no alternate screen);
# under the sanitizers LeakSanitizer reports any leak at exit. With SOAK_RSS=1 (make soak) the
# resident memory over the second half must also stay within 10 % (RSS sampled every tenth):
# a short walk may meet its largest state late, so make check does not ask that.
. "$top_srcdir/tests/e2e/tui_lib.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
n=${SOAK_ACTIONS:-300}
seed=${SOAK_SEED:-1}
# Under AddressSanitizer freed memory sits in a quarantine that grows to 256 MB by default:
# keep it small so the memory measured is the program's.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"

tui_start 120 40 --m 512 --n 512 --rank 8 --baseline off
tui_wait 'RUNNING' 60
pane=$(tmux -L "$SOCK" display -p '#{pane_pid}')
pid=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
	pid=$(pgrep -P "$pane" lorascope | head -n 1)
	[ -n "$pid" ] && break
	sleep 0.2
done
[ -n "$pid" ] || fail "no lorascope process under the pane"
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null; }

# The plan: one action a line, drawn by awk from the seed (the same run every time).
awk -v n="$n" -v seed="$seed" 'BEGIN {
	srand(seed)
	split("Space n x k + - l L e E r R i I o p b g m ? C-l s w a z 9 Left Right Up Down PgUp PgDn Home End Escape F5", keys, " ")
	nk = 0; for (i in keys) nk++
	split("0.01 0.5 3 abc -1 1e9 nan", vals, " ")
	split("120x40 80x24 60x16 200x50 100x30", sizes, " ")
	for (a = 0; a < n; a++) {
		u = rand()
		if (u < 0.80) print "key " keys[int(rand() * nk) + 1]
		else if (u < 0.90) print "f2 " int(rand() * 12) " " vals[int(rand() * 7) + 1]
		else if (u < 0.97) print "size " sizes[int(rand() * 5) + 1]
		else print "key p"
	}
}' >"$TUI_TMP/plan"

samples=""
i=0
while read -r kind a b; do
	case $kind in
	key) tui_keys "$a" ;;
	f2)
		tui_keys F2
		k=0
		while [ "$k" -lt "$a" ]; do tui_keys Down; k=$((k + 1)); done
		tui_keys -l -- "$b"
		tui_keys Enter Escape
		;;
	size) tmux -L "$SOCK" resize-window -x "${a%x*}" -y "${a#*x}" ;;
	esac
	i=$((i + 1))
	kill -0 "$pid" 2>/dev/null || { tui_screen; fail "lorascope died after action $i ($kind $a $b)"; }
	if [ $((i % (n / 10 > 0 ? n / 10 : 1))) -eq 0 ]; then
		sleep 0.2
		samples="$samples $(rss)"
	fi
done <"$TUI_TMP/plan"

# Out of whatever state the plan left: close a form or the help, then quit.
tmux -L "$SOCK" resize-window -x 120 -y 40
tui_keys Escape Escape
sleep 0.3
tui_keys q
tui_wait 'EXITED 0' 30
[ "$(tmux -L "$SOCK" display -p '#{alternate_on}')" = 0 ] || fail "the terminal was not restored"
# Memory over the second half of the samples: max within 10 % of min.
[ "${SOAK_RSS:-0}" = 1 ] || { echo "$n random actions survived; q exits 0, terminal restored (RSS:$samples kB)"; exit 0; }
echo "$samples" | awk '{
	h = int(NF / 2) + 1; lo = $h; hi = $h
	for (i = h; i <= NF; i++) { if ($i < lo) lo = $i; if ($i > hi) hi = $i }
	printf "RSS (kB) at each tenth:%s; second half %d..%d\n", $0, lo, hi
	exit !(hi <= 1.10 * lo) }' || fail "RSS grew more than 10 % over the second half"
echo "$n random actions survived; q exits 0, terminal restored"
