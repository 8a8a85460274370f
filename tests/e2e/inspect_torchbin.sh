#!/bin/sh
# inspect_torchbin.sh — a real PEFT adapter_model.bin (tests/data/peft-pythia-bin) gives the
# same `inspect --json` table (names, shapes, every σ, norms, flags, summary) as its
# safetensors conversion written by tests/e2e/torchbin.py (zipfile + a restricted
# pickle.Unpickler, independent of the C reader); the .bin path itself works; a pickle that
# calls os.system is refused with one line naming the file and the global, and runs nothing.
set -u
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 > /dev/null 2>&1 || { echo "SKIP: python3 needed"; exit 77; }
DIR="$top_srcdir/tests/data/peft-pythia-bin"
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT

mkdir "$work/conv"
python3 "$top_srcdir/tests/e2e/torchbin.py" to-safetensors "$DIR/adapter_model.bin" \
	"$work/conv/adapter_model.safetensors" || fail "conversion"
cp "$DIR/adapter_config.json" "$work/conv/"
"$LORASCOPE" inspect --json "$DIR" > "$work/bin.json" || fail "inspect DIR: status $?"
"$LORASCOPE" inspect --json "$DIR/adapter_model.bin" > "$work/file.json" ||
	fail "inspect FILE: status $?"
"$LORASCOPE" inspect --json "$work/conv" > "$work/st.json" || fail "inspect conversion"
python3 - "$work/bin.json" "$work/file.json" "$work/st.json" <<'PY' || fail "tables differ"
import json, sys
b, f, s = (json.load(open(p)) for p in sys.argv[1:])
assert b["weights"].endswith("/adapter_model.bin"), b["weights"]
for d in (b, f, s):
    del d["path"], d["weights"]
assert b == f, "directory and file differ"
assert len(b["modules"]) == 6, len(b["modules"])
assert [m["name"] for m in b["modules"]] == [m["name"] for m in s["modules"]]
for x, y in zip(b["modules"], s["modules"]):
    assert x["singular_values"] == y["singular_values"], x["name"]
assert b == s, "bin and safetensors tables differ"
assert b["config"]["r"] == 32 and b["config"]["lora_alpha"] == 64
PY
"$LORASCOPE" inspect "$DIR" | grep -q "6 LoRA modules (F32)" || fail "table summary"

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
