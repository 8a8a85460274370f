#!/bin/sh
# inspect_torchbin.sh — adapter_model.bin against independent truth. The real PEFT adapter
# tests/data/peft-distilbert-imdb is written as torch.save writes it by tests/e2e/torchbin.py
# (zipfile + pickle protocol 2, standard library only; one LoRA matrix stored transposed, so
# strides matter): lorascope's `inspect --json` of that .bin (directory and file) equals the
# table of the original safetensors, and the python reader's conversion back equals it too.
# With LS_TORCHBIN_REAL=DIR (a real adapter_model.bin saved by torch with its
# adapter_config.json) that adapter's table must equal its python conversion's. A pickle
# that calls os.system is refused with one line naming the file and the global, and runs
# nothing.
set -u
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 > /dev/null 2>&1 || { echo "SKIP: python3 needed"; exit 77; }
FIX="$top_srcdir/tests/data/peft-distilbert-imdb"
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT

# same A B: the two inspect --json documents agree but for the paths.
same() {
	python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for d in (a, b):
    del d["path"], d["weights"]
assert a["modules"], "no modules"
assert [m["name"] for m in a["modules"]] == [m["name"] for m in b["modules"]]
for x, y in zip(a["modules"], b["modules"]):
    assert x["singular_values"] == y["singular_values"], x["name"]
assert a == b, "tables differ"
PY
}

mkdir "$work/bin" "$work/back"
python3 "$top_srcdir/tests/e2e/torchbin.py" from-safetensors "$FIX/adapter_model.safetensors" \
	"$work/bin/adapter_model.bin" || fail "writing the .bin"
cp "$FIX/adapter_config.json" "$work/bin/"
"$LORASCOPE" inspect --json "$FIX" > "$work/st.json" || fail "inspect the fixture"
"$LORASCOPE" inspect --json "$work/bin" > "$work/bin.json" || fail "inspect DIR: status $?"
"$LORASCOPE" inspect --json "$work/bin/adapter_model.bin" > "$work/file.json" ||
	fail "inspect FILE: status $?"
grep -q '"weights": *"[^"]*/adapter_model.bin"' "$work/bin.json" || fail "not read from the .bin"
same "$work/bin.json" "$work/st.json" || fail ".bin and safetensors tables differ"
same "$work/file.json" "$work/st.json" || fail ".bin file and safetensors tables differ"
python3 "$top_srcdir/tests/e2e/torchbin.py" to-safetensors "$work/bin/adapter_model.bin" \
	"$work/back/adapter_model.safetensors" || fail "python conversion"
cp "$FIX/adapter_config.json" "$work/back/"
"$LORASCOPE" inspect --json "$work/back" > "$work/back.json" || fail "inspect the conversion"
same "$work/back.json" "$work/st.json" || fail "python's reading differs"
"$LORASCOPE" inspect "$work/bin" | grep -q "12 LoRA modules (F32)" || fail "table summary"

if [ -n "${LS_TORCHBIN_REAL:-}" ]; then
	mkdir "$work/real"
	python3 "$top_srcdir/tests/e2e/torchbin.py" to-safetensors \
		"$LS_TORCHBIN_REAL/adapter_model.bin" "$work/real/adapter_model.safetensors" ||
		fail "converting $LS_TORCHBIN_REAL"
	cp "$LS_TORCHBIN_REAL/adapter_config.json" "$work/real/"
	"$LORASCOPE" inspect --json "$LS_TORCHBIN_REAL" > "$work/r1.json" || fail "inspect real"
	"$LORASCOPE" inspect --json "$work/real" > "$work/r2.json" || fail "inspect conversion"
	same "$work/r1.json" "$work/r2.json" || fail "the real .bin and its conversion differ"
fi

# A pickle that would run `touch MARKER` is refused, and MARKER never appears.
python3 "$top_srcdir/tests/e2e/torchbin.py" evil "$work/evil.bin" "$work/MARKER"
"$LORASCOPE" inspect "$work/evil.bin" > "$work/out" 2> "$work/err"
st=$?
[ "$st" -eq 2 ] || fail "evil: exit status $st, expected 2"
[ ! -s "$work/out" ] || fail "evil: wrote to stdout"
[ "$(wc -l < "$work/err")" -eq 1 ] || fail "evil: stderr is not one line"
grep -qF "evil.bin: data.pkl: global 'os system' at byte 11 refused" "$work/err" ||
	fail "evil: $(cat "$work/err")"
[ ! -e "$work/MARKER" ] || fail "the pickle ran"
exit 0
