#!/bin/sh
# run_files.sh — `lorascope run` with matrices from files (SPEC §1 "loaded"): approx from a
# target file trains to the soft-thresholded SVD of that file; bad files and mismatched shapes
# are refused in one line naming them, exit 2, nothing written; a snapshot resumes only while
# its files keep their shape; a PEFT pair of the fixture adapter gives inspect's |dW|_F.
. "$top_srcdir/tests/e2e/run_lib.sh"

# The target: M = P·diag(3, 2, 1, 0.2, 0.1, 0.05, 0, 0, 0)·Q on 12×9 with P, Q signed
# permutations, so SVT_λ(M) is known in closed form: with λ = 0.5 the minimum of
# ½|M − X|² + λ|X|_* keeps 2.5, 1.5, 0.5 and f(X*) = ½·(3·0.25 + 0.04 + 0.01 + 0.0025).
# Written by NumPy when it is there (.npy), else as CSV by awk.
if python3 -c 'import numpy' 2>/dev/null; then
	T="$TMP/t.npy"
	python3 - "$T" <<'EOF' || fail "numpy could not write the target"
import sys, numpy as np
M = np.zeros((12, 9))
for k, (i, j, v) in enumerate([(4, 7, 3), (0, 2, -2), (9, 0, 1), (2, 5, 0.2), (11, 1, -0.1), (6, 8, 0.05)]):
    M[i, j] = v
np.save(sys.argv[1], M)
EOF
else
	T="$TMP/t.csv"
	awk 'BEGIN {
		v["4,7"] = 3; v["0,2"] = -2; v["9,0"] = 1; v["2,5"] = 0.2; v["11,1"] = -0.1
		v["6,8"] = 0.05
		for (i = 0; i < 12; i++) {
			line = ""
			for (j = 0; j < 9; j++) line = line (j ? "," : "") ((i "," j) in v ? v[i "," j] : 0)
			print line
		} }' >"$T"
fi
"$LORASCOPE" run --problem approx --target "$T" --rank 9 --lambda 0.5 --lr 0.1 --init init2 \
	--steps 6000 --every 6000 --no-timing >"$TMP/out" || fail "approx --target run"
grep -q '^# problem approx: 12x9 (1 module), r = 9$' "$TMP/out" || fail "shape not taken from $T"
grep -q -- "--m 12 --n 9 " "$TMP/out" || fail "the header does not give the file's --m/--n"
grep -q -- "--target $T" "$TMP/out" || fail "the header does not name the target"
loss=$(summary_value "$TMP/out" loss)
close "$loss" 0.40125 1e-6 1e-9 || fail "f at the end is $loss, not f(SVT(M)) = 0.40125"
rank=$(summary_value "$TMP/out" rank)
[ "$rank" = 3 ] || fail "rank at the end is $rank, not 3 (SVT keeps 3 values)"
nfro=$(summary_value "$TMP/out" norm_fro)
close "$nfro" 2.95803989154981 1e-6 1e-9 || fail "|X|_F is $nfro, not sqrt(8.75)"

# A missing or malformed file: one line naming it, exit 2, no trace or snapshot written.
expect_refused() { # WHAT NEEDLE args...: exit 2, one stderr line containing NEEDLE
	what=$1 needle=$2
	shift 2
	"$LORASCOPE" run "$@" --steps 5 --trace "$TMP/no.csv" --snapshot "$TMP/nosnap" \
		>"$TMP/o" 2>"$TMP/e"
	[ $? -eq 2 ] || fail "$what: exit status is not 2"
	[ "$(wc -l <"$TMP/e")" -eq 1 ] || fail "$what: not one line: $(cat "$TMP/e")"
	grep -q -F -e "$needle" "$TMP/e" || fail "$what: '$needle' not in: $(cat "$TMP/e")"
	[ ! -e "$TMP/no.csv" ] && [ ! -e "$TMP/nosnap" ] || fail "$what: something was written"
	[ ! -s "$TMP/o" ] || fail "$what: output on stdout"
}
expect_refused "missing file" "--target: $TMP/none.npy" --problem approx --target "$TMP/none.npy"
printf 'not a npy file' >"$TMP/bad.npy"
expect_refused "malformed file" "$TMP/bad.npy" --problem approx --target "$TMP/bad.npy"
printf '1,2,3\n4,5\n' >"$TMP/ragged.csv"
expect_refused "ragged CSV" "$TMP/ragged.csv" --problem approx --target "$TMP/ragged.csv"
expect_refused "unknown format" "$TMP/t.xyz" --problem approx --target "$TMP/t.xyz"
expect_refused "--m against the file" "$T is 12×9, but --m 5 needs 5×*" \
	--problem approx --target "$T" --m 5
expect_refused "a file approx does not read" "--w0: approx reads no such file" \
	--problem approx --w0 "$T"
printf '1,2\n3,4\n5,6\n' >"$TMP/w.csv"
expect_refused "two files disagree" "--inputs: $TMP/w.csv is 3×2, but --w0 $T needs 9×*" \
	--problem regression --w0 "$T" --inputs "$TMP/w.csv"

# --help names the file options with FILE.
"$LORASCOPE" run --help >"$TMP/help" || fail "--help"
for o in w0 target inputs outputs init-a-file init-b-file; do
	grep -q -e "^  --$o FILE " "$TMP/help" || fail "--help does not list --$o FILE"
done

# A snapshot keeps the file names; resuming re-reads them, and refuses a changed shape.
"$LORASCOPE" run --problem approx --target "$T" --rank 3 --steps 50 --every 50 --no-timing \
	--snapshot "$TMP/snap" >/dev/null || fail "run with --snapshot"
"$LORASCOPE" run --resume "$TMP/snap" --steps 10 --every 10 --no-timing >"$TMP/r" ||
	fail "resume with the same target file"
grep -q '^# problem approx: 12x9' "$TMP/r" || fail "resumed run lost the target's shape"
cp "$TMP/w.csv" "$TMP/w2.csv"
"$LORASCOPE" run --problem approx --target "$TMP/w.csv" --rank 1 --steps 5 --no-timing \
	--snapshot "$TMP/snap2" >/dev/null || fail "run on w.csv with --snapshot"
printf '1,2,3\n4,5,6\n' >"$TMP/w.csv"
"$LORASCOPE" run --resume "$TMP/snap2" --steps 5 >/dev/null 2>"$TMP/e"
[ $? -eq 2 ] || fail "resume after the target changed shape: exit status is not 2"
grep -q -F "$TMP/w.csv is 2×3, but --m 3 --n 2 needs 3×2" "$TMP/e" ||
	fail "resume after the target changed shape: $(cat "$TMP/e")"

# PEFT's pair as the initial factors: A = lora_B (m×r), B = lora_A transposed; with
# s = alpha/r = 2 the start's |X|_F is inspect's |dW|_F of the same module.
D="$top_srcdir/tests/data/peft-distilbert-imdb"
MOD=base_model.model.distilbert.transformer.layer.0.attention.q_lin
"$LORASCOPE" run --problem trace2 --init-a-file "$D/adapter_model.safetensors:$MOD.lora_B.weight" \
	--init-b-file "$D/adapter_model.safetensors:$MOD.lora_A.weight" --scaling alpha-r \
	--alpha 16 --baseline off --steps 0 --no-timing >"$TMP/peft" || fail "PEFT init run"
grep -q '^# problem trace2: 768x768 (1 module), r = 8$' "$TMP/peft" ||
	fail "PEFT init: shape and rank not taken from the adapter"
x=$(summary_value "$TMP/peft" norm_fro)
want=$("$LORASCOPE" inspect "$D" | awk '$1 == "0.attention.q_lin" { print $5 }')
[ -n "$want" ] || fail "inspect gave no |dW|_F for layer 0 q_lin"
close "$x" "$want" 2e-4 0 || fail "PEFT init: |s A B^T|_F = $x, inspect says $want"
exit 0
