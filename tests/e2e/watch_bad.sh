#!/bin/sh
# watch_bad.sh — bad DIR, files and options of `lorascope watch`: exit status 2, exactly one
# line on stderr naming the file (or option), nothing on stdout, nothing written.
set -u
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work" "$work.out" "$work.err"' EXIT
MKRUN="$top_srcdir/tests/e2e/watch_mkrun.py"

python3 "$MKRUN" "$work/half" 100 200 --partial || fail "watch_mkrun.py"
python3 "$MKRUN" "$work/noconf" 100 || fail "watch_mkrun.py"
rm "$work/noconf/checkpoint-100/adapter_config.json"
python3 "$MKRUN" "$work/badstate" 100 || fail "watch_mkrun.py"
printf '{"log_history": [{"step": 1, "loss": "low"}]}' > "$work/badstate/trainer_state.json"
python3 "$MKRUN" "$work/nostate" 100 || fail "watch_mkrun.py"
rm "$work/nostate/checkpoint-100/trainer_state.json"
mkdir "$work/empty"
: > "$work/file"

check() { # text the message must contain, then the arguments of watch
	want=$1
	shift
	before=$(ls -R "$work")
	"$LORASCOPE" watch "$@" > "$work.out" 2> "$work.err"
	st=$?
	[ "$st" -eq 2 ] || fail "$*: exit status $st, expected 2"
	[ ! -s "$work.out" ] || fail "$*: wrote to stdout: $(cat "$work.out")"
	[ "$(wc -l < "$work.err")" -eq 1 ] || fail "$*: stderr is not one line: $(cat "$work.err")"
	grep -qF -e "$want" "$work.err" || fail "$*: message lacks '$want': $(cat "$work.err")"
	[ "$(ls -R "$work")" = "$before" ] || fail "$*: files were written"
}
check "missing: no such directory" "$work/missing" --once
check "file: not a directory" "$work/file" --once
check "empty: no checkpoints or adapters in this directory" "$work/empty" --once
check "half/checkpoint-200/adapter_model.safetensors" "$work/half" --once
check "checkpoint-100: no adapter_config.json" "$work/noconf" --once
check "badstate/trainer_state.json: log_history[0].loss is not a number" "$work/badstate" \
	--once --curves
check "nostate: no trainer_state.json" "$work/nostate" --once --curves
check "missing DIR" --once
check "use --once or --follow" "$work/half"
check "--once and --follow exclude each other" "$work/half" --once --follow
check "--interval" "$work/half" --follow --interval 0
check "--format" "$work/half" --once --format xml
check "--bogus: unknown option" "$work/half" --once --bogus
# The good checkpoint of a directory with a bad one is still shown by --follow (which waits
# for the other), and its first row is out before the signal.
"$LORASCOPE" watch "$work/half" --follow --format csv > "$work.out" 2> "$work.err" &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
[ $? -eq 130 ] || fail "--follow on a partial run: status"
[ "$(wc -l < "$work.out")" -eq 4 ] || fail "--follow on a partial run: $(cat "$work.out")"
[ ! -s "$work.err" ] || fail "--follow on a partial run: stderr $(cat "$work.err")"
exit 0
