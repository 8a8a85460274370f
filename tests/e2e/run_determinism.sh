#!/bin/sh
# run_determinism.sh — the same options give byte-identical output (with --no-timing, the
# only non-deterministic column is gone); a different seed gives a different run.
. "$top_srcdir/tests/e2e/run_lib.sh"

for fmt in table csv jsonl; do
	args="--m 14 --n 11 --rank 4 --optimizer adam --lr 0.01 --steps 200 --every 20 --no-timing"
	"$LORASCOPE" run $args --format $fmt >"$TMP/1.$fmt" || fail "run 1"
	"$LORASCOPE" run $args --format $fmt >"$TMP/2.$fmt" || fail "run 2"
	cmp -s "$TMP/1.$fmt" "$TMP/2.$fmt" || fail "$fmt: same seed, different output"
	grep -q steps_per_sec "$TMP/1.$fmt" && fail "$fmt: --no-timing still prints steps/s"
	"$LORASCOPE" run $args --format $fmt --seed 7 >"$TMP/3.$fmt" || fail "run 3"
	cmp -s "$TMP/1.$fmt" "$TMP/3.$fmt" && fail "$fmt: seed 7 gives the same output as seed 1"
done
# The sgd optimiser draws mini-batches: still reproducible.
args="--problem regression --m 8 --n 6 --rank 3 --optimizer sgd --batch 8 --steps 100 --every 50 --no-timing"
"$LORASCOPE" run $args >"$TMP/s1" || fail "sgd run"
"$LORASCOPE" run $args >"$TMP/s2" || fail "sgd run"
cmp -s "$TMP/s1" "$TMP/s2" || fail "sgd: same seed, different output"
exit 0
