#!/bin/sh
# plot_watch.sh — `lorascope plot WATCHDIR`: a run written by watch_mkrun.py (7 modules, 3
# checkpoints, loss and eval_loss in log_history) drawn to an SVG that is well-formed XML
# (xmllint) with one stroked path per series (loss, eval_loss and the 5 largest modules'
# ‖ΔW‖_F, each in its own line style), all modules when 5 or fewer; a run written by
# `lorascope run --save-peft` (loss, its one module); --module changes the σ panel; the PNG
# has the requested size; the PDF opens; the same input twice gives the same bytes; a
# checkpoint still being written is left out; bad input is one line, exit 2, no file.
set -u
fail() { echo "FAIL: $*"; exit 1; }
command -v xmllint >/dev/null || fail "xmllint missing (apt-get install libxml2-utils)"
command -v pdfinfo >/dev/null || fail "pdfinfo missing (apt-get install poppler-utils)"
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
MKRUN="$top_srcdir/tests/e2e/watch_mkrun.py"
python3 "$MKRUN" run 10 20 30 --modules 7 || fail "watch_mkrun.py"
python3 "$MKRUN" few 10 20 30 40 --modules 3 --partial || fail "watch_mkrun.py --partial"

# Stroked paths (glyph outlines are "stroke:none"); those with dashes d.
strokes() { grep -o '<path style="[^"]*"' "$1" | grep -v 'stroke:none' | grep -c 'stroke:'; }
dashed() { grep -o '<path style="[^"]*"' "$1" | grep -c "stroke-dasharray:$2;"; }
svg() { # dir, file, expected series
	"$LORASCOPE" plot "$1" -o "$2" || fail "plot $1"
	xmllint --noout "$2" || fail "$2 is not well-formed"
	n=$(strokes "$2")
	[ "$n" -eq "$3" ] || fail "$2: $n series drawn, expected $3"
}
svg run run.svg 7
# eval_loss and the second module dashed; one module each dotted, sparse, dash-dotted.
[ "$(dashed run.svg 9,4)" -eq 2 ] || fail "run.svg: eval_loss or a dashed module missing"
[ "$(dashed run.svg 2,4)" -eq 1 ] || fail "run.svg: the dotted module missing"
[ "$(dashed run.svg 2,9)" -eq 1 ] || fail "run.svg: the sparse module missing"
[ "$(dashed run.svg 9,4,2,4)" -eq 1 ] || fail "run.svg: the dash-dotted module missing"
# 3 modules, the fourth checkpoint cut short: all modules, the complete checkpoints.
svg few few.svg 5
rm few/checkpoint-40/adapter_model.safetensors
"$LORASCOPE" plot few -o few2.svg || fail "plot few without checkpoint-40"
cmp -s few.svg few2.svg || fail "the checkpoint being written changed the figure"

"$LORASCOPE" run --save-peft peft --every 10 --steps 30 > /dev/null || fail "run --save-peft"
svg peft peft.svg 2

"$LORASCOPE" plot run -o m.svg --module model.layers.0.self_attn.q_proj || fail "--module"
cmp -s m.svg run.svg && fail "--module drew the default module's singular values"
[ "$(strokes m.svg)" -eq 7 ] || fail "--module changed the series"

"$LORASCOPE" plot run -o f.png --width 640 --height 400 || fail "plot png"
size=$(python3 -c 'import struct,sys
d=open(sys.argv[1],"rb").read(24)
assert d[:8]==b"\x89PNG\r\n\x1a\n" and d[12:16]==b"IHDR"
print("%dx%d" % struct.unpack(">II", d[16:24]))' f.png) || fail "f.png is not a PNG"
[ "$size" = 640x400 ] || fail "f.png is $size, expected 640x400"
"$LORASCOPE" plot run -o f.pdf --width 500 --height 300 || fail "plot pdf"
pdfinfo f.pdf > info.txt 2>&1 || fail "pdfinfo: $(cat info.txt)"
grep -q '^Page size: *500 x 300 pts' info.txt || fail "f.pdf: wrong page size"

for ext in svg png pdf; do
	"$LORASCOPE" plot run -o "a.$ext" --theme dark || fail "plot a.$ext"
	sleep 1
	"$LORASCOPE" plot run -o "b.$ext" --theme dark || fail "plot b.$ext"
	cmp -s "a.$ext" "b.$ext" || fail "$ext: two plots of one directory differ"
done

bad() { # expected message, arguments...
	want=$1
	shift
	"$LORASCOPE" plot "$@" -o bad.svg > out.txt 2> err.txt
	rc=$?
	[ "$rc" -eq 2 ] || fail "plot $*: exit $rc, expected 2"
	[ ! -s out.txt ] || fail "plot $*: wrote to stdout"
	[ "$(wc -l < err.txt)" -eq 1 ] || fail "plot $*: not one line: $(cat err.txt)"
	grep -q "$want" err.txt || fail "plot $*: '$(cat err.txt)' lacks '$want'"
	[ ! -e bad.svg ] || fail "plot $*: left bad.svg"
}
mkdir empty
bad "nothing\|no complete checkpoint" empty
bad "no module nope" run --module nope
bad "drawn whole" run --panel loss
bad "no-such-dir" no-such-dir
"$LORASCOPE" run --steps 20 --every 10 --trace t.csv > /dev/null || fail "run --trace"
bad "for a watch directory" t.csv --module model.layers.0.self_attn.q_proj
echo "plot_watch: 7, 5 and 2 series, --module, PNG/PDF size, byte-stable, bad input refused"
