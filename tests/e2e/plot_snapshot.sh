#!/bin/sh
# plot_snapshot.sh — `lorascope plot SNAPSHOT`: a snapshot of a short run (run --snapshot)
# draws the session's state as the TUI shows it. The spectrum panel holds one filled bar per
# sigma_i(X) (the LoRA rank, 2) and per sigma_i(X*) (rstar, read from the run's summary),
# in their own colours; a trace's spectrum panel has none. The whole figure is byte-identical
# to the same run's `run --plot` (one way of making a view: ls_view_session) and byte-stable
# twice. A broken snapshot (a factor file missing, a corrupt manifest) is one line naming the
# file, exit status 2, no figure; a directory without manifest.json is read as a trace.
set -u
fail() { echo "FAIL: $*"; exit 1; }
command -v xmllint >/dev/null || fail "xmllint missing (apt-get install libxml2-utils)"
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
"$LORASCOPE" run --problem loud5 --rank 2 --steps 300 --every 100 --no-timing --snapshot snap \
	--trace t.csv --plot run.svg > run.txt || fail "run --snapshot"
rstar=$(awk '$1 == "rstar" && NF >= 2 { print $2 }' run.txt)
[ "$rstar" -ge 1 ] 2>/dev/null || fail "no rstar in the run's summary"

# Filled paths of one colour (the spectrum's bars: sigma(X) blue, sigma(X*) purple).
bars() { grep -c "<path style=\" stroke:none;fill-rule:nonzero;fill:rgb($2);" "$1"; }
"$LORASCOPE" plot snap -o sp.svg --panel spectrum || fail "plot snap --panel spectrum"
xmllint --noout sp.svg || fail "sp.svg is not well-formed"
[ "$(bars sp.svg '10%,45%,75%')" -eq 2 ] ||
	fail "sp.svg: $(bars sp.svg '10%,45%,75%') sigma(X) bars, expected 2"
[ "$(bars sp.svg '60%,15%,60%')" -eq "$rstar" ] ||
	fail "sp.svg: $(bars sp.svg '60%,15%,60%') sigma(X*) bars, expected $rstar"
"$LORASCOPE" plot t.csv -o tsp.svg --panel spectrum || fail "plot t.csv --panel spectrum"
[ "$(bars tsp.svg '10%,45%,75%')" -eq 0 ] && [ "$(bars tsp.svg '60%,15%,60%')" -eq 0 ] ||
	fail "a trace's spectrum panel drew bars (the colours do not tell the spectrum apart)"

"$LORASCOPE" plot snap -o a.svg || fail "plot snap"
xmllint --noout a.svg || fail "a.svg is not well-formed"
cmp -s a.svg run.svg || fail "plot snap differs from the same run's run --plot"
sleep 1
"$LORASCOPE" plot snap -o b.svg || fail "plot snap (twice)"
cmp -s a.svg b.svg || fail "two plots of one snapshot differ"
"$LORASCOPE" plot snap -o a.png --width 320 --height 200 || fail "plot snap png"

check() { # directory, text the message must contain
	before=$(ls -R)
	"$LORASCOPE" plot "$1" -o f.svg > out.txt 2> err.txt
	st=$?
	[ "$st" -eq 2 ] || fail "plot $1: exit status $st, expected 2"
	[ ! -s out.txt ] || fail "plot $1: wrote to stdout"
	[ "$(wc -l < err.txt)" -eq 1 ] || fail "plot $1: stderr not one line: $(cat err.txt)"
	grep -qF -- "$2" err.txt || fail "plot $1: message lacks '$2': $(cat err.txt)"
	rm -f out.txt err.txt
	[ "$(ls -R)" = "$before" ] || fail "plot $1: files were written"
}
cp -R snap nofactor && rm nofactor/A_0.npy
check nofactor "nofactor/A_0.npy"
cp -R snap badman && printf '{"format": "lorascope-snapshot", "version": ' > badman/manifest.json
check badman "badman/manifest.json"
mkdir notsnap
check notsnap "notsnap"
echo "plot_snapshot: spectrum 2 + $rstar bars, = run --plot, byte-stable, 3 broken refused"
