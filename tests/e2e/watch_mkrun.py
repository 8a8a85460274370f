#!/usr/bin/env python3
"""watch_mkrun.py — write a Trainer-layout run with known LoRA factors for the watch tests.

usage: watch_mkrun.py DIR STEP [STEP ...] [--modules M] [--theta DEG] [--dtype F32|BF16]
                      [--partial] [--expect FILE]

Each DIR/checkpoint-STEP gets adapter_model.safetensors (written with struct),
adapter_config.json (r = 4, lora_alpha = 8: s = 2) and trainer_state.json. Module l at the
t-th checkpoint (t = 0, 1, ...) has A_peft = the first r rows of the identity (r x in) and
B_peft's column i = sigma_i * (cos(t*theta) e_i + sin(t*theta) e_{r+i}), sigma_i =
(l + 1)(t + 1)(r - i): dW = s*B*A has singular values s*sigma_i, and the principal angles
between consecutive checkpoints' column spaces are all theta. --partial writes the last
checkpoint's weights cut short (a save in progress). --expect writes, per checkpoint and
module, step,module,fro,spec,drift,max_angle computed here on the dense dW of the values as
stored (drift empty for the first checkpoint)."""
import json
import math
import os
import struct
import sys

OUT, IN, R, ALPHA = 12, 10, 4, 8


def bf16(x):
    return struct.pack("<f", x)[2:4]  # truncated to BF16; dense() reads the same bits


def tensor_bytes(rows, dtype):
    if dtype == "F32":
        return b"".join(struct.pack("<f", v) for row in rows for v in row)
    return b"".join(bf16(v) for row in rows for v in row)


def safetensors(tensors, dtype):
    header, data = {}, b""
    for name, rows in tensors:
        raw = tensor_bytes(rows, dtype)
        header[name] = {"dtype": dtype, "shape": [len(rows), len(rows[0])],
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def factors(l, t, theta):
    sig = [(l + 1) * (t + 1) * (R - i) for i in range(R)]
    a = [[1.0 if j == i else 0.0 for j in range(IN)] for i in range(R)]
    c, s = math.cos(math.radians(t * theta)), math.sin(math.radians(t * theta))
    b = [[0.0] * R for _ in range(OUT)]
    for i in range(R):
        b[i][i] = sig[i] * c
        b[R + i][i] = sig[i] * s
    return a, b


def dense(a, b, dtype):
    """dW = s * B * A from the values as stored (BF16 and F32 round them)."""
    if dtype == "F32":
        rd = lambda v: struct.unpack("<f", struct.pack("<f", v))[0]
    else:
        rd = lambda v: struct.unpack("<f", b"\0\0" + bf16(v))[0]
    s = ALPHA / R
    return [[s * sum(rd(b[i][k]) * rd(a[k][j]) for k in range(R)) for j in range(IN)]
            for i in range(OUT)]


def fro(m):
    return math.sqrt(sum(v * v for row in m for v in row))


def main(argv):
    args, steps, mods, theta, dtype, partial, expect = argv[1:], [], 3, 10.0, "F32", False, None
    d = args.pop(0)
    while args:
        x = args.pop(0)
        if x == "--modules":
            mods = int(args.pop(0))
        elif x == "--theta":
            theta = float(args.pop(0))
        elif x == "--dtype":
            dtype = args.pop(0)
        elif x == "--partial":
            partial = True
        elif x == "--expect":
            expect = args.pop(0)
        else:
            steps.append(int(x))
    os.makedirs(d, exist_ok=True)
    rows, log, prev = [], [], {}
    for t, step in enumerate(steps):
        ck = os.path.join(d, "checkpoint-%d" % step)
        os.makedirs(ck, exist_ok=True)
        tensors = []
        for l in range(mods):
            a, b = factors(l, t, theta)
            name = "base_model.model.model.layers.%d.self_attn.q_proj" % l
            tensors += [(name + ".lora_A.weight", a), (name + ".lora_B.weight", b)]
            w = dense(a, b, dtype)
            f = fro(w)
            # dW's columns have disjoint supports: its singular values are their norms.
            spec = max(math.sqrt(sum(w[i][j] ** 2 for i in range(OUT))) for j in range(IN))
            # Column i of dW turns in the plane (e_i, e_{r+i}): the principal angles are the
            # changes of its direction there.
            phi = [math.atan2(w[R + i][i], w[i][i]) for i in range(R)]
            if l in prev:
                diff = [[w[i][j] - prev[l][0][i][j] for j in range(IN)] for i in range(OUT)]
                turn = max(abs(p - q) for p, q in zip(phi, prev[l][1]))
                drift = "%.17g" % (fro(diff) / fro(prev[l][0]))
                angle = "%.17g" % math.degrees(turn)
            else:
                drift = angle = ""
            prev[l] = (w, phi)
            rows.append("%d,model.layers.%d.self_attn.q_proj,%.17g,%.17g,%s,%s"
                        % (step, l, f, spec, drift, angle))
        blob = safetensors(tensors, dtype)
        if partial and t == len(steps) - 1:
            blob = blob[: len(blob) * 2 // 3]
        with open(os.path.join(ck, "adapter_model.safetensors"), "wb") as f:
            f.write(blob)
        with open(os.path.join(ck, "adapter_config.json"), "w") as f:
            json.dump({"peft_type": "LORA", "r": R, "lora_alpha": ALPHA,
                       "target_modules": ["q_proj"]}, f)
        log.append({"epoch": step / 100.0, "grad_norm": 1.0 / (t + 1),
                    "learning_rate": 1e-4 * (1 - t / 10.0), "loss": 2.0 / (t + 1),
                    "step": step})
        log.append({"epoch": step / 100.0, "eval_loss": 2.5 / (t + 1), "step": step})
        with open(os.path.join(ck, "trainer_state.json"), "w") as f:
            f.write(json.dumps({"global_step": step, "log_history": log}, indent=2))
    if expect:
        with open(expect, "w") as f:
            f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main(sys.argv)
