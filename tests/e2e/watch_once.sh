#!/bin/sh
# watch_once.sh — `lorascope watch DIR --once` on runs with known factors (watch_mkrun.py):
# every row's |dW|_F, |dW|_2, drift and largest principal angle against the values computed
# by the script on the dense dW (pure Python); the reason where drift is not defined; valid
# JSONL; --curves equal to log_history; a BF16 run; a directory of adapters.
set -u
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
MKRUN="$top_srcdir/tests/e2e/watch_mkrun.py"

compare() { # expect file, watch CSV output
	python3 - "$1" "$2" <<'PY' || exit 1
import csv, math, sys
want = [l.rstrip("\n").split(",") for l in open(sys.argv[1])]
got = list(csv.DictReader(open(sys.argv[2])))
if len(got) != len(want):
    sys.exit("FAIL: %d rows, expected %d" % (len(got), len(want)))
def close(a, b, tol):
    return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b)))
for g, (step, mod, fro, spec, drift, angle) in zip(got, want):
    where = "%s %s" % (g["checkpoint"], g["module"])
    if g["step"] != step or g["module"] != mod:
        sys.exit("FAIL: row %s, expected %s %s" % (where, step, mod))
    if not close(g["fro"], fro, 1e-9) or not close(g["spec"], spec, 1e-9):
        sys.exit("FAIL: %s: fro %s spec %s, expected %s %s" % (where, g["fro"], g["spec"], fro, spec))
    if drift:
        if not close(g["drift"], drift, 1e-9) or not close(g["max_angle"], angle, 1e-7):
            sys.exit("FAIL: %s: drift %s angle %s, expected %s %s"
                     % (where, g["drift"], g["max_angle"], drift, angle))
    elif g["drift"] != "first checkpoint":
        sys.exit("FAIL: %s: drift '%s', expected the reason" % (where, g["drift"]))
PY
}

python3 "$MKRUN" "$work/run" 50 100 150 1000 --modules 3 --theta 7.5 --expect "$work/expect" ||
	fail "watch_mkrun.py"
"$LORASCOPE" watch "$work/run" --once --format csv > "$work/out.csv" || fail "--once csv"
compare "$work/expect" "$work/out.csv"
[ "$(sed -n 2p "$work/out.csv" | cut -d, -f1-3)" = "50,checkpoint-50,model.layers.0.self_attn.q_proj" ] ||
	fail "first row: $(sed -n 2p "$work/out.csv")"
[ "$(tail -n 1 "$work/out.csv" | cut -d, -f2)" = checkpoint-1000 ] || fail "natural order"

# JSONL: one object a row, null drift with its reason, the numbers as in CSV.
"$LORASCOPE" watch "$work/run" --once --format jsonl --sigma > "$work/out.jsonl" || fail "jsonl"
python3 - "$work/out.jsonl" <<'PY' || exit 1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 12, len(rows)
assert all(r["type"] == "module" for r in rows)
assert rows[0]["drift"] is None and rows[0]["drift_why"] == "first checkpoint"
assert rows[3]["drift"] > 0 and "drift_why" not in rows[3]
assert abs(rows[11]["max_angle"] - 7.5) < 1e-4, rows[11]
assert rows[2]["sigma"] == [24, 18, 12, 6], rows[2]["sigma"]   # s*(l+1)*(r-i), l = 2
assert rows[0]["out"] == 12 and rows[0]["in"] == 10 and rows[0]["r"] == 4
PY

# The table: a header, a row each, the reason in words.
"$LORASCOPE" watch "$work/run" --once > "$work/out.txt" || fail "table"
[ "$(wc -l < "$work/out.txt")" -eq 13 ] || fail "table rows: $(cat "$work/out.txt")"
head -n 1 "$work/out.txt" | grep -q 'step.*checkpoint.*module.*fro.*drift.*max_angle.*flags' ||
	fail "table header: $(head -n 1 "$work/out.txt")"
grep -q 'checkpoint-50 .*first checkpoint' "$work/out.txt" || fail "no reason in the table"
! grep -qi 'nan' "$work/out.txt" || fail "nan in the table"

# --curves: the rows of log_history of the newest trainer_state.json, exactly.
"$LORASCOPE" watch "$work/run" --once --curves --format csv > "$work/curves.csv" || fail "curves"
python3 - "$work/run/checkpoint-1000/trainer_state.json" "$work/curves.csv" <<'PY' || exit 1
import csv, json, math, sys
log = json.load(open(sys.argv[1]))["log_history"]
got = list(csv.DictReader(open(sys.argv[2])))
assert len(got) == len(log) == 8, (len(got), len(log))
for e, g in zip(log, got):
    for k in ("step", "epoch", "loss", "eval_loss", "grad_norm", "learning_rate"):
        if k in e:
            assert float(g[k]) == float(e[k]), (k, g[k], e[k])
        else:
            assert g[k] == "nan", (k, g[k])
PY

# BF16 factors: the same figures from the values as stored.
python3 "$MKRUN" "$work/bf" 10 20 --dtype BF16 --theta 30 --expect "$work/expect.bf" ||
	fail "watch_mkrun.py BF16"
"$LORASCOPE" watch "$work/bf" --once --format csv > "$work/bf.csv" || fail "--once BF16"
compare "$work/expect.bf" "$work/bf.csv"

# A directory of adapters under other names: natural order, no step.
mkdir "$work/adapters"
mv "$work/run/checkpoint-100" "$work/adapters/lr-10"
mv "$work/run/checkpoint-50" "$work/adapters/lr-9"
"$LORASCOPE" watch "$work/adapters" --once --format csv > "$work/ad.csv" || fail "adapters"
[ "$(cut -d, -f1,2 "$work/ad.csv" | sed -n '2p;5p' | tr '\n' ' ')" = "-,lr-9 -,lr-10 " ] ||
	fail "adapter directories: $(cat "$work/ad.csv")"
# DIR itself one adapter.
"$LORASCOPE" watch "$work/adapters/lr-10" --once --format csv > "$work/one.csv" || fail "one"
[ "$(wc -l < "$work/one.csv")" -eq 4 ] && grep -q '^-,lr-10,' "$work/one.csv" ||
	fail "DIR as the adapter: $(cat "$work/one.csv")"
exit 0
