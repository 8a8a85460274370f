#!/bin/sh
# run_snapshot.sh — `run --snapshot DIR` then `run --resume DIR --steps T`: every row and the
# summary from the resume point on are byte-identical to an uninterrupted run (gd, sgd, adam
# with its moments, mk, and after a mid-run rank change); the snapshot holds the history of
# every step, not only the rows'; a broken snapshot is refused with one line naming the file,
# exit 2, and nothing written.
. "$top_srcdir/tests/e2e/run_lib.sh"

# from300 FILE: the lines from the row of step 300 to the end (rows, then the summary).
from300() {
	sed -n '/^300,/,$p' "$1"
}
for opt in gd sgd adam mk; do
	P="--problem regression --m 16 --n 12 --rank 4 --optimizer $opt --lr 0.01 --every 50
	   --no-timing --format csv"
	"$LORASCOPE" run $P --steps 500 >"$TMP/full.csv" || fail "$opt: full run"
	"$LORASCOPE" run $P --steps 300 --snapshot "$TMP/snap-$opt" >/dev/null || fail "$opt: snap"
	[ -f "$TMP/snap-$opt/manifest.json" ] && [ -f "$TMP/snap-$opt/vA_0.npy" ] ||
		fail "$opt: snapshot files missing"
	# The history of every step (0..299), though the rows come every 50 steps.
	grep -q '"points": 300,' "$TMP/snap-$opt/manifest.json" &&
		[ -f "$TMP/snap-$opt/history.npy" ] || fail "$opt: the snapshot's history is not every step"
	"$LORASCOPE" run --resume "$TMP/snap-$opt" --steps 200 --every 50 --no-timing \
		--format csv >"$TMP/res.csv" || fail "$opt: resume"
	[ "$(from300 "$TMP/res.csv" | wc -l)" -gt 10 ] || fail "$opt: resumed output too short"
	from300 "$TMP/full.csv" >"$TMP/a" && from300 "$TMP/res.csv" >"$TMP/b"
	cmp -s "$TMP/a" "$TMP/b" || fail "$opt: resumed rows differ from the uninterrupted run"
	grep -q '^500,' "$TMP/res.csv" || fail "$opt: resume did not reach step 500"
done

# A rank change at step 150 (a lesson), snapshot at 300, resume to 500.
printf 'set problem regression; set m 16; set n 12; set rank 4; set optimizer adam\n%s\n' \
	'at 150: set rank 6' >"$TMP/rank.lesson"
"$LORASCOPE" run --lesson "$TMP/rank.lesson" --steps 500 --every 50 --no-timing --format csv \
	>"$TMP/full.csv" || fail "rank change: full run"
"$LORASCOPE" run --lesson "$TMP/rank.lesson" --steps 300 --every 50 --no-timing --format csv \
	--snapshot "$TMP/snap-rank" >/dev/null || fail "rank change: snapshot"
"$LORASCOPE" run --resume "$TMP/snap-rank" --steps 200 --every 50 --no-timing --format csv \
	>"$TMP/res.csv" || fail "rank change: resume"
from300 "$TMP/full.csv" >"$TMP/a" && from300 "$TMP/res.csv" >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" || fail "rank change: resumed rows differ"
awk -F, '$1 == "500" { exit !($7 == 6) }' "$TMP/res.csv" || fail "rank change: r is not 6"

# Resuming over an existing snapshot replaces it; a directory that is not one is refused.
"$LORASCOPE" run --resume "$TMP/snap-gd" --steps 10 --snapshot "$TMP/snap-gd" >/dev/null ||
	fail "re-snapshot onto the same directory"
grep -q '"step": 310' "$TMP/snap-gd/manifest.json" || fail "re-snapshot: step not 310"
mkdir "$TMP/other" && touch "$TMP/other/keep"
"$LORASCOPE" run --steps 5 --snapshot "$TMP/other" >/dev/null 2>"$TMP/e" && fail "non-snapshot dir"
[ -f "$TMP/other/keep" ] || fail "a foreign directory was touched"

# Broken snapshots: exit 2, one line naming the file, no trace or snapshot written.
broken() { # NAME: resume $TMP/bad, expect the message to name NAME
	"$LORASCOPE" run --resume "$TMP/bad" --steps 5 --trace "$TMP/t.csv" \
		--snapshot "$TMP/out" >/dev/null 2>"$TMP/e"
	rc=$?
	[ $rc -eq 2 ] || fail "broken $1: exit $rc"
	[ "$(wc -l <"$TMP/e")" -eq 1 ] || fail "broken $1: not one line: $(cat "$TMP/e")"
	grep -q "$1" "$TMP/e" || fail "broken $1: message does not name it: $(cat "$TMP/e")"
	[ ! -e "$TMP/t.csv" ] && [ ! -e "$TMP/out" ] || fail "broken $1: something was written"
}
cp -r "$TMP/snap-adam" "$TMP/bad" && rm "$TMP/bad/manifest.json"
broken manifest.json
rm -rf "$TMP/bad" && cp -r "$TMP/snap-adam" "$TMP/bad"
printf '{"format": "lorascope-snapshot", "version": 1,' >"$TMP/bad/manifest.json"
broken manifest.json
rm -rf "$TMP/bad" && cp -r "$TMP/snap-adam" "$TMP/bad"
sed 's/"rank": "4"/"rank": "5"/' "$TMP/snap-adam/manifest.json" >"$TMP/bad/manifest.json"
broken A_0.npy
rm -rf "$TMP/bad" && cp -r "$TMP/snap-adam" "$TMP/bad" && rm "$TMP/bad/vB_0.npy"
broken vB_0.npy
rm -rf "$TMP/bad" && cp -r "$TMP/snap-adam" "$TMP/bad"
head -c 100 "$TMP/snap-adam/mA_0.npy" >"$TMP/bad/mA_0.npy"
broken mA_0.npy
ls "$TMP" | grep -q 'tmp-' && fail "a temporary directory was left behind"
exit 0
