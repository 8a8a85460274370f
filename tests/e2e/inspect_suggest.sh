#!/bin/sh
# inspect_suggest.sh — `lorascope inspect --suggest-ranks F` prints one JSON object (a PEFT
# rank_pattern) naming every module with its energy rank at F: at 0.9 and 0.99 the values
# equal energy_rank_90 and energy_rank_99 of --json; effective and noise ranks in --json
# match the table; a bad fraction or a mixed option: exit 2, one line.
set -u
DIR="$top_srcdir/tests/data/peft-distilbert-imdb"
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 > /dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$LORASCOPE" inspect --json "$DIR" > "$tmp/all.json" || fail "--json: exit status $?"
"$LORASCOPE" inspect "$DIR" > "$tmp/table" || fail "table: exit status $?"
for f in 0.9 0.99; do
	"$LORASCOPE" inspect --suggest-ranks "$f" "$DIR" > "$tmp/rp$f" || fail "$f: exit $?"
	python3 -m json.tool "$tmp/rp$f" > /dev/null || fail "$f: not valid JSON"
done
python3 - "$tmp" <<'PY' || fail "content"
import json, sys
t = sys.argv[1]
mods = json.load(open(t + "/all.json"))["modules"]
for f, key in (("0.9", "energy_rank_90"), ("0.99", "energy_rank_99")):
    rp = json.load(open(t + "/rp" + f))
    assert list(rp) == [m["name"] for m in mods], (f, list(rp))
    for m in mods:
        assert rp[m["name"]] == m[key] >= 1, (f, m["name"], rp[m["name"]], m[key])
    # The independent count: fewest sigma_i holding f of sum sigma^2.
    for m in mods:
        s2 = [x * x for x in m["singular_values"]]
        k = next(i + 1 for i in range(len(s2)) if sum(s2[:i + 1]) >= float(f) * sum(s2))
        assert k == rp[m["name"]], (f, m["name"], k)
# e.rank and noise columns of the table equal the JSON fields.
rows = [l.split() for l in open(t + "/table") if l.split() and l.split()[1] == "768x768"]
assert len(rows) == 12
for r, m in zip(rows, mods):
    assert abs(float(r[10]) - m["effective_rank"]) < 5e-4, (r, m["effective_rank"])
    assert int(r[11]) == m["noise_rank"], (r, m["noise_rank"])
    assert 1 <= m["effective_rank"] <= 8 and m["dora_magnitude"] is None
PY

check() { # expected message part, then the arguments
	want=$1
	shift
	"$LORASCOPE" inspect "$@" > "$tmp/out" 2> "$tmp/err"
	st=$?
	[ "$st" -eq 2 ] || fail "$*: exit status $st, expected 2"
	[ ! -s "$tmp/out" ] || fail "$*: wrote to stdout"
	[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "$*: stderr not one line: $(cat "$tmp/err")"
	grep -qF -- "$want" "$tmp/err" || fail "$*: message lacks '$want': $(cat "$tmp/err")"
}
check "--suggest-ranks" --suggest-ranks 0 "$DIR"
check "--suggest-ranks" --suggest-ranks 1.5 "$DIR"
check "--suggest-ranks" --suggest-ranks abc "$DIR"
check "prints only the rank_pattern" --suggest-ranks 0.9 --json "$DIR"
check "one PATH" "$DIR" "$DIR"
"$LORASCOPE" inspect --help | grep -q 'rank_pattern' || fail "--help does not say what it is"
exit 0
