#!/bin/sh
# plot_bad.sh — bad input to `lorascope plot` (a missing trace, a corrupt or empty trace, an
# unknown extension, no -o, an unwritable place, a bad option value): exit status 2, exactly
# one line on stderr, nothing on stdout, no output file (nor a temporary one) left.
set -u
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
"$LORASCOPE" run --steps 20 --every 5 --trace t.csv > /dev/null || fail "run --trace"
printf 'step,loss\n1,2,3\nnot a number\n' > corrupt.csv
head -c 300 t.csv > cut.csv
grep '^#' t.csv > empty.csv
mkdir out

check() { # text the message must contain, then plot's arguments
	want=$1
	shift
	before=$(ls -R)
	"$LORASCOPE" plot "$@" > "$work.out" 2> "$work.err"
	st=$?
	[ "$st" -eq 2 ] || fail "plot $*: exit status $st, expected 2"
	[ ! -s "$work.out" ] || fail "plot $*: wrote to stdout"
	[ "$(wc -l < "$work.err")" -eq 1 ] || fail "plot $*: stderr not one line: $(cat "$work.err")"
	grep -qF -- "$want" "$work.err" || fail "plot $*: message lacks '$want': $(cat "$work.err")"
	[ "$(ls -R)" = "$before" ] || fail "plot $*: files were written"
	rm -f "$work.out" "$work.err"
}
check "missing.csv" missing.csv -o out/f.svg
check "corrupt.csv" corrupt.csv -o out/f.svg
check "cut.csv" cut.csv -o out/f.png
check "empty.csv: no rows" empty.csv -o out/f.pdf
check "out/f.gif: unknown figure format" t.csv -o out/f.gif
check "out/f: unknown figure format" t.csv -o out/f
check "-o FILE are needed" t.csv
check "nodir/f.svg" t.csv -o nodir/f.svg
check "--panel" t.csv -o out/f.svg --panel nosuch
check "--width" t.csv -o out/f.svg --width 5
echo "plot_bad: 10 bad inputs, one line each, exit 2, nothing written"
