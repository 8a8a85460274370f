#!/bin/sh
# first_frame.sh — `make bench` figure: the TUI's first frame, ms from the start of the
# program to the end of its first frame (the "first-frame" line of its --stats report: until
# the problem is made, that frame says what is being made) and of the first frame with the
# problem in it ("ready-frame"), per problem and preset at its default size, on mlp with two
# modules and a 100000x3 approx target (issue 14: ≤ 200 ms whatever the size; the baseline X* is computed in the background, so
# the time until X* is shown as well). Prints, never fails on timing; exits 77 without tmux.
command -v tmux >/dev/null 2>&1 || { echo "tmux not installed: skipping"; exit 77; }
LORASCOPE=${LORASCOPE:-./lorascope}
export TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8
SOCK="lorascope-ff-$$"
TMP=$(mktemp -d)
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
now() { date +%s.%N; }

# Seconds until the screen shows $1 (at most 60 s; "-" when it never does).
wait_for() {
	t0=$1; shift
	i=0
	until tmux -L "$SOCK" capture-pane -p | grep -Eq "$1"; do
		i=$((i + 1))
		[ $i -gt 1200 ] && { echo "-"; return; }
		sleep 0.05
	done
	awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'
}

one() {
	label=$1; shift
	t0=$(now)
	tmux -L "$SOCK" -f /dev/null new-session -d -x 200 -y 50 \
		"'$LORASCOPE' --no-config --stats '$TMP/stats' $*; echo EXITED \$?; sleep 30"
	xstar=$(wait_for "$t0" 'f\(X\*\) floor|regime: no baseline')
	tmux -L "$SOCK" send-keys q
	wait_for "$t0" '^EXITED' >/dev/null
	tmux -L "$SOCK" kill-server
	ff=$(sed -n 's/^first-frame ms //p' "$TMP/stats")
	ready=$(sed -n 's/^ready-frame ms //p' "$TMP/stats")
	printf "%-34s %9s ms %11s ms %12s s\n" "$label" "${ff:-?}" "${ready:-?}" "$xstar"
	rm -f "$TMP/stats"
}

echo "lorascope TUI first frame (200x50; target <= 200 ms; load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf "%-34s %12s %14s %14s\n" "problem" "first frame" "problem shown" "X* shown"
for p in approx sensing regression trace2 classify mlp loud5 sense2x2; do
	one "$p" --problem "$p"
done
one "mlp --modules 2" --problem mlp --modules 2
one "approx 100000x3 r2" --problem approx --m 100000 --n 3 --rank 2 --true-rank 2
