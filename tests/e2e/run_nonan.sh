#!/bin/sh
# run_nonan.sh — the table format is for people: no "nan" in the rows or the summary of any
# problem, preset or shipped lesson (an undefined value reads "n/a", with its reason in the summary); a
# ratio whose σ_r is below the rank tolerance reads 0, saying so; trace2 at λ = 0 says X* is
# not unique (α = 0).
. "$top_srcdir/tests/e2e/run_lib.sh"

for a in "approx --m 12 --n 10 --rank 5" "sensing --m 8 --n 8" "regression --m 8 --n 6" \
	"trace2 --m 8 --n 8" "trace2 --m 8 --n 8 --lambda 0" "classify --m 4 --n 6" \
	"mlp --m 6 --n 5" "mlp --m 6 --n 5 --modules 2" "loud5 --rank 2" "sense2x2 --rank 1" \
	"approx --m 12 --n 10 --baseline off"; do
	set -- $a
	"$LORASCOPE" run --problem "$@" --steps 300 --every 100 --ab-samples 20 \
		>"$TMP/out.txt" 2>"$TMP/err.txt" || fail "$a: exit $? ($(cat "$TMP/err.txt"))"
	if grep -n -i -w 'nan' "$TMP/out.txt" >"$TMP/nan.txt"; then
		fail "$a: nan in the table: $(head -3 "$TMP/nan.txt")"
	fi
done
# The shipped lessons, played headless in the table format: no nan in captions, rows or summary
# (the demos' quick runs check theirs in demos/quick_*.sh).
for f in "$top_srcdir"/demos/lessons/*.lesson; do
	"$LORASCOPE" run --lesson "$f" >"$TMP/l.txt" 2>"$TMP/err.txt" ||
		fail "$(basename "$f"): exit $? ($(cat "$TMP/err.txt"))"
	if grep -n -i -w 'nan' "$TMP/l.txt" >"$TMP/nan.txt"; then
		fail "$(basename "$f"): nan in the table: $(head -3 "$TMP/nan.txt")"
	fi
done
# approx at its global minimum with r > r*: σ_r is noise, the ratio is 0 with the tolerance.
"$LORASCOPE" run --problem approx --m 12 --n 10 --true-rank 2 --rank 4 --lr 0.2 \
	--steps 3000 --every 3000 >"$TMP/a.txt" || fail "approx"
grep -q '^ratio  *0  .*below the rank tolerance 0.0001' "$TMP/a.txt" ||
	fail "approx: ratio not 0 below the tolerance: $(grep '^ratio' "$TMP/a.txt")"
# trace2, λ = 0: α = 0, the minimiser is not unique.
"$LORASCOPE" run --problem trace2 --m 12 --n 12 --lambda 0 --steps 400 --every 400 \
	>"$TMP/t.txt" || fail "trace2"
grep -q '^rstar .*X\* is not unique' "$TMP/t.txt" || fail "trace2 lambda 0: uniqueness unsaid"
echo "ok: no nan in the table of any problem"
