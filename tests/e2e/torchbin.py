#!/usr/bin/env python3
"""torchbin.py — test helper, independent of lorascope's C reader (standard library only,
no torch, no numpy).

  torchbin.py to-safetensors IN.bin OUT.safetensors
      Read a torch.save zip archive with zipfile and a restricted pickle.Unpickler (only the
      state-dict globals; storages through persistent_load), rebuild each tensor's raw
      little-endian bytes from its storage, offset and strides, and write them as
      .safetensors with struct + json.
  torchbin.py from-safetensors IN.safetensors OUT.bin
      Write IN's tensors as torch.save does (a zip archive: archive/data.pkl, a protocol 2
      pickle of an OrderedDict of _rebuild_tensor_v2 calls on persistent storages, and
      archive/data/<key>), the first LoRA matrix stored transposed (column-major strides) so that
      readers must follow strides.
  torchbin.py evil OUT.bin MARKER
      Write a torch.save-shaped archive whose pickle calls os.system('touch MARKER'): a
      reader that ran pickled code would create MARKER.
"""
import collections
import io
import json
import pickle
import struct
import sys
import types
import zipfile

STORAGES = {
    "DoubleStorage": ("F64", 8), "FloatStorage": ("F32", 4), "HalfStorage": ("F16", 2),
    "BFloat16Storage": ("BF16", 2), "LongStorage": ("I64", 8), "IntStorage": ("I32", 4),
    "ShortStorage": ("I16", 2), "CharStorage": ("I8", 1), "ByteStorage": ("U8", 1),
    "BoolStorage": ("BOOL", 1),
}


def rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks, metadata=None):
    (dtype, esize), raw = storage
    count = 1
    for d in size:
        count *= d
    out = bytearray()
    idx = [0] * len(size)
    for _ in range(count):
        e = offset + sum(i * s for i, s in zip(idx, stride))
        out += raw[e * esize:(e + 1) * esize]
        for k in reversed(range(len(size))):
            idx[k] += 1
            if idx[k] < size[k]:
                break
            idx[k] = 0
    return {"dtype": dtype, "shape": list(size), "data": bytes(out)}


def to_safetensors(src, dst):
    z = zipfile.ZipFile(src)
    pkl = [n for n in z.namelist() if n.endswith("/data.pkl")][0]
    prefix = pkl[: -len("/data.pkl")]
    names = set(z.namelist())
    if prefix + "/byteorder" in names:
        assert z.read(prefix + "/byteorder") == b"little"

    class Restricted(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) == ("collections", "OrderedDict"):
                return collections.OrderedDict
            if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                return rebuild_tensor_v2
            if (module, name) == ("torch._utils", "_rebuild_parameter"):
                return lambda t, grad, hooks: t
            if module == "torch" and name in STORAGES:
                return STORAGES[name]
            raise pickle.UnpicklingError("global %s %s refused" % (module, name))

        def persistent_load(self, pid):
            tag, kind, key, _location, numel = pid
            assert tag == "storage"
            raw = z.read("%s/data/%s" % (prefix, key))
            assert len(raw) == numel * kind[1]
            return kind, raw

    state = Restricted(io.BytesIO(z.read(pkl))).load()
    header, blobs, pos = {}, [], 0
    for name in sorted(state):
        t = state[name]
        header[name] = {"dtype": t["dtype"], "shape": t["shape"],
                        "data_offsets": [pos, pos + len(t["data"])]}
        blobs.append(t["data"])
        pos += len(t["data"])
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def from_safetensors(src, dst):
    raw = open(src, "rb").read()
    (hlen,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + hlen])
    data = raw[8 + hlen:]
    kinds = {v[0]: (k, v[1]) for k, v in STORAGES.items()}

    # Stand-ins that pickle by reference as torch's own names (nothing of torch is needed).
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):
        raise AssertionError("never called")
    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    for name in STORAGES:
        setattr(torch, name, type(name, (), {"__module__": "torch", "__qualname__": name}))
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils

    class Storage:
        def __init__(self, kind, key, numel):
            self.pid = ("storage", kind, key, "cpu", numel)

    class Tensor:
        def __init__(self, storage, shape, stride):
            self.args = (storage, 0, tuple(shape), tuple(stride), False,
                         collections.OrderedDict())

        def __reduce_ex__(self, protocol):
            return (_rebuild_tensor_v2, self.args)

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            return obj.pid if isinstance(obj, Storage) else None

    state, blobs, transposed = collections.OrderedDict(), [], False
    for i, name in enumerate(sorted(k for k in header if k != "__metadata__")):
        t = header[name]
        kind, esize = kinds[t["dtype"]]
        b, e = t["data_offsets"]
        body, shape = data[b:e], t["shape"]
        stride = [1] * len(shape)
        for k in range(len(shape) - 2, -1, -1):
            stride[k] = stride[k + 1] * shape[k + 1]
        if not transposed and len(shape) == 2 and ".lora_" in name:
            transposed = True
            # Column-major: element (r, c) at c*rows + r.
            rows, cols = shape
            body = b"".join(body[(r * cols + c) * esize:(r * cols + c + 1) * esize]
                            for c in range(cols) for r in range(rows))
            stride = [1, rows]
        numel = len(body) // esize
        state[name] = Tensor(Storage(getattr(torch, kind), str(i), numel), shape, stride)
        blobs.append(body)
    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(state)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        z.writestr("archive/byteorder", "little")
        for i, body in enumerate(blobs):
            z.writestr("archive/data/%d" % i, body)
        z.writestr("archive/version", "3\n")


def evil(dst, marker):
    # GLOBAL 'os system', the argument tuple, REDUCE: what a malicious pickle does.
    pkl = (b"\x80\x02}q\x00X\x01\x00\x00\x00acos\nsystem\nq\x01X" +
           struct.pack("<I", len("touch " + marker)) + ("touch " + marker).encode() +
           b"\x85R\x73.")
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")


if __name__ == "__main__":
    if sys.argv[1] == "to-safetensors":
        to_safetensors(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "from-safetensors":
        from_safetensors(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "evil":
        evil(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: torchbin.py to-safetensors IN OUT | from-safetensors IN OUT | evil OUT MARKER")
