#!/bin/sh
# run_trace.sh — `run --trace FILE`: the first lines carry every parameter (CSV "# name=value",
# JSONL {"lorascope", "params"}), the rows are the printed rows with 17 digits, the format
# follows the extension, and a run that fails writes no trace.
. "$top_srcdir/tests/e2e/run_lib.sh"

P="--problem approx --m 10 --n 8 --true-rank 2 --rank 3 --lambda 0.25 --seed 7 --steps 400
   --every 100 --no-timing"
"$LORASCOPE" run $P --trace "$TMP/t.csv" --format csv >"$TMP/out.csv" || fail "csv trace run"
head -1 "$TMP/t.csv" | grep -q '^# lorascope ' || fail "csv trace: no version line"
for kv in problem=approx m=10 n=8 rank=3 lambda=0.25 seed=7 optimizer=gd run.steps=400 \
	run.shape=10x8 run.every=100; do
	grep -qx "# $kv" "$TMP/t.csv" || fail "csv trace: no '# $kv' line"
done
# Every parameter of --help (the groups before "run:") has its line in the trace.
"$LORASCOPE" run --help | sed '/^run:/,$d' | awk '$1 ~ /^--/ { sub(/^--/, "", $1); print $1 }' \
	>"$TMP/names"
[ "$(wc -l <"$TMP/names")" -ge 30 ] || fail "--help lists too few parameters"
while read -r p; do
	grep -q "^# $p=" "$TMP/t.csv" || fail "csv trace: parameter $p missing"
done <"$TMP/names"
rows=$(grep -c '^[0-9]' "$TMP/t.csv")
[ "$rows" -eq 5 ] || fail "csv trace: $rows rows, expected 5"
# The same steps as stdout; the trace has more digits, the values agree.
l1=$(awk -F, '$1 == "400" { print $2 }' "$TMP/t.csv")
l2=$(awk -F, '$1 == "400" { print $2 }' "$TMP/out.csv")
close "$l1" "$l2" 1e-11 0 || fail "csv trace: loss $l1 vs stdout $l2"

"$LORASCOPE" run $P --trace "$TMP/t.jsonl" >/dev/null || fail "jsonl trace run"
if command -v python3 >/dev/null; then
	python3 -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
h = lines[0]
assert h["lorascope"] and h["params"]["lambda"] == "0.25" and h["run"]["steps"] == "400", h
rows = [l for l in lines[1:] if l["type"] == "row"]
assert [r["step"] for r in rows] == [0, 100, 200, 300, 400], rows' "$TMP/t.jsonl" ||
		fail "jsonl trace content"
fi
# Without a known extension the trace follows --format (csv for table).
"$LORASCOPE" run $P --trace "$TMP/t.log" >/dev/null || fail "trace with an unknown extension"
head -1 "$TMP/t.log" | grep -q '^# lorascope' || fail "trace with an unknown extension: not CSV"
# A run that cannot start writes nothing.
"$LORASCOPE" run --problem loud5 --rank 9 --trace "$TMP/no.csv" >/dev/null 2>&1 && fail "bad rank"
[ ! -e "$TMP/no.csv" ] || fail "a failed run left a trace"
# A trace into a missing directory: exit 1, a message naming it.
"$LORASCOPE" run --steps 3 --trace "$TMP/none/t.csv" >/dev/null 2>"$TMP/e" && fail "missing dir"
grep -q "none/t.csv" "$TMP/e" || fail "trace error does not name the file: $(cat "$TMP/e")"
exit 0
