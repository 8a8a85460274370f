#!/bin/sh
# inspect_diff.sh — `lorascope inspect --diff A B`: the DistilBERT fixture against itself has
# zero drift and zero angles everywhere; against a copy written here (python3 struct) with
# layer 0's q_lin lora_B doubled (ΔW doubles: drift 1, same column space), layer 1's q_lin
# lora_A perturbed (drift checked against ‖s(B·A_b − B·A_a)‖_F from 16×16 Grams in python)
# and layer 5's v_lin left out (only in A; only in B the other way round); table and --json;
# bad input: exit 2, one line.
set -u
DIR="$top_srcdir/tests/data/peft-distilbert-imdb"
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 > /dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# The same adapter: every drift exactly 0, every angle 0, nothing only in one.
"$LORASCOPE" inspect --diff "$DIR" "$DIR" > "$tmp/self" || fail "self: exit status $?"
rows=$(grep -cE '^distilbert\.transformer\.layer\.[0-5]\.attention\.(q|v)_lin +768x768 .* 0 +0\.0000 +8  -$' "$tmp/self")
[ "$rows" -eq 12 ] || fail "self: expected 12 zero rows, got $rows: $(cat "$tmp/self")"
grep -q '^summary   12 modules in both, 0 only in A, 0 only in B' "$tmp/self" || fail "self summary"
"$LORASCOPE" inspect --diff --json "$DIR" "$DIR" > "$tmp/self.json" || fail "self json: $?"
python3 - "$tmp/self.json" <<'PY' || fail "self json content"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["modules"]) == 12 and d["summary"] == {"both": 12, "only_a": 0, "only_b": 0}
for m in d["modules"]:
    assert m["relative_drift"] == 0 and m["largest_angle_deg"] == 0, m
    assert m["principal_angles_deg"] == [0.0] * 8 and m["in"] == "both", m
PY

# The perturbed copy.
mkdir "$tmp/b"
cp "$DIR/adapter_config.json" "$tmp/b/"
python3 - "$DIR/adapter_model.safetensors" "$tmp/b/adapter_model.safetensors" <<'PY' || fail "writing the copy"
import json, math, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
head = json.loads(raw[8:8 + n])
data = raw[8 + n:]
pre = "base_model.model.distilbert.transformer.layer."
out, blob = {"__metadata__": head.get("__metadata__", {})}, b""
for name, t in head.items():
    if name == "__metadata__" or name.startswith(pre + "5.attention.v_lin."):
        continue
    a, b = t["data_offsets"]
    vals = list(struct.unpack("<%df" % ((b - a) // 4), data[a:b]))
    if name == pre + "0.attention.q_lin.lora_B.weight":
        vals = [2 * v for v in vals]
    if name == pre + "1.attention.q_lin.lora_B.weight":
        vals = [v + 0.01 * math.sin(i) for i, v in enumerate(vals)]
    out[name] = {"dtype": "F32", "shape": t["shape"],
                 "data_offsets": [len(blob), len(blob) + 4 * len(vals)]}
    blob += struct.pack("<%df" % len(vals), *vals)
h = json.dumps(out).encode()
h += b" " * (-len(h) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(h)) + h + blob)
PY
"$LORASCOPE" inspect --diff "$DIR" "$tmp/b" > "$tmp/ab" || fail "A B: exit status $?"
grep -qE '^distilbert\.transformer\.layer\.5\.attention\.v_lin +768x768 +[0-9.e-]+ +- +- +- +0  only in A$' "$tmp/ab" ||
	fail "only in A row: $(cat "$tmp/ab")"
grep -q '^summary   11 modules in both, 1 only in A, 0 only in B; largest drift: ' "$tmp/ab" ||
	fail "A B summary"
"$LORASCOPE" inspect --diff "$tmp/b" "$DIR" | grep -q '1 only in B' || fail "B A: only in B"
"$LORASCOPE" inspect --diff --json "$DIR" "$tmp/b" > "$tmp/ab.json" || fail "A B json: $?"
python3 - "$tmp/ab.json" "$DIR/adapter_model.safetensors" "$tmp/b/adapter_model.safetensors" <<'PY' || fail "A B json content"
import json, struct, sys
d = json.load(open(sys.argv[1]))
mods = {m["name"]: m for m in d["modules"]}
pre = "distilbert.transformer.layer."
def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    head, data = json.loads(raw[8:8 + n]), raw[8 + n:]
    def get(name):
        t = head["base_model.model." + name]
        a, b = t["data_offsets"]
        v = struct.unpack("<%df" % ((b - a) // 4), data[a:b])
        r, c = t["shape"]
        return [list(v[i * c:(i + 1) * c]) for i in range(r)]
    return get
A, B = load(sys.argv[2]), load(sys.argv[3])
def gram_rows(X, Y):  # X·Yᵀ for row lists
    return [[sum(p * q for p, q in zip(x, y)) for y in Y] for x in X]
def fro_diff(mod, s):
    # ΔW = s·B_peft·A_peft; ΔW_b − ΔW_a = s·[B_b, −B_a]·[A_b; A_a], ‖·‖² = tr(GB·GA).
    Bb, Ab = B(mod + ".lora_B.weight"), B(mod + ".lora_A.weight")
    Ba, Aa = A(mod + ".lora_B.weight"), A(mod + ".lora_A.weight")
    L = [rb + [-x for x in ra] for rb, ra in zip(Bb, Ba)]       # 768 × 16
    R = Ab + Aa                                                # 16 × 768
    Lt = [list(c) for c in zip(*L)]
    GL, GR = gram_rows(Lt, Lt), gram_rows(R, R)
    return s * sum(GL[i][j] * GR[j][i] for i in range(16) for j in range(16)) ** 0.5
q0, q1 = mods[pre + "0.attention.q_lin"], mods[pre + "1.attention.q_lin"]
# Doubled B: ΔW_B = 2ΔW_A, drift 1, same column space (acos keeps ~1e-8 rad).
assert abs(q0["relative_drift"] - 1) < 1e-6, q0
assert abs(q0["fro_norm_b"] - 2 * q0["fro_norm_a"]) < 1e-6 * q0["fro_norm_a"], q0
assert q0["largest_angle_deg"] < 1e-4 and len(q0["principal_angles_deg"]) == 8, q0
want = fro_diff(pre + "1.attention.q_lin", 2.0) / q1["fro_norm_a"]
assert abs(q1["relative_drift"] - want) < 1e-5 * want, (q1["relative_drift"], want)
assert q1["largest_angle_deg"] > 0.1, q1
angles = q1["principal_angles_deg"]
assert angles == sorted(angles) and len(angles) == 8 and angles[-1] == q1["largest_angle_deg"]
for name, m in mods.items():
    if name.endswith("5.attention.v_lin"):
        assert m["in"] == "A" and m["fro_norm_b"] is None and m["note"] == "only in A", m
    elif name not in (q0["name"], q1["name"]):
        assert m["relative_drift"] == 0 and m["largest_angle_deg"] == 0, m
assert d["summary"] == {"both": 11, "only_a": 1, "only_b": 0}, d["summary"]
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
check "--diff needs two paths" --diff "$DIR"
check "missing: no such file or directory" --diff "$DIR" "$tmp/missing"
printf 'junk' > "$tmp/b/adapter_model.safetensors"
check "b/adapter_model.safetensors: not a safetensors file" --diff "$DIR" "$tmp/b"
check "--diff takes only --json" --diff --tui "$DIR" "$DIR"
exit 0
