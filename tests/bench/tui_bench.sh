#!/bin/sh
# tui_bench.sh — `make bench` figures for the TUI, from its --stats report, in tmux:
#   1. key latency (p50/p95/max) while training a 2048×2048 rank 16 approx problem with no
#      speed cap, from 60 λ and η keys sent 100 ms apart; frame times at 200×50 meanwhile.
#      "keys": key read → the first frame showing its change written to the terminal (the
#      new value, marked pending until the worker has it); "applied": → the first frame
#      with the worker's result (the training thread finishes its step, applies, publishes);
#   2. the same with a competing CPU hog on every core (one busy shell loop per processor,
#      started and killed here); each row with the load average at its end;
#   3. frame draw time at 200×50 on a small problem (the drawing cost alone).
# Targets (issues 4 and 14): key latency p95 ≤ 50 ms, also under the hog; frame ≤ 2 ms at
# 200×50. Prints, never fails on timing; exits 77 without tmux.
command -v tmux >/dev/null 2>&1 || { echo "tmux not installed: skipping"; exit 77; }
LORASCOPE=${LORASCOPE:-./lorascope}
export TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8
SOCK="lorascope-bench-$$"
TMP=$(mktemp -d)
HOGS=""
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; [ -n "$HOGS" ] && kill $HOGS; rm -rf "$TMP"' EXIT

# One busy loop per processor, their pids in HOGS; hog_stop kills exactly those.
hog_start() {
	n=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
	i=0
	while [ $i -lt "$n" ]; do
		sh -c 'while :; do :; done' &
		HOGS="$HOGS $!"
		i=$((i + 1))
	done
}
hog_stop() {
	[ -n "$HOGS" ] && kill $HOGS
	wait 2>/dev/null
	HOGS=""
}

wait_for() {
	i=0
	until tmux -L "$SOCK" capture-pane -p | grep -Eq "$1"; do
		i=$((i + 1))
		[ $i -gt 600 ] && { echo "bench: timed out waiting for $1"; exit 1; }
		sleep 0.1
	done
}

run() {
	label=$1; shift
	tmux -L "$SOCK" -f /dev/null new-session -d -x 200 -y 50 \
		"'$LORASCOPE' --no-config --stats '$TMP/stats' $*; echo EXITED \$?; sleep 30"
	wait_for 'RUNNING'
	sleep 1
	k=0
	while [ $k -lt 30 ]; do
		tmux -L "$SOCK" send-keys L
		sleep 0.1
		tmux -L "$SOCK" send-keys l
		sleep 0.1
		k=$((k + 1))
	done
	tmux -L "$SOCK" send-keys q
	wait_for '^EXITED'
	tmux -L "$SOCK" kill-server
	echo "$label:"
	sed 's/^/  /' "$TMP/stats"
	echo "  load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
	rm -f "$TMP/stats"
}

echo "lorascope TUI bench (200x50 terminal, --delay 50; times in ms)"
BIG="--problem approx --m 2048 --n 2048 --rank 16 --speed 0"
run "training approx 2048x2048 rank 16, no speed cap (key latency while training)" $BIG
hog_start
run "the same with a CPU hog on every core ($(echo $HOGS | wc -w) busy loops)" $BIG
hog_stop
run "small problem approx 64x64, no speed cap (frame draw cost)" --problem approx --m 64 --n 64 \
	--speed 0
run "small problem approx 64x64 at the default speed cap (latency while paced)" \
	--problem approx --m 64 --n 64
