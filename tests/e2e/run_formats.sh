#!/bin/sh
# run_formats.sh — the three output formats: CSV rows have the header's column count and
# end with '# key: value' summary lines; every JSONL line is a JSON object (checked by
# python3's json module when present) with a final summary object.
. "$top_srcdir/tests/e2e/run_lib.sh"

args="--m 16 --n 12 --rank 5 --steps 250 --every 50"
"$LORASCOPE" run $args --format csv >"$TMP/o.csv" || fail "csv run"
ncol=$(grep -v '^#' "$TMP/o.csv" | head -1 | awk -F, '{ print NF }')
[ "$ncol" -ge 10 ] || fail "csv: header has $ncol columns"
grep -v '^#' "$TMP/o.csv" | awk -F, -v n="$ncol" 'NF != n { bad = 1 } END { exit bad }' ||
	fail "csv: a row has the wrong column count"
nrows=$(grep -v '^#' "$TMP/o.csv" | tail -n +2 | wc -l)
[ "$nrows" -eq 6 ] || fail "csv: $nrows rows, expected 6"
for k in steps loss reg_loss grad_norm rank rstar dist_star floor steps_per_sec diverged; do
	grep -q "^# $k: " "$TMP/o.csv" || fail "csv: summary key $k missing"
done
grep -v '^#' "$TMP/o.csv" | head -1 | grep -q '^step,loss,reg_loss,grad_norm' ||
	fail "csv: header"

"$LORASCOPE" run $args --format jsonl >"$TMP/o.jsonl" || fail "jsonl run"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$TMP/o.jsonl" <<'PY' || fail "jsonl: invalid"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
objs = [json.loads(l) for l in lines]
assert objs[0]["type"] == "config" and objs[0]["problem"] == "approx", objs[0]
rows = [o for o in objs if o["type"] == "row"]
assert [r["step"] for r in rows] == [0, 50, 100, 150, 200, 250], rows
s = objs[-1]
assert s["type"] == "summary", s
for k in ("steps", "loss", "reg_loss", "grad_norm", "rank", "rstar", "dist_star", "floor",
          "steps_per_sec", "diverged"):
    assert k in s, k
assert s["diverged"] is False and s["steps"] == 250
PY
else
	awk '!/^\{.*\}$/ { bad = 1 } END { exit bad }' "$TMP/o.jsonl" || fail "jsonl: not objects"
	tail -1 "$TMP/o.jsonl" | grep -q '"type":"summary"' || fail "jsonl: no summary"
fi

"$LORASCOPE" run $args --format table >"$TMP/o.txt" || fail "table run"
# Table rows are aligned: every numeric row has as many fields as the column header.
hdr=$(grep -v '^#' "$TMP/o.txt" | head -1 | awk '{ print NF }')
awk -v n="$hdr" '$1 ~ /^[0-9]+$/ && NF == n { c++ } END { exit c != 6 }' "$TMP/o.txt" ||
	fail "table: rows"
exit 0
