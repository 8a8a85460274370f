#!/bin/sh
# inspect_names.sh — names read from a file never reach the terminal raw (issue 13): a module
# name with an escape sequence and a line break is shown escaped (\x1B, \x0A) in inspect's
# table and in its error messages, each one line; --json keeps the exact name, JSON-escaped.
: "${LORASCOPE:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lorascope-names.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
python3 - "$tmp/a.safetensors" <<'PY'
import json, struct, sys
name = "base_model.model.layer.\x1b[2J\x1b]0;pwned\x07evil\nq"
r, din, dout = 2, 3, 4
tensors, data = {}, b""
for key, shape in ((name + ".lora_A.weight", [r, din]), (name + ".lora_B.weight", [dout, r])):
    n = shape[0] * shape[1]
    blob = struct.pack("<%df" % n, *[0.5 + i for i in range(n)])
    tensors[key] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
    data += blob
head = json.dumps(tensors).encode()
open(sys.argv[1], "wb").write(struct.pack("<Q", len(head)) + head + data)
PY
"$LORASCOPE" inspect "$tmp/a.safetensors" >"$tmp/table" 2>"$tmp/err" || fail "inspect: $(cat "$tmp/err")"
LC_ALL=C grep -q "$(printf '\033')" "$tmp/table" && fail "an ESC byte reached the table"
grep -q -F 'layer.\x1B[2J\x1B]0;pwned\x07evil\x0Aq' "$tmp/table" || fail "escaped name not in: $(cat "$tmp/table")"
# The module row is one line: the name is not split by its newline.
[ "$(grep -c -F 'pwned' "$tmp/table")" -eq 2 ] || fail "the name spans lines: $(cat "$tmp/table")"
"$LORASCOPE" inspect "$tmp/a.safetensors" --json >"$tmp/json" || fail "inspect --json"
grep -q -i -F '\u001b[2J\u001b]0;pwned\u0007evil\nq' "$tmp/json" || fail "--json does not keep the exact name"
# An error naming the tensors: one line, escaped.
"$LORASCOPE" run --problem approx --target "$tmp/a.safetensors:nope" --steps 1 >/dev/null 2>"$tmp/err" &&
	fail "a missing tensor was accepted"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "error is not one line: $(cat "$tmp/err")"
LC_ALL=C grep -q "$(printf '\033')" "$tmp/err" && fail "an ESC byte reached stderr"
grep -q -F 'evil\x0Aq' "$tmp/err" || fail "error: $(cat "$tmp/err")"
echo "names from files shown escaped, one line each"
