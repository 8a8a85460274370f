#!/bin/sh
# inspect_json.sh — `lorascope inspect --json` is one valid JSON document with 12 modules,
# 8 singular values each, scaling 2 and the summary counts.
set -u
DIR="$top_srcdir/tests/data/peft-distilbert-imdb"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
"$LORASCOPE" inspect --json "$DIR" > "$tmp" || fail "exit status $?"
if command -v python3 > /dev/null 2>&1; then
	python3 -m json.tool "$tmp" > /dev/null || fail "not valid JSON"
	python3 - "$tmp" <<'PY' || fail "content"
import json, sys
d = json.load(open(sys.argv[1]))
m = d["modules"]
assert len(m) == 12, len(m)
assert all(x["scaling"] == 2.0 and x["r"] == 8 and len(x["singular_values"]) == 8 for x in m)
assert all(x["shape"] == [768, 768] and x["flags"] == [] for x in m)
assert all(abs(sum(s * s for s in x["singular_values"]) ** 0.5 - x["fro_norm"]) < 1e-12 for x in m)
s = d["summary"]
assert s["modules"] == 12 and s["saved_modules"] == 2 and s["saved_tensors"] == 4, s
assert d["config"]["lora_alpha"] == 16 and d["config"]["use_rslora"] is False
PY
else
	# Without python3: at least the structure and the counts.
	[ "$(grep -c '"singular_values"' "$tmp")" -eq 12 ] || fail "12 modules"
	grep -q '"saved_modules": 2' "$tmp" || fail "saved modules"
fi
exit 0
