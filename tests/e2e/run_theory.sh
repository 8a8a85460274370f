#!/bin/sh
# run_theory.sh — the Kim–Kim–Ryu instruments in `lorascope run`'s summary (MATH.md §3–§5, §9):
# loud5 (GENERIC, spurious minima) certified global from zero init and spurious from a large
# init; approx certified global; regression SPECIAL at kappa 1.5 and GENERIC at kappa 3 by its
# exact constants (lambda_min, lambda_max of Sigma); trace2 n/a (alpha = 0). The threshold
# column is 2α/β; a rank above a preset's own shape is refused naming --rank and the shape.
. "$top_srcdir/tests/e2e/run_lib.sh"

# value FILE KEY from a CSV summary ("# key: value").
csv_value() {
	awk -v k="# $2:" 'index($0, k) == 1 { print substr($0, length(k) + 2); exit }' "$1"
}
L5="--problem loud5 --rank 2 --lr 0.002 --lambda 0.03 --steps 200000 --every 200000"
"$LORASCOPE" run $L5 --init zero --format csv >"$TMP/zero.csv" || fail "loud5 zero init"
[ "$(csv_value "$TMP/zero.csv" verdict)" = global ] || fail "loud5 zero init: not global"
# Seed 1 with A, B ~ N(0, 2^2) ends at a spurious second-order stationary point: rank 2,
# f = 0.55-like loss, ‖X‖_F above the Corollary 1 bound.
"$LORASCOPE" run $L5 --init custom --init-a 2 --init-b 2 --seed 1 --format csv \
	>"$TMP/large.csv" || fail "loud5 large init"
[ "$(csv_value "$TMP/large.csv" verdict)" = spurious ] || fail "loud5 large init: not spurious"
[ "$(csv_value "$TMP/large.csv" regime)" = generic ] || fail "loud5: regime not generic"
[ "$(csv_value "$TMP/large.csv" contradiction)" = false ] || fail "loud5: contradiction"
# A sampled GENERIC is certain (2α ≤ 2α̂ ≤ β̂ ≤ β); α̂, β̂ and 2α̂/β̂ are estimates; the outer
# bounds λ_min/λ_max(∇²f) = 0.1297/5.3203 (MATH.md §9) are shown beside them.
[ "$(csv_value "$TMP/large.csv" regime_status)" = certain ] || fail "loud5: regime not certain"
[ "$(csv_value "$TMP/large.csv" threshold_status)" = estimated ] || fail "loud5: threshold"
close "$(csv_value "$TMP/large.csv" hessf_lmin)" 0.12969 0 5e-5 || fail "loud5: hessf_lmin"
close "$(csv_value "$TMP/large.csv" hessf_lmax)" 5.32031 0 5e-5 || fail "loud5: hessf_lmax"
"$LORASCOPE" run $L5 --init custom --init-a 2 --init-b 2 --seed 1 >"$TMP/large.txt" ||
	fail "loud5 large init, table"
grep -q '^regime  *GENERIC.*, certain' "$TMP/large.txt" || fail "loud5 table: not GENERIC certain"
grep -q '^alpha  *[0-9.]*  estimated' "$TMP/large.txt" || fail "loud5 table: alpha not estimated"
grep -q '^beta  *[0-9.]*  estimated' "$TMP/large.txt" || fail "loud5 table: beta not estimated"
grep -q '^hessf_lmin  *0.1296.*bound' "$TMP/large.txt" || fail "loud5 table: no lambda_min bound"
grep -q '^hessf_lmax  *5.3203.*bound' "$TMP/large.txt" || fail "loud5 table: no lambda_max bound"
nx=$(csv_value "$TMP/large.csv" norm_x)
bound=$(csv_value "$TMP/large.csv" cor1_bound)
awk -v a="$nx" -v b="$bound" 'BEGIN { exit !(a >= b && b > 0) }' ||
	fail "loud5 spurious: ‖X‖_F = $nx against the Corollary 1 bound $bound"
loss=$(csv_value "$TMP/large.csv" loss)
close "$loss" 0.55 0.2 0 || fail "loud5 spurious loss $loss, expected near 0.55"

# approx: α = β = 1 exactly (∇²f = I), SPECIAL, and GD reaches the global minimum.
"$LORASCOPE" run --problem approx --m 12 --n 10 --true-rank 2 --rank 4 --lr 0.2 \
	--steps 3000 --every 3000 --format csv >"$TMP/approx.csv" || fail "approx"
[ "$(csv_value "$TMP/approx.csv" verdict)" = global ] || fail "approx: not global"
[ "$(csv_value "$TMP/approx.csv" regime_exact)" = special ] || fail "approx: not special"
close "$(csv_value "$TMP/approx.csv" alpha_exact)" 1 0 1e-12 || fail "approx: alpha_exact"
close "$(csv_value "$TMP/approx.csv" alpha)" 1 1e-9 0 || fail "approx: alpha^ != 1"
close "$(csv_value "$TMP/approx.csv" threshold_exact)" 2 1e-12 0 || fail "approx: 2a/b != 2"
[ "$(csv_value "$TMP/approx.csv" regime_status)" = exact ] || fail "approx: regime not exact"
[ "$(csv_value "$TMP/approx.csv" threshold_status)" = exact ] || fail "approx: 2a/b not exact"

# regression: exact regime flips at κ = 2 (MATH.md §9); the row threshold is 2/κ.
for k in 1.5 3; do
	"$LORASCOPE" run --problem regression --m 12 --n 10 --true-rank 2 --rank 4 --kappa $k \
		--steps 200 --every 200 --format csv >"$TMP/reg$k.csv" || fail "regression κ=$k"
done
[ "$(csv_value "$TMP/reg1.5.csv" regime_exact)" = special ] || fail "regression κ=1.5 not special"
[ "$(csv_value "$TMP/reg3.csv" regime_exact)" = generic ] || fail "regression κ=3 not generic"
for k in 1.5 3; do
	[ "$(csv_value "$TMP/reg$k.csv" regime_status)" = exact ] || fail "regression κ=$k: not exact"
done
t=$(awk -F, '$1 == "200" { print $10 }' "$TMP/reg3.csv")
close "$t" 0.666666666667 1e-9 0 || fail "regression κ=3: row threshold $t, expected 2/3"
head -3 "$TMP/reg3.csv" | tail -1 | grep -q ',threshold,' || fail "no threshold column"

# trace2: α = 0, Theorem 1 does not apply.
"$LORASCOPE" run --problem trace2 --m 8 --n 8 --rank 2 --steps 100 --every 100 \
	>"$TMP/t2.txt" || fail "trace2"
# The table has one regime line, the regime used with its status (exact here).
grep -q '^regime  *Theorem 1 does not apply.*, exact' "$TMP/t2.txt" || fail "trace2: not n/a"
# MATH.md §9: say so rather than print a regime, whatever the samples (α̂ ≥ α) suggest.
grep -q '^regime  *Theorem 1 does not apply' "$TMP/t2.txt" ||
	fail "trace2: a regime is printed although alpha = 0 exactly"
grep -E -q '^regime .*(SPECIAL|GENERIC)' "$TMP/t2.txt" &&
	fail "trace2: SPECIAL/GENERIC printed although Theorem 1 does not apply"

# Two modules: the report is per module.
"$LORASCOPE" run --problem mlp --m 8 --n 6 --modules 2 --rank 2 --steps 50 --every 50 \
	--ab-samples 20 --lanczos-iters 30 --format jsonl >"$TMP/mlp.jsonl" || fail "mlp"
tail -1 "$TMP/mlp.jsonl" | grep -q '"alpha_1":' || fail "mlp: no per-module alpha_1"

# JSONL summary: valid JSON with the theory entries of both modules (when python3 is there).
if command -v python3 >/dev/null; then
	python3 -c 'import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
assert s["type"] == "summary" and "verdict" in s and "module_verdict_1" in s, s
assert s["ab_samples_0"] == 20 and s["regime_0"] in ("special", "generic", "n/a"), s' \
		"$TMP/mlp.jsonl" || fail "mlp: JSONL summary"
fi

# Presets keep their own shape: --rank 8 on loud5 (5x5) is refused, naming --rank and 5x5.
"$LORASCOPE" run --problem loud5 --rank 8 --steps 1 >/dev/null 2>"$TMP/r.err"
[ $? -eq 2 ] || fail "loud5 --rank 8: exit status not 2"
grep -q -- '--rank.*5x5' "$TMP/r.err" || fail "loud5 --rank 8: message '$(cat "$TMP/r.err")'"
"$LORASCOPE" run --problem sense2x2 --rank 1 --steps 1 | grep -q '^# problem sense2x2: 2x2' ||
	fail "sense2x2: header does not print the real shape"
exit 0
