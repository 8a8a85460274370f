#!/bin/sh
# watch_follow.sh — `lorascope watch DIR --follow`, with inotify and with --poll: the rows of
# the checkpoints there at once; a checkpoint moved in half-written prints nothing; once
# its weights are complete its rows appear within 2 s; a deleted checkpoint is dropped
# quietly; SIGINT (then SIGTERM) ends it within 1 s, exit 130 (143), every line whole.
set -u
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d) || exit 1
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
MKRUN="$top_srcdir/tests/e2e/watch_mkrun.py"

lines() { wc -l < "$1" | tr -d ' '; }

# Wait up to $3 tenths of a second for file $1 to have $2 lines.
wait_lines() {
	i=0
	while [ "$(lines "$1")" -lt "$2" ]; do
		i=$((i + 1))
		[ "$i" -le "$3" ] || return 1
		sleep 0.1
	done
}

follow() { # name, signal, expected status, extra options
	name=$1 sig=$2 want=$3
	shift 3
	d="$work/$name"
	python3 "$MKRUN" "$d/run" 100 200 || fail "watch_mkrun.py"
	python3 "$MKRUN" "$d/next" 100 200 300 400 || fail "watch_mkrun.py"
	python3 "$MKRUN" "$d/half" 100 200 300 --partial || fail "watch_mkrun.py"
	"$LORASCOPE" watch "$d/run" --follow --format jsonl "$@" > "$d/out" 2> "$d/err" &
	pid=$!
	wait_lines "$d/out" 6 50 || fail "$name: the first rows: $(cat "$d/out" "$d/err")"
	# A save in progress: moved in with its weights cut short. Nothing new is printed.
	mv "$d/half/checkpoint-300" "$d/run/"
	sleep 1.5
	[ "$(lines "$d/out")" -eq 6 ] || fail "$name: a half-written checkpoint was shown"
	# Its weights complete (written in place): the rows within 2 s.
	cat "$d/next/checkpoint-300/adapter_model.safetensors" \
		> "$d/run/checkpoint-300/adapter_model.safetensors"
	wait_lines "$d/out" 9 20 || fail "$name: checkpoint-300 not shown within 2 s"
	# save_total_limit: the oldest goes, the next save comes (renamed in, as the Trainer's
	# staging directory is).
	rm -rf "$d/run/checkpoint-100"
	mv "$d/next/checkpoint-400" "$d/run/tmp-checkpoint-400"
	mv "$d/run/tmp-checkpoint-400" "$d/run/checkpoint-400"
	wait_lines "$d/out" 12 20 || fail "$name: checkpoint-400 not shown within 2 s"
	kill -s "$sig" "$pid"
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le 10 ] || fail "$name: still running 1 s after SIG$sig"
		sleep 0.1
	done
	wait "$pid"
	st=$?
	pid=
	[ "$st" -eq "$want" ] || fail "$name: exit status $st after SIG$sig, expected $want"
	[ ! -s "$d/err" ] || fail "$name: stderr: $(cat "$d/err")"
	python3 - "$d/out" <<'PY' || fail "$name: rows"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
steps = [r["step"] for r in rows]
assert steps == [100] * 3 + [200] * 3 + [300] * 3 + [400] * 3, steps
# checkpoint-300 against 200, checkpoint-400 against 300: both turned by 10 degrees.
assert all(abs(r["max_angle"] - 10) < 1e-4 for r in rows[6:]), rows[6:]
PY
}

# A long interval: only inotify can show the new checkpoints in time.
follow inotify INT 130 --interval 30
follow poll TERM 143 --poll --interval 0.2
exit 0
