#!/bin/sh
# watch_data.sh — `lorascope watch DIR --once` on real PEFT factors, checked by python3 alone:
# the safetensors headers and data read with struct and json, ‖ΔW‖_F of every row and the
# drift ‖ΔW_t − ΔW_p‖_F/‖ΔW_p‖_F from r×r Grams (‖s·B·A‖_F² = s²·tr(BᵀB·AAᵀ)), s as PEFT
# defines it; --curves equal, value for value, to the log_history that python3's json module
# reads from the trainer_state.json the model should pick (DIR's or the last checkpoint's,
# whichever was modified last), NaN where an entry lacks the key.
# The run is LS_WATCH_RUN when set (any Trainer output directory of F32/F64 PEFT LoRA
# checkpoints without rank/alpha patterns), otherwise one built here: the fixture adapter of
# tests/data as checkpoint-10, its factors moved in checkpoints 20 (rsLoRA) and 30, a
# log_history with eval and summary entries, integers and NaN/Infinity literals, and an older
# DIR/trainer_state.json that must not be read until it is the newer one.
set -u
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT

if [ -n "${LS_WATCH_RUN:-}" ]; then
	run=$LS_WATCH_RUN
else
	run=$work/run
	python3 - "$top_srcdir/tests/data/peft-distilbert-imdb" "$run" <<'PY' || fail "building the run"
import json, math, os, shutil, struct, sys
real, run = sys.argv[1], sys.argv[2]
os.makedirs(run)
nan, inf = float("nan"), float("inf")
log = []
for i, s in enumerate((10, 20, 30)):
    log.append({"epoch": s / 37, "grad_norm": (11.475934982299805, nan, inf)[i],
                "learning_rate": 5e-05 * (1 - s / 60), "loss": (2, 1.4746, 0.9876543210987654)[i],
                "step": s})
    log.append({"epoch": s / 37, "eval_loss": 0.8508255481719971 + 1 / s, "eval_runtime": 404.5,
                "step": s})
log.append({"epoch": 30 / 37, "step": 30, "total_flos": 1063400890368000.0, "train_loss": 1.2})
# DIR/trainer_state.json first: older than the checkpoints' (set back below).
with open(os.path.join(run, "trainer_state.json"), "w") as f:
    json.dump({"log_history": [{"loss": 9.0, "step": 1}]}, f)
os.utime(os.path.join(run, "trainer_state.json"), (1e9, 1e9))
b = open(os.path.join(real, "adapter_model.safetensors"), "rb").read()
n = struct.unpack("<Q", b[:8])[0]
head = json.loads(b[8:8 + n])
lora = {k: v for k, v in head.items() if ".lora_" in k}
def values(k):
    s, e = lora[k]["data_offsets"]
    assert lora[k]["dtype"] == "F32"
    return list(struct.unpack("<%df" % ((e - s) // 4), b[8 + n + s:8 + n + e]))
configs = {20: {"r": 8, "lora_alpha": 32, "use_rslora": True}, 30: {"r": 8, "lora_alpha": 16}}
for step in (10, 20, 30):
    ck = os.path.join(run, "checkpoint-%d" % step)
    os.makedirs(ck)
    if step == 10:
        for f in ("adapter_model.safetensors", "adapter_config.json"):
            shutil.copy(os.path.join(real, f), ck)
    else:
        t = step // 10 - 1
        hdr, blob = {}, b""
        for k in sorted(lora):
            v = values(k)
            rms = math.sqrt(sum(x * x for x in v) / len(v))
            v = [x + 0.4 * t * rms * math.sin(0.37 * i + len(k)) for i, x in enumerate(v)]
            hdr[k] = {"dtype": "F32", "shape": lora[k]["shape"],
                      "data_offsets": [len(blob), len(blob) + 4 * len(v)]}
            blob += struct.pack("<%df" % len(v), *v)
        h = json.dumps(hdr).encode()
        with open(os.path.join(ck, "adapter_model.safetensors"), "wb") as f:
            f.write(struct.pack("<Q", len(h)) + h + blob)
        with open(os.path.join(ck, "adapter_config.json"), "w") as f:
            json.dump(configs[step], f)
    with open(os.path.join(ck, "trainer_state.json"), "w") as f:
        json.dump({"global_step": step, "log_history": [e for e in log if e["step"] <= step
                                                         and ("total_flos" not in e
                                                              or step == 30)]}, f)
PY
fi

# Every row against the Grams of the factors.
"$LORASCOPE" watch "$run" --once --format csv > "$work/rows.csv" || fail "--once exit $?"
python3 - "$run" "$work/rows.csv" <<'PY' || fail "rows"
import csv, json, math, os, re, struct, sys
from operator import mul
run, rows = sys.argv[1], list(csv.DictReader(open(sys.argv[2])))
steps = sorted(int(d[11:]) for d in os.listdir(run) if re.fullmatch(r"checkpoint-\d+", d)
               and os.path.exists(os.path.join(run, d, "adapter_model.safetensors")))
def load(step):
    ck = os.path.join(run, "checkpoint-%d" % step)
    cfg = json.load(open(os.path.join(ck, "adapter_config.json")))
    assert not cfg.get("rank_pattern") and not cfg.get("alpha_pattern"), "patterns: not checked"
    r = cfg["r"]
    s = cfg["lora_alpha"] / (math.sqrt(r) if cfg.get("use_rslora") else r)
    b = open(os.path.join(ck, "adapter_model.safetensors"), "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    head = json.loads(b[8:8 + n])
    def rows_of(k):  # the tensor as a list of its rows
        t = head[k]
        fmt = {"F32": "f", "F64": "d"}[t["dtype"]]
        lo, hi = t["data_offsets"]
        v = struct.unpack("<%d%s" % ((hi - lo) // struct.calcsize(fmt), fmt), b[8 + n + lo:8 + n + hi])
        c = t["shape"][1]
        return [v[i:i + c] for i in range(0, len(v), c)]
    mods = {}
    for k in head:
        m = re.fullmatch(r"base_model\.model\.(.*)\.lora_A\.weight", k)
        if m:
            A = rows_of(k)                                   # r x in
            B = rows_of("base_model.model.%s.lora_B.weight" % m.group(1))  # out x r
            Bc = [list(col) for col in zip(*B)]              # B's columns
            mods[m.group(1)] = (s, A, Bc, len(B), len(A[0]), len(A))
    return mods
def cross(p, q):  # <ΔW_p, ΔW_q>_F = s_p·s_q·tr((B_pᵀB_q)(A_q A_pᵀ))
    sp, Ap, Bp = p[:3]
    sq, Aq, Bq = q[:3]
    r = len(Ap)
    return sp * sq * sum(sum(map(mul, Bp[i], Bq[j])) * sum(map(mul, Aq[j], Ap[i]))
                         for i in range(r) for j in range(len(Aq)))
def close(got, want, rtol):
    return abs(float(got) - want) <= rtol * abs(want) + 1e-300
want, last, ndrift = [], {}, 0
for step in steps:
    mods = load(step)
    for name in mods:
        want.append((str(step), name))
    got = {(g["step"], g["module"]): g for g in rows if g["step"] == str(step)}
    for name, f in mods.items():
        g = got.get((str(step), name))
        assert g, "no row for %s at %d" % (name, step)
        assert (int(g["out"]), int(g["in"]), int(g["r"])) == f[3:], (name, step, g)
        ff = cross(f, f)
        assert close(g["fro"], math.sqrt(ff), 1e-10), (name, step, g["fro"], math.sqrt(ff))
        if name in last:
            p = last[name]
            pp = cross(p, p)
            d = math.sqrt(max(ff + pp - 2 * cross(p, f), 0) / pp)
            assert close(g["drift"], d, 1e-8), (name, step, g["drift"], d)
            ndrift += 1
        else:
            assert g["drift"] in ("first checkpoint", "new module"), (name, step, g["drift"])
        last[name] = f
assert sorted(want) == sorted((g["step"], g["module"]) for g in rows), "row set"
print("%d rows, %d drifts: ‖ΔW‖_F and drift as the Grams give them" % (len(rows), ndrift))
PY

# The curves against log_history of the file the model should read.
curves() {
	"$LORASCOPE" watch "$run" --once --curves --format csv > "$work/curves.csv" ||
		fail "--curves exit $?"
	python3 - "$run" "$work/curves.csv" <<'PY' || fail "curves"
import csv, json, math, os, re, sys
run = sys.argv[1]
last = max((d for d in os.listdir(run) if re.fullmatch(r"checkpoint-\d+", d)),
           key=lambda d: int(d[11:]))
cand = [p for p in (os.path.join(run, "trainer_state.json"),
                    os.path.join(run, last, "trainer_state.json")) if os.path.exists(p)]
src = max(cand, key=os.path.getmtime)
log = json.load(open(src))["log_history"]   # json takes NaN and Infinity as Python does
got = list(csv.DictReader(open(sys.argv[2])))
assert len(got) == len(log), (len(got), len(log), src)
for e, g in zip(log, got):
    for k in ("step", "epoch", "loss", "eval_loss", "grad_norm", "learning_rate"):
        v = float(e[k]) if k in e else math.nan
        assert float(g[k]) == v or (math.isnan(v) and math.isnan(float(g[k]))), (src, k, g[k], v)
print("%d log_history entries of %s" % (len(log), src))
PY
}
curves
if [ -z "${LS_WATCH_RUN:-}" ]; then
	# DIR/trainer_state.json made the newest: now it is the one read.
	printf '{"log_history": [{"loss": 0.25, "step": 31, "epoch": 1}]}\n' > "$run/trainer_state.json"
	touch -d 2001-01-01 "$run/checkpoint-30/trainer_state.json"
	curves
	[ "$(wc -l < "$work/curves.csv")" -eq 2 ] || fail "DIR/trainer_state.json not read"
fi
exit 0
