#!/bin/sh
# run_savepeft.sh — `run --save-peft DIR --every K` writes DIR/checkpoint-N in the Trainer
# layout: the expected checkpoints (every K steps and a final one unless it coincides, no
# temporary left); the safetensors tensors are the snapshot's factors bit for bit (lora_B = A,
# lora_A = Bᵀ, read with python's struct); `inspect --json` σ equals a Jacobi SVD (python) of
# the dense s·A·Bᵀ; --init-a-file/--init-b-file read the checkpoint back to the same bits;
# every JSON parses, trainer_state.json has TrainerState's fields and its log_history the
# run's rows exactly; PEFT's scaling = s for each --scaling rule; mlp's two modules; refusals
# (a file, no parent, a foreign checkpoint-N) exit 2 with one line and write nothing.
. "$top_srcdir/tests/e2e/run_lib.sh"
command -v python3 >/dev/null 2>&1 || exit 77

P="--m 12 --n 10 --rank 3 --lambda 0.1 --no-timing"
# shellcheck disable=SC2086
"$LORASCOPE" run $P --steps 12 --every 5 --save-peft "$TMP/out" --trace "$TMP/t.csv" \
	--snapshot "$TMP/snap" >"$TMP/rows" || fail "run --save-peft exited $?"
[ "$(ls "$TMP/out" | tr '\n' ' ')" = "checkpoint-10 checkpoint-12 checkpoint-5 " ] ||
	fail "checkpoints: $(ls "$TMP/out" | tr '\n' ' ')"
for n in 5 10 12; do
	for f in adapter_model.safetensors adapter_config.json trainer_state.json; do
		[ -f "$TMP/out/checkpoint-$n/$f" ] || fail "no checkpoint-$n/$f"
	done
	"$LORASCOPE" inspect "$TMP/out/checkpoint-$n" --json >"$TMP/inspect-$n.json" ||
		fail "inspect checkpoint-$n exited $?"
done
# A final step that is a multiple of --every is saved once.
# shellcheck disable=SC2086
"$LORASCOPE" run $P --steps 10 --every 5 --save-peft "$TMP/out10" >/dev/null ||
	fail "run --steps 10 exited $?"
[ "$(ls "$TMP/out10" | tr '\n' ' ')" = "checkpoint-10 checkpoint-5 " ] ||
	fail "checkpoints of --steps 10: $(ls "$TMP/out10" | tr '\n' ' ')"

# Reading the factors back: the snapshot of --init-a/b-file from checkpoint-12 holds the
# factors of the run's own snapshot at step 12, bit for bit.
st="$TMP/out/checkpoint-12/adapter_model.safetensors"
# shellcheck disable=SC2086
"$LORASCOPE" run $P --steps 0 --init-a-file "$st:base_model.model.approx.W.lora_B.weight" \
	--init-b-file "$st:base_model.model.approx.W.lora_A.weight" --snapshot "$TMP/back" \
	>/dev/null || fail "run with the checkpoint's factors exited $?"
cmp -s "$TMP/snap/A_0.npy" "$TMP/back/A_0.npy" || fail "A read back differs"
cmp -s "$TMP/snap/B_0.npy" "$TMP/back/B_0.npy" || fail "B read back differs"

python3 - "$TMP" <<'EOF' || fail "checkpoint contents (python)"
import json, math, os, struct, sys
tmp = sys.argv[1]

def npy(path):  # lorascope's '<f8' Fortran-order .npy -> list of rows
    b = open(path, 'rb').read()
    hl = struct.unpack('<H', b[8:10])[0]
    hdr = b[10:10 + hl].decode()
    assert "'<f8'" in hdr and 'True' in hdr, hdr
    shape = tuple(int(x) for x in hdr.split('(')[1].split(')')[0].split(',') if x.strip())
    m, n = shape
    v = struct.unpack('<%dd' % (m * n), b[10 + hl:])
    return [[v[i + j * m] for j in range(n)] for i in range(m)]

def safetensors(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    assert n % 8 == 0, 'header length %d not a multiple of 8' % n
    h = json.loads(b[8:8 + n])
    data = b[8 + n:]
    out = {}
    end = 0
    for k, t in h.items():
        if k == '__metadata__':
            continue
        assert t['dtype'] == 'F64', t
        r, c = t['shape']
        s, e = t['data_offsets']
        assert e - s == 8 * r * c and s == end, t
        end = e
        v = struct.unpack('<%dd' % (r * c), data[s:e])
        out[k] = [list(v[i * c:(i + 1) * c]) for i in range(r)]
    assert end == len(data), 'trailing bytes'
    return h.get('__metadata__', {}), out

def bits(x):
    return struct.pack('<d', x)

def svals(X):  # one-sided Jacobi on the columns of X (m >= n)
    m, n = len(X), len(X[0])
    U = [row[:] for row in X]
    for sweep in range(60):
        off = 0.0
        for p in range(n):
            for q in range(p + 1, n):
                a = sum(U[i][p] ** 2 for i in range(m))
                b = sum(U[i][q] ** 2 for i in range(m))
                g = sum(U[i][p] * U[i][q] for i in range(m))
                if abs(g) <= 1e-300 or abs(g) <= 1e-17 * math.sqrt(a * b):
                    continue
                off = max(off, abs(g) / math.sqrt(a * b))
                z = (b - a) / (2 * g)
                t = math.copysign(1.0, z) / (abs(z) + math.sqrt(1 + z * z))
                c = 1 / math.sqrt(1 + t * t)
                s = c * t
                for i in range(m):
                    up, uq = U[i][p], U[i][q]
                    U[i][p], U[i][q] = c * up - s * uq, s * up + c * uq
        if off < 1e-16:
            break
    return sorted((math.sqrt(sum(U[i][j] ** 2 for i in range(m))) for j in range(n)),
                  reverse=True)

# The factors at step 12: lora_B = A (12x3), lora_A = B^T (3x10), bit for bit.
A = npy(tmp + '/snap/A_0.npy')
B = npy(tmp + '/snap/B_0.npy')
meta, T = safetensors(tmp + '/out/checkpoint-12/adapter_model.safetensors')
assert sorted(T) == ['base_model.model.approx.W.lora_A.weight',
                     'base_model.model.approx.W.lora_B.weight'], sorted(T)
LB = T['base_model.model.approx.W.lora_B.weight']
LA = T['base_model.model.approx.W.lora_A.weight']
assert len(LB) == 12 and len(LB[0]) == 3 and len(LA) == 3 and len(LA[0]) == 10
assert all(bits(LB[i][j]) == bits(A[i][j]) for i in range(12) for j in range(3)), 'lora_B != A'
assert all(bits(LA[j][i]) == bits(B[i][j]) for i in range(10) for j in range(3)), 'lora_A != B^T'
assert meta['format'] == 'pt' and meta['lorascope.step'] == '12', meta
assert meta['lorascope.problem'] == 'approx' and meta['lorascope.seed'] == '1', meta
assert 'lorascope' in meta and meta['lorascope.rank'] == '3', meta

# sigma of inspect = sigma of the dense X = s A B^T (s = 1, --scaling one).
X = [[sum(A[i][k] * B[j][k] for k in range(3)) for j in range(10)] for i in range(12)]
sv = svals(X)[:3]
ins = json.load(open(tmp + '/inspect-12.json'))
mod = ins['modules']
assert len(mod) == 1 and mod[0]['name'] == 'approx.W' and mod[0]['shape'] == [12, 10], mod
assert mod[0]['scaling'] == 1.0 and mod[0]['r'] == 3
for a, b in zip(mod[0]['singular_values'], sv):
    assert abs(a - b) <= 1e-12 * sv[0], (mod[0]['singular_values'], sv)

# The run's rows (the trace, 17 digits) and each checkpoint's log_history.
rows = []
for line in open(tmp + '/t.csv'):
    if line.startswith('#') or line.startswith('step') or not line.strip():
        continue
    f = line.strip().split(',')
    rows.append((int(f[0]), float(f[1]), float(f[3]), float(f[4])))
assert [r[0] for r in rows] == [0, 5, 10, 12], rows
STATE_KEYS = {'best_metric', 'best_model_checkpoint', 'epoch', 'eval_steps', 'global_step',
              'is_hyper_param_search', 'is_local_process_zero', 'is_world_process_zero',
              'log_history', 'logging_steps', 'max_steps', 'num_train_epochs', 'save_steps',
              'total_flos', 'train_batch_size', 'trial_name', 'trial_params'}
# LoraConfig's fields (PEFT 0.7+) that may appear: nothing else is written.
CONFIG_KEYS = {'alpha_pattern', 'base_model_name_or_path', 'bias', 'fan_in_fan_out',
               'inference_mode', 'init_lora_weights', 'layers_pattern',
               'layers_to_transform', 'lora_alpha', 'lora_dropout', 'modules_to_save',
               'peft_type', 'r', 'rank_pattern', 'revision', 'target_modules', 'task_type',
               'use_rslora'}
for n in (5, 10, 12):
    d = '%s/out/checkpoint-%d/' % (tmp, n)
    s = json.load(open(d + 'trainer_state.json'))
    assert set(s) == STATE_KEYS, set(s) ^ STATE_KEYS
    assert s['global_step'] == n and s['max_steps'] == 12 and s['epoch'] is None, s
    assert s['save_steps'] == 5 and s['logging_steps'] == 5 and s['best_metric'] is None
    want = [r for r in rows if r[0] <= n]
    got = s['log_history']
    assert [e['step'] for e in got] == [r[0] for r in want], got
    for e, r in zip(got, want):
        assert set(e) == {'step', 'loss', 'grad_norm', 'learning_rate'}, e
        assert e['loss'] == r[1] and e['grad_norm'] == r[2], (e, r)
        assert (e['learning_rate'] is None) == math.isnan(r[3]), (e, r)
        assert e['learning_rate'] is None or e['learning_rate'] == r[3], (e, r)
    c = json.load(open(d + 'adapter_config.json'))
    assert set(c) == CONFIG_KEYS, set(c) ^ CONFIG_KEYS
    assert c['peft_type'] == 'LORA' and c['r'] == 3 and c['lora_alpha'] == 3, c
    assert c['use_rslora'] is False and c['bias'] == 'none', c
    assert c['target_modules'] == ['W'] and c['base_model_name_or_path'] is None, c
    assert not [f for f in os.listdir(tmp + '/out') if not f.startswith('checkpoint-')]
EOF

# PEFT's scaling is lorascope's s for every rule; the mlp's modules are fc1 and fc2.
for rule in "alpha-r 6 2" "rslora 6 3.4641016151377544"; do
	set -- $rule
	# shellcheck disable=SC2086
	"$LORASCOPE" run $P --steps 3 --every 5 --scaling "$1" --alpha "$2" \
		--save-peft "$TMP/sc-$1" >/dev/null || fail "run --scaling $1 exited $?"
	"$LORASCOPE" inspect "$TMP/sc-$1/checkpoint-3" --json >"$TMP/sc.json" ||
		fail "inspect --scaling $1"
	python3 - "$TMP/sc.json" "$3" "$TMP/sc-$1/checkpoint-3/adapter_config.json" <<'EOF' ||
import json, sys
m = json.load(open(sys.argv[1]))['modules'][0]
c = json.load(open(sys.argv[3]))
assert abs(m['scaling'] - float(sys.argv[2])) <= 1e-15 * float(sys.argv[2]), m['scaling']
assert c['use_rslora'] == ('rslora' in sys.argv[3]) and c['lora_alpha'] == 6, c
EOF
		fail "scaling $1: PEFT's scaling is not s"
done
"$LORASCOPE" run --problem mlp --modules 2 --steps 4 --every 5 --no-timing \
	--save-peft "$TMP/mlp" >/dev/null || fail "mlp run exited $?"
"$LORASCOPE" inspect "$TMP/mlp/checkpoint-4" --json >"$TMP/mlp.json" || fail "inspect mlp"
python3 - "$TMP/mlp.json" "$TMP/mlp/checkpoint-4/adapter_config.json" <<'EOF' ||
import json, sys
mods = json.load(open(sys.argv[1]))['modules']
assert [m['name'] for m in mods] == ['mlp.fc1', 'mlp.fc2'], mods
assert json.load(open(sys.argv[2]))['target_modules'] == ['fc1', 'fc2']
EOF
	fail "mlp modules"

# Refusals before step 1: one line, exit 2, nothing written.
refused() { # refused WHAT DIR: the run exits 2 with one line naming --save-peft
	# shellcheck disable=SC2086
	"$LORASCOPE" run $P --steps 10 --every 5 --save-peft "$2" >"$TMP/o" 2>"$TMP/e"
	rc=$?
	[ "$rc" -eq 2 ] || fail "$1: exit $rc, not 2"
	[ "$(wc -l <"$TMP/e")" -eq 1 ] && grep -q -- '--save-peft' "$TMP/e" ||
		fail "$1: message: $(cat "$TMP/e")"
	[ ! -s "$TMP/o" ] || fail "$1: rows written"
}
: >"$TMP/file"
refused "a file" "$TMP/file"
refused "no parent" "$TMP/nowhere/out"
[ ! -e "$TMP/nowhere" ] || fail "no parent: created something"
mkdir -p "$TMP/foreign/checkpoint-5"
echo theirs >"$TMP/foreign/checkpoint-5/adapter_model.safetensors"
refused "a foreign checkpoint-5" "$TMP/foreign"
[ "$(ls "$TMP/foreign")" = "checkpoint-5" ] || fail "foreign: wrote $(ls "$TMP/foreign")"
[ "$(cat "$TMP/foreign/checkpoint-5/adapter_model.safetensors")" = theirs ] ||
	fail "foreign checkpoint changed"
# Our own checkpoints are replaced (the run again: same bytes).
cp "$TMP/out/checkpoint-5/adapter_model.safetensors" "$TMP/ck5"
# shellcheck disable=SC2086
"$LORASCOPE" run $P --steps 12 --every 5 --save-peft "$TMP/out" >/dev/null ||
	fail "a run over its own checkpoints exited $?"
cmp -s "$TMP/ck5" "$TMP/out/checkpoint-5/adapter_model.safetensors" || fail "replaced differs"
[ "$(ls "$TMP/out" | tr '\n' ' ')" = "checkpoint-10 checkpoint-12 checkpoint-5 " ] ||
	fail "after replacing: $(ls "$TMP/out" | tr '\n' ' ')"
exit 0
