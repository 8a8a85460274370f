#!/bin/sh
# run_summary.sh — every problem runs headless to a summary with the expected keys, and the
# numbers known in advance come out: approx with λ reaches the baseline's loss floor (the
# global minimum of f + λ‖X‖_*, MATH.md §3) with r = r* = the planted rank, X → X*.
. "$top_srcdir/tests/e2e/run_lib.sh"

for p in approx sensing regression trace2; do
	n=10
	[ $p = trace2 ] && n=12 # trace2 needs a square W0
	"$LORASCOPE" run --problem $p --m 12 --n $n --true-rank 2 --rank 4 --steps 300 \
		--every 100 >"$TMP/$p.txt" 2>"$TMP/$p.err" || fail "$p: exit $? ($(cat "$TMP/$p.err"))"
	for k in steps loss reg_loss grad_norm rank r rstar dist_star floor steps_per_sec diverged; do
		v=$(summary_value "$TMP/$p.txt" $k)
		[ -n "$v" ] || fail "$p: summary key '$k' missing"
	done
	[ "$(summary_value "$TMP/$p.txt" steps)" = 300 ] || fail "$p: wrong step count"
	[ "$(summary_value "$TMP/$p.txt" diverged)" = false ] || fail "$p: diverged"
	# header comment + column header + rows at 0, 100, 200, 300
	rows=$(awk 'NF > 0 && $1 ~ /^[0-9]+$/' "$TMP/$p.txt" | wc -l)
	[ "$rows" -eq 4 ] || fail "$p: $rows rows, expected 4"
done

# approx: planted σ = 2, 1.4, 0.98 (decay 0.7); λ = 0.5 keeps three directions (r* = 3).
"$LORASCOPE" run --problem approx --m 30 --n 20 --true-rank 3 --rank 6 --lambda 0.5 \
	--lr 0.1 --steps 3000 --every 3000 >"$TMP/a.txt" || fail "approx run"
g=$(summary_value "$TMP/a.txt" reg_loss)
floor=$(summary_value "$TMP/a.txt" floor)
close "$g" "$floor" 1e-8 1e-10 || fail "approx: g = $g does not reach the floor $floor"
# The floor in closed form: Σ_{i>3} 0 + Σ_i ½λ² + λ(σ_i − λ) = ½·3·0.25 + 0.5·(1.5+0.9+0.48).
close "$floor" 1.815 1e-9 0 || fail "approx: floor $floor, expected 1.815"
[ "$(summary_value "$TMP/a.txt" rstar)" = 3 ] || fail "approx: r* != 3"
[ "$(summary_value "$TMP/a.txt" rank)" = 3 ] || fail "approx: numerical rank != 3"
[ "$(summary_value "$TMP/a.txt" baseline)" = certified ] || fail "approx: baseline not certified"
d=$(summary_value "$TMP/a.txt" dist_star)
close "$d" 0 0 1e-6 || fail "approx: ‖X − X*‖ = $d"

# Mu–Klabjan step (MATH.md §6): the descent inequality is checked on every step and holds.
"$LORASCOPE" run --problem regression --m 10 --n 8 --rank 3 --optimizer mk --steps 400 \
	--every 400 >"$TMP/mk.txt" || fail "mk run"
[ "$(summary_value "$TMP/mk.txt" mk_checks)" = 400 ] || fail "mk: not every step was checked"
[ "$(summary_value "$TMP/mk.txt" mk_failures)" = 0 ] || fail "mk: the descent inequality failed"

# AdamW's decoupled decay does not seek the stationary points of f + λ|X|_*: its summary says so
# beside a "not stationary yet" that would never end; other optimisers carry no such note.
"$LORASCOPE" run --m 12 --n 10 --optimizer adamw --steps 300 --every 300 >"$TMP/aw.txt" ||
	fail "adamw run"
grep -q '^optimizer_note  *adamw decays A, B apart from the gradient' "$TMP/aw.txt" ||
	fail "adamw: no optimizer_note in the summary"
grep -q '^optimizer_note' "$TMP/mk.txt" && fail "mk: an adamw note in its summary"
exit 0
