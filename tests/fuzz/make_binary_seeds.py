#!/usr/bin/env python3
"""Writes the binary seed inputs of the fuzz targets safetensors_header, safetensors_file and
pytorch_bin into tests/fuzz/corpus/ (run it from anywhere; it needs no torch).

pytorch_model.bin seeds are pickled the way torch.save does (protocol 2, a persistent id per
storage, torch._utils._rebuild_tensor_v2, memo opcodes), with stand-ins for the torch classes so
that the pickler writes the same GLOBAL opcodes. See fuzz_pytorch_bin.cpp for the two input modes.
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import types
import zipfile

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    assert len(data) < 4096, (target, name, len(data))
    with open(os.path.join(folder, name), "wb") as out:
        out.write(data)


# ---- safetensors -------------------------------------------------------------------------------

def safetensors(header, data_bytes, raw_header=None):
    text = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":"))
    text = text.encode()
    return struct.pack("<Q", len(text)) + text + data_bytes


def safetensors_seeds():
    f32 = struct.pack("<2f", 1.5, -2.0)
    seeds = {
        "minimal": safetensors({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, f32),
        "two_tensors": safetensors(None, bytes(20), raw_header=(
            '{"__metadata__":{"format":"pt"},"a":{"dtype":"BF16","shape":[2,3],'
            '"data_offsets":[0,12]},"b":{"dtype":"F64","shape":[],"data_offsets":[12,20]}}    ')),
        "empty_tensor": safetensors(
            {"e": {"dtype": "U8", "shape": [0, 4], "data_offsets": [0, 0]}}, b""),
        "f16_matrix": safetensors(
            {"m": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]}},
            struct.pack("<4e", 1.0, 0.5, -3.0, 65504.0)),
        "i64_unsupported": safetensors(
            {"ids": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}, bytes(8)),
        "scalar_and_vector": safetensors(
            {"__metadata__": {"format": "pt", "note": "x"},
             "s": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]},
             "v": {"dtype": "F32", "shape": [3], "data_offsets": [4, 16]}},
            struct.pack("<4f", 1, 2, 3, 4)),
    }
    for name, data in seeds.items():
        write("safetensors_header", name, data)
        write("safetensors_file", name, data)


# ---- pytorch_model.bin -------------------------------------------------------------------------

def fake_torch():
    """Stand-ins with torch's module and class names, so that pickle writes torch's GLOBALs."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):
        raise NotImplementedError

    def _rebuild_parameter(*args):
        raise NotImplementedError

    for function in (_rebuild_tensor_v2, _rebuild_parameter):
        function.__module__ = "torch._utils"
        function.__qualname__ = function.__name__
        setattr(utils, function.__name__, function)
    for dtype in ("Float", "Half", "BFloat16", "Double", "Long", "Int", "Byte", "Bool", "QInt8"):
        cls = type(dtype + "Storage", (), {"__module__": "torch"})
        setattr(torch, cls.__name__, cls)
    torch._utils = utils
    sys.modules["torch"] = torch
    sys.modules["torch._utils"] = utils
    return torch, utils


TORCH, UTILS = fake_torch()
CHECKED = 0
ELEMENT = {"Float": "<f", "Half": "<e", "BFloat16": "<H", "Double": "<d", "Long": "<q",
           "Int": "<i", "Byte": "<B", "Bool": "<?", "QInt8": "<b"}


class Storage:
    def __init__(self, key, dtype, values):
        self.key, self.dtype, self.values = key, dtype, values

    def data(self):
        if self.dtype == "BFloat16":  # the upper half of the float32
            return b"".join(struct.pack("<f", v)[2:] for v in self.values)
        return b"".join(struct.pack(ELEMENT[self.dtype], v) for v in self.values)


class Tensor:
    def __init__(self, storage, offset, size, stride, parameter=False):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride
        self.parameter = parameter

    def __reduce__(self):
        tensor = (UTILS._rebuild_tensor_v2,
                  (self.storage, self.offset, tuple(self.size), tuple(self.stride), False,
                   collections.OrderedDict()))
        if not self.parameter:
            return tensor
        return (UTILS._rebuild_parameter, (Rebuilt(tensor), True, collections.OrderedDict()))


class Rebuilt:
    def __init__(self, reduced):
        self.reduced = reduced

    def __reduce__(self):
        return self.reduced


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", getattr(TORCH, obj.dtype + "Storage"), obj.key, "cpu",
                    len(obj.values))
        return None


def pickled(state):
    out = io.BytesIO()
    TorchPickler(out, protocol=2).dump(state)
    return out.getvalue()


def storages_of(state):
    found = {}
    for value in state.values() if isinstance(state, dict) else state:
        if isinstance(value, Tensor):
            found[value.storage.key] = value.storage
    return found


def raw_zip(state, archive="pytorch_model"):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        def add(name, data):  # fixed time stamps: the same bytes on every run
            z.writestr(zipfile.ZipInfo(archive + "/" + name, (2020, 1, 1, 0, 0, 0)), data)
        add("data.pkl", pickled(state))
        for key, storage in sorted(storages_of(state).items()):
            add("data/" + key, storage.data())
        add("version", b"3\n")
    return b"\x00" + out.getvalue()


def assembled(state, records=None):
    if os.environ.get("SEED_CHECK_DIR") and records is None:  # to try the seeds with a loader
        global CHECKED
        CHECKED += 1
        with open(os.path.join(os.environ["SEED_CHECK_DIR"], f"{CHECKED}.bin"), "wb") as out:
            out.write(raw_zip(state)[1:])
    data = b"\x01" + pickled(state)
    if records is None:
        records = {key: s.data() for key, s in storages_of(state).items()}
    for key, payload in sorted(records.items()):
        data += b"\xffREC:data/" + key.encode() + b"\n" + payload
    return data


def pytorch_bin_seeds():
    weights = Storage("0", "Float", [0.5, -1.0, 2.0, 0.25, 3.0, -0.5])
    bias = Storage("1", "Float", [0.1, 0.2])
    basic = {"classifier.weight": Tensor(weights, 0, [2, 3], [3, 1]),
             "classifier.bias": Tensor(bias, 0, [2], [1])}
    write("pytorch_bin", "raw_basic", raw_zip(basic))
    write("pytorch_bin", "assembled_basic", assembled(basic))

    shared = Storage("0", "Float", [float(i) for i in range(12)])
    views = {
        "distilbert.embeddings.word_embeddings.weight": Tensor(shared, 0, [3, 2], [2, 1]),
        "vocab_projector.weight": Tensor(shared, 0, [3, 2], [2, 1]),
        "transposed": Tensor(shared, 6, [2, 3], [1, 2]),
        "scalar": Tensor(shared, 11, [], []),
        "empty": Tensor(shared, 0, [0, 4], [4, 1]),
    }
    write("pytorch_bin", "raw_shared_views", raw_zip(views, archive="archive"))
    write("pytorch_bin", "assembled_shared_views", assembled(views))

    dtypes = {}
    for i, dtype in enumerate(("Half", "BFloat16", "Double", "Long", "Int", "Byte")):
        dtypes[dtype.lower()] = Tensor(Storage(str(i), dtype, [1, 2, 3]), 0, [3], [1])
    write("pytorch_bin", "assembled_dtypes", assembled(dtypes))
    write("pytorch_bin", "assembled_bool", assembled(
        {"mask": Tensor(Storage("0", "Bool", [True, False]), 0, [2], [1]),
         "w": Tensor(Storage("1", "Float", [1.0]), 0, [1], [1])}))
    # One entry: pickle writes SETITEM, which LibTorch 1.13's unpickler does not know.
    write("pytorch_bin", "assembled_parameter", assembled(
        {"p": Tensor(Storage("0", "Float", [1.0, 2.0]), 0, [2], [1], parameter=True)}))
    write("pytorch_bin", "assembled_short_record", assembled(
        {"w": Tensor(Storage("0", "Float", [1.0] * 8), 2, [2, 3], [3, 1]),
         "b": Tensor(Storage("1", "Float", [1.0]), 0, [1], [1])},
        records={"0": b"\0" * 8, "1": b"\0" * 4}))
    write("pytorch_bin", "assembled_not_a_dict", assembled(
        [Tensor(Storage("0", "Float", [1.0]), 0, [1], [1]), 1, "x"]))
    write("pytorch_bin", "assembled_non_tensor_value", assembled({"w": 3, "n": None}))
    state = collections.OrderedDict([("w", Tensor(Storage("0", "Float", [1.0, 2.0]), 0, [2], [1])),
                                     ("b", Tensor(Storage("1", "Float", [3.0]), 0, [1], [1]))])
    write("pytorch_bin", "assembled_ordereddict", assembled(state))


def pytorch_bin_regressions():
    """Minimal pickles that broke LibTorch 1.13's unpickler before core checked data.pkl (issue 8);
    each is data.pkl alone, in the assembled mode."""
    cases = {
        # BINUNICODE of 1.6 GB in an 8-byte pickle: an allocation of that size.
        "regress_huge_string_length": b"\x80\x02X\x04\x03rc",
        # LONG_BINPUT 2^31-1: the memo table grew to 2^31 entries (32 GB).
        "regress_memo_index_skips_ahead": b"\x80\x02}r\xff\xff\xff\x7f.",
        # BINGET of an entry never written: std::out_of_range escaped core.
        "regress_memo_read_unwritten": b"\x80\x02}q\x00h\x06.",
        # BUILD, REDUCE and TUPLE2 on an empty stack: SIGSEGV.
        "regress_build_empty_stack": b"\x80\x02b",
        "regress_reduce_empty_stack": b"\x80\x02R.",
        "regress_tuple2_empty_stack": b"\x80\x02\x86.",
        # REDUCE with one item: "attempting free on address which was not malloc()-ed".
        "regress_reduce_one_item": b"\x80\x02K\x01R.",
    }
    for name, pickle_bytes in cases.items():
        write("pytorch_bin", name, b"\x01" + pickle_bytes)

    # A tensor on a torch.QInt8Storage: converting it to float32 threw c10::Error out of core.
    write("pytorch_bin", "regress_quantized_storage", assembled(
        {"w": Tensor(Storage("0", "QInt8", [1, 2]), 0, [2], [1]),
         "b": Tensor(Storage("1", "Float", [1.0]), 0, [1], [1])}))

    # A 2-byte stored "version" record whose directory entry claims 4 GB: LibTorch's reader
    # allocated the claimed size before reading (raw mode; found by fuzz_pytorch_bin).
    weights = Storage("0", "Float", [0.5, -1.0])
    data = bytearray(raw_zip({"a": Tensor(weights, 0, [2], [1]),
                              "b": Tensor(weights, 1, [1], [1])}))
    write("pytorch_bin", "regress_record_claims_4gb",
          bytes(claim_size(data, b"/version", 0xfffff000)))


def claim_size(data, suffix, size):
    """Sets the uncompressed size of the central directory entry whose name ends in suffix."""
    pos = 0
    while True:
        pos = data.index(b"PK\x01\x02", pos + 1)
        name_size = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + name_size].endswith(suffix):
            struct.pack_into("<I", data, pos + 24, size)
            return data


if __name__ == "__main__":
    safetensors_seeds()
    pytorch_bin_seeds()
    pytorch_bin_regressions()
