#!/bin/sh
# inspect_layout.sh — inspect's table as its legend says (issue 13): shapes out x in, with ^T
# where the layer stores the transpose (GPT-2's fan_in_fan_out Conv1D c_attn: 2304x768^T, not
# 768x2304); modules in natural order (h.2 before h.10); an embedding's LoRA analysed as a
# module, not listed as saved tensors.
: "${LORASCOPE:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lorascope-layout.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
python3 - "$tmp" <<'PY'
import json, struct, sys
d = sys.argv[1]
r, tensors, data = 2, {}, b""
def add(name, shape):
    global data
    n = shape[0] * shape[1]
    blob = struct.pack("<%df" % n, *[((7 * i) % 5 - 2) * 0.1 for i in range(n)])
    tensors[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
    data += blob
for layer in (10, 2):
    p = "base_model.model.transformer.h.%d.attn.c_attn" % layer
    add(p + ".lora_A.weight", [r, 768])
    add(p + ".lora_B.weight", [2304, r])
add("base_model.model.transformer.wte.lora_embedding_A", [r, 50])
add("base_model.model.transformer.wte.lora_embedding_B", [768, r])
head = json.dumps(tensors).encode()
open(d + "/adapter_model.safetensors", "wb").write(struct.pack("<Q", len(head)) + head + data)
json.dump({"peft_type": "LORA", "r": r, "lora_alpha": 4, "fan_in_fan_out": True,
           "target_modules": ["c_attn"]}, open(d + "/adapter_config.json", "w"))
PY
"$LORASCOPE" inspect "$tmp" >"$tmp/t" 2>&1 || fail "inspect: $(cat "$tmp/t")"
rows=$(awk '$2 ~ /x/ && $3 == "2" { print $1, $2 }' "$tmp/t")
expected="h.2.attn.c_attn 2304x768^T
h.10.attn.c_attn 2304x768^T
wte 768x50^T"
[ "$rows" = "$expected" ] || fail "rows:
$rows
want:
$expected
$(cat "$tmp/t")"
grep -q '^saved' "$tmp/t" && fail "the embedding's factors were listed as saved tensors"
"$LORASCOPE" inspect "$tmp" --json >"$tmp/j" || fail "--json"
python3 - "$tmp/j" <<'PY' || fail "json shapes"
import json, sys
m = {x["name"]: x for x in json.load(open(sys.argv[1]))["modules"]}
assert m["transformer.h.2.attn.c_attn"]["shape"] == [2304, 768], m
assert m["transformer.h.2.attn.c_attn"]["stored_transposed"] is True
assert m["transformer.wte"]["shape"] == [768, 50] and m["transformer.wte"]["stored_transposed"]
assert list(m) == ["transformer.h.2.attn.c_attn", "transformer.h.10.attn.c_attn",
                   "transformer.wte"], list(m)
PY
echo "shapes out x in (^T stored transposed), natural order, embedding analysed"
