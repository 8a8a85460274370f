#!/bin/sh
# plot_files.sh — `lorascope plot` of a fixed trace (the fails-loudly preset, 2000 steps):
# the SVG is well-formed XML (xmllint) with one stroked path per plotted series (f, g, the
# ratio and its threshold; only series are stroked: axes and legends are fills), and each
# panel alone has its own series; the PNG has the requested size (its IHDR); the PDF opens
# (pdfinfo) at the requested size; the same input twice gives the same bytes; dark theme;
# run --plot FILE.
set -u
fail() { echo "FAIL: $*"; exit 1; }
command -v xmllint >/dev/null || fail "xmllint missing (apt-get install libxml2-utils)"
command -v pdfinfo >/dev/null || fail "pdfinfo missing (apt-get install poppler-utils)"
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
"$LORASCOPE" run --problem loud5 --rank 2 --init custom --init-a 2 --init-b 2 --lr 0.002 \
	--lambda 0.03 --steps 2000 --every 20 --trace t.csv > /dev/null || fail "run --trace"

# Stroked paths (glyph outlines are "stroke:none").
strokes() { grep -o '<path style="[^"]*"' "$1" | grep -v 'stroke:none' | grep -c 'stroke:'; }
svg() { # panel, expected series
	"$LORASCOPE" plot t.csv -o "$1.svg" --panel "$1" || fail "plot --panel $1"
	xmllint --noout "$1.svg" || fail "$1.svg is not well-formed"
	n=$(strokes "$1.svg")
	[ "$n" -eq "$2" ] || fail "$1.svg: $n series drawn, expected $2"
}
svg all 4
svg loss 2
svg ratio 2
svg spectrum 0
svg verdict 0
# The series are the ones named: f dashed, the threshold dotted, g and the ratio solid.
[ "$(grep -c 'stroke-dasharray:9,4;' all.svg)" -eq 1 ] || fail "f(X) (dashed) missing"
[ "$(grep -c 'stroke-dasharray:2,4;' all.svg)" -eq 1 ] || fail "2alpha/beta (dotted) missing"

"$LORASCOPE" plot t.csv -o f.png --width 640 --height 400 || fail "plot png"
size=$(python3 -c 'import struct,sys
d=open(sys.argv[1],"rb").read(24)
assert d[:8]==b"\x89PNG\r\n\x1a\n" and d[12:16]==b"IHDR"
print("%dx%d" % struct.unpack(">II", d[16:24]))' f.png) || fail "f.png is not a PNG"
[ "$size" = 640x400 ] || fail "f.png is $size, expected 640x400"

"$LORASCOPE" plot t.csv -o f.pdf --width 500 --height 300 || fail "plot pdf"
pdfinfo f.pdf > info.txt 2>&1 || fail "pdfinfo: $(cat info.txt)"
grep -q '^Pages: *1$' info.txt || fail "f.pdf: not one page"
grep -q '^Page size: *500 x 300 pts' info.txt || fail "f.pdf: wrong page size"

for ext in svg png pdf; do
	"$LORASCOPE" plot t.csv -o "a.$ext" --theme dark || fail "plot a.$ext"
	sleep 1
	"$LORASCOPE" plot t.csv -o "b.$ext" --theme dark || fail "plot b.$ext"
	cmp -s "a.$ext" "b.$ext" || fail "$ext: two plots of one trace differ"
done
cmp -s a.svg all.svg && fail "--theme dark drew the light figure"

# run --plot: the panels as the run ends, with the baseline's f(X*) and floor (6 series),
# the run's own output unchanged by it; a bad extension refused before the run.
"$LORASCOPE" run --problem loud5 --rank 2 --steps 300 --every 100 --no-timing > plain.txt || fail "run"
"$LORASCOPE" run --problem loud5 --rank 2 --steps 300 --every 100 --no-timing --plot run.svg > with.txt ||
	fail "run --plot"
cmp -s plain.txt with.txt || fail "run --plot changed the run's output"
xmllint --noout run.svg || fail "run.svg is not well-formed"
n=$(strokes run.svg)
[ "$n" -eq 6 ] || fail "run.svg: $n series drawn, expected 6 (f, g, f*, floor, ratio, 2a/b)"
"$LORASCOPE" run --steps 5 --plot run.gif > out.txt 2> err.txt && fail "run --plot run.gif ran"
[ ! -s out.txt ] && [ ! -e run.gif ] || fail "run --plot run.gif: ran or wrote"
grep -q 'run.gif: unknown figure format' err.txt || fail "run --plot run.gif: $(cat err.txt)"
echo "plot_files: svg (4 series; 2, 2, 0, 0 by panel), png 640x400, pdf, byte-stable, run --plot"
