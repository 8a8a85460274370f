#!/bin/sh
# run_badvalues.sh — matrices no problem can train on are refused at load (issue 13): a NaN,
# an Inf or a 1e200 in a .npy or a CSV gives one line naming the option, the file and the
# position, exit 2, before any row; so does a Git LFS pointer; CSV dialects (byte order mark,
# semicolons) keep every row.
. "$top_srcdir/tests/e2e/run_lib.sh"

# npy FILE ROWS COLS V...: a little-endian float64 C-order .npy written without NumPy.
npy() {
	python3 - "$@" <<'PY'
import struct, sys
path, rows, cols = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
vals = [float(v) for v in sys.argv[4:]]
head = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
head += " " * (63 - (10 + len(head)) % 64) + "\n"
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head.encode())
    f.write(struct.pack("<%dd" % len(vals), *vals))
PY
}

# refused FILE MESSAGE: run on FILE as --target exits 2 with one stderr line containing MESSAGE
# and prints nothing on stdout.
refused() {
	"$LORASCOPE" run --problem approx --target "$1" --rank 1 --steps 5 >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "$1: exit $rc, want 2"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$1: stderr is not one line: $(cat "$TMP/err")"
	grep -q -F -- "$2" "$TMP/err" || fail "$1: '$(cat "$TMP/err")' lacks '$2'"
	[ ! -s "$TMP/out" ] || fail "$1: rows printed before the refusal"
}

npy "$TMP/nan.npy" 2 3 1 2 3 4 nan 6
npy "$TMP/inf.npy" 2 2 1 2 3 -inf
npy "$TMP/big.npy" 2 2 1 1e200 3 4
refused "$TMP/nan.npy" "--target: $TMP/nan.npy: row 2, column 2: nan is not a finite number"
refused "$TMP/inf.npy" "inf.npy: row 2, column 2: -inf is not a finite number"
refused "$TMP/big.npy" "big.npy: row 1, column 2: 1e+200 is too large"
printf '1,2,3\n4,nan,6\n' >"$TMP/nan.csv"
printf '1;2\n3;inf\n' >"$TMP/inf.csv"
printf 'a,b\n1,2\n-1e200,4\n' >"$TMP/big.csv"
refused "$TMP/nan.csv" "nan.csv: row 2, column 2: nan is not a finite number"
refused "$TMP/inf.csv" "inf.csv: row 2, column 2: inf is not a finite number"
refused "$TMP/big.csv" "big.csv: row 2, column 1: -1e+200 is too large"
printf '1,0x10\n' >"$TMP/hex.csv"
refused "$TMP/hex.csv" "line 1, field 2: not a number (fields separated by commas)"

# A Git LFS pointer left in place of the data is named as such, in binary and text formats.
printf 'version https://git-lfs.github.com/spec/v1\noid sha256:%064d\nsize 4096\n' 0 >"$TMP/lfs.npy"
cp "$TMP/lfs.npy" "$TMP/lfs.csv"
refused "$TMP/lfs.npy" "lfs.npy: a Git LFS pointer, not the file's data (run git lfs pull)"
refused "$TMP/lfs.csv" "lfs.csv: a Git LFS pointer, not the file's data (run git lfs pull)"

# The memory guard: a 68-byte .mtx announcing 20000x20000 (3.2 GB dense) under --max-memory 1G.
printf '%%%%MatrixMarket matrix coordinate real general\n20000 20000 1\n1 1 2\n' >"$TMP/big.mtx"
"$LORASCOPE" run --problem approx --target "$TMP/big.mtx" --max-memory 1G --steps 5 >"$TMP/out" 2>"$TMP/err"
[ $? -eq 2 ] || fail "big.mtx under --max-memory 1G: not refused with exit 2"
grep -q -F "big.mtx: a 20000×20000 matrix needs 3.2 GB, more than the 1.07 GB allowed" "$TMP/err" ||
	fail "big.mtx: $(cat "$TMP/err")"
"$LORASCOPE" inspect "$TMP/none" --max-memory 12Q >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q -- "--max-memory: '12Q' is not a size" "$TMP/err" || fail "bad size: $(cat "$TMP/err")"

# A byte order mark and semicolons: both rows are data (2x3, not 1x3).
printf '\357\273\2771;2;3\n4;5;6\n' >"$TMP/bom.csv"
"$LORASCOPE" run --problem approx --target "$TMP/bom.csv" --rank 1 --steps 2 >"$TMP/out" ||
	fail "bom.csv refused"
grep -q '^# problem approx: 2x3' "$TMP/out" || fail "bom.csv: $(grep '^# problem' "$TMP/out")"
echo "bad values refused at load; BOM and semicolon CSV read whole"
