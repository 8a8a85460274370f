#!/bin/sh
# run_lesson.sh — `run --lesson FILE` plays every shipped lesson headless to its end (exit 0,
# captions printed in all three formats, pauses ignored, every "{field}" of a caption replaced
# by a defined value); a bad lesson prints FILE:LINE:COL.
. "$top_srcdir/tests/e2e/run_lib.sh"

for f in "$top_srcdir"/demos/lessons/*.lesson; do
	name=$(basename "$f")
	"$LORASCOPE" run --lesson "$f" --every 1000 --no-timing --format csv >"$TMP/l.csv" \
		2>"$TMP/e" || fail "$name: exit $? ($(cat "$TMP/e"))"
	want=$(grep -c '^[^#]*caption' "$f")
	got=$(grep -c '^# caption: \[step [0-9]*\] ' "$TMP/l.csv")
	[ "$got" -ge 1 ] || fail "$name: no caption printed"
	[ "$got" -le "$want" ] || fail "$name: $got captions, the file has $want"
	if grep -q '^[^#]*stop' "$f"; then
		grep -q '^# lesson: \[step [0-9]*\] stop' "$TMP/l.csv" || fail "$name: did not stop"
	fi
	grep -q '^# diverged: false' "$TMP/l.csv" || fail "$name: no summary"
	# Every caption field is replaced, by a defined value.
	if grep '^# caption: ' "$TMP/l.csv" | grep -Eq '\{[a-z_]+\}|n/a'; then
		fail "$name: a caption field left or undefined: $(grep '^# caption: ' "$TMP/l.csv" |
			grep -E '\{[a-z_]+\}|n/a')"
	fi
done
# Table and JSON Lines print the captions too; a short --steps ends the lesson early.
f="$top_srcdir/demos/lessons/weight-decay.lesson"
"$LORASCOPE" run --lesson "$f" --steps 100 --every 50 >"$TMP/l.txt" || fail "table"
grep -q '^caption \[step 0\] ' "$TMP/l.txt" || fail "table: no caption line"
grep -q '^steps  *100$' "$TMP/l.txt" || fail "table: --steps 100 not honoured"
"$LORASCOPE" run --lesson "$f" --steps 100 --format jsonl >"$TMP/l.jsonl" || fail "jsonl"
grep -q '"type":"event","kind":"caption","step":0' "$TMP/l.jsonl" || fail "jsonl: no caption"
if command -v python3 >/dev/null; then
	python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/l.jsonl" ||
		fail "jsonl: invalid JSON"
fi
# Parse errors: FILE:LINE:COL: message, exit 2.
printf 'set rank 4\nat 10: bogus\n' >"$TMP/bad.lesson"
"$LORASCOPE" run --lesson "$TMP/bad.lesson" >/dev/null 2>"$TMP/e"
[ $? -eq 2 ] || fail "bad lesson: exit status not 2"
grep -q "^$TMP/bad.lesson:2:8: " "$TMP/e" || fail "bad lesson: message '$(cat "$TMP/e")'"
"$LORASCOPE" run --lesson "$TMP/missing.lesson" >/dev/null 2>"$TMP/e"
[ $? -eq 2 ] || fail "missing lesson: exit status not 2"
grep -q "missing.lesson" "$TMP/e" || fail "missing lesson: message does not name it"
exit 0
